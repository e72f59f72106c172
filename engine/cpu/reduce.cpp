// Reductions (sum, mean, max, min) over the middle axis, accumulated in double.
#include <algorithm>
#include <functional>
#include <limits>
#include <stdexcept>

#include "engine/cpu/activation.h"
#include "engine/cpu/cpu_ops.h"
#include "engine/cpu/parallel_for.h"

namespace xfv {
namespace cpu {
namespace {

// Columns reduced together when inner > 1: their accumulators stay in L1 while the rows of
// the axis stream past, each read contiguously.
constexpr int kColumns = 1024;

// Calls body(fold) with the op's step from an accumulator and a value to the next one.
template <class Body>
void with_fold(ReduceOp op, Body body) {
  switch (op) {
    case ReduceOp::kSum:
    case ReduceOp::kMean: return body(std::plus<double>());
    case ReduceOp::kMax: return body([](double acc, double v) { return std::max(acc, v); });
    case ReduceOp::kMin: return body([](double acc, double v) { return std::min(acc, v); });
  }
  throw std::invalid_argument("reduce: unknown op");
}

}  // namespace

void run(const ReduceArgs& a) {
  const ReduceDesc& d = a.d;
  // Every op accumulates in double: sums for the reference's accuracy, extrema because a
  // float converts exactly, so that all four share one loop.
  const double inf = std::numeric_limits<double>::infinity();
  const double init = d.op == ReduceOp::kMax ? -inf : d.op == ReduceOp::kMin ? inf : 0.0;
  const double div = d.op == ReduceOp::kMean ? d.axis : 1.0;
  const bool parallel = static_cast<int64_t>(d.outer) * d.axis * d.inner >= kParallelMin;
  with_fold(d.op, [&](auto fold) {
    if (d.inner == 1) {
      parallel_for(d.outer, parallel, [&](int64_t o) {
        const float* x = a.x + o * d.axis;
        const double acc = lane_fold(d.axis, init, fold, [x](int64_t i) { return double{x[i]}; });
        a.y[o] = static_cast<float>(acc / div);
      });
      return;
    }
    const int64_t chunks = (d.inner + kColumns - 1) / kColumns;
    parallel_for(d.outer * chunks, parallel, [&](int64_t task) {
      const int64_t o = task / chunks, j0 = task % chunks * kColumns;
      const int width = static_cast<int>(std::min<int64_t>(kColumns, d.inner - j0));
      const float* x = a.x + o * d.axis * d.inner + j0;
      double acc[kColumns];
      std::fill_n(acc, width, init);
      for (int i = 0; i < d.axis; ++i) {
        const float* row = x + static_cast<int64_t>(i) * d.inner;
        for (int j = 0; j < width; ++j) acc[j] = fold(acc[j], double{row[j]});
      }
      float* y = a.y + o * d.inner + j0;
      for (int j = 0; j < width; ++j) y[j] = static_cast<float>(acc[j] / div);
    });
  });
}

}  // namespace cpu
}  // namespace xfv
