// The cpu backend's ops: plain C++ on every core, BLIS where an op lowers to GEMM.
// They are the reference that the sim and cuda backends are tested against, so they favour
// exactness (statistics accumulate in double) where it costs little.
#pragma once

#include <memory>
#include <string>

#include "engine/backend.h"
#include "kernels/ops.h"

namespace xfv {
namespace cpu {

#define XFV_DECLARE_CPU_RUN(op) void run(const op##Args& args);
XFV_FOR_EACH_OP(XFV_DECLARE_CPU_RUN)
#undef XFV_DECLARE_CPU_RUN

// The tensor-core family's references (conv_mma.cpp): a conv, linear layer or transposed
// conv at its reduced
// precision, operands rounded as the GPU rounds them, products summed in double.
void run_rounded(const Conv2dArgs& args);
void run_rounded(const LinearArgs& args);
void run_rounded(const ConvTranspose1dArgs& args);

class PreparedConvs;
// The convs with the weights' transforms `prepared` holds for them (computed in the call
// where it holds none, or for a null `prepared`).
void run(const Conv2dArgs& args, const PreparedConvs* prepared);
void run(const ConvTranspose1dArgs& args, const PreparedConvs* prepared);
// The transposed conv's weights as its polyphase GEMM reads them (conv_transpose1d.cpp).
size_t polyphase_weights_size(const ConvTranspose1dDesc& d);
void polyphase_weights(const ConvTranspose1dDesc& d, const float* w, float* p);

std::unique_ptr<Backend> make_backend();

// The algorithm run(op) uses where the cpu has more than one for the op (the convs:
// "winograd F(4,3)", "winograd F(2x2,3x3)", "im2col+gemm", "gemm" for a pointwise conv);
// empty otherwise. A function of the op's shape alone, as the choice is.
std::string algorithm(const OpArgs& op);

}  // namespace cpu
}  // namespace xfv
