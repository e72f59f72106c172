// Elementwise unary and binary ops, channel concat and reductions.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <stdexcept>

#include "engine/cpu/activation.h"
#include "engine/cpu/cpu_ops.h"

namespace xfv {
namespace cpu {

void run(const UnaryArgs& a) {
  const UnaryDesc& d = a.d;
  const float p = d.a, q = d.b;
  const float* x = a.x;
  float* y = a.y;
  switch (d.op) {
    case UnaryOp::kLeakyRelu:
#pragma omp parallel for simd schedule(static) if (d.count >= kParallelMin)
      for (int64_t i = 0; i < d.count; ++i) y[i] = leaky_relu(x[i], p);
      return;
    case UnaryOp::kScale:
#pragma omp parallel for simd schedule(static) if (d.count >= kParallelMin)
      for (int64_t i = 0; i < d.count; ++i) y[i] = p * x[i];
      return;
    case UnaryOp::kClamp:
#pragma omp parallel for simd schedule(static) if (d.count >= kParallelMin)
      for (int64_t i = 0; i < d.count; ++i) y[i] = std::min(std::max(x[i], p), q);
      return;
    case UnaryOp::kTanh:
#pragma omp parallel for schedule(static) if (d.count >= kParallelMin)
      for (int64_t i = 0; i < d.count; ++i) y[i] = std::tanh(x[i]);
      return;
    case UnaryOp::kSigmoid:
#pragma omp parallel for schedule(static) if (d.count >= kParallelMin)
      for (int64_t i = 0; i < d.count; ++i) y[i] = 1.f / (1.f + std::exp(-x[i]));
      return;
  }
  throw std::invalid_argument("unary: unknown op");
}

void run(const BinaryArgs& a) {
  const BinaryDesc& d = a.d;
  const int64_t planes = static_cast<int64_t>(d.n) * d.c;
#pragma omp parallel for schedule(static) if (planes * d.hw >= kParallelMin)
  for (int64_t p = 0; p < planes; ++p) {
    const float* x = a.a + p * d.hw;
    const float* b = a.b + (d.broadcast_b ? p / d.c : p) * d.hw;
    float* y = a.y + p * d.hw;
    const float s = d.alpha;
    switch (d.op) {
      case BinaryOp::kAdd:
        for (int i = 0; i < d.hw; ++i) y[i] = s * (x[i] + b[i]);
        break;
      case BinaryOp::kSub:
        for (int i = 0; i < d.hw; ++i) y[i] = s * (x[i] - b[i]);
        break;
      case BinaryOp::kMul:
        for (int i = 0; i < d.hw; ++i) y[i] = s * (x[i] * b[i]);
        break;
    }
  }
}

void run(const ConcatArgs& a) {
  const ConcatDesc& d = a.d;
  const size_t plane = static_cast<size_t>(d.hw) * sizeof(float);
  for (int n = 0; n < d.n; ++n) {
    float* y = a.y + static_cast<int64_t>(n) * (d.ca + d.cb) * d.hw;
    std::memcpy(y, a.a + static_cast<int64_t>(n) * d.ca * d.hw, plane * d.ca);
    std::memcpy(y + static_cast<int64_t>(d.ca) * d.hw, a.b + static_cast<int64_t>(n) * d.cb * d.hw,
                plane * d.cb);
  }
}

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
#pragma omp parallel for schedule(static) if (parallel)
      for (int64_t o = 0; o < d.outer; ++o) {
        const float* x = a.x + o * d.axis;
        const double acc = lane_fold(d.axis, init, fold, [x](int64_t i) { return double{x[i]}; });
        a.y[o] = static_cast<float>(acc / div);
      }
      return;
    }
    const int64_t chunks = (d.inner + kColumns - 1) / kColumns;
#pragma omp parallel for schedule(static) if (parallel)
    for (int64_t task = 0; task < d.outer * chunks; ++task) {
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
    }
  });
}

}  // namespace cpu
}  // namespace xfv
