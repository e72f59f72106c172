// The pooling ops: average and max pooling with kernel = stride, and PyTorch's adaptive
// average pooling (uneven windows).
//
// Loops run over the rows of all planes together (so that one big plane still spreads over
// the cores) with a contiguous inner loop along the row that the compiler vectorizes, in
// the order of the plain per-pixel definition: these ops are the reference the kernels
// are tested against, bit for bit that of the per-pixel loops.
#include <algorithm>
#include <cmath>
#include <cstdint>

#include "engine/cpu/activation.h"
#include "engine/cpu/cpu_ops.h"
#include "engine/cpu/parallel_for.h"

namespace xfv {
namespace cpu {
namespace {

// The row driver of the fixed-window pools (average, max): one output row per task, its
// window's input rows handed to a row kernel; `row2` is the one specialised for the common
// 2-wide window (its inner loop vectorizes), `row_any` takes any width.
template <class Desc>
using PoolRow = void (*)(const Desc&, const float*, float*);

template <class Desc>
void pool_rows(const Desc& d, const float* x, float* y, PoolRow<Desc> row2, PoolRow<Desc> row_any) {
  const int ho = d.h / d.kh, wo = d.w / d.kw;
  const int64_t rows = static_cast<int64_t>(d.planes) * ho;
  const PoolRow<Desc> row = d.kw == 2 ? row2 : row_any;
  parallel_for(rows, rows * wo * d.kh * d.kw >= kParallelMin, [&](int64_t r) {
    const int64_t p = r / ho, oy = r % ho;
    row(d, x + (p * d.h + oy * d.kh) * d.w, y + r * wo);
  });
}

// One output row of the pooling. The sum of each window runs in the order of a per-pixel
// loop (window rows, then columns), accumulated in the output row itself. kKw fixes the
// kernel width at compile time, which lets the inner loop vectorize; 0 takes d.kw.
template <int kKw>
void pool_row(const AvgPoolDesc& d, const float* __restrict x, float* __restrict y) {
  const int kw = kKw > 0 ? kKw : d.kw, wo = d.w / kw;
  const float inv = 1.f / static_cast<float>(d.kh * kw);
  std::fill_n(y, wo, 0.f);
  for (int i = 0; i < d.kh; ++i) {
    const float* r = x + static_cast<int64_t>(i) * d.w;
    for (int ox = 0; ox < wo; ++ox)
      for (int j = 0; j < kw; ++j) y[ox] += r[ox * kw + j];
  }
  for (int ox = 0; ox < wo; ++ox) y[ox] *= inv;
}

// One output row of the max pooling, in the order of a per-pixel loop (window rows, then
// columns). kKw fixes the kernel width at compile time so that the inner loop vectorizes;
// 0 takes d.kw.
template <int kKw>
void max_pool_row(const MaxPoolDesc& d, const float* __restrict x, float* __restrict y) {
  const int kw = kKw > 0 ? kKw : d.kw, wo = d.w / kw;
  std::fill_n(y, wo, -INFINITY);
  for (int i = 0; i < d.kh; ++i) {
    const float* r = x + static_cast<int64_t>(i) * d.w;
    for (int ox = 0; ox < wo; ++ox)
      for (int j = 0; j < kw; ++j) {
        const float v = r[ox * kw + j];
        y[ox] = (v > y[ox] || v != v) ? v : y[ox];  // PyTorch's max, which propagates NaN
      }
  }
}

}  // namespace

void run(const AvgPoolArgs& a) { pool_rows(a.d, a.x, a.y, pool_row<2>, pool_row<0>); }

void run(const MaxPoolArgs& a) { pool_rows(a.d, a.x, a.y, max_pool_row<2>, max_pool_row<0>); }

void run(const AdaptiveAvgPoolArgs& a) {
  const AdaptiveAvgPoolDesc& d = a.d;
  const int64_t rows = static_cast<int64_t>(d.planes) * d.out_h;
  // Windows of about (h / out_h) x (w / out_w) inputs each, with the overlap of uneven ones.
  parallel_for(rows, static_cast<int64_t>(d.planes) * d.h * d.w >= kParallelMin, [&](int64_t r) {
    const int64_t p = r / d.out_h;
    const int oy = static_cast<int>(r % d.out_h);
    const int y0 = static_cast<int>(int64_t{oy} * d.h / d.out_h);
    const int y1 = static_cast<int>((int64_t{oy + 1} * d.h + d.out_h - 1) / d.out_h);
    const float* x = a.x + p * d.h * d.w;
    float* y = a.y + r * d.out_w;
    for (int ox = 0; ox < d.out_w; ++ox) {
      const int x0 = static_cast<int>(int64_t{ox} * d.w / d.out_w);
      const int x1 = static_cast<int>((int64_t{ox + 1} * d.w + d.out_w - 1) / d.out_w);
      float s = 0.f;
      for (int iy = y0; iy < y1; ++iy)
        for (int ix = x0; ix < x1; ++ix) s += x[static_cast<int64_t>(iy) * d.w + ix];
      y[ox] = s / static_cast<float>((y1 - y0) * (x1 - x0));
    }
  });
}

}  // namespace cpu
}  // namespace xfv
