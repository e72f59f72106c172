// The op shapes of the StarGAN v2 generator at 256x256 (w_hpf = 1, batch 1), per block,
// from ../shared/reference-models.md §1.3: what the per-op benches measure.
#pragma once

#include <string>
#include <vector>

#include "kernels/ops.h"

namespace xfv {
namespace bench {

struct ConvShape {
  std::string where;  // the generator layer it stands for
  int cin, h, w, cout, k;
};

inline std::vector<ConvShape> generator_convs() {
  return {
      {"from_rgb", 3, 256, 256, 64, 3},
      {"encode.0.conv1", 64, 256, 256, 64, 3},
      {"encode.0.conv2", 64, 128, 128, 128, 3},
      {"encode.0.conv1x1", 64, 128, 128, 128, 1},  // shortcut, pooled first (exact rewrite)
      {"encode.1.conv1", 128, 128, 128, 128, 3},
      {"encode.1.conv2", 128, 64, 64, 256, 3},
      {"encode.2.conv1", 256, 64, 64, 256, 3},
      {"encode.2.conv2", 256, 32, 32, 512, 3},
      {"encode.3.conv1", 512, 32, 32, 512, 3},
      {"encode.4.conv1", 512, 16, 16, 512, 3},
      {"encode.5.conv1", 512, 8, 8, 512, 3},
      {"decode.2.conv1", 512, 16, 16, 512, 3},
      {"decode.3.conv1", 512, 32, 32, 512, 3},
      {"decode.4.conv1", 512, 64, 64, 256, 3},
      {"decode.4.conv2", 256, 64, 64, 256, 3},
      {"decode.5.conv1", 256, 128, 128, 128, 3},
      {"decode.5.conv2", 128, 128, 128, 128, 3},
      {"decode.6.conv1", 128, 256, 256, 64, 3},
      {"decode.6.conv2", 64, 256, 256, 64, 3},
      {"to_rgb.2", 64, 256, 256, 3, 1},
  };
}

inline Conv2dArgs conv_args(const ConvShape& s) {
  Conv2dArgs a;
  a.d = {1, s.cin, s.h, s.w, s.cout, s.k, s.k};
  a.d.pad_h = a.d.pad_w = s.k / 2;
  return a;
}

}  // namespace bench
}  // namespace xfv
