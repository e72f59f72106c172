// Per-channel affine with optional LeakyReLU (eval-mode BatchNorm that could not be folded
// into a conv). A 2-D grid puts the plane in y, so the channel's scale and shift are read
// once per block and the per-element index needs no division.
#include "device_util.cuh"
#include "launchers.h"

namespace xfv {
namespace XFV_DEVICE_NS {
namespace {

__global__ void __launch_bounds__(kBlock) channel_affine_kernel(ChannelAffineArgs a) {
  const ChannelAffineDesc& d = a.d;
  const int64_t planes = static_cast<int64_t>(d.n) * d.c;
  for (int64_t p = blockIdx.y; p < planes; p += gridDim.y) {
    const float s = a.scale[p % d.c], t = a.shift[p % d.c];
    const float* x = a.x + p * d.hw;
    float* y = a.y + p * d.hw;
    ilp_loop(grid_first(), grid_stride(), d.hw, [&](int64_t i) { return x[i]; },
             [&](int64_t i, float v) {
               const float r = v * s + t;
               y[i] = d.leaky ? leaky_relu(r, d.slope) : r;
             });
  }
}

}  // namespace

void run(const ChannelAffineArgs& a, cudaStream_t stream) {
  const int64_t planes = static_cast<int64_t>(a.d.n) * a.d.c;
  if (planes == 0 || a.d.hw == 0) return;
  XFV_LAUNCH(channel_affine_kernel, plane_grid(a.d.hw, planes), kBlock, 0, stream, a);
}

}  // namespace XFV_DEVICE_NS
}  // namespace xfv
