// The image task: a face restyled by a style from a reference face or a latent code.
// Graphs are built and their weights uploaded once; each call runs them.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "engine/backend.h"
#include "engine/models/networks.h"
#include "engine/models/stargan_v2.h"
#include "engine/runner.h"

namespace xfv {

class ImageTranslator {
 public:
  ImageTranslator(const std::string& weights_path, const std::string& backend);

  int image_size() const { return generator_config_.img_size; }
  int style_dim() const { return generator_config_.style_dim; }
  int latent_dim() const;
  // A domain given by name (from the weight file) or by index, checked against `network`.
  int domain(const std::string& name_or_index, const std::string& network) const;

  // Styles (1, style_dim) from a reference face (1, 3, S, S) in [-1, 1] or a latent (1, latent_dim).
  HostTensor style_from_reference(const HostTensor& face, int domain);
  // With psi < 1 the style is truncated toward the domain's mean style: lerp(mean, s, psi),
  // as the reference's translate_using_latent does (there over 10,000 torch.randn latents;
  // here over 10,000 Philox latents of seed 0, so the mean is the same on every backend).
  HostTensor style_from_latent(const HostTensor& z, int domain, float psi = 1.f);
  HostTensor mean_style(int domain);
  // The latent of a seed: Philox normals, the same on every backend.
  HostTensor latent_from_seed(uint64_t seed) const;

  // The source face restyled. `dump`, when given, receives every value of the generator by
  // name; `profile`, when given, each node's time.
  HostTensor translate(const HostTensor& source, const HostTensor& style, TensorFile* dump = nullptr,
                       const NodeHook& profile = nullptr);

 private:
  struct Compiled {
    NetworkGraph net;
    std::unique_ptr<Runner> runner;
  };
  Compiled& compiled(const std::string& network, int domain, bool keep_every_value = false, int batch = 1);
  HostTensor run_one(const std::string& network, int domain, const HostTensor& input);

  std::string path_;
  TensorFile weights_;
  std::unique_ptr<Backend> backend_;
  ImageGeneratorConfig generator_config_;
  std::map<std::string, Compiled> compiled_;  // by "<network>/<domain>/<keep>/<batch>"
  std::map<int, HostTensor> mean_styles_;     // by domain
};

}  // namespace xfv
