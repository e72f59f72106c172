#include "engine/tasks/mel_stream.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace xfv {

namespace {

int checked_step(int step) {
  if (step < 1) throw std::invalid_argument("a mel stream's step is " + std::to_string(step) + " frames; at least 1");
  return step;
}

}  // namespace

MelStream::MelStream(ModelSession& models, int step)
    : mel_(voice_settings(models.weights(), models.path()).mel),
      step_(checked_step(step)),
      // What the recipe's front end reflects at each end (mel_front_end.cpp, hifigan.cpp).
      edge_(mel_.recipe == MelRecipe::kStarganVc ? mel_.n_fft / 2 : (mel_.n_fft - mel_.hop_size) / 2),
      frames_net_(models, "voice_mel_frames", mel_.n_fft + (step_ - 1) * mel_.hop_size) {
  frames_net_.run();  // the backend's workspaces sized now, not in the first push
}

void MelStream::reset() {
  pushed_ = 0, base_ = 0, frames_out_ = 0, finished_ = false;
  head_.clear(), padded_.clear(), ready_.clear();
}

void MelStream::push(const float* samples, int64_t count) {
  if (finished_) throw std::logic_error("a push after the recording's end: reset() starts a new one");
  for (int64_t i = 0; i < count; ++i)
    if (!std::isfinite(samples[i]))
      throw std::invalid_argument("sample " + std::to_string(pushed_ + i) + " of the stream is not finite");
  const float* end = samples + count;
  if (pushed_ <= edge_) {
    // The reflected start needs samples 1..edge: hold the first edge + 1.
    const int64_t take = std::min<int64_t>(count, edge_ + 1 - static_cast<int64_t>(head_.size()));
    head_.insert(head_.end(), samples, samples + take);
    samples += take;
    if (static_cast<int64_t>(head_.size()) == edge_ + 1) {
      for (int i = edge_; i >= 1; --i) padded_.push_back(head_[static_cast<size_t>(i)]);
      padded_.insert(padded_.end(), head_.begin(), head_.end());
    }
  }
  padded_.insert(padded_.end(), samples, end);
  pushed_ += count;
  if (pushed_ > edge_) {
    const int64_t known = padded_samples() < mel_.n_fft ? 0 : (padded_samples() - mel_.n_fft) / mel_.hop_size + 1;
    run_ready_steps(known);
  }
}

void MelStream::finish() {
  if (finished_) return;
  const int least = mel_.min_samples();
  if (pushed_ < least)
    throw std::invalid_argument("the stream ended after " + std::to_string(pushed_) + " samples; the " +
                                mel_.recipe_name() + " front end needs " + std::to_string(least));
  // The reflected end: samples L - 2, L - 3, ... of the recording (padded index edge + i holds
  // sample i), which the frames not yet computed still hold.
  const int64_t last = pushed_ - 1 + edge_ - base_;  // index of sample L - 1 in padded_
  if (last - edge_ < 0) throw std::logic_error("mel stream: the recording's end was dropped before finish()");
  for (int j = 1; j <= edge_; ++j) padded_.push_back(padded_[static_cast<size_t>(last - j)]);
  finished_ = true;
  run_ready_steps(static_cast<int64_t>(mel_.frames(pushed_)));
}

void MelStream::run_ready_steps(int64_t frames_known) {
  const int hop = mel_.hop_size, window = mel_.n_fft + (step_ - 1) * hop;
  while (frames_out_ < frames_known && (frames_known - frames_out_ >= step_ || finished_)) {
    const int frames = static_cast<int>(std::min<int64_t>(step_, frames_known - frames_out_));
    // A last, partial step runs the same graph on zeros past the end and keeps its frames.
    std::vector<float>& wave = frames_net_.inputs()[0].data;  // (1, window)
    const int64_t from = frames_out_ * hop - base_;
    const int64_t have = std::min<int64_t>(window, static_cast<int64_t>(padded_.size()) - from);
    std::fill(std::copy_n(padded_.begin() + from, have, wave.begin()), wave.end(), 0.f);
    frames_net_.run();
    const HostTensor& out = frames_net_.outputs()[0];  // (1, 1, n_mels, step)
    const int bands = static_cast<int>(out.shape[2]);
    for (int t = 0; t < frames; ++t)
      for (int m = 0; m < bands; ++m) ready_.push_back(out.data[static_cast<size_t>(m * step_ + t)]);
    frames_out_ += frames;
    // Keep the samples from the next frame's first on.
    const int64_t drop = std::min<int64_t>(frames_out_ * hop - base_, static_cast<int64_t>(padded_.size()));
    padded_.erase(padded_.begin(), padded_.begin() + drop);
    base_ += drop;
  }
}

int MelStream::take(std::vector<float>& frames) {
  const int n = static_cast<int>(ready_.size() / static_cast<size_t>(mel_.num_mels));
  frames.assign(ready_.begin(), ready_.end());  // a copy: each vector keeps its capacity
  ready_.clear();
  return n;
}

int64_t MelStream::latency_samples() const {
  return (mel_.n_fft - edge_ - 1) + int64_t{step_ - 1} * mel_.hop_size;
}

}  // namespace xfv
