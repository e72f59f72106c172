#include "engine/models/voice_settings.h"

#include <cmath>
#include <nlohmann/json.hpp>
#include <sstream>
#include <vector>

#include "engine/models/model_config.h"
#include "engine/models/networks.h"
#include "engine/models/parallel_wavegan.h"
#include "engine/models/stargan_v2.h"
#include "engine/models/stargan_vc.h"

namespace xfv {
namespace {

constexpr const char* kKey = "xfv.voice";

std::string number(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

VoiceMel parse_mel(const nlohmann::json& j, const std::string& path) {
  const std::string where = "xfv.voice mel";
  VoiceMel m;
  const std::string recipe = config_string(j, path, where, "recipe", "");
  if (recipe == "stargan_vc") {
    m.recipe = MelRecipe::kStarganVc;
  } else if (recipe == "hifigan") {
    m.recipe = MelRecipe::kHifigan;
  } else {
    throw FileError(path + ": xfv.voice names mel recipe '" + recipe + "'; known: stargan_vc, hifigan");
  }
  m.sampling_rate = config_int(j, path, where, "sampling_rate");
  m.n_fft = config_int(j, path, where, "n_fft");
  m.win_size = config_int(j, path, where, "win_size");
  m.hop_size = config_int(j, path, where, "hop_size");
  m.num_mels = config_int(j, path, where, "num_mels");
  m.fmin = config_number(j, path, where, "fmin");
  m.fmax = config_number(j, path, where, "fmax");
  m.filterbank_rate = config_number(j, path, where, "filterbank_rate");
  m.mean = config_number(j, path, where, "mean");
  m.std = config_number(j, path, where, "std");
  const std::string scale = config_string(j, path, where, "scale", ""), log = config_string(j, path, where, "log", "");
  const std::string want_scale = m.recipe == MelRecipe::kStarganVc ? "htk" : "slaney";
  if (scale != want_scale || log != "ln")
    throw FileError(path + ": xfv.voice: recipe " + m.recipe_name() + " computes " + want_scale +
                    " mels with the natural log, the file says scale '" + scale + "', log '" + log + "'");
  if (!(m.std > 0)) throw FileError(path + ": xfv.voice: the mel's std must be positive, got " + number(m.std));
  if (m.recipe == MelRecipe::kStarganVc) {
    // That recipe is one fixed front end (reference-models.md 2.6): only its own numbers.
    const VoiceMel fixed;
    if (m.sampling_rate != fixed.sampling_rate || m.n_fft != fixed.n_fft || m.win_size != fixed.win_size ||
        m.hop_size != fixed.hop_size || m.num_mels != fixed.num_mels || m.fmin != fixed.fmin ||
        m.fmax != fixed.fmax || m.filterbank_rate != fixed.filterbank_rate || m.mean != fixed.mean ||
        m.std != fixed.std)
      throw FileError(path + ": xfv.voice: the stargan_vc recipe is 24000 Hz, n_fft 2048, window 1200, hop 300, "
                             "80 bands of 0-8000 Hz on a 16000 Hz filterbank, mean -4, std 4; the file differs");
  } else {
    if (m.filterbank_rate != m.sampling_rate)
      throw FileError(path + ": xfv.voice: the hifigan recipe's filterbank is at the sampling rate");
    const HifiGanConfig c = m.hifigan_front_end();
    if (c.n_fft < 2 || (c.n_fft & (c.n_fft - 1)) || c.win_size > c.n_fft || c.hop_size < 1 || c.hop_size > c.n_fft ||
        (c.n_fft - c.hop_size) % 2 || !(c.fmin >= 0 && c.fmin < c.fmax && c.fmax <= c.sampling_rate / 2.0))
      throw FileError(path + ": xfv.voice: the hifigan mel settings cannot be computed (n_fft a power of two, "
                             "window <= n_fft, n_fft - hop even, 0 <= fmin < fmax <= rate / 2)");
  }
  return m;
}

// "audio_generator's mel is X, the vocoder (family) takes Y": the message of a mismatch.
void require_same(const std::string& path, const char* what, const std::string& mel, const std::string& vocoder,
                  const std::string& family) {
  if (mel != vocoder)
    throw FileError(path + ": audio_generator's mel has " + what + " " + mel + ", the vocoder (" + family +
                    ") takes " + vocoder);
}

}  // namespace

int VoiceMel::frames(int64_t samples) const {
  return static_cast<int>(recipe == MelRecipe::kStarganVc ? 1 + samples / hop_size : samples / hop_size);
}

int VoiceMel::min_samples() const {
  return recipe == MelRecipe::kStarganVc ? n_fft / 2 + 1 : hifigan_front_end().min_samples();
}

HifiGanConfig VoiceMel::hifigan_front_end() const {
  HifiGanConfig c;
  c.num_mels = num_mels, c.sampling_rate = sampling_rate, c.n_fft = n_fft, c.hop_size = hop_size;
  c.win_size = win_size, c.fmin = fmin, c.fmax = fmax;
  return c;
}

VoiceSettings voice_settings(const TensorFile& w, const std::string& path) {
  VoiceSettings v;
  const auto it = w.metadata.find(kKey);
  if (it == w.metadata.end()) return v;
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(it->second);
  } catch (const nlohmann::json::exception& e) {
    throw FileError(path + ": malformed xfv.voice: " + e.what());
  }
  if (!j.is_object() || !j.contains("mel") || !j.contains("vocoder_input"))
    throw FileError(path + ": xfv.voice needs 'mel' and 'vocoder_input'");
  v.mel = parse_mel(j["mel"], path);
  const std::string where = "xfv.voice vocoder_input";
  v.vocoder_scale = static_cast<float>(config_number(j["vocoder_input"], path, where, "scale"));
  v.vocoder_shift = static_cast<float>(config_number(j["vocoder_input"], path, where, "shift"));
  if (!std::isfinite(v.vocoder_scale) || !std::isfinite(v.vocoder_shift) || v.vocoder_scale == 0)
    throw FileError(path + ": xfv.voice: the vocoder input's scale must be finite and non-zero, its shift finite");
  return v;
}

std::vector<std::pair<std::string, int>> style_dims(const TensorFile& w, const std::string& path) {
  std::vector<std::pair<std::string, int>> styles;
  const auto has = [&](const char* n) { return has_network(w, path, n); };
  if (has("image_generator")) styles.emplace_back("image_generator", image_generator_config(w, path).style_dim);
  if (has("image_style_encoder"))
    styles.emplace_back("image_style_encoder", image_style_encoder_config(w, path).style_dim);
  if (has("mapping_network")) styles.emplace_back("mapping_network", mapping_network_config(w, path).style_dim);
  if (has("audio_generator")) styles.emplace_back("audio_generator", audio_generator_config(w, path).style_dim);
  if (has("audio_style_encoder"))
    styles.emplace_back("audio_style_encoder", audio_style_encoder_config(w, path).style_dim);
  return styles;
}

void check_bundle(const TensorFile& w, const std::string& path) {
  // One style space: every network that makes or takes a style, by its own configuration.
  const auto styles = style_dims(w, path);
  const auto has = [&](const char* n) { return has_network(w, path, n); };
  for (const auto& [network, dim] : styles)
    if (dim != styles.front().second)
      throw FileError(path + ": " + styles.front().first + " has style_dim " + std::to_string(styles.front().second) +
                      ", " + network + " has style_dim " + std::to_string(dim) + ": a bundle shares one style space");

  if (!has("audio_generator") && !has("audio_style_encoder")) return;
  const VoiceSettings v = voice_settings(w, path);
  if (v.mel.num_mels != kMelBands)
    throw FileError(path + ": audio_generator's mel has " + std::to_string(v.mel.num_mels) +
                    " bands, the voice networks take " + std::to_string(kMelBands));
  if (!has("vocoder") || !has("audio_generator")) return;
  if (is_hifigan(w, path)) {
    const HifiGanConfig c = hifigan_config(w, path);
    const std::string family = "HiFi-GAN";
    require_same(path, "recipe", v.mel.recipe_name(), "hifigan", family);
    require_same(path, "sampling rate", std::to_string(v.mel.sampling_rate), std::to_string(c.sampling_rate), family);
    require_same(path, "n_fft", std::to_string(v.mel.n_fft), std::to_string(c.n_fft), family);
    require_same(path, "hop", std::to_string(v.mel.hop_size), std::to_string(c.hop_size), family);
    require_same(path, "window", std::to_string(v.mel.win_size), std::to_string(c.win_size), family);
    require_same(path, "bands", std::to_string(v.mel.num_mels), std::to_string(c.num_mels), family);
    require_same(path, "band edges", number(v.mel.fmin) + "-" + number(v.mel.fmax) + " Hz",
                 number(c.fmin) + "-" + number(c.fmax) + " Hz", family);
  } else {
    // StarGANv2-VC trained its Parallel WaveGAN on the stargan_vc recipe's normalized mels.
    const VocoderConfig c = vocoder_config(w, path);
    const std::string family = "Parallel WaveGAN";
    require_same(path, "recipe", v.mel.recipe_name(), "stargan_vc", family);
    require_same(path, "hop", std::to_string(v.mel.hop_size), std::to_string(c.hop()), family);
    require_same(path, "bands", std::to_string(v.mel.num_mels), std::to_string(c.aux_channels), family);
  }
}

}  // namespace xfv
