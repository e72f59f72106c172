// The voice side of a bundle, as the StarGANv2-VC demo runs it: speech to the mel the voice
// generator was trained on (xfv.voice), JDC's F0 features of that mel, the generator
// restyled, and the vocoder (Parallel WaveGAN, or HiFi-GAN after the bundle's affine) back to
// audio at the mel's rate.
#pragma once

#include <string>
#include <vector>

#include "engine/models/voice_settings.h"
#include "engine/tasks/model_session.h"

namespace xfv {

class VoiceConverter {
 public:
  explicit VoiceConverter(ModelSession& models);

  ModelSession& models() const { return models_; }
  const VoiceSettings& settings() const { return settings_; }
  int rate() const { return settings_.mel.sampling_rate; }  // of the recordings in and the audio out
  int hop() const { return settings_.mel.hop_size; }       // output samples per output frame
  int min_samples() const { return settings_.mel.min_samples(); }

  // Whole utterances up to this many frames run in one piece; longer ones in overlapping
  // chunks of this many frames (docs/tasks.md). At least 2 * overlap_frames().
  int max_frames() const { return max_frames_; }
  void set_max_frames(int frames);
  // Chunks overlap by the generator's receptive field (and JDC's), rounded up to 4 frames.
  int overlap_frames() const;

  // The normalized log-mel (n, 1, 80, T) of n recordings of one length (audio.h's Gain).
  HostTensor mel(const HostTensor& waves, const RunOptions& how = {});
  // Styles (n, style_dim) of reference mels (n, 1, 80, T), T >= 80, for a speaker domain.
  HostTensor style_from_reference(const HostTensor& mel, int domain, const RunOptions& how = {});
  // Source mels (n, 1, 80, T) converted to styles (n, style_dim): (n, 1, 80, 4 * floor(T / 4)).
  HostTensor convert(const HostTensor& mel, const HostTensor& style, const RunOptions& how = {});
  // The generator with stream statistics (audio_generator_stats, docs/streaming.md) on one
  // mel (1, 1, 80, T), T <= max_frames(): `priors` are its norms' (1, c, kPriorFields), in
  // the generator's order. Returns the converted mel, then each norm's input (1, c, h, w).
  std::vector<HostTensor> convert_with_priors(const HostTensor& mel, const HostTensor& style,
                                              const std::vector<HostTensor>& priors, const RunOptions& how = {});
  // Whether the generator takes JDC's F0 features of its mel, as its third input; a
  // FileError when it does and the file holds no 'f0_model'.
  bool takes_f0() const;

  // The waveform of one converted mel (1, 1, 80, T): hop() * T samples. A Parallel WaveGAN
  // takes `noise`, exactly hop() * T samples (an error naming both lengths otherwise), or,
  // empty, the Philox normals of `noise_seed`, sample i normal(noise_seed, i), drawn on the
  // backend; a HiFi-GAN takes no noise. Past the vocoder's window in windows (VocoderChunker)
  // whose samples are the whole run's.
  std::vector<float> vocode(const HostTensor& mel, const std::vector<float>& noise, uint64_t noise_seed = 0,
                            const RunOptions& how = {});

  // The vocoder runs at most this many frames at a time (its family's default window unless
  // set, vocoder_chunker); more than twice its receptive radius (an error naming it otherwise).
  void set_vocoder_frames(int frames);

 private:
  HostTensor convert_whole(const HostTensor& mel, const HostTensor& style, const RunOptions& how);
  // The generator's inputs x, s and, when it takes them, JDC's F0 features of x.
  std::vector<HostTensor> generator_inputs(const HostTensor& mel, const HostTensor& style, const RunOptions& how);

  ModelSession& models_;
  VoiceSettings settings_;
  int max_frames_, vocoder_frames_;
};

}  // namespace xfv
