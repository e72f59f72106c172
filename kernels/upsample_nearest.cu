// Nearest upsampling by integer factors. Planes go in grid y, looped beyond 65535.
//
// A thread per input, which reads once, coalesced, and writes its sh*sw copies: one index
// division per input instead of three per output. In-plane indices are 32-bit (a plane
// holds < 2^31 elements).
#include "device_util.cuh"
#include "launchers.h"

namespace xfv {
namespace XFV_DEVICE_NS {
namespace {

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

void run(const UpsampleNearestArgs& a, cudaStream_t stream) {
  const int64_t per_plane = static_cast<int64_t>(a.d.h) * a.d.w;
  if (a.d.planes == 0 || per_plane == 0) return;
  XFV_LAUNCH(upsample_nearest_kernel, plane_grid(per_plane, a.d.planes), kBlock, 0, stream, a);
}

}  // namespace XFV_DEVICE_NS
}  // namespace xfv
