// The cpu form of one Parallel WaveGAN upsampling stage (kernels/upsample_phases.h), by
// ranges of a plane: upsample_fir runs whole planes through it, the gate that folds the last
// stage in (gated_activation.cpp) pieces that stay in a core's cache. The same code for both,
// so that the folded gate gives the unfolded pair's bits.
#pragma once

#include <array>

#include "kernels/upsample_phases.h"

namespace xfv {
namespace cpu {

struct UpsamplePhases {
  int s;
  std::array<UpsamplePhase, kMaxUpsampleScale> phase;
};

// Throws for a scale outside 1 .. kMaxUpsampleScale.
UpsamplePhases upsample_phases(const float* taps, int s);

// Outputs [i0 s, i1 s) of a plane of w inputs x, written to y[0 .. (i1 - i0) s).
void upsample_fir_range(const UpsamplePhases& p, const float* x, int w, int i0, int i1, float* y);

}  // namespace cpu
}  // namespace xfv
