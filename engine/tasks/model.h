// A model: the networks of one weight file on one backend, immutable once loaded, shared by
// any number of sessions (engine/tasks/model_session.h) on any number of threads. It holds
// the file's tensors, its configurations and domains, and the weights on the backend, each
// once (engine/weight_store.h): read from the file and uploaded the first time a session's
// graph uses them, so that networks no task runs are never in memory.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "engine/backend.h"
#include "engine/safetensors.h"
#include "engine/weight_store.h"

namespace xfv {

class Model {
 public:
  // Reads the file's header (its tensors' data on demand) and refuses a bundle whose parts disagree (check_bundle); a backend that
  // cannot run here is an error naming it.
  Model(const std::string& weights_path, const std::string& backend);
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;

  const std::string& path() const { return path_; }
  const std::string& backend() const { return backend_name_; }
  const TensorFile& weights() const { return weights_; }
  bool has(const std::string& network) const;

  // A domain of `network` (a style encoder or the mapping network, the networks that have
  // domains): a name the network knows, else a decimal index below its domain count. Unknown
  // ones are an error naming the network and listing its domains.
  int domain(const std::string& name_or_index, const std::string& network) const;
  int domain_count(const std::string& network) const;
  // Throws std::invalid_argument naming the network and its domains unless 0 <= index < count.
  void check_domain(int index, const std::string& network) const;

  // The faces every face network takes (S x S), and the style size every network that makes
  // or takes a style shares (check_bundle made them agree); a FileError without such networks.
  int face_size() const;
  int style_dim() const;

  // The mapping network's latent size, and `count` latents (count, latent_dim) of Philox
  // normals, the same on every backend; the first is the latent of `seed` alone.
  int latent_dim() const;
  HostTensor latent_from_seed(uint64_t seed, int count = 1) const;

  // The weights on the backend, shared by the sessions' graphs (internally synchronized).
  WeightStore& store() const { return *store_; }
  // Bytes of the file's tensors in host memory per network (each network's read from the
  // file the first time a session builds it), and of the weights uploaded so far per network
  // (0 where the backend runs on host memory and reads the file's in place).
  std::map<std::string, size_t> host_bytes_per_network() const;
  std::map<std::string, size_t> backend_bytes_per_network() const;

  // Sessions of this model alive now (ModelSession counts itself in and out).
  int live_sessions() const { return sessions_.load(); }

 private:
  friend class ModelSession;
  std::string domains_listed(const std::string& network) const;  // "2 domains: female, male"
  std::string path_, backend_name_;
  TensorFile weights_;
  std::unique_ptr<Backend> uploader_;  // the store's uploads; each session runs on its own
  std::unique_ptr<WeightStore> store_;
  mutable std::atomic<int> sessions_{0};
};

}  // namespace xfv
