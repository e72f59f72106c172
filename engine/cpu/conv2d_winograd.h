// The cpu conv's two lowerings to GEMM, declared apart so that a test can run each on the
// same inputs. cpu::run(const Conv2dArgs&) picks one.
#pragma once

#include "engine/ops.h"

namespace xfv {
namespace cpu {

// Any conv: im2col in chunks of output rows, one GEMM per chunk.
void conv2d_im2col(const Conv2dArgs& args);

// Winograd minimal filtering; 3x3 kernels, stride 1, dilation 1, any padding.
bool winograd_applies(const Conv2dDesc& d);
// Whether it beats im2col on this shape, from measurements on a 2-core AVX-512 EPYC.
bool winograd_pays(const Conv2dDesc& d);
void conv2d_winograd(const Conv2dArgs& args);

}  // namespace cpu
}  // namespace xfv
