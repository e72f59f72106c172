// Executes a graph on a backend: constants uploaded once, inputs and intermediates placed
// in one arena by the planner, each node bound to its buffers and run in order.
#pragma once

#include <cstddef>
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
  // runner uploads its own copies. prepare_limit bounds prepared_bytes() (a session's budget).
  Runner(const Graph& graph, Backend& backend, bool keep_every_value = false, const WeightStore* store = nullptr,
         size_t prepare_limit = SIZE_MAX);
  ~Runner();
  Runner(const Runner&) = delete;
  Runner& operator=(const Runner&) = delete;

  // The placement of the graph's inputs and intermediates in one arena, as a Runner makes
  // it: its total_bytes is what a Runner of the graph allocates, known before allocating.
  // A conv's output shares its residual's buffer where the residual dies at the conv.
  static ArenaPlan plan(const Graph& graph, bool keep_every_value);

  void set_input(ValueId v, const HostTensor& t);
  // Replaces a node's value; from a hook, right after the node ran, the nodes after it read
  // the replacement (isolated validation feeds each block the reference's own input).
  void overwrite(ValueId v, const HostTensor& t);
  // The stream the graph's Gaussian nodes draw from in the runs that follow: a node whose
  // desc has offset o gives element j = normal(seed, offset + o + j) (its desc's seed is
  // unused), so one graph draws any part of any seed's stream.
  void set_random_stream(uint64_t seed, uint64_t offset) { random_seed_ = seed, random_offset_ = offset; }
  // A step graph's place in its stream for the runs that follow: the step's first frame and,
  // once known, the stream's length in frames (-1: not yet). Binds the time windows' mask
  // (TimeWindowDesc::per_frame) and the convs' origin (Conv2dDesc::origin_per_frame).
  void set_stream_position(int64_t frame, int64_t end_frame = -1) { frame_ = frame, end_frame_ = end_frame; }
  // Zeros every state of the graph (Graph::add_state): the start of a stream.
  void reset_states();
  // Runs every node; with a hook, times each node (synchronizing around it). The graph's
  // states then swap buffers (no copy); nothing is allocated on the backend after the
  // constructor.
  void run(const NodeHook& hook = nullptr);
  HostTensor read(ValueId v);
  void read(ValueId v, float* out);  // into the caller's buffer of the value's size

  size_t arena_bytes() const { return arena_.bytes(); }
  // What the backend derived from the graph's constants for this runner alone, held until
  // it is destroyed (Backend::keep_constants: the cpu's Winograd weight transforms).
  size_t prepared_bytes() const { return prepared_bytes_; }

 private:
  static std::vector<size_t> share_dying_inputs(const Graph& graph, std::vector<BufferLifetime>& lifetimes);
  float* address(ValueId v) const;
  void upload(ValueId v, const HostTensor& t);
  std::vector<OpArgs> bind_nodes() const;
  void forget_constants();  // what keep_constants kept for each node
  void swap_states();

  const Graph& graph_;
  Backend& backend_;
  std::vector<DeviceBuffer> constants_;  // by value id, the runner's own copies (no store)
  std::vector<const float*> constant_addresses_;  // by value id, null for other kinds
  std::vector<size_t> offsets_;          // arena offset by value id
  DeviceBuffer arena_;
  // The nodes bound to their buffers once: [1] with the states' buffers swapped.
  std::vector<OpArgs> bound_[2];
  int parity_ = 0;
  uint64_t random_seed_ = 0, random_offset_ = 0;
  int64_t frame_ = 0, end_frame_ = -1;
  std::vector<std::vector<bool>> constant_inputs_;  // by node and slot: Backend::keep_constants
  size_t prepared_bytes_ = 0;
};

}  // namespace xfv
