// Replication padding of the last axis (ReplicationPad1d). Planes go in grid y, looped
// beyond 65535.
#include "device_util.cuh"
#include "launchers.h"

namespace xfv {
namespace XFV_DEVICE_NS {
namespace {

// A thread per output: the clamped source index makes the edges ordinary loads.
__global__ void __launch_bounds__(kBlock) replication_pad_kernel(ReplicationPadArgs a) {
  const ReplicationPadDesc& d = a.d;
  const int64_t wo = static_cast<int64_t>(d.left) + d.w + d.right;
  for (int64_t p = blockIdx.y; p < d.planes; p += gridDim.y) {
    const float* x = a.x + p * d.w;
    float* y = a.y + p * wo;
    ilp_loop(grid_first(), grid_stride(), wo,
             [&](int64_t i) {
               const int j = static_cast<int>(i) - d.left;
               return x[j < 0 ? 0 : j < d.w ? j : d.w - 1];
             },
             [&](int64_t i, float v) { y[i] = v; });
  }
}

}  // namespace

void run(const ReplicationPadArgs& a, cudaStream_t stream) {
  const int64_t wo = static_cast<int64_t>(a.d.left) + a.d.w + a.d.right;
  if (a.d.planes == 0 || a.d.w == 0) return;
  XFV_LAUNCH(replication_pad_kernel, plane_grid(wo, a.d.planes), kBlock, 0, stream, a);
}

}  // namespace XFV_DEVICE_NS
}  // namespace xfv
