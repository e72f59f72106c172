// The pooling ops, whose windows go with the output: average and max pooling with kernel =
// stride (floor of the output size), and PyTorch's adaptive average pooling (uneven
// windows). Planes go in grid y, looped beyond 65535.
//
// A thread per output: its window's loads (summed row-major as PyTorch does) are the
// ilp_loop's load. In-plane indices are 32-bit (a plane holds < 2^31 elements): a 64-bit
// division costs several times more than the memory traffic of its element.
#include "device_util.cuh"
#include "launchers.h"

namespace xfv {
namespace XFV_DEVICE_NS {
namespace {

__global__ void __launch_bounds__(kBlock) avg_pool_kernel(AvgPoolArgs a) {
  const AvgPoolDesc& d = a.d;
  const int ho = d.h / d.kh, wo = d.w / d.kw;
  const float area = static_cast<float>(d.kh * d.kw);
  for (int64_t p = blockIdx.y; p < d.planes; p += gridDim.y) {
    const float* x = a.x + p * d.h * d.w;
    float* y = a.y + p * ho * wo;
    auto pool = [&](int64_t i) {
      const int j = static_cast<int>(i), oy = j / wo, ox = j % wo;
      const float* win = x + static_cast<int64_t>(oy) * d.kh * d.w + ox * d.kw;
      float s = 0.f;
      for (int dy = 0; dy < d.kh; ++dy)
        for (int dx = 0; dx < d.kw; ++dx) s += win[dy * d.w + dx];
      return s / area;
    };
    ilp_loop(grid_first(), grid_stride(), static_cast<int64_t>(ho) * wo, pool,
             [&](int64_t i, float v) { y[i] = v; });
  }
}

__global__ void __launch_bounds__(kBlock) max_pool_kernel(MaxPoolArgs a) {
  const MaxPoolDesc& d = a.d;
  const int ho = d.h / d.kh, wo = d.w / d.kw;
  for (int64_t p = blockIdx.y; p < d.planes; p += gridDim.y) {
    const float* x = a.x + p * d.h * d.w;
    float* y = a.y + p * ho * wo;
    auto pool = [&](int64_t i) {
      const int j = static_cast<int>(i), oy = j / wo, ox = j % wo;
      const float* win = x + static_cast<int64_t>(oy) * d.kh * d.w + ox * d.kw;
      float m = -INFINITY;
      for (int dy = 0; dy < d.kh; ++dy)
        for (int dx = 0; dx < d.kw; ++dx) {
          const float v = win[dy * d.w + dx];
          m = (v > m || v != v) ? v : m;  // PyTorch's max propagates NaN; fmaxf would drop it
        }
      return m;
    };
    ilp_loop(grid_first(), grid_stride(), static_cast<int64_t>(ho) * wo, pool,
             [&](int64_t i, float v) { y[i] = v; });
  }
}

// Window [floor(i * in / out), ceil((i + 1) * in / out)) along one axis.
__device__ inline int2 adaptive_window(int i, int in, int out) {
  return make_int2(static_cast<int>(static_cast<int64_t>(i) * in / out),
                   static_cast<int>((static_cast<int64_t>(i + 1) * in + out - 1) / out));
}

__global__ void __launch_bounds__(kBlock) adaptive_avg_pool_kernel(AdaptiveAvgPoolArgs a) {
  const AdaptiveAvgPoolDesc& d = a.d;
  for (int64_t p = blockIdx.y; p < d.planes; p += gridDim.y) {
    const float* x = a.x + p * d.h * d.w;
    float* y = a.y + p * d.out_h * d.out_w;
    auto pool = [&](int64_t i) {
      const int j = static_cast<int>(i);
      const int2 rows = adaptive_window(j / d.out_w, d.h, d.out_h);
      const int2 cols = adaptive_window(j % d.out_w, d.w, d.out_w);
      float s = 0.f;
      for (int iy = rows.x; iy < rows.y; ++iy)
        for (int ix = cols.x; ix < cols.y; ++ix) s += x[iy * d.w + ix];
      return s / static_cast<float>((rows.y - rows.x) * (cols.y - cols.x));
    };
    ilp_loop(grid_first(), grid_stride(), static_cast<int64_t>(d.out_h) * d.out_w, pool,
             [&](int64_t i, float v) { y[i] = v; });
  }
}

}  // namespace

void run(const AvgPoolArgs& a, cudaStream_t stream) {
  const int64_t per_plane = static_cast<int64_t>(a.d.h / a.d.kh) * (a.d.w / a.d.kw);
  if (a.d.planes == 0 || per_plane == 0) return;
  XFV_LAUNCH(avg_pool_kernel, plane_grid(per_plane, a.d.planes), kBlock, 0, stream, a);
}

void run(const MaxPoolArgs& a, cudaStream_t stream) {
  const int64_t per_plane = static_cast<int64_t>(a.d.h / a.d.kh) * (a.d.w / a.d.kw);
  if (a.d.planes == 0 || per_plane == 0) return;
  XFV_LAUNCH(max_pool_kernel, plane_grid(per_plane, a.d.planes), kBlock, 0, stream, a);
}

void run(const AdaptiveAvgPoolArgs& a, cudaStream_t stream) {
  const int64_t per_plane = static_cast<int64_t>(a.d.out_h) * a.d.out_w;
  if (a.d.planes == 0 || per_plane == 0) return;
  XFV_LAUNCH(adaptive_avg_pool_kernel, plane_grid(per_plane, a.d.planes), kBlock, 0, stream, a);
}

}  // namespace XFV_DEVICE_NS
}  // namespace xfv
