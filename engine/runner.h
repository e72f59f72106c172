// Executes a graph on a backend: constants uploaded once, inputs and intermediates placed
// in one arena by the planner, each node bound to its buffers and run in order.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <memory>
#include <vector>

#include "engine/arena.h"
#include "engine/backend.h"
#include "engine/graph.h"
#include "engine/weight_store.h"

namespace xfv {

// Called after each node with the name of the value it produced (the reference module path)
// and its time on the backend's clock: the per-node profile.
using NodeHook = std::function<void(const Node& node, const std::string& name, double ms)>;

class Runner {
 public:
  // keep_every_value: no buffer is reused, so that every value can be read after the run
  // (tensor dumps, validation); otherwise only inputs, constants and outputs can.
  // With a store, the graph's constants are the store's (adopted by it before); without, the
  // runner uploads its own copies.
  Runner(const Graph& graph, Backend& backend, bool keep_every_value = false, const WeightStore* store = nullptr);

  // The placement of the graph's inputs and intermediates in one arena, as a Runner makes
  // it: its total_bytes is what a Runner of the graph allocates, known before allocating.
  static ArenaPlan plan(const Graph& graph, bool keep_every_value);

  void set_input(ValueId v, const HostTensor& t);
  // Replaces a node's value; from a hook, right after the node ran, the nodes after it read
  // the replacement (isolated validation feeds each block the reference's own input).
  void overwrite(ValueId v, const HostTensor& t);
  // The stream the graph's Gaussian nodes draw from in the runs that follow: a node whose
  // desc has offset o gives element j = normal(seed, offset + o + j) (its desc's seed is
  // unused), so one graph draws any part of any seed's stream.
  void set_random_stream(uint64_t seed, uint64_t offset) { random_seed_ = seed, random_offset_ = offset; }
  // Runs every node; with a hook, times each node (synchronizing around it).
  void run(const NodeHook& hook = nullptr);
  HostTensor read(ValueId v);

  size_t arena_bytes() const { return arena_.bytes(); }

 private:
  float* address(ValueId v) const;
  void upload(ValueId v, const HostTensor& t);

  const Graph& graph_;
  Backend& backend_;
  std::vector<DeviceBuffer> constants_;  // by value id, the runner's own copies (no store)
  std::vector<const float*> constant_addresses_;  // by value id, null for other kinds
  std::vector<size_t> offsets_;          // arena offset by value id
  DeviceBuffer arena_;
  uint64_t random_seed_ = 0, random_offset_ = 0;
};

}  // namespace xfv
