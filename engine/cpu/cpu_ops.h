// The cpu backend's ops: plain C++ on every core, OpenBLAS where an op lowers to GEMM.
// They are the reference that the sim and cuda backends are tested against, so they favour
// exactness (statistics accumulate in double) where it costs little.
#pragma once

#include <memory>

#include "engine/backend.h"
#include "kernels/ops.h"

namespace xfv {
namespace cpu {

#define XFV_DECLARE_CPU_RUN(op) void run(const op##Args& args);
XFV_FOR_EACH_OP(XFV_DECLARE_CPU_RUN)
#undef XFV_DECLARE_CPU_RUN

std::unique_ptr<Backend> make_backend();

}  // namespace cpu
}  // namespace xfv
