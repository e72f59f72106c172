// Nearest upsampling by integer factors.
//
// Loops run over the rows of all planes together (so that one big plane still spreads over
// the cores) with a contiguous inner loop along the row that the compiler vectorizes, in
// the order of the plain per-pixel definition: these ops are the reference the kernels
// are tested against, bit for bit that of the per-pixel loops.
#include <cstring>

#include "engine/cpu/activation.h"
#include "engine/cpu/cpu_ops.h"
#include "engine/cpu/parallel_for.h"

namespace xfv {
namespace cpu {
namespace {

// One source row widened by the factor. kSw fixes the factor at compile time, which lets the
// inner loop vectorize; 0 takes d.sw.
template <int kSw>
void widen_row(const UpsampleNearestDesc& d, const float* __restrict x, float* __restrict y) {
  const int sw = kSw > 0 ? kSw : d.sw;
  for (int ix = 0; ix < d.w; ++ix)
    for (int j = 0; j < sw; ++j) y[ix * sw + j] = x[ix];
}

}  // namespace

void run(const UpsampleNearestArgs& a) {
  const UpsampleNearestDesc& d = a.d;
  const int64_t wo = static_cast<int64_t>(d.w) * d.sw;
  const int64_t rows = static_cast<int64_t>(d.planes) * d.h;  // source rows
  const auto widen = d.sw == 2 ? widen_row<2> : widen_row<0>;
  parallel_for(rows, rows * wo * d.sh >= kParallelMin, [&](int64_t r) {
    float* y = a.y + r * d.sh * wo;
    widen(d, a.x + r * d.w, y);
    for (int i = 1; i < d.sh; ++i) std::memcpy(y + i * wo, y, wo * sizeof(float));
  });
}

}  // namespace cpu
}  // namespace xfv
