// A session: one thread's use of a model (engine/tasks/model.h). It owns its backend (its
// own stream on cuda), the compiled graphs of the networks it has run (plans and arenas,
// referring to the model's weights) and the caches of what it computed. Compiled graphs are
// kept within a byte budget, the least recently used evicted first; one that cannot fit
// alone is an error naming what was asked for. Also what the image and voice tasks share:
// domains by name, and styles from latent codes.
#pragma once

#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/backend.h"
#include "engine/models/networks.h"
#include "engine/profile.h"
#include "engine/runner.h"
#include "engine/tasks/model.h"

namespace xfv {

// How a task runs its networks.
struct RunOptions {
  TensorFile* dump = nullptr;  // receives every value of the networks by name
  NodeHook profile;            // each node's time
  // The stream the networks' Gaussian nodes draw from (Runner::set_random_stream).
  uint64_t random_seed = 0, random_offset = 0;
};

// 2 GiB: the largest graph the tasks compile at their default sizes (the voice generator at
// 2048 frames, 315 MB with JDC; the image generator at a batch of 8) fits several times, and
// a 2-core, 24 GiB machine runs a few sessions side by side.
constexpr size_t kDefaultSessionBudget = size_t{2} << 30;

class ModelSession {
 public:
  explicit ModelSession(std::shared_ptr<const Model> model, size_t byte_budget = kDefaultSessionBudget);
  // A session over a model of its own (one thread, one file: the command line, the benches).
  ModelSession(const std::string& weights_path, const std::string& backend);
  ~ModelSession();
  ModelSession(const ModelSession&) = delete;
  ModelSession& operator=(const ModelSession&) = delete;

  const Model& model() const { return *model_; }
  // The model, for what outlives a call and runs graphs of its own (a VocoderStream).
  const std::shared_ptr<const Model>& shared_model() const { return model_; }
  const std::string& path() const { return model_->path(); }
  const TensorFile& weights() const { return model_->weights(); }
  bool has(const std::string& network) const { return model_->has(network); }
  int domain(const std::string& name_or_index, const std::string& network) const {
    return model_->domain(name_or_index, network);
  }

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
  int latent_dim() const { return model_->latent_dim(); }
  HostTensor latent_from_seed(uint64_t seed, int count = 1) const { return model_->latent_from_seed(seed, count); }
  // Styles (K, style_dim) of latents (K, latent_dim) for a mapping-network domain.
  HostTensor style_from_latent(const HostTensor& z, int domain, float psi = 1.f, const RunOptions& how = {});
  HostTensor mean_style(int domain);

  // The compiled-graph budget: the arenas of the graphs kept between calls and what the backend
  // prepared from their weights, within the room the others leave (Runner's prepare_limit;
  // past it a conv derives them in each call, with the same results). A dump's graph, which
  // keeps every value, is built for its call alone and counts against nothing.
  void set_byte_budget(size_t bytes);  // evicts down to it at once
  // The precision of the convs and linear layers of the graphs compiled from now on (those
  // compiled at another are dropped): fp32, the default and the reference, or a reduced one
  // on tensor cores. FAN stays fp32: its masks threshold heatmaps at 0.1, where a rounding
  // moves pixels across the threshold (docs/kernels.md, "Precision").
  void set_precision(Precision p);
  Precision precision() const { return precision_; }
  // Bytes of the compiled graphs kept now, per network: what the budget counts (Compiled::held).
  std::map<std::string, size_t> compiled_bytes_per_network() const;
  // Per network: its weights held by the model, its arenas held by this session.
  std::map<std::string, NetworkMemory> memory() const;

  // A graph and its runner on this session's backend.
  struct Compiled {
    std::string key;
    NetworkGraph net;
    std::unique_ptr<Runner> runner;
    size_t bytes = 0;  // its arena
    // What the budget counts: the arena and what the backend prepared for this runner.
    size_t held() const { return bytes + runner->prepared_bytes(); }
  };
  // A graph of `network` for the caller to keep and run itself (a stream's step, bound once
  // to its buffers: engine/tasks/step_network.h), at the session's precision. Outside the
  // cache and its budget: it stays at the precision it was compiled at, and must not outlive
  // the session.
  Compiled compile_owned(const std::string& network, int domain, int batch, int length) {
    return compile(network, domain, false, batch, length, false);
  }

 private:
  // A graph and its runner; one for the cache must fit the budget, and older graphs are
  // evicted to make room for it.
  Compiled compile(const std::string& network, int domain, bool keep_every_value, int batch, int length, bool cached);
  // The cached graph of `network`, compiled (and older ones evicted) on first use.
  Compiled& compiled(const std::string& network, int domain, int batch, int length);
  void evict_down_to(size_t bytes);

  std::shared_ptr<const Model> model_;
  std::unique_ptr<Backend> backend_;
  size_t budget_;
  size_t used_ = 0;
  std::list<Compiled> compiled_;  // most recently used first
  std::map<std::string, std::list<Compiled>::iterator> by_key_;  // "<network>/<domain>/<batch>/<length>"
  std::map<int, HostTensor> mean_styles_;  // by domain
  Precision precision_ = Precision::Fp32;
};

}  // namespace xfv
