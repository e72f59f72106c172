// A window along time (TimeWindowArgs): the kept left context of a streamed layer followed
// by its new columns, or a slice, with the columns outside the signal zeroed. A thread per
// output, planes in grid y (looped beyond 65535).
#include "device_util.cuh"
#include "launchers.h"

namespace xfv {
namespace XFV_DEVICE_NS {
namespace {

// y's columns inside the signal, [lo, hi): time0 + j in [0, end), for wo columns.
__device__ inline int64_t inside_first(const TimeWindowDesc& d, int64_t wo) {
  return d.time0 >= 0 ? 0 : -d.time0 < wo ? -d.time0 : wo;
}
__device__ inline int64_t inside_end(const TimeWindowDesc& d, int64_t wo) {
  const int64_t lo = inside_first(d, wo);
  if (d.end >= d.time0 + wo) return wo;  // no overflow: end is the larger
  return d.end - d.time0 > lo ? d.end - d.time0 : lo;
}

__global__ void __launch_bounds__(kBlock) time_window_kernel(TimeWindowArgs a) {
  const TimeWindowDesc& d = a.d;
  const int64_t wo = int64_t{d.wa} + d.wb, lo = inside_first(d, wo), hi = inside_end(d, wo);
  for (int64_t p = blockIdx.y; p < d.planes; p += gridDim.y) {
    const float* ar = a.a ? a.a + p * d.a_w + d.a0 : nullptr;  // absent when wa is 0
    const float* br = a.b + p * d.b_w + d.b0;
    float* y = a.y + p * wo;
    ilp_loop(grid_first(), grid_stride(), wo,
             [&](int64_t j) { return j < lo || j >= hi ? 0.f : j < d.wa ? ar[j] : br[j - d.wa]; },
             [&](int64_t j, float v) { y[j] = v; });
  }
}

}  // namespace

void run(const TimeWindowArgs& a, cudaStream_t stream) {
  if (a.d.planes == 0 || a.d.out_w() == 0) return;
  XFV_LAUNCH(time_window_kernel, plane_grid(a.d.out_w(), a.d.planes), kBlock, 0, stream, a);
}

}  // namespace XFV_DEVICE_NS
}  // namespace xfv
