// Gaussian noise (GaussianArgs): y[j] = philox_normal(seed, offset + j).
//
// A thread owns one Philox counter, i.e. four consecutive stream elements, and writes those
// of them that fall inside [offset, offset + count): the stream is aligned to counters, not
// to y, so an offset that is not a multiple of 4 only trims the first and last groups.
#include "device_util.cuh"
#include "launchers.h"
#include "philox.cuh"

namespace xfv {
namespace XFV_DEVICE_NS {
namespace {

__global__ void __launch_bounds__(kBlock) gaussian_kernel(GaussianArgs a, uint64_t groups) {
  const GaussianDesc& d = a.d;
  const uint64_t end = d.offset + static_cast<uint64_t>(d.count);
  for (uint64_t t = grid_first(); t < groups; t += grid_stride()) {
    const uint64_t c = d.offset / 4 + t;
    const Normal4 z = normal4(d.seed, c);
    XFV_UNROLL
    for (int k = 0; k < 4; ++k) {
      const uint64_t i = c * 4 + k;
      if (i >= d.offset && i < end) a.y[i - d.offset] = z.v[k];
    }
  }
}

}  // namespace

void run(const GaussianArgs& a, cudaStream_t stream) {
  if (a.d.count <= 0) return;
  const uint64_t groups = (a.d.offset % 4 + static_cast<uint64_t>(a.d.count) + 3) / 4;
  XFV_LAUNCH(gaussian_kernel, ceil_div(static_cast<long long>(groups), kBlock), kBlock, 0, stream,
             a, groups);
}

}  // namespace XFV_DEVICE_NS
}  // namespace xfv
