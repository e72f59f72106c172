// The transpose of the last two axes, in cache-sized tiles.
#include <algorithm>

#include "engine/cpu/activation.h"
#include "engine/cpu/cpu_ops.h"
#include "engine/cpu/parallel_for.h"

namespace xfv {
namespace cpu {

void run(const TransposeArgs& a) {
  const TransposeDesc& d = a.d;
  // 32 x 32 blocks: the reads of a block's rows and the writes of its columns both stay
  // within a few cache lines per row instead of striding the whole plane.
  constexpr int kTile = 32;
  const int tiles_h = (d.h + kTile - 1) / kTile;
  const int64_t blocks = static_cast<int64_t>(d.planes) * tiles_h;
  parallel_for(blocks, static_cast<int64_t>(d.planes) * d.h * d.w >= kParallelMin, [&](int64_t b) {
    const int64_t p = b / tiles_h;
    const int i0 = static_cast<int>(b % tiles_h) * kTile, i1 = std::min(i0 + kTile, d.h);
    const float* __restrict x = a.x + p * d.h * d.w;
    float* __restrict y = a.y + p * d.h * d.w;
    for (int j0 = 0; j0 < d.w; j0 += kTile) {
      const int j1 = std::min(j0 + kTile, d.w);
      for (int j = j0; j < j1; ++j)
        for (int i = i0; i < i1; ++i)
          y[static_cast<int64_t>(j) * d.h + i] = x[static_cast<int64_t>(i) * d.w + j];
    }
  });
}

}  // namespace cpu
}  // namespace xfv
