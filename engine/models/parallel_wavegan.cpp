#include "engine/models/parallel_wavegan.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "engine/limits.h"
#include "engine/models/model_config.h"

namespace xfv {
namespace {

// The constant `key` stacking `top`'s R rows over `bottom`'s S rows times `scale` (zeros
// without one): a layer's output and skip 1x1s as one conv (add_vocoder).
void stack_rows(NetBuilder& b, int R, int S, const std::string& key, const std::string& top, const std::string& bottom,
                double scale, int cin) {
  for (const char* part : {".weight", ".bias"}) {
    const int per_row = part[1] == 'w' ? cin : 1;
    const HostTensor& t = b.tensor(top + part, Shape{R, per_row});
    std::vector<double> v(t.data.begin(), t.data.end());
    v.resize(static_cast<size_t>(R + S) * per_row, 0.0);
    if (!bottom.empty()) {
      const HostTensor& u = b.tensor(bottom + part, Shape{S, per_row});
      for (size_t i = 0; i < u.data.size(); ++i) v[t.data.size() + i] = scale * u.data[i];
    }
    b.constant(key + part, Shape{R + S, per_row}, v);
  }
}

}  // namespace

int VocoderConfig::hop() const {
  int h = 1;
  for (int s : upsample_scales) h *= s;
  return h;
}

VocoderConfig vocoder_config(const TensorFile& w, const std::string& path) {
  const std::string n = "vocoder";
  const nlohmann::json j = network_config(w, path, n);
  if (const std::string family = config_string(j, path, n, "family", "parallel_wavegan"); family != "parallel_wavegan")
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
  int64_t hop = 1;  // the product of the scales, at most kMaxVocoderHop (hop() is an int)
  for (int s : c.upsample_scales) {
    ok = ok && s > 0 && s <= 64 && hop * s <= kMaxVocoderHop;
    if (ok) hop *= s;
  }
  if (!ok)
    throw FileError(path + ": unsupported configuration of 'vocoder' (" + j.dump() +
                    "): the kernel must be odd, the layers split into stacks, the gate channels even, "
                    "and 1 to 7 upsample scales of 1 to 64 whose product is at most " + std::to_string(kMaxVocoderHop));
  return c;
}

int vocoder_receptive_radius(const VocoderConfig& c, int overhang) {
  // In frames, as a real number: conv_in reaches aux_context_window frames each side; a stage
  // of scale s turns a rate of r samples per frame into r * s; its FIR reaches s samples of
  // the new rate each side and the nearest stretch one sample of the old rate; the residual
  // stack's dilated convs reach (k - 1) / 2 * dilation samples of the output rate each. Each
  // conv along time reaches `overhang` dilations further.
  double radius = overhang;
  int rate = 1;
  for (int s : c.upsample_scales) {
    radius += 1.0 / rate;
    rate *= s;
    radius += static_cast<double>(s) / rate;
  }
  const int per_stack = c.layers / c.stacks;
  int64_t samples = 0;
  for (int l = 0; l < c.layers; ++l) samples += int64_t{(c.kernel_size - 1) / 2 + overhang} << (l % per_stack);
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
  // every feature row shares, one upsample_fir node per scale.
  ValueId h = b.transpose("c.transpose", io.c);
  g.reshape(h, Shape{1, aux, 1, frames});
  ReplicationPadArgs pad;
  pad.d = {aux, frames, c.aux_context_window, c.aux_context_window};
  h = b.node("upsample_net.pad", pad, {h}, Shape{1, aux, 1, frames + 2 * c.aux_context_window});
  const ValueId conv_in =
      b.conv1d("upsample_net.conv_in", h, "upsample_net.conv_in", aux, 2 * c.aux_context_window + 1, 1, 0, false);
  const auto fir_key = [](size_t i) { return "upsample_net.upsample.up_layers." + std::to_string(2 * i + 1); };
  const auto upsample = [&](const std::string& path, ValueId x, bool dump_names, size_t stages) {
    for (size_t i = 0; i < stages; ++i) {
      const std::string fir = fir_key(i);
      const std::string name = !dump_names ? path + ".up." + std::to_string(i)
                               : i + 1 == c.upsample_scales.size() ? "upsample_net" : fir;
      x = b.upsample_fir(name, x, fir, c.upsample_scales[i]);
    }
    return x;
  };
  // The 80 rows of c_up feed no layer (below), but they are the reference's dump points
  // `upsample_net...`, which `xfv validate` checks; at 0.2% of the vocoder's time
  // (docs/performance.md) they stay in every graph rather than in a graph of their own.
  const size_t stages = c.upsample_scales.size();
  upsample("upsample_net", conv_in, true, stages);

  // Each layer's output and skip 1x1s run as one conv of their stacked weights, whose fused
  // residual carries both running values in one buffer, with c = sqrt(0.5) as its alpha and
  // beta: rows [0, R) are x_{l+1} = c (out_l + x_l), the reference's residual; rows [R, R + S)
  // are T_{l+1} = c (c^l skip_l + T_l) = c^{l+1} (skip_0 + ... + skip_l), the skips' sum
  // scaled by c^{l+1} so that one alpha and one beta serve both halves. Exact in real
  // arithmetic (the scaled weights round once); no separate skip sums, and z is read once.
  // x_{l+1} is a view on the buffer, named as the reference's point; the skips one by one
  // are no value any more.
  const float sqrt_half = std::sqrt(0.5f);
  const double c_half = sqrt_half;  // the float the epilogue scales by, in double
  const int per_stack = c.layers / c.stacks, half = c.gate_channels / 2;
  const int R = c.residual_channels, S = c.skip_channels;
  const auto stack = [&](const std::string& key, const std::string& top, const std::string& bottom, double scale,
                         int cin) { stack_rows(b, R, S, key, top, bottom, scale, cin); };
  const Shape residual_shape{1, R, 1, samples};
  stack("first_conv+skips", "first_conv", "", 0.0, c.in_channels);  // T_0 = 0
  ValueId both = b.conv1d("first_conv+skips", io.noise, "first_conv+skips", R + S, 1, 1, 0, true);
  ValueId x = g.add_view(b.name("first_conv"), both, 0, residual_shape);
  for (int l = 0; l < c.layers; ++l) {
    const std::string p = "conv_layers." + std::to_string(l);
    const int dilation = 1 << (l % per_stack);
    const ValueId a = b.conv1d(p + ".conv", x, p + ".conv", c.gate_channels, c.kernel_size, dilation,
                               (c.kernel_size - 1) / 2 * dilation, true);
    // The aux 1x1 acts on channels, the upsampling on time, both linear: the 1x1 at the
    // frame rate, then its 128 rows upsampled, is the reference's 1x1 of c_up up to
    // rounding, at 1/hop of the 1x1's multiplies. The gate runs the last upsampling stage
    // itself, so that its 128 rows at the sample rate never go through memory.
    const ValueId cond = upsample(p + ".conv1x1_aux",
                                  b.conv1d(p + ".conv1x1_aux", conv_in, p + ".conv1x1_aux", c.gate_channels, 1, 1, 0, false),
                                  false, stages - 1);
    GatedActivationArgs gate;
    const int last_scale = c.upsample_scales.back();
    gate.d = {1, half, samples, last_scale};
    const ValueId taps = b.weight(fir_key(stages - 1) + ".weight", Shape{1, 1, 1, 2 * last_scale + 1});
    const ValueId z = b.node(p + ".gate", gate, {a, cond, taps}, Shape{1, half, 1, samples});
    const std::string key = p + ".conv1x1_out+skip";
    stack(key, p + ".conv1x1_out", p + ".conv1x1_skip", std::pow(c_half, l), half);
    both = b.conv1d(key, z, key, R + S, 1, 1, 0, true, both, sqrt_half, sqrt_half);
    x = g.add_view(b.name(p), both, 0, residual_shape);
  }
  // skips = sqrt(1 / layers) (skip_0 + ... + skip_{L-1}) = sqrt(1 / layers) / c^L T_L.
  const ValueId sum = g.add_view(b.name("skips.scaled_sum"), both, int64_t{R} * samples, Shape{1, S, 1, samples});
  const ValueId skips = b.unary("skips", sum, UnaryOp::kScale,
                                static_cast<float>(std::sqrt(1.0 / c.layers) / std::pow(c_half, c.layers)));
  h = b.unary("last_conv_layers.0", skips, UnaryOp::kLeakyRelu, 0.f);
  h = b.conv1d("last_conv_layers.1", h, "last_conv_layers.1", c.skip_channels, 1, 1, 0, true);
  h = b.unary("last_conv_layers.2", h, UnaryOp::kLeakyRelu, 0.f);
  io.output = b.conv1d("output", h, "last_conv_layers.3", c.out_channels, 1, 1, 0, true);
  g.mark_output(io.output);
  return io;
}

VocoderStepIO add_vocoder_step(NetBuilder& b, const VocoderConfig& c, int step, bool exact_tiles) {
  if (c.in_channels != 1)
    throw std::invalid_argument(b.network() + ": a stream draws one noise channel; this vocoder takes " +
                                std::to_string(c.in_channels));
  StreamBuilder s(b, step, exact_tiles);
  Graph& g = b.graph();
  VocoderStepIO io;
  const int aux = c.aux_channels, hop = c.hop(), samples = step * hop, acw = c.aux_context_window;
  // The features come band-major, replication-padded by the stream (lead_frames): conv_in's
  // window holds that padding, real data, so it is not masked.
  const Timed features = s.input("c", aux);
  io.input = features.v, io.lead_frames = acw;
  const std::string conv_in_path = "upsample_net.conv_in";
  const ValueId padded = s.window(conv_in_path, features, s.conv_context(features, aux, 2 * acw + 1, 1), false);
  const Timed conv_in =
      s.conv1d_on(conv_in_path, padded, features, conv_in_path, aux, 2 * acw + 1, 1, acw, false, 1.f, nullptr, 1.f, 0.f);
  // Each stage of the upsampling runs its FIR on a window of the new columns and one each
  // side, keeping the middle: one column of the old rate later. A layer whose conditioning
  // must come later than that (the dilated stack's delay so far) gets its delay from the
  // stages' kept contexts, the largest part at the lowest rate.
  int64_t upsampled_lag = conv_in.lag;
  for (int scale : c.upsample_scales) upsampled_lag = (upsampled_lag + 1) * scale;
  const auto conditioning = [&](const std::string& p, int64_t lag) {
    Timed x = s.conv1d(p + ".conv1x1_aux", conv_in, p + ".conv1x1_aux", c.gate_channels, 1, 1, 0, false);
    int64_t extra = lag - upsampled_lag;
    ValueId src = x.v;
    int src_w = s.width(x), src0 = 0;
    for (size_t i = 0; i < c.upsample_scales.size(); ++i) {
      const int scale = c.upsample_scales[i], per_column = hop / x.rate;  // samples per column
      const int kept = static_cast<int>(extra / per_column);
      extra %= per_column;
      const std::string up = p + ".conv1x1_aux.up." + std::to_string(i);
      const ValueId window = s.delay_line(up, src, src_w, src0, x, 2 + kept, s.width(x) + 2);
      src = b.upsample_fir(up, window, "upsample_net.upsample.up_layers." + std::to_string(2 * i + 1), scale);
      src_w = (s.width(x) + 2) * scale, src0 = scale;
      x = Timed{src, x.planes, x.rate * scale, (x.lag + 1 + kept) * scale};
    }
    const ValueId aligned = s.delay_line(p + ".conv1x1_aux.aligned", src, src_w, src0, x, static_cast<int>(extra),
                                         s.width(x));
    return Timed{aligned, x.planes, x.rate, x.lag + extra};
  };

  const float sqrt_half = std::sqrt(0.5f);
  const double c_half = sqrt_half;
  const int per_stack = c.layers / c.stacks, half = c.gate_channels / 2;
  const int R = c.residual_channels, S = c.skip_channels;
  // How much later than its input the first dilated conv's output comes.
  const int64_t first_conv_lag = s.conv_lag(Timed{kNoValue, R, hop, 0}, c.gate_channels, c.kernel_size, 1,
                                            (c.kernel_size - 1) / 2);
  // The noise must come early enough that layer 0's conditioning needs no delay. It is
  // drawn for the step's own samples, from (f + lead_frames) * hop on, never before sample 0
  // (the generator draws no negative offsets), and delayed to that time.
  io.noise_lag = -int64_t{acw} * hop;
  GaussianArgs draw;  // its seed and offset are the run's
  draw.d.count = samples;
  const Timed drawn{b.node("noise", draw, {}, Shape{1, 1, 1, samples}), 1, hop, io.noise_lag};
  const Timed noise =
      s.delay("noise.delay", drawn, static_cast<int>(std::max<int64_t>(0, upsampled_lag - first_conv_lag) - io.noise_lag));
  stack_rows(b, R, S, "first_conv+skips", "first_conv", "", 0.0, c.in_channels);
  Timed both = s.conv1d("first_conv+skips", noise, "first_conv+skips", R + S, 1, 1, 0, true);
  for (int l = 0; l < c.layers; ++l) {
    const std::string p = "conv_layers." + std::to_string(l);
    const int dilation = 1 << (l % per_stack), pad = (c.kernel_size - 1) / 2 * dilation;
    // The window holds both running values; the dilated conv reads its residual rows, the
    // fused 1x1 the slice of both that is as late as its output.
    const Timed x{both.v, R, hop, both.lag};
    const int context = s.conv_context(x, c.gate_channels, c.kernel_size, dilation);
    const ValueId window = s.window(p + ".conv", both, context);
    const ValueId rows = g.add_view(b.name(p + ".conv.input"), window, 0, Shape{1, R, 1, context + samples});
    const Timed a = s.conv1d_on(p + ".conv", rows, x, p + ".conv", c.gate_channels, c.kernel_size, dilation, pad, true,
                                1.f, nullptr, 1.f, 0.f);
    const Timed cond = conditioning(p, a.lag);
    GatedActivationArgs gate;
    gate.d = {1, half, samples};
    const Timed z = s.same_time(b.node(p + ".gate", gate, {a.v, cond.v, kNoValue}, Shape{1, half, 1, samples}), a, half);
    const std::string key = p + ".conv1x1_out+skip";
    stack_rows(b, R, S, key, p + ".conv1x1_out", p + ".conv1x1_skip", std::pow(c_half, l), half);
    const Timed residual = s.slice(p + ".residual", window, both, context, static_cast<int>(a.lag - both.lag));
    both = s.conv1d(key, z, key, R + S, 1, 1, 0, true, 1.f, &residual, sqrt_half, sqrt_half);
  }
  const ValueId sum = g.add_view(b.name("skips.scaled_sum"), both.v, int64_t{R} * samples, Shape{1, S, 1, samples});
  const ValueId skips = b.unary("skips", sum, UnaryOp::kScale,
                                static_cast<float>(std::sqrt(1.0 / c.layers) / std::pow(c_half, c.layers)));
  ValueId h = b.unary("last_conv_layers.0", skips, UnaryOp::kLeakyRelu, 0.f);
  h = b.conv1d("last_conv_layers.1", h, "last_conv_layers.1", c.skip_channels, 1, 1, 0, true);
  h = b.unary("last_conv_layers.2", h, UnaryOp::kLeakyRelu, 0.f);
  io.output = b.conv1d("output", h, "last_conv_layers.3", c.out_channels, 1, 1, 0, true);
  g.mark_output(io.output);
  io.lag = both.lag;
  return io;
}

}  // namespace xfv
