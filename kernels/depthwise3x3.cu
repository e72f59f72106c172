// Depthwise 3x3 conv, zero padding 1, one filter for every plane (the StarGAN v2 high-pass).
//
// A block computes a 32x32 output tile of one plane from a 34x34 shared-memory tile (the
// halo included, zero outside the plane), so each input is read from global memory about
// once instead of nine times. 32x8 threads, 4 output rows each; the warp's 32 lanes read 32
// consecutive shared words, so the tap loads are free of bank conflicts. The filter travels
// in the kernel's parameters and unrolled taps keep it in registers.
#include "device_util.cuh"
#include "launchers.h"

namespace xfv {
namespace XFV_DEVICE_NS {
namespace {

constexpr int kTile = 32;            // output tile edge
constexpr int kHalo = kTile + 2;     // input tile edge
constexpr int kRows = kBlock / kTile;  // thread rows; each thread makes kTile / kRows outputs

__global__ void __launch_bounds__(kBlock) depthwise3x3_kernel(Depthwise3x3Args a) {
  XFV_SHARED_2D(float, tile, kHalo, kHalo);
  const Depthwise3x3Desc& d = a.d;
  const int tx = threadIdx.x, ty = threadIdx.y, tid = ty * kTile + tx;
  const int x0 = blockIdx.x * kTile, y0 = blockIdx.y * kTile;
  for (int64_t p = blockIdx.z; p < d.planes; p += gridDim.z) {
    const float* x = a.x + p * d.h * d.w;
    float* y = a.y + p * d.h * d.w;
    for (int l = tid; l < kHalo * kHalo; l += kBlock) {
      const int r = l / kHalo, c = l % kHalo;
      const int gy = y0 - 1 + r, gx = x0 - 1 + c;
      const bool inside = gy >= 0 && gy < d.h && gx >= 0 && gx < d.w;
      tile[r][c] = inside ? x[static_cast<int64_t>(gy) * d.w + gx] : 0.f;
    }
    __syncthreads();
    XFV_UNROLL
    for (int k = 0; k < kTile / kRows; ++k) {
      const int oy = ty + k * kRows;
      float s = 0.f;
      XFV_UNROLL
      for (int dy = 0; dy < 3; ++dy) {
        XFV_UNROLL
        for (int dx = 0; dx < 3; ++dx) s += d.k[dy * 3 + dx] * tile[oy + dy][tx + dx];
      }
      if (y0 + oy < d.h && x0 + tx < d.w) y[static_cast<int64_t>(y0 + oy) * d.w + x0 + tx] = s;
    }
    __syncthreads();  // the next plane overwrites the tile
  }
}

}  // namespace

void run(const Depthwise3x3Args& a, cudaStream_t stream) {
  const Depthwise3x3Desc& d = a.d;
  if (d.planes == 0 || d.h == 0 || d.w == 0) return;
  const dim3 grid(ceil_div(d.w, kTile), ceil_div(d.h, kTile), std::min(d.planes, 65535));
  XFV_LAUNCH(depthwise3x3_kernel, grid, dim3(kTile, kRows), 0, stream, a);
}

}  // namespace XFV_DEVICE_NS
}  // namespace xfv
