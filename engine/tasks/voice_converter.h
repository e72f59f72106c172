// The voice task, as the StarGANv2-VC demo runs it: source speech to its mel, JDC's F0
// features of that mel, the generator restyled by a style from a reference recording or a
// latent code, and the Parallel WaveGAN vocoder back to 24 kHz audio.
#pragma once

#include <string>
#include <vector>

#include "engine/models/parallel_wavegan.h"
#include "engine/models/stargan_vc.h"
#include "engine/tasks/model_session.h"

namespace xfv {

class VoiceConverter {
 public:
  VoiceConverter(const std::string& weights_path, const std::string& backend);

  ModelSession& models() { return models_; }
  int hop() const { return vocoder_config_.hop(); }  // output samples per output frame
  int domain(const std::string& name_or_index, const std::string& network) const {
    return models_.domain(name_or_index, network);
  }

  // The normalized log-mel (1, 1, 80, 1 + L / 300) of peak-normalized 24 kHz samples.
  HostTensor mel(const std::vector<float>& wave, const RunOptions& how = {});
  // The style (1, style_dim) of a reference mel (at least 80 frames) for a speaker domain.
  HostTensor style_from_reference(const HostTensor& mel, int domain, const RunOptions& how = {});
  // The source mel (1, 1, 80, T) converted to `style`: (1, 1, 80, 4 * floor(T / 4)).
  HostTensor convert(const HostTensor& mel, const HostTensor& style, const RunOptions& how = {});
  // The waveform of a mel (1, 1, 80, T): hop() * T samples. `noise` is the vocoder's input
  // z, exactly hop() * T samples (an error naming both lengths otherwise); empty, it is
  // drawn from the Philox generator with `noise_seed`.
  std::vector<float> vocode(const HostTensor& mel, const std::vector<float>& noise, uint64_t noise_seed = 0,
                            const RunOptions& how = {});

 private:
  ModelSession models_;
  AudioGeneratorConfig generator_config_;
  VocoderConfig vocoder_config_;
};

}  // namespace xfv
