// The voice front end (the mel of xfv.voice's recipe) as a stream: samples in, in chunks of
// any size, frames out as soon as their samples have arrived, the same bits as the whole
// recording's mel (VoiceConverter::mel) on `cpu`. A frame is a window of n_fft samples, hop
// apart; the recipes reflect the recording's ends (n_fft / 2 samples for stargan_vc's
// centred frames, (n_fft - hop) / 2 for the HiFi-GAN recipe), which the stream does itself:
// the start once enough samples have come, the end at finish(). The frames are computed
// `step` at a time by `voice_mel_frames` (the front end without edges), one graph whatever
// the length, compiled and bound to its buffers at creation (StepNetwork): a push allocates
// nothing once its buffers have grown to the pushes' size.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/models/voice_settings.h"
#include "engine/tasks/model_session.h"
#include "engine/tasks/step_network.h"

namespace xfv {

class MelStream {
 public:
  // `step`: frames per run of the front end (at least 1).
  MelStream(ModelSession& models, int step);

  // Appends samples at the recipe's rate (kVoiceRate for stargan_vc), gain already applied.
  // Throws std::logic_error after finish(), std::invalid_argument for a NaN or infinite sample.
  void push(const float* samples, int64_t count);
  // The recording has ended: its last frames, over the reflected end. A recording shorter
  // than the whole run allows (VoiceMel::min_samples) is an std::invalid_argument.
  void finish();
  // Starts a new recording.
  void reset();

  int64_t frames_out() const { return frames_out_; }  // frames computed so far
  // Moves the frames computed and not yet taken into `frames`, frame-major (frames, n_mels),
  // and returns how many. `frames` grows to the most a take has given, then stays.
  int take(std::vector<float>& frames);

  // Samples frame t waits for past sample t * hop, where its vocoder output begins: its
  // window ends at sample t * hop - edge + n_fft - 1; plus up to step - 1 hops until its
  // step is complete.
  int64_t latency_samples() const;

 private:
  int64_t padded_samples() const { return base_ + static_cast<int64_t>(padded_.size()); }
  void run_ready_steps(int64_t frames_known);

  VoiceMel mel_;
  int step_, edge_;          // frames per run; reflected samples at each end
  StepNetwork frames_net_;   // voice_mel_frames on a window of step_ frames
  int64_t pushed_ = 0;       // samples pushed
  std::vector<float> head_;  // the first edge_ + 1 samples, until the start can be reflected
  std::vector<float> padded_;  // the reflected recording from sample base_ on
  int64_t base_ = 0;
  int64_t frames_out_ = 0;
  std::vector<float> ready_;  // frame-major, not yet taken
  bool finished_ = false;
};

}  // namespace xfv
