// Replication padding of the last axis (ReplicationPad1d), a plane per task.
#include <algorithm>
#include <cstring>

#include "engine/cpu/activation.h"
#include "engine/cpu/cpu_ops.h"
#include "engine/cpu/parallel_for.h"

namespace xfv {
namespace cpu {

void run(const ReplicationPadArgs& a) {
  const ReplicationPadDesc& d = a.d;
  const int64_t wo = int64_t{d.left} + d.w + d.right;
  parallel_for(d.planes, d.planes * wo >= kParallelMin, [&](int64_t p) {
    const float* x = a.x + p * d.w;
    float* y = a.y + p * wo;
    std::fill_n(y, d.left, x[0]);
    std::memcpy(y + d.left, x, static_cast<size_t>(d.w) * sizeof(float));
    std::fill_n(y + d.left + d.w, d.right, x[d.w - 1]);
  });
}

}  // namespace cpu
}  // namespace xfv
