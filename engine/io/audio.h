// Voice audio in and out, as the StarGANv2-VC demo loads it (librosa.load(path, sr=24000), then
// audio / max|audio|) and as the vocoder's output is saved.
#pragma once

#include <string>
#include <vector>

#include "engine/safetensors.h"  // FileError

namespace xfv {

// The rate every voice model (generator, JDC, vocoder) runs at.
constexpr int kVoiceRate = 24000;

struct MonoAudio {
  std::vector<float> samples;
  int rate = 0;
};

// Reads a WAV, FLAC or OGG file (anything libsndfile decodes) of any rate and channel count
// and mixes it to mono, the mean of the channels, as librosa's to_mono does. Integer PCM is
// scaled to [-1, 1) as soundfile does. Throws FileError naming the file for an empty or
// unreadable file, an unsupported format, a header claiming more data than the file holds,
// no samples, or samples that are NaN or infinite.
MonoAudio read_mono_audio(const std::string& path);

// Resamples with libsoxr at high quality (SOXR_HQ, librosa's default "soxr_hq") to
// ceil(size * to / from) samples, the length librosa.resample fixes. The same rate returns
// the samples unchanged, as librosa does.
std::vector<float> resample(const std::vector<float>& samples, int from_rate, int to_rate);

// read_mono_audio, resampled to kVoiceRate and divided by its peak magnitude. Throws
// FileError for a silent file, whose peak normalization would divide by zero.
std::vector<float> load_voice(const std::string& path);

enum class WavEncoding { Pcm16, Float32 };

// Writes mono samples as a WAV file. 16-bit PCM is x * 32768, rounded, clipped to the
// 16-bit range rather than wrapping around.
// Written to a temporary name and renamed: a failure leaves no partial file. Throws
// std::invalid_argument for a rate < 1 or a NaN or infinite sample, FileError for I/O errors.
void save_wav(const std::string& path, const std::vector<float>& samples, int rate,
              WavEncoding encoding = WavEncoding::Pcm16);

}  // namespace xfv
