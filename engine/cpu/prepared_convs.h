// What the cpu's convs derive from their weights alone, computed once for weights that stay
// unchanged instead of in every call: the Winograd weight transforms of the vocoders'
// dilated convs and the polyphase weights of their transposed convs (together as much as a
// third of a streaming vocoder step's time when recomputed), the 2-D Winograd transforms of
// convs on small planes and the packed weights of narrow 2-D im2col and 1x1 convs (the
// generators' deep layers: 7 to 20% of their time). The cpu backend holds them for
// each conv of each live runner (Backend::keep_constants), shared by the runners of a
// session whose convs read the same weights.
#pragma once

#include <cstddef>
#include <map>
#include <tuple>
#include <vector>

#include "engine/backend.h"

namespace xfv {
namespace cpu {

class PreparedConvs {
 public:
  // A runner's conv whose weights stay unchanged until forget(): what its algorithm derives
  // from them, if anything, is computed now or shared. Returns the bytes newly held.
  size_t keep(const OpArgs& op);
  void forget(const OpArgs& op);
  // What is held for this conv's weights, or null.
  const float* find(const OpArgs& op) const;
  size_t bytes() const { return bytes_; }

 private:
  // The weights' address, the op and its shape, and what the algorithm makes of them.
  using Key = std::tuple<const float*, size_t, int, int, int, int>;
  struct Entry {
    int users = 0;
    std::vector<float> data;
  };
  static bool key_of(const OpArgs& op, Key& key);

  std::map<Key, Entry> entries_;
  size_t bytes_ = 0;
};

}  // namespace cpu
}  // namespace xfv
