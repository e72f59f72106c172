#include "engine/models/parallel_wavegan.h"

#include <cmath>
#include <stdexcept>

#include "engine/models/model_config.h"

namespace xfv {

int VocoderConfig::hop() const {
  int h = 1;
  for (int s : upsample_scales) h *= s;
  return h;
}

VocoderConfig vocoder_config(const TensorFile& w, const std::string& path) {
  const std::string n = "vocoder";
  const nlohmann::json j = network_config(w, path, n);
  if (const std::string family = j.is_object() ? j.value("family", "parallel_wavegan") : ""; family != "parallel_wavegan")
    throw FileError(path + ": its 'vocoder' is a " + family + ", not the Parallel WaveGAN that voice conversion runs");
  VocoderConfig c;
  c.in_channels = config_int(j, path, n, "in_channels");
  c.out_channels = config_int(j, path, n, "out_channels");
  c.kernel_size = config_int(j, path, n, "kernel_size");
  c.layers = config_int(j, path, n, "layers");
  c.stacks = config_int(j, path, n, "stacks");
  c.residual_channels = config_int(j, path, n, "residual_channels");
  c.gate_channels = config_int(j, path, n, "gate_channels");
  c.skip_channels = config_int(j, path, n, "skip_channels");
  c.aux_channels = config_int(j, path, n, "aux_channels");
  c.aux_context_window = config_int(j, path, n, "aux_context_window");
  c.upsample_scales = config_ints(j, path, n, "upsample_scales");
  bool ok = c.kernel_size > 0 && c.kernel_size % 2 == 1 && c.layers > 0 && c.stacks > 0 &&
            c.layers % c.stacks == 0 && c.gate_channels % 2 == 0 && c.aux_context_window >= 0 &&
            !c.upsample_scales.empty() && c.upsample_scales.size() < 8;
  for (int s : c.upsample_scales) ok = ok && s > 0 && s <= 64;
  if (!ok)
    throw FileError(path + ": unsupported configuration of 'vocoder' (" + j.dump() +
                    "): the kernel must be odd, the layers split into stacks, the gate channels even, "
                    "and 1 to 7 upsample scales of 1 to 64");
  return c;
}

int vocoder_receptive_radius(const VocoderConfig& c) {
  // In frames, as a real number: a stage of scale s turns a rate of r samples per frame into
  // r * s; its FIR reaches s samples of the new rate each side and the nearest stretch one
  // sample of the old rate; the residual stack's dilated convs reach (k - 1) / 2 * dilation
  // samples of the output rate each.
  double radius = 0;
  int rate = 1;
  for (int s : c.upsample_scales) {
    radius += 1.0 / rate;
    rate *= s;
    radius += static_cast<double>(s) / rate;
  }
  const int per_stack = c.layers / c.stacks;
  int64_t samples = 0;
  for (int l = 0; l < c.layers; ++l) samples += int64_t{(c.kernel_size - 1) / 2} << (l % per_stack);
  radius += static_cast<double>(samples) / rate;
  return c.aux_context_window + static_cast<int>(std::ceil(radius)) + 1;
}

VocoderIO add_vocoder(NetBuilder& b, const VocoderConfig& c, int frames, bool seeded_noise) {
  if (frames < 1) throw std::invalid_argument(b.network() + ": no frames to vocode");
  Graph& g = b.graph();
  const int aux = c.aux_channels, samples = frames * c.hop();
  VocoderIO io;
  io.c = b.input("c", Shape{1, 1, frames, aux});
  const Shape noise{1, c.in_channels, 1, samples};
  if (seeded_noise) {
    GaussianArgs draw;  // its seed and offset are the run's
    draw.d.count = noise.numel();
    io.noise = b.node("noise", draw, {}, noise);
  } else {
    io.noise = b.input("noise", noise);
  }

  // The upsampling network: conv_in (valid) on the features replication-padded by the
  // context window, then per scale s a nearest stretch and a (1, 2s+1) FIR along time that
  // every feature row shares (a Conv2d 1 -> 1: here each row is a sample of cin 1).
  ValueId h = b.transpose("c.transpose", io.c);
  g.reshape(h, Shape{1, aux, 1, frames});
  ReplicationPadArgs pad;
  pad.d = {aux, frames, c.aux_context_window, c.aux_context_window};
  h = b.node("upsample_net.pad", pad, {h}, Shape{1, aux, 1, frames + 2 * c.aux_context_window});
  h = b.conv1d("upsample_net.conv_in", h, "upsample_net.conv_in", aux, 2 * c.aux_context_window + 1, 1, 0, false);
  g.reshape(h, Shape{aux, 1, 1, frames});
  for (size_t i = 0; i < c.upsample_scales.size(); ++i) {
    const int s = c.upsample_scales[i];
    const std::string layer = "upsample_net.upsample.up_layers.";
    h = b.upsample(layer + std::to_string(2 * i), h, 1, s);
    const std::string fir = layer + std::to_string(2 * i + 1);
    h = b.conv1d(i + 1 == c.upsample_scales.size() ? "upsample_net" : fir, h, fir, 1, 2 * s + 1, 1, s, false);
  }
  g.reshape(h, Shape{1, aux, 1, samples});
  const ValueId c_up = h;

  const float sqrt_half = std::sqrt(0.5f);
  const int per_stack = c.layers / c.stacks, half = c.gate_channels / 2;
  ValueId x = b.conv1d("first_conv", io.noise, "first_conv", c.residual_channels, 1, 1, 0, true);
  ValueId skips = kNoValue;
  for (int l = 0; l < c.layers; ++l) {
    const std::string p = "conv_layers." + std::to_string(l);
    const int dilation = 1 << (l % per_stack);
    const ValueId a = b.conv1d(p + ".conv", x, p + ".conv", c.gate_channels, c.kernel_size, dilation,
                               (c.kernel_size - 1) / 2 * dilation, true);
    const ValueId cond = b.conv1d(p + ".conv1x1_aux", c_up, p + ".conv1x1_aux", c.gate_channels, 1, 1, 0, false);
    GatedActivationArgs gate;
    gate.d = {1, half, samples};
    const ValueId z = b.node(p + ".gate", gate, {a, cond}, Shape{1, half, 1, samples});
    const ValueId skip = b.conv1d(p + ".skip", z, p + ".conv1x1_skip", c.skip_channels, 1, 1, 0, true);
    x = b.conv1d(p, z, p + ".conv1x1_out", c.residual_channels, 1, 1, 0, true, x, sqrt_half, sqrt_half);
    // The skips' sum, scaled by sqrt(1 / layers) in its last add.
    const float scale = l + 1 == c.layers ? std::sqrt(1.f / static_cast<float>(c.layers)) : 1.f;
    const std::string sum = l + 1 == c.layers ? "skips" : p + ".skips";
    if (skips == kNoValue)
      skips = c.layers == 1 ? b.unary(sum, skip, UnaryOp::kScale, scale) : skip;
    else
      skips = b.add(sum, skips, skip, scale);
  }
  h = b.unary("last_conv_layers.0", skips, UnaryOp::kLeakyRelu, 0.f);
  h = b.conv1d("last_conv_layers.1", h, "last_conv_layers.1", c.skip_channels, 1, 1, 0, true);
  h = b.unary("last_conv_layers.2", h, UnaryOp::kLeakyRelu, 0.f);
  io.output = b.conv1d("output", h, "last_conv_layers.3", c.out_channels, 1, 1, 0, true);
  g.mark_output(io.output);
  return io;
}

}  // namespace xfv
