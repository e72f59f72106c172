// The StarGAN v2 image networks (../shared/reference-models.md §1) as engine graphs:
// image_generator, image_style_encoder, mapping_network. FAN is in fan.h.
#pragma once

#include <string>
#include <vector>

#include "engine/models/model_config.h"
#include "engine/models/net_builder.h"

namespace xfv {

struct ImageGeneratorConfig {
  int img_size = 256, style_dim = 64, max_conv_dim = 512, w_hpf = 1, repeat_num = 5;
};
struct ImageStyleEncoderConfig {
  int img_size = 256, style_dim = 64, max_conv_dim = 512, num_domains = 2;
};
struct MappingNetworkConfig {
  int latent_dim = 16, hidden_dim = 512, style_dim = 64, num_domains = 2;
};

// Read from the weight file's metadata (`xfv.config.<network>`, weights/README.md); a
// missing or malformed entry is a FileError naming the file.
ImageGeneratorConfig image_generator_config(const TensorFile& w, const std::string& path);
ImageStyleEncoderConfig image_style_encoder_config(const TensorFile& w, const std::string& path);
MappingNetworkConfig mapping_network_config(const TensorFile& w, const std::string& path);

// The blocks StarGANv2-VC shares with StarGAN v2 (../shared/reference-models.md §1.2, §2.3).
constexpr float kStarGanSlope = 0.2f;  // every LeakyReLU of both
// A block's resampling factors along (h, w): StarGAN v2 halves both, StarGANv2-VC's
// 'timepreserve' only the mel axis (h).
struct Factors {
  int h = 1, w = 1;
  bool none() const { return h == 1 && w == 1; }
};
constexpr Factors kKeep{1, 1}, kHalf{2, 2}, kTimePreserve{2, 1};
// ResBlk: (shortcut(x) + residual(x)) / sqrt(2), average-pooled by `down`, instance-normed
// (affine) when `normalize`; the residual's last conv fuses the sum.
ValueId res_block(NetBuilder& b, const std::string& p, ValueId x, int dim_out, bool normalize, Factors down);
// AdainResBlk of style s, nearest-upsampled by `up`; with w_hpf > 0 the output is the
// residual alone (reference-models.md §1.2), else (residual + shortcut) / sqrt(2).
ValueId adain_res_block(NetBuilder& b, const std::string& p, ValueId x, ValueId s, int dim_out, int w_hpf,
                        Factors up);

struct ImageGeneratorIO {
  ValueId x, s;                              // (n, 3, S, S) in [-1, 1]; (n, style_dim)
  ValueId mask0 = kNoValue, mask1 = kNoValue;  // (n, 1, 256, 256), FAN's, when w_hpf > 0
  ValueId output;                            // (n, 3, S, S)
};
// `b` names the network (image_generator).
ImageGeneratorIO add_image_generator(NetBuilder& b, const ImageGeneratorConfig& c, int batch);

// The style of image x (n, 3, S, S) for `domain`: (n, style_dim). Only that domain's head is
// computed (an exact rewrite: the reference computes all, then selects).
ValueId add_image_style_encoder(NetBuilder& b, const ImageStyleEncoderConfig& c, ValueId x, int domain);

// The style of latent z (n, latent_dim) for `domain`: (n, style_dim), that head only.
ValueId add_mapping_network(NetBuilder& b, const MappingNetworkConfig& c, ValueId z, int domain);

}  // namespace xfv
