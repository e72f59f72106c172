#include "engine/tasks/voice_converter.h"

#include <stdexcept>

#include "kernels/philox.cuh"

namespace xfv {
namespace {

int frames_of(const HostTensor& mel) {
  if (mel.shape.rank != 4 || mel.shape[0] != 1 || mel.shape[1] != 1 || mel.shape[2] != kMelBands)
    throw std::invalid_argument("a mel of shape (1, 1, 80, T) is needed, got " + mel.shape.str());
  return static_cast<int>(mel.shape[3]);
}

}  // namespace

VoiceConverter::VoiceConverter(const std::string& weights_path, const std::string& backend)
    : models_(weights_path, backend),
      generator_config_(audio_generator_config(models_.weights(), weights_path)),
      vocoder_config_(vocoder_config(models_.weights(), weights_path)) {
  if (vocoder_config_.aux_channels != kMelBands)
    throw FileError(weights_path + ": the vocoder takes " + std::to_string(vocoder_config_.aux_channels) +
                    " feature channels, the generator gives " + std::to_string(kMelBands));
}

HostTensor VoiceConverter::mel(const std::vector<float>& wave, const RunOptions& how) {
  const int length = static_cast<int>(wave.size());
  return models_.run("mel", 0, {HostTensor(Shape{1, length}, wave)}, length, how);
}

HostTensor VoiceConverter::style_from_reference(const HostTensor& mel, int domain, const RunOptions& how) {
  return models_.run("audio_style_encoder", domain, {mel}, frames_of(mel), how);
}

HostTensor VoiceConverter::convert(const HostTensor& mel, const HostTensor& style, const RunOptions& how) {
  const int frames = frames_of(mel);
  std::vector<HostTensor> inputs{mel, style};
  if (generator_config_.F0_channel > 0) {
    if (!models_.has("f0_model"))
      throw FileError(models_.path() + ": the voice generator takes F0 features, but the file holds no 'f0_model'");
    inputs.push_back(models_.run("f0_model", 0, {mel}, frames, how));
  }
  return models_.run("audio_generator", 0, inputs, frames, how);
}

std::vector<float> VoiceConverter::vocode(const HostTensor& mel, const std::vector<float>& noise,
                                          uint64_t noise_seed, const RunOptions& how) {
  const int frames = frames_of(mel);
  HostTensor z(Shape{1, vocoder_config_.in_channels, 1, int64_t{frames} * hop()});
  if (noise.empty()) {
    for (size_t i = 0; i < z.data.size(); ++i) z.data[i] = philox_normal(noise_seed, i);
  } else if (noise.size() != z.data.size()) {
    throw std::invalid_argument("the noise has " + std::to_string(noise.size()) + " samples, the output " +
                                std::to_string(z.data.size()) + " (" + std::to_string(hop()) + " per frame, " +
                                std::to_string(frames) + " frames)");
  } else {
    z.data = noise;
  }
  // The vocoder takes the features frames first, as the demo passes out.transpose(-1, -2).
  HostTensor c(Shape{1, 1, frames, kMelBands});
  for (int t = 0; t < frames; ++t)
    for (int m = 0; m < kMelBands; ++m)
      c.data[static_cast<size_t>(t) * kMelBands + m] = mel.data[static_cast<size_t>(m) * frames + t];
  return models_.run("vocoder", 0, {c, z}, frames, how).data;
}

}  // namespace xfv
