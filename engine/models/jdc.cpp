#include "engine/models/jdc.h"

#include "engine/models/model_config.h"

namespace xfv {
namespace {

constexpr float kSlope = 0.01f;  // JDC's LeakyReLU

// ResBlock: pre = max-pool(1, 2)(LReLU(BN(x))) on the mel axis, then conv(pre) plus pre or
// its 1x1 projection (no / sqrt 2), the second 3x3 conv fusing the sum.
ValueId res_block(NetBuilder& b, const std::string& p, ValueId x, int out) {
  const int in = dim(b.shape(x), 1);
  ValueId pre = b.batch_norm(p + ".pre_conv.1", x, p + ".pre_conv.0", true, kSlope);
  pre = b.max_pool(p + ".pre_conv.2", pre, 1, 2);
  const ValueId shortcut = in == out ? pre : b.conv(p + ".conv1by1", pre, p + ".conv1by1", out, 1, 1, 0, false);
  ValueId h = b.conv_bn(p + ".conv.1", pre, p + ".conv.0", p + ".conv.1", out, 3, 1, 1, false);
  h = b.leaky_relu(p + ".conv.2", h, kSlope);
  return b.conv(p, h, p + ".conv.3", out, 3, 1, 1, false, shortcut, 1.f, 1.f);
}

}  // namespace

F0ModelConfig f0_model_config(const TensorFile& w, const std::string& path) {
  F0ModelConfig c{config_ints(network_config(w, path, "f0_model"), path, "f0_model", "channels")};
  bool ok = c.channels.size() == 4;
  for (int ch : c.channels) ok = ok && ch > 0;
  if (!ok) throw FileError(path + ": configuration of 'f0_model' needs four positive channel counts");
  return c;
}

ValueId add_f0_model(NetBuilder& b, const F0ModelConfig& c, ValueId x) {
  // Time becomes the height, as get_feature_GAN transposes; the mel axis halves per block.
  ValueId h = b.transpose("transpose_in", x);
  h = b.conv_bn("conv_block.1", h, "conv_block.0", "conv_block.1", c.channels[0], 3, 1, 1, false);
  h = b.leaky_relu("conv_block.2", h, kSlope);
  h = b.conv("conv_block", h, "conv_block.3", c.channels[0], 3, 1, 1, false);
  for (int i = 1; i <= 3; ++i)
    h = res_block(b, "res_block" + std::to_string(i), h, c.channels[static_cast<size_t>(i)]);
  h = b.batch_norm("pool_block.0", h, "pool_block.0", false, 0.f);
  h = b.leaky_relu("pool_block.1", h, kSlope);
  const ValueId y = b.transpose("output", h);
  b.graph().mark_output(y);
  return y;
}

}  // namespace xfv
