// The weights of the device backends' tensor-core layers (kernels/conv_mma.cu) stored at the
// layer's precision, once: a conv, transposed conv or linear layer at bf16 or fp16 reads its
// constant weights as 16-bit values (half the bytes of fp32), one at TF32 as fp32 words already
// rounded (cvt.rna), instead of the fp32 originals. The originals stay where they are (a
// model's WeightStore serves sessions of every precision). The sim and cuda backends keep a
// form for each such node of each live runner (Backend::keep_constants), shared by the
// runners of a session whose nodes read the same weights at the same precision.
#pragma once

#include <cstddef>
#include <map>
#include <utility>

#include "engine/backend.h"

namespace xfv {

class StoredWeights {
 public:
  explicit StoredWeights(Backend& backend) : backend_(backend) {}

  // A runner's op whose weights stay unchanged until forget(): at a reduced precision, its
  // weights stored at it, converted now (on the host, by kernels/precision.h) or shared.
  // Returns the bytes newly held.
  size_t keep(const OpArgs& op);
  void forget(const OpArgs& op);
  // The stored form of the weights at `w` at precision p, or null: what conv_mma.cu's
  // run_mma reads as `stored`.
  const void* find(const float* w, Precision p) const;

 private:
  // The weights' address and the precision: a form keeps the weights' own layout, and every
  // op that reads a constant reads all of it (Graph::add_node checks its size).
  using Key = std::pair<const float*, Precision>;
  struct Entry {
    int users = 0;
    DeviceBuffer data;
  };
  static bool key_of(const OpArgs& op, Key& key);

  Backend& backend_;
  std::map<Key, Entry> entries_;
};

}  // namespace xfv
