// Elementwise unary and binary ops and channel concat: memory-bound, so every kernel is an
// ilp_loop (kIlp coalesced loads in flight per thread) around a one-line body. The binary
// and concat kernels put the plane in grid y, which makes the broadcast or source-tensor
// choice one per block instead of a 64-bit division per element.
#include "device_util.cuh"
#include "launchers.h"

namespace xfv {
namespace XFV_DEVICE_NS {
namespace {

__device__ inline float unary(UnaryOp op, float x, float a, float b) {
  switch (op) {
    case UnaryOp::kLeakyRelu: return leaky_relu(x, a);
    case UnaryOp::kScale: return a * x;
    case UnaryOp::kClamp: return fminf(fmaxf(x, a), b);
    case UnaryOp::kTanh: return tanhf(x);
    case UnaryOp::kSigmoid: return 1.f / (1.f + expf(-x));
  }
  return x;
}

__device__ inline float binary(BinaryOp op, float a, float b) {
  switch (op) {
    case BinaryOp::kAdd: return a + b;
    case BinaryOp::kSub: return a - b;
    case BinaryOp::kMul: return a * b;
  }
  return a;
}

__global__ void __launch_bounds__(kBlock) unary_kernel(UnaryArgs a) {
  const UnaryDesc& d = a.d;
  ilp_loop(grid_first(), grid_stride(), d.count, [&](int64_t i) { return a.x[i]; },
           [&](int64_t i, float v) { a.y[i] = unary(d.op, v, d.a, d.b); });
}

__global__ void __launch_bounds__(kBlock) binary_kernel(BinaryArgs a) {
  const BinaryDesc& d = a.d;
  const int64_t planes = static_cast<int64_t>(d.n) * d.c;
  for (int64_t p = blockIdx.y; p < planes; p += gridDim.y) {
    const float* pa = a.a + p * d.hw;
    const float* pb = a.b + (d.broadcast_b ? p / d.c : p) * d.hw;
    float* py = a.y + p * d.hw;
    ilp_loop(grid_first(), grid_stride(), d.hw,
             [&](int64_t i) { return make_float2(pa[i], pb[i]); },
             [&](int64_t i, float2 v) { py[i] = d.alpha * binary(d.op, v.x, v.y); });
  }
}

__global__ void __launch_bounds__(kBlock) concat_kernel(ConcatArgs a) {
  const ConcatDesc& d = a.d;
  const int c = d.ca + d.cb;
  const int64_t planes = static_cast<int64_t>(d.n) * c;
  for (int64_t p = blockIdx.y; p < planes; p += gridDim.y) {
    const int64_t n = p / c, ch = p % c;
    const float* src =
        ch < d.ca ? a.a + (n * d.ca + ch) * d.hw : a.b + (n * d.cb + ch - d.ca) * d.hw;
    float* dst = a.y + p * d.hw;
    ilp_loop(grid_first(), grid_stride(), d.hw, [&](int64_t i) { return src[i]; },
             [&](int64_t i, float v) { dst[i] = v; });
  }
}

}  // namespace

void run(const UnaryArgs& a, cudaStream_t stream) {
  if (a.d.count == 0) return;
  XFV_LAUNCH(unary_kernel, ceil_div(a.d.count, kBlock * kIlp), kBlock, 0, stream, a);
}

void run(const BinaryArgs& a, cudaStream_t stream) {
  const int64_t planes = static_cast<int64_t>(a.d.n) * a.d.c;
  if (planes == 0 || a.d.hw == 0) return;
  XFV_LAUNCH(binary_kernel, plane_grid(a.d.hw, planes), kBlock, 0, stream, a);
}

void run(const ConcatArgs& a, cudaStream_t stream) {
  const int64_t planes = static_cast<int64_t>(a.d.n) * (a.d.ca + a.d.cb);
  if (planes == 0 || a.d.hw == 0) return;
  XFV_LAUNCH(concat_kernel, plane_grid(a.d.hw, planes), kBlock, 0, stream, a);
}

}  // namespace XFV_DEVICE_NS
}  // namespace xfv
