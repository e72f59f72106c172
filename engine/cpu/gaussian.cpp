// Gaussian numbers from the same Philox4x32-10 + Box-Muller code the kernels use.
#include "engine/cpu/activation.h"
#include "engine/cpu/cpu_ops.h"
#include "engine/cpu/parallel_for.h"
#include "kernels/philox.cuh"

namespace xfv {
namespace cpu {

void run(const GaussianArgs& a) {
  const GaussianDesc& d = a.d;
  if (d.count <= 0) return;
  // Stream element e is component e % 4 of block e / 4: each block is generated once and
  // gives up to four outputs (fewer where the range starts or ends inside it).
  const uint64_t first = d.offset / 4;
  const int64_t blocks = static_cast<int64_t>((d.offset + (d.count - 1)) / 4 - first) + 1;
  // A block costs about as much as streaming a few hundred floats.
  parallel_for(blocks, blocks * 256 >= kParallelMin, [&](int64_t b) {
    const uint64_t block = first + static_cast<uint64_t>(b);
    const Normal4 z = normal4(d.seed, block);
    for (int k = 0; k < 4; ++k) {
      // Before the range starts, e - offset wraps around to a negative index.
      const int64_t i = static_cast<int64_t>(4 * block + k - d.offset);
      if (i >= 0 && i < d.count) a.y[i] = z.v[k];
    }
  });
}

}  // namespace cpu
}  // namespace xfv
