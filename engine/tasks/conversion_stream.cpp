#include "engine/tasks/conversion_stream.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "engine/models/stargan_vc.h"

namespace xfv {
namespace {

// The moments of channel c over columns [first, last) of every row of a norm's input
// (1, channels, h, w), two-pass in double.
Moments<double> column_moments(const HostTensor& x, int64_t c, int64_t first, int64_t last) {
  const int64_t channels = x.shape[1], w = x.shape[x.shape.rank - 1], h = x.numel() / (channels * w);
  const double count = static_cast<double>(h * (last - first));
  if (count == 0) return {};
  const float* plane = x.data.data() + c * h * w;
  const auto fold = [&](auto term) {
    double sum = 0;
    for (int64_t r = 0; r < h; ++r)
      for (int64_t t = first; t < last; ++t) sum += term(double{plane[r * w + t]});
    return sum;
  };
  const double mean = fold([](double v) { return v; }) / count;
  return {count, mean, fold([mean](double v) { return (v - mean) * (v - mean); })};
}

}  // namespace

ConversionStream::ConversionStream(VoiceConverter& voices, const HostTensor& style, const ConversionStreamOptions& o)
    : voices_(voices), options_(o) {
  // In 64 bits: the options are a caller's, and their sum must not overflow before it is checked.
  const int64_t context = int64_t{o.window_frames} - 4 * (int64_t{o.step_blocks} + o.lookahead_blocks);
  if (o.step_blocks < 1 || o.lookahead_blocks < 0 || o.window_frames % 4 != 0 || context < 0)
    throw std::invalid_argument("a conversion stream's window of " + std::to_string(o.window_frames) +
                                " frames must be a multiple of 4 that holds its step of " +
                                std::to_string(o.step_blocks) + " blocks (at least 1) and its look-ahead of " +
                                std::to_string(o.lookahead_blocks) + " blocks (4 frames each)");
  if (o.window_frames > voices.max_frames())
    throw std::invalid_argument("a conversion stream's window of " + std::to_string(o.window_frames) +
                                " frames is longer than the generator's chunks of " + std::to_string(voices.max_frames()));
  context_ = static_cast<int>(context);
  if (voices.takes_f0()) f0_ = std::make_unique<StepNetwork>(voices.models(), "f0_model", o.window_frames);
  const char* generator = o.stats == StreamStats::kWindow ? "audio_generator" : "audio_generator_stats";
  generator_ = std::make_unique<StepNetwork>(voices.models(), generator, o.window_frames);
  // audio_generator_stats gives each norm's input (1, c, h, w) after the converted mel.
  for (size_t i = 1; i < generator_->outputs().size(); ++i) {
    const Shape& s = generator_->outputs()[i].shape;
    const int64_t w = s[s.rank - 1];
    if (o.window_frames % w != 0)
      throw std::logic_error("conversion stream: a norm's " + std::to_string(w) + " columns do not divide the window");
    strides_.push_back(static_cast<int>(o.window_frames / w));
    moments_.emplace_back(static_cast<size_t>(s[1]));
  }
  set_style(style);  // kFixed: converts the calibration
  run_networks();  // on zeros: the backend's workspaces sized now, not in the first push
}

void ConversionStream::set_style(const HostTensor& style) {
  if (style.shape.rank != 2 || style.shape[0] != 1)
    throw std::invalid_argument("a conversion stream takes one style (1, style_dim), got " + style.shape.str());
  HostTensor& input = generator_->inputs()[1];
  if (style.shape != input.shape)
    throw std::invalid_argument("the voice generator takes a style " + input.shape.str() + ", got " + style.shape.str());
  style_ = style;
  std::copy(style.data.begin(), style.data.end(), input.data.begin());
  // The decoder's norms see the style: the calibration's statistics are the style's.
  if (options_.stats == StreamStats::kFixed) calibrate();
}

void ConversionStream::calibrate() {
  const std::string& name = options_.calibration_name;
  const std::vector<float>& wave = options_.calibration;
  const auto too_short = [&](const std::string& length) {
    return std::invalid_argument(name + ": " + length + " is too short for fixed statistics; they need at least " +
                                 std::to_string(kCalibrationMinFrames) + " frames (about 1 s)");
  };
  if (static_cast<int64_t>(wave.size()) < voices_.min_samples())
    throw too_short(std::to_string(wave.size()) + " samples");
  HostTensor samples(Shape{1, static_cast<int64_t>(wave.size())});
  samples.data = wave;
  const HostTensor mel = voices_.mel(samples);
  const int frames = static_cast<int>(mel.shape[3]);
  if (frames < kCalibrationMinFrames) throw too_short(std::to_string(frames) + " frames");
  if (frames > voices_.max_frames())
    throw std::invalid_argument(name + ": " + std::to_string(frames) + " frames, more than the generator's " +
                                std::to_string(voices_.max_frames()) + " at a time (a shorter calibration will do)");
  // Converted whole, as the whole conversion would: no prior, every column counted.
  std::vector<HostTensor> priors;
  for (const auto& m : moments_) priors.emplace_back(Shape{1, static_cast<int64_t>(m.size()), kPriorFields});
  const std::vector<HostTensor> out = voices_.convert_with_priors(mel, style_, priors);
  for (size_t i = 0; i < moments_.size(); ++i) {
    const HostTensor& x = out[i + 1];
    for (size_t c = 0; c < moments_[i].size(); ++c)
      moments_[i][c] = column_moments(x, static_cast<int64_t>(c), 0, x.shape[x.shape.rank - 1]);
  }
}

void ConversionStream::reset() {
  source_.clear(), ready_.clear();
  base_ = frames_in_ = frames_out_ = 0;
  finished_ = false;
  if (options_.stats == StreamStats::kRunning)
    for (auto& m : moments_) std::fill(m.begin(), m.end(), Moments<double>{});
}

void ConversionStream::fill_window(int64_t from, int64_t length, float* mel) const {
  if (from < base_) throw std::logic_error("conversion stream: a window's frames were dropped");
  for (int64_t t = 0; t < length; ++t) {
    const float* frame = source_.data() + (from + t - base_) * kMelBands;
    for (int m = 0; m < kMelBands; ++m) mel[m * length + t] = frame[m];
  }
}

void ConversionStream::fill_prior(size_t norm, int64_t committed, int64_t length, HostTensor& prior) const {
  // kFixed counts no column of the window (a `from` past every norm's last); kRunning the
  // columns from the first frame not committed yet.
  const float from = static_cast<float>(options_.stats == StreamStats::kFixed ? length : committed / strides_[norm]);
  const std::vector<Moments<double>>& moments = moments_[norm];
  for (size_t c = 0; c < moments.size(); ++c) {
    float* p = prior.data.data() + c * kPriorFields;
    p[kPriorCount] = static_cast<float>(moments[c].count);
    p[kPriorMean] = static_cast<float>(moments[c].mean);
    p[kPriorM2] = static_cast<float>(moments[c].m2);
    p[kPriorFrom] = from;
  }
}

void ConversionStream::run_networks() {
  std::vector<HostTensor>& in = generator_->inputs();  // mel, style, [F0 features], priors
  if (f0_) {
    std::copy(in[0].data.begin(), in[0].data.end(), f0_->inputs()[0].data.begin());
    f0_->run();
    const std::vector<float>& features = f0_->outputs()[0].data;
    std::copy(features.begin(), features.end(), in[2].data.begin());
  }
  generator_->run();
}

void ConversionStream::convert_window(int64_t from, int64_t length, int64_t committed, int64_t keep) {
  // The converted mel (1, 1, 80, 4 * floor(length / 4)), then each norm's input.
  const std::vector<HostTensor>* out = &generator_->outputs();
  std::vector<HostTensor> last;
  if (length == options_.window_frames) {  // the networks compiled for it, in their buffers
    std::vector<HostTensor>& in = generator_->inputs();
    fill_window(from, length, in[0].data.data());
    for (size_t i = 0; i < moments_.size(); ++i) fill_prior(i, committed, length, in[in.size() - moments_.size() + i]);
    run_networks();
  } else {  // the utterance's last window, shorter: through the session's graphs
    HostTensor mel(Shape{1, 1, kMelBands, length});
    fill_window(from, length, mel.data.data());
    std::vector<HostTensor> priors;
    for (size_t i = 0; i < moments_.size(); ++i)
      fill_prior(i, committed, length, priors.emplace_back(Shape{1, static_cast<int64_t>(moments_[i].size()), kPriorFields}));
    last = options_.stats == StreamStats::kWindow ? std::vector<HostTensor>{voices_.convert(mel, style_)}
                                                  : voices_.convert_with_priors(mel, style_, priors);
    out = &last;
  }
  if (options_.stats == StreamStats::kRunning)  // the kept frames are committed: their columns join the moments
    for (size_t i = 0; i < moments_.size(); ++i) {
      const int64_t first = committed / strides_[i];
      for (size_t c = 0; c < moments_[i].size(); ++c)
        moments_[i][c] = merge(moments_[i][c], column_moments((*out)[i + 1], static_cast<int64_t>(c), first,
                                                              first + keep / strides_[i]));
    }
  const HostTensor& converted = (*out)[0];
  const int64_t out_length = converted.shape[3];
  for (int64_t t = committed; t < committed + keep; ++t)
    for (int m = 0; m < kMelBands; ++m) ready_.push_back(converted.data[static_cast<size_t>(m * out_length + t)]);
}

void ConversionStream::push(const float* frames, int64_t count) {
  if (finished_) throw std::logic_error("a push after the utterance's end: reset() starts a new one");
  for (int64_t i = 0; i < count * kMelBands; ++i)
    if (!std::isfinite(frames[i]))
      throw std::invalid_argument("frame " + std::to_string(frames_in_ + i / kMelBands) + " of the stream is not finite");
  source_.insert(source_.end(), frames, frames + count * kMelBands);
  frames_in_ += count;
  run_steps();
}

void ConversionStream::finish() {
  if (finished_) return;
  finished_ = true;
  run_steps();
}

void ConversionStream::run_steps() {
  const int step = 4 * options_.step_blocks, reach = step + 4 * options_.lookahead_blocks;
  const int window = options_.window_frames;
  // Once the utterance has ended, the last window ends with it, starting at the multiple of 4
  // that leaves it at most `window` long: the whole utterance if it is no longer.
  const int64_t total = finished_ ? audio_generator_frames(static_cast<int>(frames_in_)) : -1;
  const int64_t last_first = finished_ ? std::max<int64_t>(0, (frames_in_ - window + 3) / 4 * 4) : -1;
  for (int64_t first = frames_out_;; first = frames_out_) {  // a multiple of 4
    int64_t from = std::max<int64_t>(0, first - context_), length = window, keep = step;
    if (finished_) {
      if (first >= total) return;
      if (from >= last_first) from = last_first, length = frames_in_ - last_first, keep = total - first;
      keep = std::min(keep, total - first);
    } else if (from + window > frames_in_ || first + reach > frames_in_) {
      return;  // the window, or before the first full one the step's look-ahead, has not arrived
    }
    convert_window(from, length, first - from, keep);
    frames_out_ += keep;
    // Keep the source from the next window's first frame on, and the last `window` frames,
    // where the last window may start once the utterance ends.
    const int64_t keep_from = std::min(frames_out_ - context_, frames_in_ - window);
    const int64_t drop = std::clamp<int64_t>(keep_from - base_, 0, frames_in_ - base_);
    source_.erase(source_.begin(), source_.begin() + drop * kMelBands);
    base_ += drop;
  }
}

int ConversionStream::take(std::vector<float>& frames) {
  const int n = static_cast<int>(ready_.size() / kMelBands);
  frames.assign(ready_.begin(), ready_.end());  // a copy: each vector keeps its capacity
  ready_.clear();
  return n;
}

}  // namespace xfv
