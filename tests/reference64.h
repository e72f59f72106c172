// Naive float64 implementations of every op: the independent check of the cpu backend.
#pragma once

#include <vector>

#include "engine/backend.h"

namespace xfv {

// The op's output in double, from inputs in bind order (empty = absent optional input).
std::vector<double> reference64(const OpArgs& op, const std::vector<std::vector<float>>& inputs);

}  // namespace xfv
