// Any network of a weight file as a graph, by its canonical name (../shared/DESIGN.md).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "engine/graph.h"
#include "engine/safetensors.h"

namespace xfv {

struct NetworkGraph {
  std::string network;
  std::unique_ptr<Graph> graph;  // heap: the ids below stay valid when this moves
  std::vector<ValueId> inputs;   // named "<network>.input.<argument>"
  ValueId output = kNoValue;     // named "<network>.output"
};

// `domain` selects the head of networks that take one (style encoders, mapping networks);
// an index out of range is an error naming the network and its domain count.
NetworkGraph build_network(const TensorFile& weights, const std::string& path, const std::string& network,
                           int batch, int domain);

// The networks the file holds (`xfv.networks`), in its order.
std::vector<std::string> networks_in(const TensorFile& weights, const std::string& path);

}  // namespace xfv
