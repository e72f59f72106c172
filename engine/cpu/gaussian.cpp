// Gaussian numbers from the same Philox4x32-10 + Box-Muller code the kernels use.
#include "engine/cpu/cpu_ops.h"
#include "kernels/philox.cuh"

namespace xfv {
namespace cpu {

void run(const GaussianArgs& a) {
  const GaussianDesc& d = a.d;
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < d.count; ++i) a.y[i] = philox_normal(d.seed, d.offset + static_cast<uint64_t>(i));
}

}  // namespace cpu
}  // namespace xfv
