// The voice networks' ops: Parallel WaveGAN's gate, JDC's max pooling, the VC generator's
// adaptive average pooling, replication padding and the last-two-axes transpose.
//
// As in resampling.cpp, loops run over rows of all planes together with a contiguous inner
// loop, and the arithmetic is that of the per-element definition (these ops are the
// reference the kernels are tested against).
#include <algorithm>
#include <cmath>
#include <cstring>

#include "engine/cpu/activation.h"
#include "engine/cpu/cpu_ops.h"
#include "engine/cpu/pool_rows.h"

namespace xfv {
namespace cpu {

void run(const GatedActivationArgs& a) {
  const GatedActivationDesc& d = a.d;
  const int64_t planes = static_cast<int64_t>(d.n) * d.c, t = d.t;
  // tanh(u) = 1 - 2 / (exp(2u) + 1) and sigmoid(v) = 1 / (1 + exp(-v)) with a vectorizable
  // exp: the library calls cost a vocoder layer 30 ms at 2.4 s of audio, this a few. Both
  // saturate correctly, and agree with the kernels' tanhf/expf to a few 1e-8 absolute.
#pragma omp parallel for schedule(static) if (planes * t >= kParallelMin / 8)
  for (int64_t p = 0; p < planes; ++p) {
    const int64_t n = p / d.c, ci = p % d.c;
    const int64_t tanh_off = (n * 2 * d.c + ci) * t, gate_off = tanh_off + d.c * t;
    const float* __restrict at = a.a + tanh_off;
    const float* __restrict bt = a.b + tanh_off;
    const float* __restrict as = a.a + gate_off;
    const float* __restrict bs = a.b + gate_off;
    float* __restrict y = a.y + p * t;
#pragma omp simd
    for (int64_t i = 0; i < t; ++i) {
      const float tanh_u = 1.f - 2.f / (exp_vectorizable(2.f * (at[i] + bt[i])) + 1.f);
      y[i] = tanh_u * (1.f / (1.f + exp_vectorizable(-(as[i] + bs[i]))));
    }
  }
}

namespace {

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

void run(const MaxPoolArgs& a) { pool_rows(a.d, a.x, a.y, max_pool_row<2>, max_pool_row<0>); }

void run(const AdaptiveAvgPoolArgs& a) {
  const AdaptiveAvgPoolDesc& d = a.d;
  const int64_t rows = static_cast<int64_t>(d.planes) * d.out_h;
  // Windows of about (h / out_h) x (w / out_w) inputs each, with the overlap of uneven ones.
#pragma omp parallel for schedule(static) if (static_cast<int64_t>(d.planes) * d.h * d.w >= kParallelMin)
  for (int64_t r = 0; r < rows; ++r) {
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
  }
}

void run(const ReplicationPadArgs& a) {
  const ReplicationPadDesc& d = a.d;
  const int64_t wo = int64_t{d.left} + d.w + d.right;
#pragma omp parallel for schedule(static) if (d.planes * wo >= kParallelMin)
  for (int64_t p = 0; p < d.planes; ++p) {
    const float* x = a.x + p * d.w;
    float* y = a.y + p * wo;
    std::fill_n(y, d.left, x[0]);
    std::memcpy(y + d.left, x, static_cast<size_t>(d.w) * sizeof(float));
    std::fill_n(y + d.left + d.w, d.right, x[d.w - 1]);
  }
}

void run(const TransposeArgs& a) {
  const TransposeDesc& d = a.d;
  // 32 x 32 blocks: the reads of a block's rows and the writes of its columns both stay
  // within a few cache lines per row instead of striding the whole plane.
  constexpr int kTile = 32;
  const int tiles_h = (d.h + kTile - 1) / kTile;
  const int64_t blocks = static_cast<int64_t>(d.planes) * tiles_h;
#pragma omp parallel for schedule(static) if (static_cast<int64_t>(d.planes) * d.h * d.w >= kParallelMin)
  for (int64_t b = 0; b < blocks; ++b) {
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
  }
}

}  // namespace cpu
}  // namespace xfv
