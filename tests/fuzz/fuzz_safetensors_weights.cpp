// Fuzz target: a weight file from any bytes. The safetensors reader (header, shapes, offsets),
// then what opening a model checks (the bundle's configurations agree, check_bundle), the
// domain names of the networks that have domains, and every tensor's data read on demand.
// A FileError naming the file is the refusal; anything else is a finding.
#include <string>

#include "engine/models/model_config.h"
#include "engine/models/networks.h"
#include "engine/models/voice_settings.h"
#include "engine/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace xfv;
  const std::string path = "fuzz.safetensors";
  try {
    const TensorFile w =
        read_safetensors_bytes(std::string(reinterpret_cast<const char*>(data), size), path, TensorReading::kOnDemand);
    for (const auto& [name, t] : w.tensors) w.find(name);
    check_bundle(w, path);
    for (const char* n : {"image_style_encoder", "audio_style_encoder", "mapping_network"})
      if (has_network(w, path, n)) domain_names(w, path, n);
  } catch (const FileError&) {
  }
  return 0;
}
