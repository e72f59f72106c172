// FAN (StarGAN v2's wing.FAN) through get_heatmap, as an engine graph: an image in [-1, 1]
// to the generator's two masks (../shared/reference-models.md §1.6, docs/fan.md).
#pragma once

#include <string>

#include "engine/models/net_builder.h"

namespace xfv {

// get_heatmap resizes every image to 256 (the CoordConv grid of conv1): the masks' size.
constexpr int kFanMaskSize = 256;

struct FanConfig {
  int num_landmarks = 98, num_modules = 1, hourglass_depth = 4, img_size = 256, heatmap_size = 64;
};

// Read from `xfv.config.fan` (weights/README.md); a missing or malformed entry, or one this
// graph cannot build (other than the reference's 98 landmarks, one hourglass, img_size 256
// and heatmap_size 64, which its CoordConv grids fix), is a FileError naming the file.
FanConfig fan_config(const TensorFile& w, const std::string& path);

// The relative L2 error a chained validation allows the masks: their 0.1 threshold turns
// a heatmap error of 1e-6 into a jump of up to 1 at a pixel, here and there (docs/fan.md).
// Isolated, the masks are computed from the reference's own heatmaps and held to 1e-5.
constexpr double kFanMaskChainedTolerance = 1e-2;

struct FanMasks {
  ValueId mask0, mask1;  // (n, 1, img_size, img_size), both marked as graph outputs
};

// get_heatmap of x (n, 3, S, S) in [-1, 1], any S. Nodes are named as weights/dump_points.md
// names FAN's dump points, except fan.conv1 and fan.l0: conv1 is folded with its BatchNorm
// into the node fan.bn1, and l0 computes only the 98 landmark channels (fan.l0.landmarks),
// the boundary channel being one that get_heatmap drops.
FanMasks add_fan(NetBuilder& b, const FanConfig& c, ValueId x);

}  // namespace xfv
