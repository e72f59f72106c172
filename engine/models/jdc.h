// JDC's get_feature_GAN (StarGANv2-VC's F0 network, ../shared/reference-models.md §2.4) as an
// engine graph: the audio generator's F0 input from a normalized log-mel.
#pragma once

#include <string>
#include <vector>

#include "engine/models/net_builder.h"

namespace xfv {

struct F0ModelConfig {
  std::vector<int> channels{64, 128, 192, 256};  // conv_block's, then each res_block's
};
// Read from `xfv.config.f0_model`; anything but four positive widths is a FileError.
F0ModelConfig f0_model_config(const TensorFile& w, const std::string& path);

// x (n, 1, 80, T) -> (n, channels[3], 10, T). BatchNorms that follow a conv are folded into
// it; the others (before an activation and max-pool) run as per-channel affines.
ValueId add_f0_model(NetBuilder& b, const F0ModelConfig& c, ValueId x);

}  // namespace xfv
