// The per-channel affine of eval BatchNorm, with an optional LeakyReLU.
#include "engine/cpu/activation.h"
#include "engine/cpu/cpu_ops.h"
#include "engine/cpu/parallel_for.h"

namespace xfv {
namespace cpu {

void run(const ChannelAffineArgs& a) {
  const ChannelAffineDesc& d = a.d;
  const int64_t planes = static_cast<int64_t>(d.n) * d.c;
  const float slope = d.leaky ? d.slope : 1.f;
  parallel_for(planes, planes * d.hw >= kParallelMin, [&](int64_t p) {
    const float s = a.scale[p % d.c], t = a.shift[p % d.c];
    const float* x = a.x + p * d.hw;
    float* y = a.y + p * d.hw;
    for (int i = 0; i < d.hw; ++i) y[i] = leaky_relu(x[i] * s + t, slope);
  });
}

}  // namespace cpu
}  // namespace xfv
