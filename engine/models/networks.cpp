#include "engine/models/networks.h"

#include <nlohmann/json.hpp>

#include "engine/models/fan.h"
#include "engine/models/hifigan.h"
#include "engine/models/jdc.h"
#include "engine/models/mel_front_end.h"
#include "engine/models/parallel_wavegan.h"
#include "engine/models/stargan_v2.h"
#include "engine/models/stargan_vc.h"
#include "engine/models/voice_settings.h"

namespace xfv {
namespace {

void check_domain(const std::string& path, const std::string& network, int domain, int count) {
  if (domain < 0 || domain >= count)
    throw std::invalid_argument(path + ": domain " + std::to_string(domain) + " is out of range for '" + network +
                                "', which has " + std::to_string(count) + " domains");
}

}  // namespace

std::map<std::string, size_t> weight_bytes_per_network(const TensorFile& weights) {
  std::map<std::string, size_t> per;
  for (const auto& [name, t] : weights.tensors)
    per[name.substr(0, name.find('.'))] += static_cast<size_t>(t.numel()) * sizeof(float);
  return per;
}

std::vector<std::string> networks_in(const TensorFile& weights, const std::string& path) {
  const auto it = weights.metadata.find("xfv.networks");
  if (it == weights.metadata.end()) throw FileError(path + ": not an xfv weight file (no xfv.networks metadata)");
  try {
    return nlohmann::json::parse(it->second).get<std::vector<std::string>>();
  } catch (const nlohmann::json::exception& e) {
    throw FileError(path + ": malformed xfv.networks metadata: " + e.what());
  }
}

bool has_network(const TensorFile& weights, const std::string& path, const std::string& network) {
  const std::vector<std::string> present = networks_in(weights, path);
  return std::find(present.begin(), present.end(), network) != present.end();
}

NetworkGraph build_network(const TensorFile& weights, const std::string& path, const std::string& network,
                           int batch, int domain, int length) {
  NetworkGraph n;
  n.network = network;
  n.graph = std::make_unique<Graph>();
  // `vocoder_seeded` is the file's `vocoder` (its weights and names) drawing its own noise.
  const bool seeded = network == "vocoder_seeded";
  // `audio_generator_stats` is the file's `audio_generator` with stream statistics.
  const bool stream_stats = network == "audio_generator_stats";
  NetBuilder b(*n.graph, weights, path, seeded ? "vocoder" : stream_stats ? "audio_generator" : network);
  if (network == "mel" || network == "voice_mel" || network == "voice_mel_frames" || network == "hifigan_mel") {
    MelFrontEndIO io;
    const MelEdges edges = network == "voice_mel_frames" ? MelEdges::kNone : MelEdges::kReflected;
    if (network == "mel") {
      io = add_mel_front_end(b, batch, length, edges);
    } else if (network != "hifigan_mel") {
      // The voice generator's own recipe (xfv.voice), normalized as it was trained: the
      // stargan_vc front end normalizes as it takes the log, the HiFi-GAN recipe's does not.
      const VoiceMel m = voice_settings(weights, path).mel;
      if (m.recipe == MelRecipe::kStarganVc) {
        io = add_mel_front_end(b, batch, length, edges);
      } else {
        io = add_hifigan_mel_front_end(b, m.hifigan_front_end(), batch, length, edges);
        io.output = b.scale_shift("normalized", io.output, static_cast<float>(1 / m.std),
                                  static_cast<float>(-m.mean / m.std));
      }
    } else {
      // The vocoder's own mel settings when the file holds a HiFi-GAN, else those of V1.
      const bool own = !weights.metadata.empty() && has_network(weights, path, "vocoder") && is_hifigan(weights, path);
      io = add_hifigan_mel_front_end(b, own ? hifigan_config(weights, path) : HifiGanConfig{}, batch, length, edges);
    }
    b.graph().mark_output(io.output);
    n.inputs = {io.wave};
    n.output = io.output;
    return n;
  }
  if (!has_network(weights, path, b.network())) throw FileError(path + ": holds no network '" + b.network() + "'");
  if (network == "image_generator") {
    const ImageGeneratorIO io = add_image_generator(b, image_generator_config(weights, path), batch);
    n.inputs = {io.x, io.s};
    if (io.mask0 != kNoValue) n.inputs.insert(n.inputs.end(), {io.mask0, io.mask1});
    n.output = io.output;
  } else if (network == "image_style_encoder") {
    const ImageStyleEncoderConfig c = image_style_encoder_config(weights, path);
    check_domain(path, network, domain, c.num_domains);
    const ValueId x = b.input("x", Shape{batch, 3, c.img_size, c.img_size});
    n.inputs = {x};
    n.output = add_image_style_encoder(b, c, x, domain);
  } else if (network == "mapping_network") {
    const MappingNetworkConfig c = mapping_network_config(weights, path);
    check_domain(path, network, domain, c.num_domains);
    const ValueId z = b.input("z", Shape{batch, c.latent_dim});
    n.inputs = {z};
    n.output = add_mapping_network(b, c, z, domain);
  } else if (network == "fan") {
    const FanConfig c = fan_config(weights, path);
    const int size = length > 0 ? length : c.img_size;
    const ValueId x = b.input("x", Shape{batch, 3, size, size});
    n.inputs = {x};
    const FanMasks masks = add_fan(b, c, x);
    n.output = masks.mask0;
    n.chained_tolerance = {{masks.mask0, kFanMaskChainedTolerance}, {masks.mask1, kFanMaskChainedTolerance}};
  } else if (b.network() == "audio_generator") {
    if (stream_stats) b.take_norm_priors();
    const AudioGeneratorIO io = add_audio_generator(b, audio_generator_config(weights, path), batch, length);
    n.inputs = {io.x, io.s};
    if (io.f0 != kNoValue) n.inputs.push_back(io.f0);
    for (const NetBuilder::NormSite& norm : b.norm_sites()) {
      n.inputs.push_back(norm.prior);
      b.graph().mark_output(norm.x);
    }
    n.output = io.output;
  } else if (network == "audio_style_encoder") {
    const AudioStyleEncoderConfig c = audio_style_encoder_config(weights, path);
    check_domain(path, network, domain, c.num_domains);
    const ValueId x = b.input("x", Shape{batch, 1, kMelBands, length});
    n.inputs = {x};
    n.output = add_audio_style_encoder(b, c, x, domain);
  } else if (network == "f0_model") {
    const ValueId x = b.input("x", Shape{batch, 1, kMelBands, length});
    n.inputs = {x};
    n.output = add_f0_model(b, f0_model_config(weights, path), x);
  } else if (b.network() == "vocoder") {
    if (batch != 1) throw std::invalid_argument(path + ": the vocoder runs one utterance at a time");
    if (is_hifigan(weights, path)) {
      if (seeded) throw std::invalid_argument(path + ": its vocoder is a HiFi-GAN, which takes no noise");
      const HifiGanIO io = add_hifigan(b, hifigan_config(weights, path), length);
      n.inputs = {io.x};
      n.output = io.output;
    } else {
      const VocoderIO io = add_vocoder(b, vocoder_config(weights, path), length, seeded);
      n.inputs = {io.c};
      if (!seeded) n.inputs.push_back(io.noise);
      n.output = io.output;
    }
  } else {
    throw std::invalid_argument(path + ": network '" + network + "' is not supported");
  }
  return n;
}

}  // namespace xfv
