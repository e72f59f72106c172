#include "engine/tasks/voice_converter.h"

#include <algorithm>
#include <stdexcept>

#include "engine/models/networks.h"
#include "engine/models/parallel_wavegan.h"
#include "engine/models/stargan_vc.h"
#include "engine/tasks/hifigan_vocoder.h"
#include "engine/tasks/vocoder_chunks.h"

namespace xfv {
namespace {

// About 26 s at the stargan_vc recipe's hop: the generator's arena at this length is about
// 1.6 GB (docs/tasks.md measures it), a bound every backend here can hold.
constexpr int kDefaultMaxFrames = 2048;

void check_mels(const HostTensor& mel) {
  if (mel.shape.rank != 4 || mel.shape[1] != 1 || mel.shape[2] != kMelBands)
    throw std::invalid_argument("mels of shape (n, 1, 80, T) are needed, got " + mel.shape.str());
}

// Frames [first, first + count) of mels (n, 1, 80, T).
HostTensor frames_of(const HostTensor& mel, int first, int count) {
  const int64_t n = mel.shape[0], frames = mel.shape[3];
  HostTensor out(Shape{n, 1, kMelBands, count});
  for (int64_t row = 0; row < n * kMelBands; ++row)
    std::copy_n(mel.data.begin() + row * frames + first, count, out.data.begin() + row * count);
  return out;
}

}  // namespace

VoiceConverter::VoiceConverter(ModelSession& models)
    : models_(models),
      settings_(voice_settings(models.weights(), models.path())),
      max_frames_(kDefaultMaxFrames),
      vocoder_frames_(0) {}

void VoiceConverter::set_vocoder_frames(int frames) {
  if (!models_.has("vocoder")) throw FileError(models_.path() + ": holds no network 'vocoder'");
  vocoder_frames_ = vocoder_chunker(models_.weights(), models_.path(), frames).max_frames();
}

int VoiceConverter::overlap_frames() const {
  const int radius = audio_generator_receptive_radius(audio_generator_config(models_.weights(), models_.path()));
  return (2 * radius + 1 + 3) / 4 * 4;
}

void VoiceConverter::set_max_frames(int frames) {
  if (frames < 2 * overlap_frames())
    throw std::invalid_argument("--max-frames " + std::to_string(frames) + " is below twice the chunks' overlap (" +
                                std::to_string(overlap_frames()) + " frames, the generator's receptive field)");
  max_frames_ = frames / 4 * 4;
}

HostTensor VoiceConverter::mel(const HostTensor& waves, const RunOptions& how) {
  const int length = static_cast<int>(waves.shape[1]);
  return models_.run("voice_mel", 0, {waves}, length, how);
}

HostTensor VoiceConverter::style_from_reference(const HostTensor& mel, int domain, const RunOptions& how) {
  check_mels(mel);
  return models_.run("audio_style_encoder", domain, {mel}, static_cast<int>(mel.shape[3]), how);
}

bool VoiceConverter::takes_f0() const {
  if (audio_generator_config(models_.weights(), models_.path()).F0_channel <= 0) return false;
  if (!models_.has("f0_model"))
    throw FileError(models_.path() + ": the voice generator takes F0 features, but the file holds no 'f0_model'");
  return true;
}

std::vector<HostTensor> VoiceConverter::generator_inputs(const HostTensor& mel, const HostTensor& style,
                                                         const RunOptions& how) {
  std::vector<HostTensor> inputs{mel, style};
  if (takes_f0()) inputs.push_back(models_.run("f0_model", 0, {mel}, static_cast<int>(mel.shape[3]), how));
  return inputs;
}

HostTensor VoiceConverter::convert_whole(const HostTensor& mel, const HostTensor& style, const RunOptions& how) {
  return models_.run("audio_generator", 0, generator_inputs(mel, style, how), static_cast<int>(mel.shape[3]), how);
}

std::vector<HostTensor> VoiceConverter::convert_with_priors(const HostTensor& mel, const HostTensor& style,
                                                            const std::vector<HostTensor>& priors,
                                                            const RunOptions& how) {
  check_mels(mel);
  const int frames = static_cast<int>(mel.shape[3]);
  if (mel.shape[0] != 1 || frames > max_frames_)
    throw std::invalid_argument("the generator with stream statistics takes one mel of at most " +
                                std::to_string(max_frames_) + " frames, got " + mel.shape.str());
  std::vector<HostTensor> inputs = generator_inputs(mel, style, how);
  inputs.insert(inputs.end(), priors.begin(), priors.end());
  return models_.run_all("audio_generator_stats", 0, inputs, frames, how);
}

HostTensor VoiceConverter::convert(const HostTensor& mel, const HostTensor& style, const RunOptions& how) {
  check_mels(mel);
  const int frames = static_cast<int>(mel.shape[3]);
  if (frames <= max_frames_) return convert_whole(mel, style, how);
  // Overlapping chunks of max_frames_, the last one ending at the end, cross-faded linearly
  // where they overlap: the instance norms see each chunk's statistics, not the utterance's.
  const int chunk = max_frames_, step = chunk - overlap_frames();
  const int64_t n = mel.shape[0];
  const int out_frames = audio_generator_frames(frames);
  HostTensor out(Shape{n, 1, kMelBands, out_frames});
  int covered = 0;  // frames [0, covered) of `out` hold a finished or fading-out value
  for (int first = 0;; first += step) {
    first = std::min(first, frames - chunk);
    const HostTensor part = convert_whole(frames_of(mel, first, chunk), style, how);
    const int overlap = covered - first;  // cross-fade over [first, covered)
    for (int64_t row = 0; row < n * kMelBands; ++row) {
      const float* src = part.data.data() + row * chunk;
      float* dst = out.data.data() + row * out_frames;
      for (int t = 0; t < chunk && first + t < out_frames; ++t) {
        const float w = t < overlap ? static_cast<float>(t + 1) / static_cast<float>(overlap + 1) : 1.f;
        dst[first + t] = t < overlap ? (1 - w) * dst[first + t] + w * src[t] : src[t];
      }
    }
    covered = first + chunk;
    if (covered >= frames) break;
  }
  return out;
}

std::vector<float> VoiceConverter::vocode(const HostTensor& mel, const std::vector<float>& noise,
                                          uint64_t noise_seed, const RunOptions& how) {
  check_mels(mel);
  if (mel.shape[0] != 1) throw std::invalid_argument("the vocoder takes one mel at a time, got " + mel.shape.str());
  const int64_t frames = mel.shape[3];
  if (!models_.has("vocoder")) throw FileError(models_.path() + ": holds no network 'vocoder'");
  // The vocoder's input: the converted mel through the bundle's affine.
  const auto feature = [&](int64_t band, int64_t frame) {
    return settings_.vocoder_scale * mel.data[static_cast<size_t>(band * frames + frame)] + settings_.vocoder_shift;
  };
  if (is_hifigan(models_.weights(), models_.path())) {
    if (!noise.empty()) throw std::invalid_argument("a HiFi-GAN vocoder takes no noise");
    HostTensor x(Shape{1, kMelBands, 1, frames});
    for (int64_t m = 0; m < kMelBands; ++m)
      for (int64_t t = 0; t < frames; ++t) x.data[static_cast<size_t>(m * frames + t)] = feature(m, t);
    return run_hifigan(models_, x, vocoder_frames_, how);
  }
  const int64_t noise_channels = vocoder_config(models_.weights(), models_.path()).in_channels;
  const int64_t samples = frames * hop();
  if (noise.empty() && noise_channels != 1)
    throw std::invalid_argument(models_.path() + ": its vocoder takes " + std::to_string(noise_channels) +
                                " noise channels; seeded noise is one channel, so give the noise");
  if (!noise.empty() && noise.size() != static_cast<size_t>(noise_channels * samples))
    throw std::invalid_argument("the noise has " + std::to_string(noise.size()) + " samples, the output " +
                                std::to_string(noise_channels * samples) + " (" + std::to_string(hop()) +
                                " per frame, " + std::to_string(frames) + " frames)");
  const VocoderChunker chunks = vocoder_chunker(models_.weights(), models_.path(), vocoder_frames_);
  return chunks.run(frames, hop(), [&](const VocoderWindow& w) {
    // The vocoder takes the features frames first, as the demo passes out.transpose(-1, -2).
    HostTensor c(Shape{1, 1, w.frames, kMelBands});
    for (int64_t t = 0; t < w.frames; ++t)
      for (int64_t m = 0; m < kMelBands; ++m) c.data[static_cast<size_t>(t * kMelBands + m)] = feature(m, w.first + t);
    const int64_t first = w.first * hop(), length = int64_t{w.frames} * hop();
    if (noise.empty()) {  // sample i of the utterance is normal(noise_seed, i) in every window
      RunOptions seeded = how;
      seeded.random_seed = noise_seed, seeded.random_offset = static_cast<uint64_t>(first);
      return models_.run("vocoder_seeded", 0, {c}, w.frames, seeded).data;
    }
    HostTensor z(Shape{1, noise_channels, 1, length});
    for (int64_t ch = 0; ch < noise_channels; ++ch)
      std::copy_n(noise.begin() + ch * samples + first, length, z.data.begin() + ch * length);
    return models_.run("vocoder", 0, {c, z}, w.frames, how).data;
  });
}

}  // namespace xfv
