// Elementwise unary and binary ops, and channel concat.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include "engine/cpu/activation.h"
#include "engine/cpu/cpu_ops.h"
#include "engine/cpu/parallel_for.h"

namespace xfv {
namespace cpu {

void run(const UnaryArgs& a) {
  const UnaryDesc& d = a.d;
  const float p = d.a, q = d.b;
  const float* x = a.x;
  float* y = a.y;
  switch (d.op) {
    case UnaryOp::kLeakyRelu:
      parallel_for(d.count, d.count >= kParallelMin, [&](int64_t i) { y[i] = leaky_relu(x[i], p); });
      return;
    case UnaryOp::kScale:
      parallel_for(d.count, d.count >= kParallelMin, [&](int64_t i) { y[i] = p * x[i]; });
      return;
    case UnaryOp::kClamp:
      parallel_for(d.count, d.count >= kParallelMin, [&](int64_t i) { y[i] = std::min(std::max(x[i], p), q); });
      return;
    case UnaryOp::kTanh:
      parallel_for(d.count, d.count >= kParallelMin, [&](int64_t i) { y[i] = std::tanh(x[i]); });
      return;
    case UnaryOp::kSigmoid:
      parallel_for(d.count, d.count >= kParallelMin, [&](int64_t i) { y[i] = 1.f / (1.f + std::exp(-x[i])); });
      return;
  }
  throw std::invalid_argument("unary: unknown op");
}

void run(const BinaryArgs& a) {
  const BinaryDesc& d = a.d;
  const int64_t planes = static_cast<int64_t>(d.n) * d.c;
  parallel_for(planes, planes * d.hw >= kParallelMin, [&](int64_t p) {
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
  });
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

}  // namespace cpu
}  // namespace xfv
