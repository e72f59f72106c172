// The row driver shared by the cpu pooling ops (average, max): one output row per task, its
// window's input rows handed to a row kernel; `row2` is the one specialised for the common
// 2-wide window (its inner loop vectorizes), `row_any` takes any width.
#pragma once

#include <cstdint>

#include "engine/cpu/activation.h"

namespace xfv {
namespace cpu {

template <class Desc>
using PoolRow = void (*)(const Desc&, const float*, float*);

template <class Desc>
void pool_rows(const Desc& d, const float* x, float* y, PoolRow<Desc> row2, PoolRow<Desc> row_any) {
  const int ho = d.h / d.kh, wo = d.w / d.kw;
  const int64_t rows = static_cast<int64_t>(d.planes) * ho;
  const PoolRow<Desc> row = d.kw == 2 ? row2 : row_any;
#pragma omp parallel for schedule(static) if (rows * wo * d.kh * d.kw >= kParallelMin)
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t p = r / ho, oy = r % ho;
    row(d, x + (p * d.h + oy * d.kh) * d.w, y + r * wo);
  }
}

}  // namespace cpu
}  // namespace xfv
