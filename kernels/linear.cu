// linear: batched y[b] (m, n) = act(x[b] (m, k) . w[b] (n, k)^T + bias[b] (n)).
//
// In the engine m is a handful of rows (a style vector, a latent batch), so the op is a
// GEMV bound by reading w once: a warp owns one output column j, streams row j of w
// (contiguous, coalesced, float4 where alignment allows) against up to kRows rows of x at
// a time, and reduces its partial dot products across lanes with warp shuffles. x is
// re-read by every warp, but it is small and stays in L1/L2. Larger m is handled in chunks
// of kRows rows; correct for any m, though a tiled GEMM would suit large m better.
#include "common.cuh"
#include "device_util.cuh"
#include "launchers.h"

namespace xfv {
namespace XFV_DEVICE_NS {
namespace {

constexpr int kWarps = 8;  // output columns per block
constexpr int kRows = 8;   // rows of x per warp: w is read once per kRows rows

__device__ float dot(float a, float b) { return a * b; }
__device__ float dot(float4 a, float4 b) { return a.x * b.x + a.y * b.y + a.z * b.z + a.w * b.w; }

// V is float, or float4 when k, the batch strides and the base pointers allow 16-byte loads.
template <class V>
__global__ void __launch_bounds__(kWarps * kWarp)
linear_kernel(LinearDesc d, const float* __restrict__ x, const float* __restrict__ w,
              const float* __restrict__ bias, float* __restrict__ y) {
  constexpr int kWidth = sizeof(V) / sizeof(float);
  const int lane = threadIdx.x % kWarp;
  const int col_blocks = (d.n + kWarps - 1) / kWarps;
  const int j = static_cast<int>(blockIdx.x) % col_blocks * kWarps + threadIdx.x / kWarp;
  const int m0 = static_cast<int>(blockIdx.x) / col_blocks * kRows;
  const int b = blockIdx.y;
  if (j >= d.n) return;  // whole warps only: the shuffles below see full warps
  const int rows = d.m - m0 < kRows ? d.m - m0 : kRows;
  const int kv = d.k / kWidth;

  const V* wj = reinterpret_cast<const V*>(w + b * d.w_stride + static_cast<long long>(j) * d.k);
  const V* xm = reinterpret_cast<const V*>(x + b * d.x_stride + static_cast<long long>(m0) * d.k);
  float acc[kRows] = {};
  for (int t = lane; t < kv; t += kWarp) {
    const V wv = wj[t];
    XFV_UNROLL
    for (int i = 0; i < kRows; ++i)
      if (i < rows) acc[i] += dot(wv, xm[static_cast<long long>(i) * kv + t]);
  }

  const float bj = bias ? bias[b * d.bias_stride + j] : 0.f;
  XFV_UNROLL
  for (int i = 0; i < kRows; ++i) {
    if (i >= rows) break;
    const float s = warp_reduce(acc[i], SumOp{}) + bj;
    if (lane == 0)
      y[b * d.y_stride + static_cast<long long>(m0 + i) * d.n + j] = d.relu ? fmaxf(s, 0.f) : s;
  }
}

bool aligned16(const float* p) { return reinterpret_cast<uintptr_t>(p) % 16 == 0; }

}  // namespace

void run(const LinearArgs& a, cudaStream_t stream) {
  const LinearDesc& d = a.d;
  if (d.m <= 0 || d.n <= 0 || d.batch <= 0) return;
  if (d.batch > 65535)
    throw DeviceError("linear: batch " + std::to_string(d.batch) + " exceeds gridDim.y");
  const long long blocks = static_cast<long long>(ceil_div(d.n, kWarps)) * ceil_div(d.m, kRows);
  const dim3 grid(static_cast<unsigned>(blocks), static_cast<unsigned>(d.batch));
  const bool vec4 = d.k % 4 == 0 && d.x_stride % 4 == 0 && d.w_stride % 4 == 0 &&
                    aligned16(a.x) && aligned16(a.w);
  if (vec4) {
    XFV_LAUNCH(linear_kernel<float4>, grid, kWarps * kWarp, 0, stream, d, a.x, a.w, a.bias, a.y);
  } else {
    XFV_LAUNCH(linear_kernel<float>, grid, kWarps * kWarp, 0, stream, d, a.x, a.w, a.bias, a.y);
  }
}

}  // namespace XFV_DEVICE_NS
}  // namespace xfv
