// The image task: a face restyled by a style from a reference face or a latent code.
#pragma once

#include <string>

#include "engine/models/stargan_v2.h"
#include "engine/tasks/model_session.h"

namespace xfv {

class ImageTranslator {
 public:
  ImageTranslator(const std::string& weights_path, const std::string& backend);

  ModelSession& models() { return models_; }
  int image_size() const { return generator_config_.img_size; }
  int style_dim() const { return generator_config_.style_dim; }
  int latent_dim() const { return models_.latent_dim(); }
  int domain(const std::string& name_or_index, const std::string& network) const {
    return models_.domain(name_or_index, network);
  }

  // Styles (1, style_dim) from a reference face (1, 3, S, S) in [-1, 1] or a latent
  // (1, latent_dim), as ModelSession::style_from_latent.
  HostTensor style_from_reference(const HostTensor& face, int domain);
  HostTensor style_from_latent(const HostTensor& z, int domain, float psi = 1.f) {
    return models_.style_from_latent(z, domain, psi);
  }
  HostTensor latent_from_seed(uint64_t seed) const { return models_.latent_from_seed(seed); }

  // The source face restyled. `dump`, when given, receives every value of the generator (and
  // FAN) by name; `profile`, when given, each node's time.
  HostTensor translate(const HostTensor& source, const HostTensor& style, TensorFile* dump = nullptr,
                       const NodeHook& profile = nullptr);

 private:
  ModelSession models_;
  ImageGeneratorConfig generator_config_;
};

}  // namespace xfv
