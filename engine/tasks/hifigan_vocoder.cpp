#include "engine/tasks/hifigan_vocoder.h"

#include <cmath>
#include <stdexcept>

namespace xfv {
namespace {

HifiGanConfig config_of(const ModelSession& models) {
  if (!models.has("vocoder")) throw FileError(models.path() + ": holds no network 'vocoder'");
  return hifigan_config(models.weights(), models.path());
}

}  // namespace

HifiGanVocoder::HifiGanVocoder(ModelSession& models) : models_(models), config_(config_of(models)) {}

HostTensor HifiGanVocoder::mel(const std::vector<float>& wave, const RunOptions& how) {
  const int length = static_cast<int>(wave.size());
  return models_.run("hifigan_mel", 0, {HostTensor(Shape{1, length}, wave)}, length, how);
}

void HifiGanVocoder::check_mel(const HostTensor& mel) const {
  const Shape& s = mel.shape;
  bool leading_ones = s.rank >= 2 && s.rank <= 4;
  for (int i = 0; leading_ones && i + 2 < s.rank; ++i) leading_ones = s[i] == 1;
  if (!leading_ones || s[s.rank - 2] != config_.num_mels || s[s.rank - 1] < 1)
    throw std::invalid_argument("a mel of " + std::to_string(config_.num_mels) +
                                " bands and at least one frame, (" + std::to_string(config_.num_mels) +
                                ", T), is needed; got " + s.str());
  for (float v : mel.data)
    if (!std::isfinite(v)) throw std::invalid_argument("the mel holds NaN or infinite values");
}

std::vector<float> HifiGanVocoder::vocode(const HostTensor& mel, const RunOptions& how) {
  check_mel(mel);
  const Shape& s = mel.shape;
  const int frames = static_cast<int>(s[s.rank - 1]);
  HostTensor x = mel;
  x.shape = Shape{1, config_.num_mels, 1, frames};
  return models_.run("vocoder", 0, {x}, frames, how).data;
}

}  // namespace xfv
