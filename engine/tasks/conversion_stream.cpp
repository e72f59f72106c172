#include "engine/tasks/conversion_stream.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "engine/models/stargan_vc.h"

namespace xfv {

ConversionStream::ConversionStream(VoiceConverter& voices, const HostTensor& style, const ConversionStreamOptions& o)
    : voices_(voices), options_(o) {
  context_ = o.window_frames - 4 * (o.step_blocks + o.lookahead_blocks);
  if (o.step_blocks < 1 || o.lookahead_blocks < 0 || o.window_frames % 4 != 0 || context_ < 0)
    throw std::invalid_argument("a conversion stream's window of " + std::to_string(o.window_frames) +
                                " frames must be a multiple of 4 that holds its step of " +
                                std::to_string(o.step_blocks) + " blocks (at least 1) and its look-ahead of " +
                                std::to_string(o.lookahead_blocks) + " blocks (4 frames each)");
  if (o.window_frames > voices.max_frames())
    throw std::invalid_argument("a conversion stream's window of " + std::to_string(o.window_frames) +
                                " frames is longer than the generator's chunks of " + std::to_string(voices.max_frames()));
  set_style(style);
  // Compile JDC's and the generator's graphs for the window now, not in the first push.
  voices_.convert(HostTensor(Shape{1, 1, kMelBands, o.window_frames}), style_);
}

void ConversionStream::set_style(const HostTensor& style) {
  if (style.shape.rank != 2 || style.shape[0] != 1)
    throw std::invalid_argument("a conversion stream takes one style (1, style_dim), got " + style.shape.str());
  style_ = style;
}

void ConversionStream::reset() {
  source_.clear(), ready_.clear();
  base_ = frames_in_ = frames_out_ = 0;
  finished_ = false;
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
    // Frames [from, from + length), band-major (1, 1, 80, length).
    if (from < base_) throw std::logic_error("conversion stream: a window's frames were dropped");
    HostTensor mel(Shape{1, 1, kMelBands, length});
    for (int64_t t = 0; t < length; ++t) {
      const float* frame = source_.data() + (from + t - base_) * kMelBands;
      for (int m = 0; m < kMelBands; ++m) mel.data[static_cast<size_t>(m * length + t)] = frame[m];
    }
    const HostTensor out = voices_.convert(mel, style_);  // (1, 1, 80, 4 * floor(length / 4))
    const int64_t out_length = out.shape[3];
    for (int64_t t = first - from; t < first - from + keep; ++t)
      for (int m = 0; m < kMelBands; ++m) ready_.push_back(out.data[static_cast<size_t>(m * out_length + t)]);
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
  frames.swap(ready_);
  ready_.clear();
  return n;
}

}  // namespace xfv
