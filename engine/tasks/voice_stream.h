// The voice conversion as a stream (docs/streaming.md): source samples in, in chunks of any
// size and at any rate, converted speech out at the models' rate as soon as it is
// determined. The stages, each a stream of its own:
//   ResamplerStream (to the models' rate) -> gain -> MelStream (exact) -> ConversionStream
//   (JDC and the generator on windows: approximate) -> the vocoder's input affine ->
//   VocoderStream (exact)
// The style is computed once by the caller (a reference, a latent or a face) and may change
// between pushes. The work runs in the calling thread, inside push() and flush(). Once the
// stream has given its first samples, push() and pull() allocate nothing (each stage runs in
// buffers made at creation or grown by the first pushes; docs/streaming.md).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "engine/io/audio.h"
#include "engine/tasks/conversion_stream.h"
#include "engine/tasks/mel_stream.h"
#include "engine/tasks/vocoder_stream.h"
#include "engine/tasks/voice_converter.h"

namespace xfv {

// What the source's level is multiplied by. The whole conversion divides the source by its
// peak, which a stream cannot know: kFixed multiplies by `fixed_gain` (1: the caller's
// level), kRunningPeak divides each sample by the largest magnitude so far (at least
// kRunningPeakFloor, so that leading silence is not blown up).
enum class StreamGain { kFixed, kRunningPeak };
constexpr float kRunningPeakFloor = 1e-3f;  // -60 dBFS

struct VoiceStreamOptions {
  int input_rate = kVoiceRate;  // of the samples pushed
  int chunk_samples = 480;      // the caller's chunk at input_rate: its wait counts in the latency
  StreamGain gain = StreamGain::kFixed;
  float fixed_gain = 1.f;
  ConversionStreamOptions conversion;
  uint64_t noise_seed = 0;  // Parallel WaveGAN's noise, as the whole conversion's seed
  // The vocoder's Winograd tiles on the whole run's grid (VocoderStream's exact_tiles: its
  // bits, at the cost of each conv's halo in look-ahead, 131 ms on HiFi-GAN V1). Off by
  // default: the generator's windows move the output by far more than the tiles' rounding.
  bool exact_vocoder_tiles = false;
};

class VoiceStream {
 public:
  // `style`: (1, style_dim) for the session's audio generator. Bad options are an
  // std::invalid_argument naming them.
  VoiceStream(ModelSession& models, const HostTensor& style, const VoiceStreamOptions& options);

  int rate() const { return voices_.rate(); }  // of the samples out
  // Appends source samples at options.input_rate. A NaN or infinite sample is an
  // std::invalid_argument that leaves the stream as it was; after flush() an std::logic_error.
  void push(const float* samples, int64_t count);
  // The source has ended: the rest of the converted speech.
  void flush();
  bool flushed() const { return flushed_; }
  // A new utterance, the same style; set_style() changes the style between pushes.
  void reset();
  void set_style(const HostTensor& style) { conversion_.set_style(style); }
  int64_t style_dim() const { return conversion_.style_dim(); }

  int64_t available() const { return vocoder_.available(); }
  int64_t pull(float* out, int64_t max) { return vocoder_.pull(out, max); }

  // Algorithmic latency at the output rate: the longest time from a source sample entering
  // push() to the output sample at the same time being available (docs/streaming.md).
  int64_t latency_samples() const;

 private:
  void feed(std::vector<float>& resampled);  // gain, mel, conversion, vocoder
  void drain_conversion();

  VoiceConverter voices_;
  VoiceStreamOptions options_;
  ResamplerStream resampler_;
  MelStream mel_;
  ConversionStream conversion_;
  VocoderStream vocoder_;
  double resampler_delay_;  // the filter's delay at the models' rate
  float peak_ = 0;
  bool flushed_ = false;
  std::vector<float> resampled_, frames_, converted_;  // reused between pushes
};

}  // namespace xfv
