// Executes a graph on a backend: constants uploaded once, inputs and intermediates placed
// in one arena by the planner, each node bound to its buffers and run in order.
#pragma once

#include <functional>
#include <string>
#include <memory>
#include <vector>

#include "engine/backend.h"
#include "engine/graph.h"

namespace xfv {

// Called after each node with the name of the value it produced (the reference module path)
// and its time on the backend's clock: the per-node profile.
using NodeHook = std::function<void(const Node& node, const std::string& name, double ms)>;

class Runner {
 public:
  // keep_every_value: no buffer is reused, so that every value can be read after the run
  // (tensor dumps, validation); otherwise only inputs, constants and outputs can.
  Runner(const Graph& graph, Backend& backend, bool keep_every_value = false);

  void set_input(ValueId v, const HostTensor& t);
  // Replaces a node's value; from a hook, right after the node ran, the nodes after it read
  // the replacement (isolated validation feeds each block the reference's own input).
  void overwrite(ValueId v, const HostTensor& t);
  // Runs every node; with a hook, times each node (synchronizing around it).
  void run(const NodeHook& hook = nullptr);
  HostTensor read(ValueId v);

  size_t arena_bytes() const { return arena_.bytes(); }

 private:
  float* address(ValueId v) const;
  void upload(ValueId v, const HostTensor& t);

  const Graph& graph_;
  Backend& backend_;
  std::vector<DeviceBuffer> constants_;  // by value id, empty for other kinds
  std::vector<size_t> offsets_;          // arena offset by value id
  DeviceBuffer arena_;
};

}  // namespace xfv
