#include "engine/tasks/voice_stream.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "engine/models/stargan_vc.h"

namespace xfv {
namespace {

// The mel front end runs one generator block at a time: the conversion needs whole blocks,
// so a frame waits for no other step of the mel's.
constexpr int kMelStepFrames = 4;

// The resampler's delay at the output rate once its filter is full: libsoxr reports what it
// holds back, which a tenth of a second of input settles.
double settled_delay(int from, int to) {
  if (from == to) return 0;
  ResamplerStream probe(from, to);
  std::vector<float> zeros(static_cast<size_t>(from / 10 + 1)), out;
  probe.push(zeros.data(), static_cast<int64_t>(zeros.size()), out);
  return probe.delay_samples();
}

}  // namespace

VoiceStream::VoiceStream(ModelSession& models, const HostTensor& style, const VoiceStreamOptions& o)
    : voices_(models),
      options_(o),
      resampler_(o.input_rate, voices_.rate()),
      mel_(models, kMelStepFrames),
      conversion_(voices_, style, o.conversion),
      vocoder_(models.shared_model(), 4 * o.conversion.step_blocks, o.noise_seed, o.exact_vocoder_tiles),
      resampler_delay_(settled_delay(o.input_rate, voices_.rate())) {
  if (o.chunk_samples < 1) throw std::invalid_argument("a voice stream's chunk of " + std::to_string(o.chunk_samples) + " samples");
  if (!(o.fixed_gain > 0 && std::isfinite(o.fixed_gain)))
    throw std::invalid_argument("a voice stream's fixed gain of " + std::to_string(o.fixed_gain) + ": positive and finite");
  if (vocoder_.hop() != voices_.hop())
    throw std::invalid_argument(models.path() + ": the vocoder's hop (" + std::to_string(vocoder_.hop()) +
                                ") is not the mel's (" + std::to_string(voices_.hop()) + ")");
}

void VoiceStream::push(const float* samples, int64_t count) {
  if (flushed_) throw std::logic_error("a push after the stream's end: reset() starts a new utterance");
  if (count < 0) throw std::invalid_argument("a push of " + std::to_string(count) + " samples");
  for (int64_t i = 0; i < count; ++i)
    if (!std::isfinite(samples[i])) throw std::invalid_argument("source sample " + std::to_string(i) + " of the push is not finite");
  resampled_.clear();
  resampler_.push(samples, count, resampled_);
  feed(resampled_);
}

void VoiceStream::flush() {
  if (flushed_) return;
  flushed_ = true;
  resampled_.clear();
  resampler_.flush(resampled_);
  feed(resampled_);
  mel_.finish();
  mel_.take(frames_);
  conversion_.push(frames_.data(), static_cast<int64_t>(frames_.size() / kMelBands));
  conversion_.finish();
  drain_conversion();
  vocoder_.flush();
}

void VoiceStream::reset() {
  resampler_.reset(), mel_.reset(), conversion_.reset(), vocoder_.reset();
  peak_ = 0;
  flushed_ = false;
}

void VoiceStream::feed(std::vector<float>& x) {
  if (options_.gain == StreamGain::kFixed) {
    for (float& v : x) v *= options_.fixed_gain;
  } else {
    for (float& v : x) {
      peak_ = std::max(peak_, std::abs(v));
      v /= std::max(peak_, kRunningPeakFloor);
    }
  }
  mel_.push(x.data(), static_cast<int64_t>(x.size()));
  mel_.take(frames_);
  conversion_.push(frames_.data(), static_cast<int64_t>(frames_.size() / kMelBands));
  drain_conversion();
}

void VoiceStream::drain_conversion() {
  // The vocoder takes the generator's frames through the bundle's affine, frame-major.
  conversion_.take(converted_);
  const VoiceSettings& s = voices_.settings();
  for (float& v : converted_) v = s.vocoder_scale * v + s.vocoder_shift;
  vocoder_.push(converted_.data(), static_cast<int64_t>(converted_.size() / kMelBands));
}

int64_t VoiceStream::latency_samples() const {
  // Output sample t needs the vocoder's frames to sample t + lag and the rest of its step (the
  // vocoder's latency: its steps need not line up with the conversion's, Parallel WaveGAN's
  // lead by its padding frames); the conversion gives a frame with the rest of its step of
  // 4B, once the source frames 4K past that are in; a source frame needs the samples to the
  // end of its window (the mel's look-ahead, its steps of 4 lining up with the blocks). Add
  // the resampler's delay and a chunk's wait (docs/streaming.md).
  const int hop = voices_.hop(), blocks = options_.conversion.step_blocks + options_.conversion.lookahead_blocks;
  const double chunk = static_cast<double>(options_.chunk_samples - 1) * voices_.rate() / options_.input_rate;
  return vocoder_.latency_samples() + int64_t{4 * blocks - 1} * hop + (mel_.latency_samples() - (kMelStepFrames - 1) * hop) +
         static_cast<int64_t>(std::ceil(resampler_delay_ + chunk));
}

}  // namespace xfv
