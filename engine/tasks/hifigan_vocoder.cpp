#include "engine/tasks/hifigan_vocoder.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "engine/tasks/vocoder_chunks.h"

namespace xfv {
namespace {

HifiGanConfig config_of(const ModelSession& models) {
  if (!models.has("vocoder")) throw FileError(models.path() + ": holds no network 'vocoder'");
  return hifigan_config(models.weights(), models.path());
}

}  // namespace

HifiGanVocoder::HifiGanVocoder(ModelSession& models)
    : models_(models), config_(config_of(models)), max_frames_(vocoder_chunker(models.weights(), models.path(), 0).max_frames()) {}

void HifiGanVocoder::set_max_frames(int frames) {
  max_frames_ = vocoder_chunker(models_.weights(), models_.path(), frames).max_frames();
}

std::vector<float> run_hifigan(ModelSession& models, const HostTensor& x, int max_frames, const RunOptions& how) {
  const int64_t bands = x.shape[1], frames = x.shape[3];
  const VocoderChunker chunks = vocoder_chunker(models.weights(), models.path(), max_frames);
  return chunks.run(frames, hifigan_config(models.weights(), models.path()).hop_size, [&](const VocoderWindow& w) {
    HostTensor part(Shape{1, bands, 1, w.frames});
    for (int64_t m = 0; m < bands; ++m)
      std::copy_n(x.data.begin() + m * frames + w.first, w.frames, part.data.begin() + m * w.frames);
    return models.run("vocoder", 0, {part}, w.frames, how).data;
  });
}

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
  HostTensor x = mel;
  x.shape = Shape{1, config_.num_mels, 1, s[s.rank - 1]};
  return run_hifigan(models_, x, max_frames_, how);
}

}  // namespace xfv
