#include "engine/models/fan.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "engine/models/model_config.h"

namespace xfv {
namespace {

constexpr int kFeatures = 256;          // the hourglass width

// BatchNorm `key` then ReLU, as one per-channel affine with a zero-slope LeakyReLU.
ValueId bn_relu(NetBuilder& b, const std::string& key, ValueId x) {
  return b.batch_norm(key + ".relu", x, key, true, 0.f);
}

// AddCoords' channels for an s x s grid, for n samples: (n, 3, s, s) = xx (-1..1 down the
// rows), yy (across the columns), r = sqrt(xx^2 + yy^2) / max. Rounded where the
// reference's float32 ops round: each product and the sum is taken in double and rounded
// once, which is the float op exactly, and cannot be fused into a multiply-add.
HostTensor coords(int n, int s) {
  const auto square = [](float v) { return static_cast<float>(static_cast<double>(v) * v); };
  std::vector<float> lin;
  for (int i = 0; i < s; ++i) lin.push_back(static_cast<float>(i) / static_cast<float>(s - 1) * 2.f - 1.f);
  const size_t plane = static_cast<size_t>(s) * s;
  HostTensor t(Shape{n, 3, s, s});
  float* xx = t.data.data();
  float* yy = xx + plane;
  float* r = yy + plane;
  for (size_t i = 0; i < plane; ++i) {
    xx[i] = lin[i / lin.size()], yy[i] = lin[i % lin.size()];
    r[i] = std::sqrt(static_cast<float>(static_cast<double>(square(xx[i])) + square(yy[i])));
  }
  const float r_max = *std::max_element(r, r + plane);
  for (size_t i = 0; i < plane; ++i) r[i] /= r_max;
  for (int k = 1; k < n; ++k) std::copy(xx, xx + 3 * plane, xx + static_cast<size_t>(k) * 3 * plane);
  return t;
}

// x with its coordinate channels appended, for a CoordConv at `path`.
ValueId add_coords(NetBuilder& b, const std::string& path, ValueId x) {
  const Shape s = b.shape(x);
  const ValueId c = b.graph().add_constant(b.name(path + ".coords"), coords(dim(s, 0), dim(s, 2)));
  return b.concat(path + ".addcoords", x, c);
}

// ConvBlock: three BN-ReLU-conv3x3 steps of out/2, out/4, out/4 channels, concatenated,
// plus the input, or its BN-ReLU-conv1x1 projection when the width changes (whose conv
// adds the concatenation itself).
ValueId conv_block(NetBuilder& b, const std::string& p, ValueId x, int out) {
  const int in = dim(b.shape(x), 1);
  const ValueId out1 = b.conv(p + ".conv1", bn_relu(b, p + ".bn1", x), p + ".conv1", out / 2, 3, 1, 1, false);
  const ValueId out2 = b.conv(p + ".conv2", bn_relu(b, p + ".bn2", out1), p + ".conv2", out / 4, 3, 1, 1, false);
  const ValueId out3 = b.conv(p + ".conv3", bn_relu(b, p + ".bn3", out2), p + ".conv3", out / 4, 3, 1, 1, false);
  const ValueId cat = b.concat(p + ".cat", b.concat(p + ".cat12", out1, out2), out3);
  if (in == out) return b.add(p, cat, x);
  return b.conv(p, bn_relu(b, p + ".downsample.0", x), p + ".downsample.2", out, 1, 1, 0, false, cat, 1.f, 1.f);
}

// Hourglass level L: b1_L(x) + up(b3_L(inner(b2_L(pool(x))))), the innermost b2_plus_1.
ValueId hourglass(NetBuilder& b, int level, int depth, ValueId x) {
  const std::string l = std::to_string(level);
  const ValueId up1 = conv_block(b, "m0.b1_" + l, x, kFeatures);
  ValueId low = conv_block(b, "m0.b2_" + l, b.avg_pool("m0.pool_" + l, x, 2, 2), kFeatures);
  low = level > 1 ? hourglass(b, level - 1, depth, low) : conv_block(b, "m0.b2_plus_1", low, kFeatures);
  low = b.upsample("m0.up_" + l, conv_block(b, "m0.b3_" + l, low, kFeatures), 2, 2);
  return b.add(level == depth ? "m0" : "m0.level_" + l, up1, low);
}


}  // namespace

FanConfig fan_config(const TensorFile& w, const std::string& path) {
  const nlohmann::json j = network_config(w, path, "fan");
  const FanConfig c{config_int(j, path, "fan", "num_landmarks"), config_int(j, path, "fan", "num_modules"),
                    config_int(j, path, "fan", "hourglass_depth"), config_int(j, path, "fan", "img_size"),
                    config_int(j, path, "fan", "heatmap_size")};
  if (c.num_landmarks != LandmarkMaskDesc::kLandmarks || c.num_modules != 1 || c.img_size != kFanMaskSize ||
      c.heatmap_size != kFanMaskSize / 4 || c.hourglass_depth < 1 || c.hourglass_depth > 6)
    throw FileError(path + ": unsupported configuration of 'fan' (" + j.dump() +
                    "): StarGAN v2's FAN has 98 landmarks, one hourglass of depth 1 to 6 (the 64x64 "
                    "heatmaps halve 6 times at most), img_size 256 and heatmap_size 64");
  return c;
}

FanMasks add_fan(NetBuilder& b, const FanConfig& c, ValueId x) {
  Graph& g = b.graph();
  const Shape in = b.shape(x);
  const int n = dim(in, 0), size = c.img_size, landmarks = c.num_landmarks;

  // get_heatmap: x resized to img_size (bilinear, align_corners=False), then x * 0.5 + 0.5,
  // an affine whose multiply is exact, so that fused or not it rounds as PyTorch's two ops.
  if (in[2] != size || in[3] != size) {
    ResizeBilinearArgs r;
    r.d = {n * dim(in, 1), dim(in, 2), dim(in, 3), size, size, false};
    x = b.node("resize", r, {x}, Shape{n, in[1], size, size});
  }
  ChannelAffineArgs half;
  half.d = {n, dim(in, 1), size * size, false, 0.f};
  const std::vector<double> halves(static_cast<size_t>(in[1]), 0.5);
  const ValueId x01 = b.node("x01", half,
                             {x, b.constant("x01.scale", Shape{in[1]}, halves), b.constant("x01.shift", Shape{in[1]}, halves)},
                             Shape{n, in[1], size, size});

  ValueId h = b.conv_bn("bn1", add_coords(b, "conv1", x01), "conv1.conv", "bn1", 64, 7, 2, 3, true);
  h = conv_block(b, "conv2", b.leaky_relu("bn1.relu", h, 0.f), 128);
  h = conv_block(b, "conv3", b.avg_pool("conv2.pool", h, 2, 2), 128);
  h = conv_block(b, "conv4", h, kFeatures);
  h = b.conv("m0.coordconv", add_coords(b, "m0.coordconv", h), "m0.coordconv.conv", kFeatures, 1, 1, 0, true);
  h = conv_block(b, "top_m_0", hourglass(b, c.hourglass_depth, c.hourglass_depth, h), kFeatures);
  h = b.leaky_relu("bn_end0.relu", b.conv_bn("bn_end0", h, "conv_last0", "bn_end0", kFeatures, 1, 1, 0, true), 0.f);

  // l0 on the landmark rows of its weight only: get_heatmap drops the boundary channel.
  const HostTensor& lw = b.tensor("l0.weight", Shape{landmarks + 1, kFeatures, 1, 1});
  const HostTensor& lb = b.tensor("l0.bias", Shape{landmarks + 1});
  g.add_constant(b.name("l0.landmarks.weight"),
                 HostTensor(Shape{landmarks, kFeatures, 1, 1},
                            std::vector<float>(lw.data.begin(), lw.data.begin() + landmarks * kFeatures)));
  g.add_constant(b.name("l0.landmarks.bias"),
                 HostTensor(Shape{landmarks}, std::vector<float>(lb.data.begin(), lb.data.begin() + landmarks)));
  h = b.conv("l0.landmarks", h, "l0.landmarks", landmarks, 1, 1, 0, true);

  ResizeBilinearArgs up;
  up.d = {n * landmarks, c.heatmap_size, c.heatmap_size, size, size, true};
  const ValueId heatmaps = b.node("heatmaps", up, {h}, Shape{n, landmarks, size, size});

  // Each plane's max and min, which the mask op truncates at 0.1 as it does the values.
  const auto plane_stat = [&](const std::string& path, ReduceOp op) {
    ReduceArgs r;
    r.d = {n * landmarks, size * size, 1, op};
    return g.add_node(b.name(path), r, {heatmaps});
  };
  const ValueId hi = plane_stat("heatmaps.max", ReduceOp::kMax), lo = plane_stat("heatmaps.min", ReduceOp::kMin);
  ValueId masks[2];
  for (int m = 0; m < 2; ++m) {
    LandmarkMaskArgs a;
    a.d = {n, size, size, m};
    masks[m] = b.node("mask" + std::to_string(m), a, {heatmaps, hi, lo}, Shape{n, 1, size, size});
    g.mark_output(masks[m]);
  }
  return {masks[0], masks[1]};
}

}  // namespace xfv
