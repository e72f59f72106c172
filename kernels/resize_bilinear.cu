// Bilinear resize with the arithmetic of PyTorch's F.interpolate(mode='bilinear',
// antialias=False) CUDA kernel: a float scale from the sizes (area_pixel_compute_scale with
// no scale_factor), the source coordinate clamped at 0 below (align_corners=False), the
// upper neighbour clamped to the last row/column, and the blend
// h0 * (w0 * x00 + w1 * x01) + h1 * (w0 * x10 + w1 * x11).
// A thread per output pixel, planes in grid y.
#include "device_util.cuh"
#include "launchers.h"

namespace xfv {
namespace XFV_DEVICE_NS {
namespace {

// Host side: in / out, or (in - 1) / (out - 1) with align_corners (0 when out == 1).
float resize_scale(int in, int out, bool align_corners) {
  if (align_corners) return out > 1 ? static_cast<float>(in - 1) / (out - 1) : 0.f;
  return static_cast<float>(in) / out;
}

// The lower source index along one axis, its step to the upper neighbour (0 at the edge)
// and the upper neighbour's weight.
struct Tap {
  int i0, step;
  float w1;
};

__device__ inline Tap source_tap(int dst, int in, float scale, bool align_corners) {
  float src = align_corners ? scale * dst : scale * (dst + 0.5f) - 0.5f;
  src = fmaxf(src, 0.f);
  int i0 = static_cast<int>(src);
  if (i0 > in - 1) i0 = in - 1;  // unreachable in exact arithmetic; guards the load
  return {i0, i0 < in - 1 ? 1 : 0, src - i0};
}

__global__ void __launch_bounds__(kBlock) resize_bilinear_kernel(ResizeBilinearArgs a,
                                                                 float scale_h, float scale_w) {
  const ResizeBilinearDesc& d = a.d;
  for (int64_t p = blockIdx.y; p < d.planes; p += gridDim.y) {
    const float* x = a.x + p * d.h * d.w;
    float* y = a.y + p * d.out_h * d.out_w;
    auto blend = [&](int64_t i) {
      const int j = static_cast<int>(i);
      const Tap ty = source_tap(j / d.out_w, d.h, scale_h, d.align_corners);
      const Tap tx = source_tap(j % d.out_w, d.w, scale_w, d.align_corners);
      const float* r0 = x + static_cast<int64_t>(ty.i0) * d.w + tx.i0;
      const float* r1 = r0 + ty.step * d.w;
      const float w0 = 1.f - tx.w1, h0 = 1.f - ty.w1;
      return h0 * (w0 * r0[0] + tx.w1 * r0[tx.step]) + ty.w1 * (w0 * r1[0] + tx.w1 * r1[tx.step]);
    };
    ilp_loop(grid_first(), grid_stride(), static_cast<int64_t>(d.out_h) * d.out_w, blend,
             [&](int64_t i, float v) { y[i] = v; });
  }
}

}  // namespace

void run(const ResizeBilinearArgs& a, cudaStream_t stream) {
  const ResizeBilinearDesc& d = a.d;
  const int64_t per_plane = static_cast<int64_t>(d.out_h) * d.out_w;
  if (d.planes == 0 || per_plane == 0) return;
  XFV_LAUNCH(resize_bilinear_kernel, plane_grid(per_plane, d.planes), kBlock, 0, stream, a,
             resize_scale(d.h, d.out_h, d.align_corners),
             resize_scale(d.w, d.out_w, d.align_corners));
}

}  // namespace XFV_DEVICE_NS
}  // namespace xfv
