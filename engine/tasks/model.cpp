#include "engine/tasks/model.h"

#include <algorithm>
#include <stdexcept>

#include "engine/models/networks.h"
#include "engine/models/stargan_v2.h"
#include "engine/models/stargan_vc.h"
#include "engine/models/voice_settings.h"
#include "kernels/philox.cuh"

namespace xfv {

Model::Model(const std::string& weights_path, const std::string& backend)
    : path_(weights_path),
      backend_name_(backend),
      weights_(read_safetensors(weights_path, TensorReading::kOnDemand)),
      uploader_(make_backend(backend)),
      store_(std::make_unique<WeightStore>(*uploader_)) {
  check_bundle(weights_, path_);
}

bool Model::has(const std::string& network) const {
  const std::vector<std::string> present = networks_in(weights_, path_);
  return std::find(present.begin(), present.end(), network) != present.end();
}

int Model::domain_count(const std::string& network) const {
  const bool selects = network == "mapping_network" || network == "image_style_encoder" ||
                       network == "audio_style_encoder";
  if (!selects)
    throw std::invalid_argument("'" + network + "' has no domains: only image_style_encoder, audio_style_encoder " +
                                "and mapping_network select by domain");
  if (!has(network)) throw FileError(path_ + ": holds no network '" + network + "'");
  // Each network counts its own: a bundle's mapping network may know more domains than its
  // image style encoder.
  if (network == "mapping_network") return mapping_network_config(weights_, path_).num_domains;
  if (network == "image_style_encoder") return image_style_encoder_config(weights_, path_).num_domains;
  return audio_style_encoder_config(weights_, path_).num_domains;
}

std::string Model::domains_listed(const std::string& network) const {
  std::string known;
  for (const std::string& n : domain_names(weights_, path_, network)) known += (known.empty() ? "" : ", ") + n;
  const int count = domain_count(network);
  return std::to_string(count) + " domains" + (known.empty() ? "" : ": " + known);
}

int Model::domain(const std::string& name_or_index, const std::string& network) const {
  const int count = domain_count(network);
  const std::vector<std::string> names = domain_names(weights_, path_, network);
  for (size_t i = 0; i < names.size(); ++i)
    if (names[i] == name_or_index) return static_cast<int>(i);
  const bool numeric = !name_or_index.empty() && name_or_index.find_first_not_of("0123456789") == std::string::npos;
  if (numeric && name_or_index.size() < 6 && std::stoi(name_or_index) < count) return std::stoi(name_or_index);
  throw std::invalid_argument(path_ + ": domain '" + name_or_index + "' is unknown to '" + network + "' (" +
                              domains_listed(network) + ")");
}

void Model::check_domain(int index, const std::string& network) const {
  if (index < 0 || index >= domain_count(network))
    throw std::invalid_argument(path_ + ": domain " + std::to_string(index) + " is out of the range of '" + network +
                                "' (" + domains_listed(network) + ")");
}

int Model::face_size() const {
  if (has("image_generator")) return image_generator_config(weights_, path_).img_size;
  if (has("image_style_encoder")) return image_style_encoder_config(weights_, path_).img_size;
  throw FileError(path_ + ": holds no face network (image_generator, image_style_encoder)");
}

int Model::style_dim() const {
  const auto dims = style_dims(weights_, path_);
  if (dims.empty()) throw FileError(path_ + ": holds no network that makes or takes a style");
  return dims.front().second;
}

int Model::latent_dim() const { return mapping_network_config(weights_, path_).latent_dim; }

HostTensor Model::latent_from_seed(uint64_t seed, int count) const {
  if (count < 1) throw std::invalid_argument("--count must be at least 1, got " + std::to_string(count));
  HostTensor z(Shape{count, latent_dim()});
  for (size_t i = 0; i < z.data.size(); ++i) z.data[i] = philox_normal(seed, i);
  return z;
}

std::map<std::string, size_t> Model::host_bytes_per_network() const { return weights_.resident_bytes_per_network(); }

std::map<std::string, size_t> Model::backend_bytes_per_network() const {
  if (uploader_->runs_on_host_memory()) return {};
  return store_->bytes_per_network();
}

}  // namespace xfv
