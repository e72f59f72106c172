#include "engine/models/stargan_vc.h"

#include <algorithm>
#include <stdexcept>
#include <vector>

#include "engine/models/model_config.h"
#include "engine/models/stargan_v2.h"

namespace xfv {

AudioGeneratorConfig audio_generator_config(const TensorFile& w, const std::string& path) {
  const std::string n = "audio_generator";
  const nlohmann::json j = network_config(w, path, n);
  return {config_int(j, path, n, "dim_in"), config_int(j, path, n, "style_dim"),
          config_int(j, path, n, "max_conv_dim"), config_int(j, path, n, "F0_channel")};
}

AudioStyleEncoderConfig audio_style_encoder_config(const TensorFile& w, const std::string& path) {
  const std::string n = "audio_style_encoder";
  const nlohmann::json j = network_config(w, path, n);
  return {config_int(j, path, n, "dim_in"), config_int(j, path, n, "style_dim"),
          config_int(j, path, n, "num_domains"), config_int(j, path, n, "max_conv_dim")};
}

namespace {
// The encoder's four levels; the decoder mirrors them.
constexpr Factors kLevels[] = {kHalf, kTimePreserve, kHalf, kTimePreserve};
// JDC's features: a 3x3 conv pair, then three res blocks of two 3x3 convs each, along time
// at full rate (its max-pools are on the mel axis).
constexpr int kF0ModelRadius = 8;
}  // namespace

int audio_generator_receptive_radius(const AudioGeneratorConfig& c) {
  // In source frames: a 3x3 conv at a level whose frames span `stride` source frames widens
  // the field by `stride` on each side, a time-halving average pool by `stride` too.
  int radius = 0, stride = 1;
  const auto conv = [&] { radius += stride; };
  conv();  // stem
  for (const Factors& f : kLevels) {
    conv();
    if (f.w == 2) radius += stride, stride *= 2;
    conv();
  }
  for (int i = 0; i < 2; ++i) conv(), conv();
  if (c.F0_channel > 0)  // F0_conv.0 (conv, halving, conv), then the adaptive pool's window of 2
    radius = std::max(radius, kF0ModelRadius + 1 + 1 + 2 + 2 * 2);
  for (int i = 0; i < (c.F0_channel > 0 ? 3 : 2); ++i) conv(), conv();
  for (int i = 3; i >= 0; --i) {
    conv();
    if (kLevels[i].w == 2) stride /= 2;
    conv();
  }
  return radius;
}

AudioGeneratorIO add_audio_generator(NetBuilder& b, const AudioGeneratorConfig& c, int batch, int frames) {
  if (frames < 4)
    throw std::invalid_argument(b.network() + ": " + std::to_string(frames) +
                                " frames; the generator halves time twice and needs at least 4");
  AudioGeneratorIO io;
  io.x = b.input("x", Shape{batch, 1, kMelBands, frames});
  io.s = b.input("s", Shape{batch, c.style_dim});
  if (c.F0_channel > 0) io.f0 = b.input("F0", Shape{batch, c.F0_channel, kMelBands / 8, frames});

  // Four levels (half, timepreserve, half, timepreserve), then two bottleneck blocks.
  ValueId x = b.conv("stem", io.x, "stem", c.dim_in, 3, 1, 1, true);
  std::vector<int> level_in;  // each level's input width, for the decoder's mirror
  for (int i = 0; i < 4; ++i) {
    const int in = dim(b.shape(x), 1);
    level_in.push_back(in);
    x = res_block(b, "encode." + std::to_string(i), x, std::min(2 * in, c.max_conv_dim), true, kLevels[i]);
  }
  const int bottom = dim(b.shape(x), 1);
  for (int i = 4; i < 6; ++i) x = res_block(b, "encode." + std::to_string(i), x, bottom, true, kKeep);

  int block = 0;
  if (c.F0_channel > 0) {
    ValueId f0 = res_block(b, "F0_conv.0", io.f0, c.F0_channel / 2, true, kHalf);
    const Shape s = b.shape(x);
    f0 = b.adaptive_avg_pool("F0_pool", f0, dim(s, 2), dim(s, 3));
    x = b.concat("cat", x, f0);
    for (; block < 2; ++block)
      x = adain_res_block(b, "decode." + std::to_string(block), x, io.s, dim(b.shape(x), 1), 0, kKeep);
    x = adain_res_block(b, "decode." + std::to_string(block++), x, io.s, bottom, 0, kKeep);
  } else {
    for (; block < 2; ++block)
      x = adain_res_block(b, "decode." + std::to_string(block), x, io.s, bottom, 0, kKeep);
  }
  for (int i = 3; i >= 0; --i, ++block)
    x = adain_res_block(b, "decode." + std::to_string(block), x, io.s, level_in[static_cast<size_t>(i)], 0,
                        kLevels[i]);

  x = b.instance_norm("to_out.0", x, "to_out.0", true, kStarGanSlope);
  io.output = b.conv("output", x, "to_out.2", 1, 1, 1, 0, true);
  b.graph().mark_output(io.output);
  return io;
}

ValueId add_audio_style_encoder(NetBuilder& b, const AudioStyleEncoderConfig& c, ValueId x, int domain) {
  const int frames = dim(b.shape(x), 3);
  if (frames < kStyleEncoderMinFrames)
    throw std::invalid_argument(b.network() + ": a reference of " + std::to_string(frames) +
                                " frames is too short; the style encoder needs at least " +
                                std::to_string(kStyleEncoderMinFrames) + " (about 1 s at the stargan_vc recipe's hop of 300)");
  ValueId h = b.conv("shared.0", x, "shared.0", c.dim_in, 3, 1, 1, true);
  for (int i = 1; i <= 4; ++i)
    h = res_block(b, "shared." + std::to_string(i), h, std::min(2 * dim(b.shape(h), 1), c.max_conv_dim), false,
                  kHalf);
  h = b.leaky_relu("shared.5", h, kStarGanSlope);
  h = b.conv("shared.6", h, "shared.6", dim(b.shape(h), 1), 5, 1, 0, true);
  h = b.adaptive_avg_pool("shared.7", h, 1, 1);
  h = b.leaky_relu("shared.8", h, kStarGanSlope);
  const ValueId style = b.linear("output", h, "unshared." + std::to_string(domain), c.style_dim, false);
  b.graph().mark_output(style);
  return style;
}

}  // namespace xfv
