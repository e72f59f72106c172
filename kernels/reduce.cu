// Reduction (sum, mean, max, min) over the middle axis of x viewed as (outer, axis, inner).
//
// inner == 1 (contiguous rows, e.g. per-plane statistics): a warp per row for rows of up to
// 256 elements, a block per row beyond. inner > 1 (e.g. a sum over channels): a thread per
// output column, whose loads at stride inner are coalesced across the warp's columns.
#include "device_util.cuh"
#include "launchers.h"

namespace xfv {
namespace XFV_DEVICE_NS {
namespace {

// tpr (threads per row) is kWarp or kBlock; div turns a sum into a mean.
template <class Op>
__global__ void __launch_bounds__(kBlock) reduce_rows_kernel(ReduceArgs a, int tpr, float div) {
  const ReduceDesc& d = a.d;
  const Op op;
  const int tid = threadIdx.x;
  const int64_t row = static_cast<int64_t>(blockIdx.x) * (kBlock / tpr) + tid / tpr;
  // Only warp-per-row blocks can overhang, and they never reach a barrier.
  if (row >= d.outer) return;
  const float* x = a.x + row * d.axis;
  float acc = Op::identity();
  ilp_loop(tid % tpr, tpr, d.axis, [&](int64_t i) { return x[i]; },
           [&](int64_t, float v) { acc = op(acc, v); });
  acc = tpr == kWarp ? warp_reduce(acc, op) : block_reduce<kBlock>(acc, op);
  if (tid % tpr == 0) a.y[row] = acc / div;
}

template <class Op>
__global__ void __launch_bounds__(kBlock) reduce_cols_kernel(ReduceArgs a, float div) {
  const ReduceDesc& d = a.d;
  const Op op;
  const int64_t j = grid_first();
  if (j >= d.inner) return;
  for (int64_t o = blockIdx.y; o < d.outer; o += gridDim.y) {
    const float* x = a.x + o * d.axis * d.inner + j;
    float acc = Op::identity();
    ilp_loop(0, 1, d.axis, [&](int64_t r) { return x[r * d.inner]; },
             [&](int64_t, float v) { acc = op(acc, v); });
    a.y[o * d.inner + j] = acc / div;
  }
}

template <class Op>
void launch(const ReduceArgs& a, float div, cudaStream_t stream) {
  const ReduceDesc& d = a.d;
  if (d.inner == 1) {
    const int tpr = d.axis > 256 ? kBlock : kWarp;
    XFV_LAUNCH(reduce_rows_kernel<Op>, ceil_div(d.outer, kBlock / tpr), kBlock, 0, stream, a,
               tpr, div);
  } else {
    const dim3 grid(ceil_div(d.inner, kBlock), static_cast<unsigned>(std::min(d.outer, 65535)));
    XFV_LAUNCH(reduce_cols_kernel<Op>, grid, kBlock, 0, stream, a, div);
  }
}

}  // namespace

void run(const ReduceArgs& a, cudaStream_t stream) {
  if (a.d.outer == 0 || a.d.inner == 0) return;
  switch (a.d.op) {
    case ReduceOp::kSum: launch<SumOp>(a, 1.f, stream); break;
    case ReduceOp::kMean: launch<SumOp>(a, static_cast<float>(a.d.axis), stream); break;
    case ReduceOp::kMax: launch<MaxOp>(a, 1.f, stream); break;
    case ReduceOp::kMin: launch<MinOp>(a, 1.f, stream); break;
  }
}

}  // namespace XFV_DEVICE_NS
}  // namespace xfv
