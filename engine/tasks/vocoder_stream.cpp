#include "engine/tasks/vocoder_stream.h"

#include <algorithm>
#include <stdexcept>

#include "engine/models/hifigan.h"
#include "engine/models/parallel_wavegan.h"
#include "engine/models/voice_settings.h"

namespace xfv {

VocoderStream::VocoderStream(std::shared_ptr<const Model> model, int step_frames, uint64_t noise_seed, bool exact_tiles)
    : model_(std::move(model)),
      backend_(make_backend(model_->backend())),
      graph_(std::make_unique<Graph>()),
      step_(step_frames),
      seed_(noise_seed) {
  const TensorFile& w = model_->weights();
  const std::string& path = model_->path();
  if (!model_->has("vocoder")) throw FileError(path + ": holds no network 'vocoder'");
  NetBuilder b(*graph_, w, path, "vocoder");
  if (is_hifigan(w, path)) {
    const HifiGanConfig c = hifigan_config(w, path);
    io_ = add_hifigan_step(b, c, step_frames, exact_tiles);
    bands_ = c.num_mels, hop_ = c.hop_size, rate_ = c.sampling_rate;
  } else {
    const VocoderConfig c = vocoder_config(w, path);
    io_ = add_vocoder_step(b, c, step_frames, exact_tiles);
    bands_ = c.aux_channels, hop_ = c.hop(), rate_ = voice_settings(w, path).mel.sampling_rate;
  }
  model_->store().adopt(*graph_);
  runner_ = std::make_unique<Runner>(*graph_, *backend_, false, &model_->store());
  input_ = HostTensor(Shape{1, bands_, 1, step_});
  step_out_.resize(static_cast<size_t>(step_) * hop_);
  last_frame_.resize(static_cast<size_t>(bands_));
  out_.reserve(2 * step_out_.size());  // what a step leaves unpulled, and the next one's
}

VocoderStream::~VocoderStream() = default;

void VocoderStream::push(const float* frames, int64_t count) {
  if (flushed_) throw std::logic_error("vocoder stream: a push after flush; reset() it for a new utterance");
  if (count < 0) throw std::invalid_argument("vocoder stream: a push of " + std::to_string(count) + " frames");
  for (int64_t i = 0; i < count; ++i) {
    const float* frame = frames + i * bands_;
    if (frames_ == 0)  // Parallel WaveGAN's replication padding at the start
      for (int k = 0; k < io_.lead_frames; ++k) add_frame(frame);
    add_frame(frame);
    ++frames_;
  }
  if (count) std::copy_n(frames + (count - 1) * bands_, bands_, last_frame_.begin());
}

void VocoderStream::flush() {
  if (flushed_) return;
  flushed_ = true;  // the steps from here on know the length: their windows mask its end
  if (frames_ == 0) return;
  for (int k = 0; k < io_.lead_frames; ++k) add_frame(last_frame_.data());  // and at the end
  while (emitted_ < frames_ * hop_) {
    // Past the end the input is zeros: the windows mask what it makes.
    for (int m = 0; m < bands_; ++m) std::fill_n(input_.data.begin() + m * step_ + filled_, step_ - filled_, 0.f);
    run_step();
  }
}

int64_t VocoderStream::pull(float* out, int64_t max) {
  const int64_t n = std::clamp<int64_t>(available(), 0, std::max<int64_t>(max, 0));
  std::copy_n(out_.begin() + static_cast<std::ptrdiff_t>(out_first_), n, out);
  out_first_ += static_cast<size_t>(n);
  if (out_first_ == out_.size()) out_.clear(), out_first_ = 0;
  return n;
}

void VocoderStream::reset() {
  runner_->reset_states();
  out_.clear();
  out_first_ = 0;
  filled_ = 0;
  steps_ = frames_ = emitted_ = 0;
  flushed_ = false;
}

void VocoderStream::add_frame(const float* frame) {
  for (int m = 0; m < bands_; ++m) input_.data[static_cast<size_t>(m) * step_ + filled_] = frame[m];
  if (++filled_ == step_) run_step();
}

void VocoderStream::run_step() {
  const int64_t first = steps_ * step_ - io_.lead_frames;  // the step's first frame in the utterance
  runner_->set_stream_position(first, flushed_ ? frames_ : -1);
  runner_->set_random_stream(seed_, static_cast<uint64_t>(first * hop_ - io_.noise_lag));
  runner_->set_input(io_.input, input_);
  runner_->run(hook_);
  runner_->read(io_.output, step_out_.data());
  ++steps_;
  filled_ = 0;
  // Sample j of the step is the utterance's sample t0 + j: those in [0, end) are kept.
  const int64_t t0 = first * hop_ - io_.lag, n = static_cast<int64_t>(step_out_.size());
  const int64_t j0 = std::clamp<int64_t>(emitted_ - t0, 0, n);
  const int64_t j1 = flushed_ ? std::clamp<int64_t>(frames_ * hop_ - t0, j0, n) : n;
  if (out_first_) {  // what was pulled goes, without reallocating
    out_.erase(out_.begin(), out_.begin() + static_cast<std::ptrdiff_t>(out_first_));
    out_first_ = 0;
  }
  out_.insert(out_.end(), step_out_.begin() + j0, step_out_.begin() + j1);
  emitted_ += j1 - j0;
}

}  // namespace xfv
