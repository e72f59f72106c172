#include "engine/models/stargan_v2.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "engine/models/fan.h"

namespace xfv {
namespace {

const float kInvSqrt2 = 1.f / std::sqrt(2.f);
constexpr float kSlope = kStarGanSlope;

}  // namespace

// The learned shortcut pools before its 1x1 conv: linear ops commute, fewer MACs.
ValueId res_block(NetBuilder& b, const std::string& p, ValueId x, int dim_out, bool normalize, Factors down) {
  const int dim_in = static_cast<int>(b.shape(x)[1]);
  ValueId sc = x;
  if (!down.none()) sc = b.avg_pool(p + ".shortcut_pool", sc, down.h, down.w);
  if (dim_in != dim_out) sc = b.conv(p + ".conv1x1", sc, p + ".conv1x1", dim_out, 1, 1, 0, false);

  ValueId r = normalize ? b.instance_norm(p + ".norm1", x, p + ".norm1", true, kSlope)
                        : b.leaky_relu(p + ".actv1", x, kSlope);
  r = b.conv(p + ".conv1", r, p + ".conv1", dim_in, 3, 1, 1, true);
  if (!down.none()) r = b.avg_pool(p + ".pool", r, down.h, down.w);
  r = normalize ? b.instance_norm(p + ".norm2", r, p + ".norm2", true, kSlope) : b.leaky_relu(p + ".actv2", r, kSlope);
  return b.conv(p, r, p + ".conv2", dim_out, 3, 1, 1, true, sc, kInvSqrt2, kInvSqrt2);
}

ValueId adain_res_block(NetBuilder& b, const std::string& p, ValueId x, ValueId s, int dim_out, int w_hpf,
                        Factors up) {
  const int dim_in = static_cast<int>(b.shape(x)[1]);
  ValueId r = b.adain(p + ".norm1", x, b.linear(p + ".norm1.fc", s, p + ".norm1.fc", 2 * dim_in, false), true, kSlope);
  if (!up.none()) r = b.upsample(p + ".upsample", r, up.h, up.w);
  r = b.conv(p + ".conv1", r, p + ".conv1", dim_out, 3, 1, 1, true);
  r = b.adain(p + ".norm2", r, b.linear(p + ".norm2.fc", s, p + ".norm2.fc", 2 * dim_out, false), true, kSlope);
  if (w_hpf > 0) return b.conv(p, r, p + ".conv2", dim_out, 3, 1, 1, true);

  ValueId sc = x;
  if (!up.none()) sc = b.upsample(p + ".shortcut_upsample", sc, up.h, up.w);
  if (dim_in != dim_out) sc = b.conv(p + ".conv1x1", sc, p + ".conv1x1", dim_out, 1, 1, 0, false);
  return b.conv(p, r, p + ".conv2", dim_out, 3, 1, 1, true, sc, kInvSqrt2, kInvSqrt2);
}

namespace {

// x + HighPass(resize(mask) * cache): the generator's skip of encoder detail at this size.
ValueId inject_high_pass(NetBuilder& b, const std::string& p, ValueId x, ValueId mask, ValueId cache) {
  const Shape xs = b.shape(x), ms = b.shape(mask);
  Graph& g = b.graph();
  ResizeBilinearArgs r;
  r.d = {static_cast<int>(ms[0]), static_cast<int>(ms[2]), static_cast<int>(ms[3]), static_cast<int>(xs[2]),
         static_cast<int>(xs[3]), false};
  const ValueId m = g.add_node(b.name(p + ".mask"), r, {mask});
  BinaryArgs mul;
  mul.d = {static_cast<int>(xs[0]), static_cast<int>(xs[1]), static_cast<int>(xs[2] * xs[3]), true, BinaryOp::kMul, 1.f};
  const ValueId masked = g.add_node(b.name(p + ".masked"), mul, {cache, m});
  Depthwise3x3Args hp;
  hp.d = {static_cast<int>(xs[0] * xs[1]), static_cast<int>(xs[2]), static_cast<int>(xs[3]), {}};
  const HostTensor& filter = *g.value(b.weight("hpf.filter", Shape{3, 3})).constant;
  std::copy(filter.data.begin(), filter.data.end(), hp.d.k);
  const ValueId high = g.add_node(b.name(p + ".highpass"), hp, {masked});
  BinaryArgs add;
  add.d = {static_cast<int>(xs[0]), static_cast<int>(xs[1]), static_cast<int>(xs[2] * xs[3]), false, BinaryOp::kAdd, 1.f};
  return b.node(p + ".hpf", add, {x, high}, xs);
}

}  // namespace

ImageGeneratorConfig image_generator_config(const TensorFile& w, const std::string& path) {
  const std::string n = "image_generator";
  const nlohmann::json j = network_config(w, path, n);
  return {config_int(j, path, n, "img_size"), config_int(j, path, n, "style_dim"), config_int(j, path, n, "max_conv_dim"),
          config_int(j, path, n, "w_hpf"), config_int(j, path, n, "repeat_num")};
}

ImageStyleEncoderConfig image_style_encoder_config(const TensorFile& w, const std::string& path) {
  const std::string n = "image_style_encoder";
  const nlohmann::json j = network_config(w, path, n);
  return {config_int(j, path, n, "img_size"), config_int(j, path, n, "style_dim"), config_int(j, path, n, "max_conv_dim"),
          config_int(j, path, n, "num_domains")};
}

MappingNetworkConfig mapping_network_config(const TensorFile& w, const std::string& path) {
  const std::string n = "mapping_network";
  const nlohmann::json j = network_config(w, path, n);
  return {config_int(j, path, n, "latent_dim"), config_int(j, path, n, "hidden_dim"), config_int(j, path, n, "style_dim"),
          config_int(j, path, n, "num_domains")};
}

ImageGeneratorIO add_image_generator(NetBuilder& b, const ImageGeneratorConfig& c, int batch) {
  ImageGeneratorIO io;
  const int s = c.img_size;
  io.x = b.input("x", Shape{batch, 3, s, s});
  io.s = b.input("s", Shape{batch, c.style_dim});
  if (c.w_hpf > 0) {
    // FAN's masks, at FAN's size whatever the image's; each injection resizes its own.
    io.mask0 = b.input("masks.0", Shape{batch, 1, kFanMaskSize, kFanMaskSize});
    io.mask1 = b.input("masks.1", Shape{batch, 1, kFanMaskSize, kFanMaskSize});
  }
  const int dim0 = (1 << 14) / s;
  ValueId x = b.conv("from_rgb", io.x, "from_rgb", dim0, 3, 1, 1, true);

  // Encoder: down blocks, then two at the bottleneck; the input of a block at a skip size
  // (32, 64, 128) is kept for the decoder's high-pass injection, later blocks overwriting.
  std::map<int64_t, ValueId> cache;
  std::vector<int> up_dims{dim0};  // channel count after each down block, from the top
  int block = 0;
  for (int i = 0; i < c.repeat_num + 2; ++i, ++block) {
    const int64_t size = b.shape(x)[2];
    if (c.w_hpf > 0 && (size == 32 || size == 64 || size == 128)) cache[size] = x;
    const bool down = i < c.repeat_num;
    const int dim_out = down ? std::min(static_cast<int>(b.shape(x)[1]) * 2, c.max_conv_dim)
                             : static_cast<int>(b.shape(x)[1]);
    x = res_block(b, "encode." + std::to_string(block), x, dim_out, true, down ? kHalf : kKeep);
    if (down) up_dims.push_back(dim_out);
  }
  // Decoder: two bottleneck blocks, then up blocks mirroring the encoder's channels.
  for (int i = 0; i < c.repeat_num + 2; ++i) {
    const std::string p = "decode." + std::to_string(i);
    const bool up = i >= 2;
    const int dim_out = up ? up_dims[static_cast<size_t>(c.repeat_num + 1 - i)] : static_cast<int>(b.shape(x)[1]);
    x = adain_res_block(b, p, x, io.s, dim_out, c.w_hpf, up ? kHalf : kKeep);
    const int64_t size = b.shape(x)[2];
    if (c.w_hpf > 0 && cache.count(size))
      x = inject_high_pass(b, p, x, size == 32 ? io.mask0 : io.mask1, cache[size]);
  }
  x = b.instance_norm("to_rgb.0", x, "to_rgb.0", true, kSlope);
  io.output = b.conv("output", x, "to_rgb.2", 3, 1, 1, 0, true);
  b.graph().mark_output(io.output);
  return io;
}

ValueId add_image_style_encoder(NetBuilder& b, const ImageStyleEncoderConfig& c, ValueId x, int domain) {
  const int dim0 = (1 << 14) / c.img_size;
  const int repeat_num = static_cast<int>(std::log2(c.img_size)) - 2;
  ValueId h = b.conv("shared.0", x, "shared.0", dim0, 3, 1, 1, true);
  for (int i = 1; i <= repeat_num; ++i) {
    const int dim_out = std::min(static_cast<int>(b.shape(h)[1]) * 2, c.max_conv_dim);
    h = res_block(b, "shared." + std::to_string(i), h, dim_out, false, kHalf);
  }
  const std::string last = "shared." + std::to_string(repeat_num + 2);
  h = b.leaky_relu("shared." + std::to_string(repeat_num + 1), h, kSlope);
  h = b.conv(last, h, last, static_cast<int>(b.shape(h)[1]), 4, 1, 0, true);
  h = b.leaky_relu("shared." + std::to_string(repeat_num + 3), h, kSlope);
  const std::string head = "unshared." + std::to_string(domain);
  const ValueId s = b.linear("output", h, head, c.style_dim, false);
  b.graph().mark_output(s);
  return s;
}

ValueId add_mapping_network(NetBuilder& b, const MappingNetworkConfig& c, ValueId z, int domain) {
  // The last shared layer's output is the shared MLP's: named as the reference's `shared`.
  ValueId h = z;
  for (int i = 0; i < 8; i += 2)
    h = b.linear(i == 6 ? "shared" : "shared." + std::to_string(i), h, "shared." + std::to_string(i),
                 c.hidden_dim, true);
  const std::string head = "unshared." + std::to_string(domain) + ".";
  for (int i = 0; i < 6; i += 2)
    h = b.linear(head + std::to_string(i), h, head + std::to_string(i), c.hidden_dim, true);
  const ValueId s = b.linear("output", h, head + "6", c.style_dim, false);
  b.graph().mark_output(s);
  return s;
}

}  // namespace xfv
