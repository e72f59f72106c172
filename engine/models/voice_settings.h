// The voice path's settings in a bundle (`xfv.voice`, weights/README.md): the mel the voice
// generator was trained on, and the affine that turns the generator's normalized mel into
// what the file's vocoder takes. A file without the key is a StarGANv2-VC voice file: its
// demo's mel and no affine.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "engine/models/hifigan.h"
#include "engine/safetensors.h"

namespace xfv {

enum class MelRecipe { kStarganVc, kHifigan };

struct VoiceMel {
  MelRecipe recipe = MelRecipe::kStarganVc;
  int sampling_rate = 24000, n_fft = 2048, win_size = 1200, hop_size = 300, num_mels = 80;
  double fmin = 0, fmax = 8000, filterbank_rate = 16000;
  double mean = -4, std = 4;  // the generator's input is (ln mel - mean) / std

  std::string recipe_name() const { return recipe == MelRecipe::kStarganVc ? "stargan_vc" : "hifigan"; }
  // Frames of a recording of `samples` samples: centred frames (stargan_vc) or the HiFi-GAN
  // recipe's uncentred ones.
  int frames(int64_t samples) const;
  int min_samples() const;
  // The HiFi-GAN recipe's front end with these settings (recipe kHifigan).
  HifiGanConfig hifigan_front_end() const;
};

struct VoiceSettings {
  VoiceMel mel;
  float vocoder_scale = 1, vocoder_shift = 0;  // vocoder input = scale * generator output + shift
};

// `xfv.voice` of the file, or the StarGANv2-VC defaults without one. A malformed entry, or a
// stargan_vc recipe whose numbers are not that recipe's, is a FileError naming the file.
VoiceSettings voice_settings(const TensorFile& w, const std::string& path);

// The style dimension of each network of the file that makes or takes a style, in the
// order image_generator, image_style_encoder, mapping_network, audio_generator,
// audio_style_encoder (those present).
std::vector<std::pair<std::string, int>> style_dims(const TensorFile& w, const std::string& path);

// Refuses a file whose networks disagree: one style dimension for every style producer and
// consumer; the generator's mel against the vocoder's (recipe, rate, n_fft, hop, window,
// bands, band edges) and against the voice networks' 80 bands. Each problem is a FileError
// naming the file and both parts.
void check_bundle(const TensorFile& w, const std::string& path);

}  // namespace xfv
