// Voice audio in and out, as the StarGANv2-VC demo loads it (librosa.load(path, sr=24000); the
// source then audio / max|audio|, a reference as loaded) and as the vocoder's output is saved.
#pragma once

#include <cstdint>
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
// no samples, more than kMaxAudioFrames (engine/limits.h), or samples that are NaN or infinite.
MonoAudio read_mono_audio(const std::string& path);
// The same from a file's bytes in memory (libsndfile's virtual I/O; the fuzz targets' entry);
// `name` stands for the path in errors.
MonoAudio read_mono_audio_bytes(const std::vector<unsigned char>& bytes, const std::string& name);

// Resamples with libsoxr at high quality (SOXR_HQ, librosa's default "soxr_hq") to
// resampled_length(size, from, to) samples. The same rate returns the samples unchanged, as
// librosa does.
std::vector<float> resample(const std::vector<float>& samples, int from_rate, int to_rate);
// ceil(size * to / from), the length librosa.resample fixes; `size` itself at the same rate.
int64_t resampled_length(int64_t size, int from_rate, int to_rate);

// resample() as a stream: samples in chunks of any size, libsoxr's streaming interface with
// resample()'s filter (SOXR_HQ), the same rate passing samples through. After flush() the
// stream has given resampled_length(pushed) samples, those of resample() on the whole
// (tests/audio/test_audio.cpp).
class ResamplerStream {
 public:
  ResamplerStream(int from_rate, int to_rate);  // rates < 1: std::invalid_argument
  ~ResamplerStream();
  ResamplerStream(const ResamplerStream&) = delete;
  ResamplerStream& operator=(const ResamplerStream&) = delete;

  // Appends the resampled samples that `count` more input samples determine to `out`.
  void push(const float* samples, int64_t count, std::vector<float>& out);
  // The input has ended: appends the rest. push() after flush() is an std::logic_error.
  void flush(std::vector<float>& out);
  void reset();
  // Output samples the filter holds back (libsoxr's delay): its share of the latency.
  double delay_samples() const;

 private:
  void* soxr_ = nullptr;  // soxr_t, kept out of this header
  int from_, to_;
  int64_t pushed_ = 0, given_ = 0;
  bool flushed_ = false;
};

// The gain a recording gets before its mel, as the StarGANv2-VC demo (Demo/inference.ipynb)
// treats it: the source it converts is divided by its peak magnitude; a reference whose style
// it takes (compute_style) is used as loaded. The style encoder is not scale-invariant, so the
// two must not be confused.
enum class Gain { kPeakNormalize, kAsRecorded };

// Samples in memory made a voice model's input: resampled from `rate` to `to_rate`, then
// divided by their peak magnitude or not, as `gain` says. Throws std::invalid_argument for no
// samples, a rate outside kMinAudioRate..kMaxAudioRate, more than kMaxAudioFrames samples
// before or after resampling (engine/limits.h), a NaN or infinite sample, or silence (every sample zero): a source
// cannot be peak-normalized, a reference has no voice to take a style from.
std::vector<float> prepare_voice(const float* samples, int64_t count, int rate, int to_rate, Gain gain);

// read_mono_audio, then prepare_voice to `rate`. Throws FileError naming the file for what
// either refuses (a silent file among them).
std::vector<float> load_voice(const std::string& path, int rate, Gain gain);

enum class WavEncoding { Pcm16, Float32 };

// Writes mono samples as a WAV file. 16-bit PCM is x * 32768, rounded, clipped to the
// 16-bit range rather than wrapping around.
// Written to a temporary name and renamed: a failure leaves no partial file. Throws
// std::invalid_argument for a rate < 1 or a NaN or infinite sample, FileError for I/O errors.
void save_wav(const std::string& path, const std::vector<float>& samples, int rate,
              WavEncoding encoding = WavEncoding::Pcm16);

}  // namespace xfv
