#include "engine/models/hifigan.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "engine/limits.h"
#include "engine/models/model_config.h"

namespace xfv {
namespace {

constexpr float kSlope = 0.1f;       // models.py LRELU_SLOPE
constexpr float kPostSlope = 0.01f;  // F.leaky_relu's default, before conv_post
constexpr const char* kNetwork = "vocoder";

}  // namespace

bool is_hifigan(const TensorFile& w, const std::string& path) {
  const nlohmann::json j = network_config(w, path, kNetwork);
  return config_string(j, path, kNetwork, "family", "") == "hifigan";
}

HifiGanConfig hifigan_config(const TensorFile& w, const std::string& path) {
  const nlohmann::json j = network_config(w, path, kNetwork);
  if (!is_hifigan(w, path)) throw FileError(path + ": its 'vocoder' is not a HiFi-GAN (family " + config_string(j, path, kNetwork, "family", "parallel_wavegan") + ")");
  HifiGanConfig c;
  c.num_mels = config_int(j, path, kNetwork, "num_mels");
  c.upsample_initial_channel = config_int(j, path, kNetwork, "upsample_initial_channel");
  c.upsample_rates = config_ints(j, path, kNetwork, "upsample_rates");
  c.upsample_kernel_sizes = config_ints(j, path, kNetwork, "upsample_kernel_sizes");
  c.resblock_kernel_sizes = config_ints(j, path, kNetwork, "resblock_kernel_sizes");
  c.resblock_dilation_sizes.clear();
  const std::string lists = path + ": configuration of 'vocoder' lacks the lists of integers 'resblock_dilation_sizes'";
  if (!j.contains("resblock_dilation_sizes") || !j["resblock_dilation_sizes"].is_array()) throw FileError(lists);
  for (const nlohmann::json& row : j["resblock_dilation_sizes"]) {
    if (!row.is_array()) throw FileError(lists);
    c.resblock_dilation_sizes.emplace_back();
    for (const nlohmann::json& v : row) {
      if (!v.is_number_integer()) throw FileError(lists);
      c.resblock_dilation_sizes.back().push_back(v.get<int>());
    }
  }
  c.sampling_rate = config_int(j, path, kNetwork, "sampling_rate");
  c.n_fft = config_int(j, path, kNetwork, "n_fft");
  c.hop_size = config_int(j, path, kNetwork, "hop_size");
  c.win_size = config_int(j, path, kNetwork, "win_size");
  c.fmin = config_number(j, path, kNetwork, "fmin");
  c.fmax = config_number(j, path, kNetwork, "fmax");

  int hop = 1, channels = c.upsample_initial_channel;
  bool ok = config_string(j, path, kNetwork, "resblock", "") == "1" && c.num_mels > 0 && c.upsample_rates.size() == c.upsample_kernel_sizes.size() &&
            !c.upsample_rates.empty() && c.upsample_rates.size() < 8 && !c.resblock_kernel_sizes.empty() &&
            c.resblock_kernel_sizes.size() == c.resblock_dilation_sizes.size() && c.sampling_rate > 0 &&
            c.n_fft >= 4 && (c.n_fft & (c.n_fft - 1)) == 0 && c.win_size > 0 && c.win_size <= c.n_fft &&
            c.hop_size > 0 && c.hop_size <= c.n_fft && (c.n_fft - c.hop_size) % 2 == 0 && c.fmin >= 0 &&
            c.fmax > c.fmin && c.fmax <= c.sampling_rate / 2.0;
  for (size_t i = 0; ok && i < c.upsample_rates.size(); ++i) {
    const int u = c.upsample_rates[i], k = c.upsample_kernel_sizes[i];
    ok = u > 0 && u <= 64 && k >= u && (k - u) % 2 == 0 && channels % 2 == 0 && hop <= kMaxVocoderHop / u;
    if (ok) hop *= u, channels /= 2;
  }
  for (size_t i = 0; ok && i < c.resblock_kernel_sizes.size(); ++i) {
    ok = c.resblock_kernel_sizes[i] > 0 && c.resblock_kernel_sizes[i] % 2 == 1 && !c.resblock_dilation_sizes[i].empty();
    for (int d : c.resblock_dilation_sizes[i]) ok = ok && d > 0;
  }
  if (!ok || hop != c.hop_size)
    throw FileError(path + ": unsupported configuration of 'vocoder' (" + j.dump() +
                    "): needs resblock \"1\", matching upsample rates and kernels (kernel - rate even) whose "
                    "product is hop_size (at most " + std::to_string(kMaxVocoderHop) + "), odd resblock kernels with dilations, a power-of-two n_fft, "
                    "(n_fft - hop_size) even, and 0 <= fmin < fmax <= sampling_rate / 2");
  return c;
}

int hifigan_receptive_radius(const HifiGanConfig& c, int overhang) {
  // In frames, as a real number. conv_pre and conv_post reach 3 samples each side (kernel 7).
  // A transposed conv of rate u and kernel k from r to r * u samples per frame reads inputs
  // within k / u + 1 samples of the old rate; a resblock's convs reach (kernel - 1) / 2 *
  // dilation samples of the new rate each (convs1 dilated, convs2 not), the widest wins.
  // Each conv along time reaches `overhang` dilations further.
  double radius = 3 + overhang;
  int rate = 1;
  for (size_t i = 0; i < c.upsample_rates.size(); ++i) {
    const int u = c.upsample_rates[i], k = c.upsample_kernel_sizes[i];
    radius += (static_cast<double>(k) / u + 1) / rate;
    rate *= u;
    int widest = 0;
    for (size_t j = 0; j < c.resblock_kernel_sizes.size(); ++j) {
      int reach = 0;
      for (int d : c.resblock_dilation_sizes[j]) reach += ((c.resblock_kernel_sizes[j] - 1) / 2 + overhang) * (d + 1);
      widest = std::max(widest, reach);
    }
    radius += static_cast<double>(widest) / rate;
  }
  radius += static_cast<double>(3 + overhang) / rate;
  return static_cast<int>(std::ceil(radius)) + 1;
}

HifiGanIO add_hifigan(NetBuilder& b, const HifiGanConfig& c, int frames) {
  if (frames < 1) throw std::invalid_argument(b.network() + ": no frames to vocode");
  HifiGanIO io;
  io.x = b.input("x", Shape{1, c.num_mels, 1, frames});
  int channels = c.upsample_initial_channel;
  ValueId x = b.conv1d("conv_pre", io.x, "conv_pre", channels, 7, 1, 3, true);
  const int kernels = static_cast<int>(c.resblock_kernel_sizes.size());
  for (size_t i = 0; i < c.upsample_rates.size(); ++i) {
    const int u = c.upsample_rates[i], k = c.upsample_kernel_sizes[i];
    const std::string ups = "ups." + std::to_string(i);
    channels /= 2;
    x = b.leaky_conv_transpose1d(ups, x, ups, channels, k, u, (k - u) / 2, kSlope);
    // The multi-receptive-field fusion: the mean of the resblocks' outputs, summed as they come.
    ValueId sum = kNoValue;
    for (int j = 0; j < kernels; ++j) {
      const int r = static_cast<int>(i) * kernels + j, kernel = c.resblock_kernel_sizes[static_cast<size_t>(j)];
      const std::string block = "resblocks." + std::to_string(r);
      ValueId h = x;
      const std::vector<int>& dilations = c.resblock_dilation_sizes[static_cast<size_t>(j)];
      for (size_t m = 0; m < dilations.size(); ++m) {
        const std::string at = "." + std::to_string(m);
        const ValueId t = b.leaky_conv1d(block + ".convs1" + at, h, block + ".convs1" + at, channels, kernel,
                                         dilations[m], (kernel - 1) / 2 * dilations[m], kSlope);
        h = b.leaky_conv1d(block + at, t, block + ".convs2" + at, channels, kernel, 1, (kernel - 1) / 2, kSlope, h);
      }
      const std::string mrf = "mrf." + std::to_string(i);
      if (sum == kNoValue)
        sum = h;
      else
        sum = b.add(j + 1 == kernels ? mrf : mrf + ".sum." + std::to_string(j), sum, h,
                    j + 1 == kernels ? 1.f / static_cast<float>(kernels) : 1.f);
    }
    x = sum;
  }
  x = b.leaky_conv1d("conv_post", x, "conv_post", 1, 7, 1, 3, kPostSlope);
  io.output = b.unary("output", x, UnaryOp::kTanh);
  b.graph().reshape(io.output, Shape{1, 1, 1, frames * c.hop_size});
  b.graph().mark_output(io.output);
  return io;
}

VocoderStepIO add_hifigan_step(NetBuilder& b, const HifiGanConfig& c, int step, bool exact_tiles) {
  StreamBuilder s(b, step, exact_tiles);
  VocoderStepIO io;
  Timed x = s.input("x", c.num_mels);
  io.input = x.v;
  int channels = c.upsample_initial_channel;
  x = s.conv1d("conv_pre", x, "conv_pre", channels, 7, 1, 3, true);
  const int kernels = static_cast<int>(c.resblock_kernel_sizes.size());
  for (size_t i = 0; i < c.upsample_rates.size(); ++i) {
    const int u = c.upsample_rates[i], k = c.upsample_kernel_sizes[i];
    const std::string ups = "ups." + std::to_string(i);
    channels /= 2;
    x = s.leaky_conv_transpose1d(ups, x, ups, channels, k, u, (k - u) / 2, kSlope);
    std::vector<Timed> blocks;
    for (int j = 0; j < kernels; ++j) {
      const int r = static_cast<int>(i) * kernels + j, kernel = c.resblock_kernel_sizes[static_cast<size_t>(j)];
      const std::string block = "resblocks." + std::to_string(r);
      Timed h = x;
      const std::vector<int>& dilations = c.resblock_dilation_sizes[static_cast<size_t>(j)];
      for (size_t m = 0; m < dilations.size(); ++m) {
        const std::string at = "." + std::to_string(m), convs1 = block + ".convs1" + at;
        const int d = dilations[m], context = s.conv_context(h, channels, kernel, d);
        const int pad1 = (kernel - 1) / 2 * d, pad2 = (kernel - 1) / 2;
        // The residual h, as late as convs2's output, is a slice of convs1's window of it.
        const ValueId window = s.window(convs1, h, context);
        const Timed t = s.conv1d_on(convs1, window, h, convs1, channels, kernel, d, pad1, true, kSlope, nullptr, 1.f, 0.f);
        const int64_t late = s.conv_lag(t, channels, kernel, 1, pad2) - h.lag;
        const Timed residual = s.slice(block + at + ".residual", window, h, context, static_cast<int>(late));
        h = s.conv1d(block + at, t, block + ".convs2" + at, channels, kernel, 1, pad2, true, kSlope, &residual, 1.f, 1.f);
      }
      blocks.push_back(h);
    }
    // The fusion as add_hifigan sums it, each block delayed to the latest one's time.
    int64_t latest = 0;
    for (const Timed& h : blocks) latest = std::max(latest, h.lag);
    const std::string mrf = "mrf." + std::to_string(i);
    Timed sum;
    for (int j = 0; j < kernels; ++j) {
      const Timed h = s.delay(mrf + ".align." + std::to_string(j), blocks[static_cast<size_t>(j)],
                              static_cast<int>(latest - blocks[static_cast<size_t>(j)].lag));
      if (j == 0)
        sum = h;
      else
        sum = s.same_time(b.add(j + 1 == kernels ? mrf : mrf + ".sum." + std::to_string(j), sum.v, h.v,
                                j + 1 == kernels ? 1.f / static_cast<float>(kernels) : 1.f),
                          h, channels);
    }
    x = sum;
  }
  x = s.conv1d("conv_post", x, "conv_post", 1, 7, 1, 3, true, kPostSlope);
  io.output = b.unary("output", x.v, UnaryOp::kTanh);
  b.graph().mark_output(io.output);
  io.lag = x.lag;
  return io;
}

MelFrontEndIO add_hifigan_mel_front_end(NetBuilder& b, const HifiGanConfig& c, int batch, int length, MelEdges edges) {
  const int least = edges == MelEdges::kNone ? c.n_fft : c.min_samples();
  if (length < least)
    throw std::invalid_argument("hifigan_mel: a recording of " + std::to_string(length) +
                                " samples is too short; the front end needs " + std::to_string(least) +
                                (edges == MelEdges::kNone ? std::string(" (one frame)")
                                                          : " (its reflect padding of " +
                                                                std::to_string((c.n_fft - c.hop_size) / 2) + ")"));
  MelSpectrogramArgs a;
  a.d.n = batch, a.d.length = length;
  a.d.n_fft = c.n_fft, a.d.win_length = c.win_size, a.d.hop = c.hop_size, a.d.n_mels = c.num_mels;
  a.d.padding = edges == MelEdges::kNone ? 0 : (c.n_fft - c.hop_size) / 2;
  a.d.spectrum = MelSpectrum::kMagnitude, a.d.log = MelLog::kClampedLn;
  return add_log_mel(b, a, mel_tables(a.d, c.sampling_rate, c.fmin, c.fmax, MelScale::kSlaney));
}

}  // namespace xfv
