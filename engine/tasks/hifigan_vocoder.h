// The vocoding task of a HiFi-GAN weight file: a recording's log-mel by the recipe the
// weights were trained on (copy synthesis), and a log-mel back to a waveform.
#pragma once

#include <string>
#include <vector>

#include "engine/models/hifigan.h"
#include "engine/tasks/model_session.h"

namespace xfv {

class HifiGanVocoder {
 public:
  // The vocoder of a session's file; one without a HiFi-GAN `vocoder` is a FileError naming it.
  explicit HifiGanVocoder(ModelSession& models);

  ModelSession& models() { return models_; }
  const HifiGanConfig& config() const { return config_; }

  // The log-mel (1, 1, num_mels, floor(L / hop)) of L samples at config().sampling_rate, as
  // they are (no normalization); at least config().min_samples().
  HostTensor mel(const std::vector<float>& wave, const RunOptions& how = {});
  // Throws std::invalid_argument unless `mel` is a log-mel vocode() takes: (num_mels, T),
  // (1, num_mels, T) or (1, 1, num_mels, T), T >= 1, every value finite.
  void check_mel(const HostTensor& mel) const;
  // The waveform of a log-mel that check_mel accepts: T * hop_size samples in [-1, 1].
  std::vector<float> vocode(const HostTensor& mel, const RunOptions& how = {});

  // Mels longer than this many frames run in overlapping windows (VocoderChunker), with the
  // whole run's samples; more than twice the receptive radius (an error naming it otherwise).
  int max_frames() const { return max_frames_; }
  void set_max_frames(int frames);

 private:
  ModelSession& models_;
  HifiGanConfig config_;
  int max_frames_;
};

// The waveform of x (1, num_mels, 1, T), a log-mel as the session's HiFi-GAN `vocoder` takes
// it, in windows of at most max_frames frames: T * hop_size samples.
std::vector<float> run_hifigan(ModelSession& models, const HostTensor& x, int max_frames, const RunOptions& how);

}  // namespace xfv
