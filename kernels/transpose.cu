// The transpose of the last two axes. Planes go in grid z, looped beyond 65535.
#include "device_util.cuh"
#include "launchers.h"

namespace xfv {
namespace XFV_DEVICE_NS {
namespace {

// 32 x 32 tiles through shared memory, so that both the reads (along w) and the writes
// (along h) are coalesced; the row pitch of 33 puts a tile column in 32 different banks.
// 32 x 8 threads, 4 elements each.
constexpr int kTile = 32, kTileRows = 8;

__global__ void __launch_bounds__(kTile * kTileRows) transpose_kernel(TransposeArgs a) {
  const TransposeDesc& d = a.d;
  XFV_SHARED_2D(float, tile, kTile, kTile + 1);
  const int i0 = blockIdx.y * kTile, j0 = blockIdx.x * kTile;
  const int plane = d.h * d.w;
  for (int64_t p = blockIdx.z; p < d.planes; p += gridDim.z) {
    const float* x = a.x + p * plane;
    float* y = a.y + p * plane;
    XFV_UNROLL
    for (int r = threadIdx.y; r < kTile; r += kTileRows) {
      const int i = i0 + r, j = j0 + threadIdx.x;
      if (i < d.h && j < d.w) tile[r][threadIdx.x] = x[i * d.w + j];
    }
    __syncthreads();
    XFV_UNROLL
    for (int r = threadIdx.y; r < kTile; r += kTileRows) {
      const int j = j0 + r, i = i0 + threadIdx.x;
      if (j < d.w && i < d.h) y[j * d.h + i] = tile[threadIdx.x][r];
    }
    __syncthreads();  // the next plane overwrites the tile
  }
}

}  // namespace

void run(const TransposeArgs& a, cudaStream_t stream) {
  if (a.d.planes == 0 || a.d.h == 0 || a.d.w == 0) return;
  const dim3 grid(ceil_div(a.d.w, kTile), ceil_div(a.d.h, kTile),
                  static_cast<unsigned>(std::min(a.d.planes, 65535)));
  XFV_LAUNCH(transpose_kernel, grid, dim3(kTile, kTileRows), 0, stream, a);
}

}  // namespace XFV_DEVICE_NS
}  // namespace xfv
