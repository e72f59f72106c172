// Fuzz target: the JSON of a weight file's metadata (weights/README.md), each parser on the
// same text: xfv.networks, every network's xfv.config.* and xfv.domains.*, and xfv.voice,
// then the bundle's consistency check over them all. A FileError naming the file is the refusal.
#include <functional>
#include <string>
#include <vector>

#include "engine/models/fan.h"
#include "engine/models/hifigan.h"
#include "engine/models/jdc.h"
#include "engine/models/model_config.h"
#include "engine/models/networks.h"
#include "engine/models/parallel_wavegan.h"
#include "engine/models/stargan_v2.h"
#include "engine/models/stargan_vc.h"
#include "engine/models/voice_settings.h"

namespace {

const char* const kPath = "fuzz.safetensors";

void refused_or_read(const std::function<void()>& parse) {
  try {
    parse();
  } catch (const xfv::FileError&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace xfv;
  const std::string text(reinterpret_cast<const char*>(data), size);
  const std::vector<std::string> networks = {"image_generator", "image_style_encoder", "mapping_network", "fan",
                                             "audio_generator", "audio_style_encoder", "f0_model", "vocoder"};
  TensorFile w;
  w.metadata["xfv.networks"] =
      R"(["image_generator", "image_style_encoder", "mapping_network", "fan", "audio_generator",
          "audio_style_encoder", "f0_model", "vocoder"])";
  for (const std::string& n : networks) {
    w.metadata["xfv.config." + n] = text;
    w.metadata["xfv.domains." + n] = text;
  }
  w.metadata["xfv.voice"] = text;

  refused_or_read([&] { image_generator_config(w, kPath); });
  refused_or_read([&] { image_style_encoder_config(w, kPath); });
  refused_or_read([&] { mapping_network_config(w, kPath); });
  refused_or_read([&] { fan_config(w, kPath); });
  refused_or_read([&] { audio_generator_config(w, kPath); });
  refused_or_read([&] { audio_style_encoder_config(w, kPath); });
  refused_or_read([&] { f0_model_config(w, kPath); });
  refused_or_read([&] { is_hifigan(w, kPath) ? (void)hifigan_config(w, kPath) : (void)vocoder_config(w, kPath); });
  refused_or_read([&] { voice_settings(w, kPath); });
  refused_or_read([&] {
    for (const std::string& n : networks) domain_names(w, kPath, n);
  });
  refused_or_read([&] { check_bundle(w, kPath); });
  TensorFile listed;
  listed.metadata["xfv.networks"] = text;
  refused_or_read([&] { networks_in(listed, kPath); });
  return 0;
}
