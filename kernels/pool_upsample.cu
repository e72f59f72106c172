// Average pooling with kernel = stride, and nearest upsampling by integer factors: the two
// resampling ops whose windows tile the input exactly. Planes go in grid y.
//
// Pooling takes a thread per output (its kh*kw loads, summed row-major as PyTorch does, are
// the ilp_loop's load); upsampling a thread per input, which reads once, coalesced, and
// writes its sh*sw copies; one index division per input instead of three per output.
// In-plane indices are 32-bit (a plane holds < 2^31 elements): a 64-bit division costs
// several times more than the memory traffic of its element.
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

__global__ void __launch_bounds__(kBlock) upsample_nearest_kernel(UpsampleNearestArgs a) {
  const UpsampleNearestDesc& d = a.d;
  const int64_t ow = static_cast<int64_t>(d.w) * d.sw;
  for (int64_t p = blockIdx.y; p < d.planes; p += gridDim.y) {
    const float* x = a.x + p * d.h * d.w;
    float* y = a.y + p * d.h * d.sh * ow;
    ilp_loop(grid_first(), grid_stride(), static_cast<int64_t>(d.h) * d.w,
             [&](int64_t i) { return x[i]; },
             [&](int64_t i, float v) {
               const int j = static_cast<int>(i), iy = j / d.w, ix = j % d.w;
               float* out = y + static_cast<int64_t>(iy) * d.sh * ow + ix * d.sw;
               for (int dy = 0; dy < d.sh; ++dy)
                 for (int dx = 0; dx < d.sw; ++dx) out[dy * ow + dx] = v;
             });
  }
}

}  // namespace

void run(const AvgPoolArgs& a, cudaStream_t stream) {
  const int64_t per_plane = static_cast<int64_t>(a.d.h / a.d.kh) * (a.d.w / a.d.kw);
  if (a.d.planes == 0 || per_plane == 0) return;
  XFV_LAUNCH(avg_pool_kernel, plane_grid(per_plane, a.d.planes), kBlock, 0, stream, a);
}

void run(const UpsampleNearestArgs& a, cudaStream_t stream) {
  const int64_t per_plane = static_cast<int64_t>(a.d.h) * a.d.w;
  if (a.d.planes == 0 || per_plane == 0) return;
  XFV_LAUNCH(upsample_nearest_kernel, plane_grid(per_plane, a.d.planes), kBlock, 0, stream, a);
}

}  // namespace XFV_DEVICE_NS
}  // namespace xfv
