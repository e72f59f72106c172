// A window along time (TimeWindowArgs): a streamed layer's kept context and new columns,
// or a slice, the columns outside the signal zeroed. A plane per task.
#include <algorithm>
#include <cstring>

#include "engine/cpu/activation.h"
#include "engine/cpu/cpu_ops.h"
#include "engine/cpu/parallel_for.h"

namespace xfv {
namespace cpu {

void run(const TimeWindowArgs& a) {
  const TimeWindowDesc& d = a.d;
  const int64_t wo = d.out_w();
  // y's columns inside the signal, [lo, hi): time0 + j in [0, end).
  const int64_t lo = std::clamp<int64_t>(-d.time0, 0, wo);
  const int64_t hi = d.end >= d.time0 + wo ? wo : std::max(lo, d.end - d.time0);
  parallel_for(d.planes, d.planes * wo >= kParallelMin, [&](int64_t p) {
    float* y = a.y + p * wo;
    if (d.wa) std::memcpy(y, a.a + p * d.a_w + d.a0, static_cast<size_t>(d.wa) * sizeof(float));
    if (d.wb) std::memcpy(y + d.wa, a.b + p * d.b_w + d.b0, static_cast<size_t>(d.wb) * sizeof(float));
    std::fill(y, y + lo, 0.f);
    std::fill(y + hi, y + wo, 0.f);
  });
}

}  // namespace cpu
}  // namespace xfv
