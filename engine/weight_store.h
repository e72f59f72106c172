// The constants of one model on one backend, held once: every graph built from the model
// (one per network, domain, batch and length) refers to the same host tensor and the same
// backend buffer of each weight, and owns only its activations.
//
// Thread-safe: the graphs of several sessions may be adopted and run concurrently.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "engine/backend.h"
#include "engine/graph.h"

namespace xfv {

class WeightStore {
 public:
  // Uploads through `backend`, which must outlive the store; on a backend that runs on host
  // memory (cpu) the host tensors are read in place and nothing is uploaded.
  explicit WeightStore(Backend& backend) : backend_(backend) {}
  WeightStore(const WeightStore&) = delete;
  WeightStore& operator=(const WeightStore&) = delete;

  // Makes every constant of `graph` the store's. A constant is known by its name and shape:
  // the first graph to bring one gives its data (uploaded then); a later graph's constant
  // of the same name and shape must hold the same values (a std::logic_error otherwise: a
  // builder named two different constants alike) and is replaced by the store's copy.
  void adopt(Graph& graph);
  // The backend address of constant `v` of an adopted graph.
  const float* address(const Graph& graph, ValueId v) const;

  // Bytes of the constants held, in all and per network (the name up to its first '.'):
  // each once, on the host and (unless the backend runs on host memory) on the backend.
  size_t bytes() const;
  std::map<std::string, size_t> bytes_per_network() const;
  size_t count() const;

 private:
  struct Entry {
    std::shared_ptr<const HostTensor> host;
    DeviceBuffer device;  // empty where the backend runs on host memory
    const float* address = nullptr;
  };
  static std::string key(const Value& v);

  Backend& backend_;
  mutable std::mutex mutex_;
  std::map<std::string, Entry> entries_;  // by key(); entries are never removed
};

}  // namespace xfv
