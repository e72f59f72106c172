// Fuzz target: recordings (WAV, FLAC, OGG: anything libsndfile decodes) read from memory
// through libsndfile's virtual I/O, mixed to mono, then prepared as a voice model's input
// (resampled to 24 kHz, peak-normalized), as load_voice does. A FileError naming the file is
// the refusal, and prepare_voice's documented std::invalid_argument (silence).
#include <stdexcept>
#include <vector>

#include "engine/io/audio.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const xfv::MonoAudio a = xfv::read_mono_audio_bytes(std::vector<unsigned char>(data, data + size), "fuzz.wav");
    // Resampling a long recording is libsoxr's time, not the parser's: a few seconds' worth.
    if (a.samples.size() <= 1u << 16)
      xfv::prepare_voice(a.samples.data(), static_cast<int64_t>(a.samples.size()), a.rate, xfv::kVoiceRate,
                         xfv::Gain::kPeakNormalize);
  } catch (const xfv::FileError&) {
  } catch (const std::invalid_argument&) {
  }
  return 0;
}
