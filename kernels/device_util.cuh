// Device helpers shared by the memory-bound kernels: the ILP loop every elementwise kernel
// is built on, warp/block reductions, and the LeakyReLU epilogue.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "common.cuh"

namespace xfv {
namespace XFV_DEVICE_NS {

constexpr int kWarp = 32;
constexpr int kBlock = 256;  // block size of the memory-bound kernels
constexpr int kIlp = 4;      // independent loads a thread keeps in flight

__device__ inline float leaky_relu(float v, float slope) { return v > 0.f ? v : slope * v; }

// This thread's first index and the thread count of a grid-wide loop along x.
__device__ inline int64_t grid_first() {
  return static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
}
__device__ inline int64_t grid_stride() { return static_cast<int64_t>(gridDim.x) * blockDim.x; }

// use(i, load(i)) for i = first, first + stride, ... < n. The kIlp loads of a group are all
// issued before the first use: a store through a pointer that may alias the loads would
// otherwise serialize them, and one load per thread in flight cannot cover DRAM latency.
// Neighbouring threads take neighbouring i, so every warp access stays coalesced.
template <class Load, class Use>
__device__ inline void ilp_loop(int64_t first, int64_t stride, int64_t n, Load load, Use use) {
  using T = decltype(load(first));
  for (int64_t base = first; base < n; base += kIlp * stride) {
    T v[kIlp] = {};
    XFV_UNROLL
    for (int k = 0; k < kIlp; ++k) {
      const int64_t i = base + k * stride;
      if (i < n) v[k] = load(i);
    }
    XFV_UNROLL
    for (int k = 0; k < kIlp; ++k) {
      const int64_t i = base + k * stride;
      if (i < n) use(i, v[k]);
    }
  }
}

// Grid for kernels that walk (planes, per_plane) elements: x covers a plane at kIlp
// elements per thread, y the planes, which the kernels loop over beyond gridDim.y's 65535.
inline dim3 plane_grid(int64_t per_plane, int64_t planes) {
  return dim3(ceil_div(per_plane, kBlock * kIlp),
              static_cast<unsigned>(std::min<int64_t>(planes, 65535)));
}

struct SumOp {
  __device__ static float identity() { return 0.f; }
  __device__ float operator()(float a, float b) const { return a + b; }
};
struct MaxOp {
  __device__ static float identity() { return -INFINITY; }
  __device__ float operator()(float a, float b) const { return fmaxf(a, b); }
};
struct MinOp {
  __device__ static float identity() { return INFINITY; }
  __device__ float operator()(float a, float b) const { return fminf(a, b); }
};

// Butterfly, so that every lane ends with the same bits.
template <class Op>
__device__ inline float warp_reduce(float v, Op op) {
  XFV_UNROLL
  for (int offset = kWarp / 2; offset > 0; offset /= 2)
    v = op(v, __shfl_xor_sync(0xffffffffu, v, offset));
  return v;
}

// Reduction over a whole block of BLOCK threads; every thread gets the result. Each warp
// reduces the per-warp partials itself, which saves a second barrier and a broadcast.
template <int BLOCK, class Op>
__device__ inline float block_reduce(float v, Op op) {
  static_assert(BLOCK % kWarp == 0 && BLOCK <= kWarp * kWarp, "one partial per lane");
  XFV_SHARED_1D(float, partial, BLOCK / kWarp);
  const int lane = threadIdx.x % kWarp, warp = threadIdx.x / kWarp;
  v = warp_reduce(v, op);
  if (lane == 0) partial[warp] = v;
  __syncthreads();
  v = warp_reduce(lane < BLOCK / kWarp ? partial[lane] : Op::identity(), op);
  __syncthreads();  // the next call overwrites partial
  return v;
}

}  // namespace XFV_DEVICE_NS
}  // namespace xfv
