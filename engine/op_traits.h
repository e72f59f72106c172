// What the graph, the runner, the profiler and the op checker need to know about each op:
// its name and family, how many inputs it takes (in the order `bind_op` assigns them), their sizes, the
// output shape, and its work (FLOPs and bytes moved).
#pragma once

#include <string>
#include <vector>

#include "engine/backend.h"
#include "engine/tensor.h"

namespace xfv {

struct OpTraits {
  std::string op;                    // "conv2d"
  std::vector<int64_t> input_sizes;  // elements per input slot, in bind order
  std::vector<bool> input_optional;  // slots that may be left unbound (null)
  Shape output;
  double flops = 0;
  // Compulsory traffic: every input slot (weights included) read once and the output written
  // once, 4 bytes per element except the weights of a conv, transposed conv or linear layer,
  // stored at their precision (precision_storage_bytes); an upper bound where optional inputs
  // are left unbound (compulsory_bytes gives the exact figure for those).
  double bytes = 0;
  // The op family: the one name of its kernel file (kernels/<family>.cu), its cpu file
  // (engine/cpu/<family>.cpp), its op cases (`xfv ops --family`) and its benches. An op is
  // its own family, except "elementwise" (unary, binary, concat) and "pooling" (avg_pool,
  // max_pool, adaptive_avg_pool).
  std::string family{};
  // The weights' slot (-1: none) and their bytes per element.
  int weight_input = -1;
  int weight_element_bytes = sizeof(float);
  // A slot whose buffer the output may take when the graph reads that input nowhere after
  // this node (-1: none): every backend reads its element i before writing output element i,
  // and reads it nowhere else (a conv's residual). The runner's planner decides (Runner::plan).
  int in_place_input = -1;
};
OpTraits traits_of(const OpArgs& op);

// The compulsory traffic of an op whose input slots are bound as `bound` says (one flag per
// slot of t.input_sizes; an unbound optional input moves nothing): each bound input read once
// and the output written once, 4 bytes per element, the weights at t.weight_element_bytes. The one place bytes are counted: the
// profile, the op checker and the benches all take it from here.
double compulsory_bytes(const OpTraits& t, const std::vector<bool>& bound);

// Points the op at its data: inputs in the order of traits_of().input_sizes (null for an
// absent optional input) and the output.
void bind_op(OpArgs& op, const std::vector<const float*>& inputs, float* output);

// The arithmetic of a conv, transposed conv or linear layer (kernels/precision.h: a reduced
// one runs on tensor cores, the op family conv_mma); fp32 for an op that has none.
Precision precision_of(const OpArgs& op);
// Sets it; an op that has none is left as it is.
void set_precision(OpArgs& op, Precision p);

// "conv2d k3x3 s1 p1 (2,3,9,13)->(2,17,9,13)" style one-line description.
std::string describe(const OpArgs& op);

}  // namespace xfv
