// The voice networks' resampling and layout ops: max pooling (kernel = stride), PyTorch's
// adaptive average pooling, replication padding of the last axis, and the transpose of the
// last two axes. Planes go in grid y (z for the transpose), looped beyond 65535.
//
// The pools take a thread per output whose window loads are the ilp_loop's load, as
// avg_pool_kernel does; in-plane indices are 32-bit (a plane holds < 2^31 elements).
#include "device_util.cuh"
#include "launchers.h"

namespace xfv {
namespace XFV_DEVICE_NS {
namespace {

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

void run(const ReplicationPadArgs& a, cudaStream_t stream) {
  const int64_t wo = static_cast<int64_t>(a.d.left) + a.d.w + a.d.right;
  if (a.d.planes == 0 || a.d.w == 0) return;
  XFV_LAUNCH(replication_pad_kernel, plane_grid(wo, a.d.planes), kBlock, 0, stream, a);
}

void run(const TransposeArgs& a, cudaStream_t stream) {
  if (a.d.planes == 0 || a.d.h == 0 || a.d.w == 0) return;
  const dim3 grid(ceil_div(a.d.w, kTile), ceil_div(a.d.h, kTile),
                  static_cast<unsigned>(std::min(a.d.planes, 65535)));
  XFV_LAUNCH(transpose_kernel, grid, dim3(kTile, kTileRows), 0, stream, a);
}

}  // namespace XFV_DEVICE_NS
}  // namespace xfv
