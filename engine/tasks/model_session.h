// The networks of one weight file on one backend, for the tasks: each graph is built and its
// weights uploaded once, on first use, then run as often as asked. Also what the image and
// voice tasks share: domains by name, and styles from latent codes.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/backend.h"
#include "engine/models/networks.h"
#include "engine/runner.h"

namespace xfv {

// How a task runs its networks.
struct RunOptions {
  TensorFile* dump = nullptr;  // receives every value of the networks by name
  NodeHook profile;            // each node's time
};

class ModelSession {
 public:
  // Reads the file and refuses a bundle whose parts disagree (check_bundle).
  ModelSession(const std::string& weights_path, const std::string& backend);

  const std::string& path() const { return path_; }
  const TensorFile& weights() const { return weights_; }
  bool has(const std::string& network) const;

  // A domain given by name (from the weight file) or by index, checked against `network`
  // (a style encoder or the mapping network); unknown ones are an error listing the known.
  int domain(const std::string& name_or_index, const std::string& network) const;

  // Runs `network` on `inputs` (in the network's input order); the batch is the first
  // input's first dimension. `length` as for build_network. Returns the network's output.
  HostTensor run(const std::string& network, int domain, const std::vector<HostTensor>& inputs, int length = 0,
                 const RunOptions& how = {});
  // The same, returning every output (FAN's two masks).
  std::vector<HostTensor> run_all(const std::string& network, int domain, const std::vector<HostTensor>& inputs,
                                  int length = 0, const RunOptions& how = {});

  // Latent styles from the mapping network. With psi < 1 the style is truncated toward the
  // domain's mean style, lerp(mean, s, psi), as StarGAN v2's translate_using_latent does
  // (there over 10,000 torch.randn latents; here over 10,000 Philox latents of seed 0, so
  // the mean is the same on every backend).
  int latent_dim() const;
  // `count` latents (count, latent_dim) of Philox normals, the same on every backend; the
  // first is the latent of `seed` alone.
  HostTensor latent_from_seed(uint64_t seed, int count = 1) const;
  // Styles (K, style_dim) of latents (K, latent_dim) for a mapping-network domain.
  HostTensor style_from_latent(const HostTensor& z, int domain, float psi = 1.f, const RunOptions& how = {});
  HostTensor mean_style(int domain);

 private:
  struct Compiled {
    NetworkGraph net;
    std::unique_ptr<Runner> runner;
  };
  Compiled& compiled(const std::string& network, int domain, bool keep_every_value, int batch, int length);

  std::string path_;
  TensorFile weights_;
  std::unique_ptr<Backend> backend_;
  std::map<std::string, Compiled> compiled_;  // by "<network>/<domain>/<keep>/<batch>/<length>"
  std::map<int, HostTensor> mean_styles_;     // by domain
};

}  // namespace xfv
