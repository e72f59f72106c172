// Each op on each backend at the shapes of the StarGAN v2 generator at 256x256, with
// FLOP/s and B/s. `--backends=cpu,cuda` picks backends (default: cpu, and cuda where a
// GPU is); sim can be named too, but it is an emulator: its times measure nothing real.
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstring>
#include <random>
#include <utility>

#include "bench/generator_shapes.h"
#include "engine/cpu/conv2d_winograd.h"
#include "engine/cpu/gemm.h"
#include "engine/cpu/mel_tables.h"
#include "engine/op_traits.h"
#include "engine/opcheck.h"

namespace xfv {
namespace {

// Every input slot filled with uniform random numbers (optional ones too: the bench
// measures the op with its bias and residual).
std::vector<std::vector<float>> random_inputs(const OpArgs& op) {
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> u(-1, 1);
  std::vector<std::vector<float>> inputs;
  for (int64_t n : traits_of(op).input_sizes) {
    inputs.emplace_back(static_cast<size_t>(n));
    for (float& v : inputs.back()) v = u(rng);
  }
  return inputs;
}

// A mel front end's inputs: random audio and the recipe's real window, twiddles and
// filterbank (whose zeros the cpu op skips).
std::vector<std::vector<float>> mel_inputs(const MelSpectrogramArgs& a, MelTables t) {
  std::vector<std::vector<float>> inputs = random_inputs(a);
  inputs[1] = std::move(t.window), inputs[2] = std::move(t.twiddles), inputs[3] = std::move(t.fb);
  return inputs;
}

void measure(BoundOp& op, Backend& backend, benchmark::State& state) {
  op.run();  // warm-up: first-touch, caches, lazy initialisation
  backend.synchronize();
  for (auto _ : state) state.SetIterationTime(op.timed_run_ms() / 1e3);
  state.counters["FLOP/s"] = benchmark::Counter(op.flops(), benchmark::Counter::kIsIterationInvariantRate);
  state.counters["B/s"] = benchmark::Counter(op.bytes(), benchmark::Counter::kIsIterationInvariantRate);
}

// Registers "<backend>/<op family>/<where>": the family as the kernel and cpu files name it.
// inputs: what the op reads, where random numbers would not do (default: random_inputs).
void add(const std::string& backend_name, const std::string& where, OpArgs op,
         std::vector<std::vector<float>> inputs = {}) {
  const std::string name = backend_name + "/" + traits_of(op).family + "/" + where;
  benchmark::RegisterBenchmark(name.c_str(),
                               [backend_name, op, inputs](benchmark::State& state) {
                                 auto backend = make_backend(backend_name);
                                 BoundOp bound(op, inputs.empty() ? random_inputs(op) : inputs, *backend);
                                 measure(bound, *backend, state);
                               })
      ->UseManualTime()
      ->Unit(benchmark::kMillisecond);
}

void register_all(const std::string& b) {
  for (const bench::ConvShape& s : bench::generator_convs()) add(b, s.where, bench::conv_args(s));

  for (auto [c, hw] : {std::pair{64, 256}, std::pair{128, 128}, std::pair{512, 32}, std::pair{512, 8}}) {
    InstanceNormArgs n;
    n.d = {1, c, hw * hw};
    n.d.param_stride = 2 * c, n.d.gamma_bias = 1, n.d.leaky = true;
    std::vector<std::vector<float>> inputs = random_inputs(n);
    inputs[3].clear();  // no stream-statistics prior: the whole plane's statistics
    add(b, "adain_lrelu_" + std::to_string(c) + "x" + std::to_string(hw) + "^2", n, std::move(inputs));
  }
  AvgPoolArgs pool;
  pool.d = {64, 256, 256, 2, 2};
  add(b, "avg_pool_64x256^2", pool);
  UpsampleNearestArgs up;
  up.d = {256, 64, 64, 2, 2};
  add(b, "256x64^2", up);
  for (int s : {32, 64, 128}) {
    ResizeBilinearArgs r;
    r.d = {1, 256, 256, s, s, false};
    add(b, "mask256->" + std::to_string(s), r);
  }
  ResizeBilinearArgs heat;
  heat.d = {98, 64, 64, 256, 256, true};
  add(b, "heatmaps64->256_ac", heat);
  for (auto [c, hw] : {std::pair{512, 32}, std::pair{256, 64}, std::pair{128, 128}}) {
    Depthwise3x3Args hp;
    hp.d = {c, hw, hw, {-1, -1, -1, -1, 8, -1, -1, -1, -1}};
    add(b, "highpass_" + std::to_string(c) + "x" + std::to_string(hw) + "^2", hp);
    BinaryArgs mask;
    mask.d = {1, c, hw * hw, true, BinaryOp::kMul, 1.f};
    add(b, "mask_mul_" + std::to_string(c) + "x" + std::to_string(hw) + "^2", mask);
  }
  BinaryArgs res;
  res.d = {1, 64, 256 * 256, false, BinaryOp::kAdd, 1 / std::sqrt(2.f)};
  add(b, "residual_add_64x256^2", res);
  UnaryArgs lrelu;
  lrelu.d = {64 * 256 * 256, UnaryOp::kLeakyRelu, 0.2f};
  add(b, "leaky_relu_64x256^2", lrelu);
  ReduceArgs sum;
  sum.d = {1, 98, 256 * 256, ReduceOp::kSum};
  add(b, "channel_sum_98x256^2", sum);
  LinearArgs mlp;
  mlp.d = {1, 512, 512};
  mlp.d.relu = true;
  add(b, "mapping_512x512", mlp);
  LinearArgs heads;
  heads.d = {1, 512, 64};
  heads.d.batch = 2, heads.d.w_stride = 512 * 64, heads.d.bias_stride = 64, heads.d.y_stride = 64;
  add(b, "mapping_heads_2x512x64", heads);
  LinearArgs adain_fc;
  adain_fc.d = {1, 64, 2 * 512};
  add(b, "adain_fc_64x1024", adain_fc);
  GaussianArgs noise;
  noise.d = {57600, 1, 0};
  add(b, "57600", noise);

  // The voice path at 2.4 s of 24 kHz audio (57,600 samples, 193 frames): the front end and
  // one Parallel WaveGAN layer (bench/bench_voice.cpp times the whole conversion).
  MelSpectrogramArgs mel;
  mel.d.n = 1, mel.d.length = 57600;
  add(b, "57600", mel, mel_inputs(mel, mel_tables(mel.d, 16000, 0, 8000)));
  for (int dilation : {1, 16, 256}) {
    Conv2dArgs conv;
    conv.d = {1, 64, 1, 57600, 128, 1, 5};
    conv.d.dil_w = dilation, conv.d.pad_w = 2 * dilation;
    add(b, "conv1d_k5_vocoder_64->128_d" + std::to_string(dilation), conv);
  }
  // A layer's conditioning, upsampled from the frame rate (its last stage), and the 1x1 aux
  // conv it replaced.
  UpsampleFirArgs cond;
  cond.d = {128, 11520, 5};
  add(b, "vocoder_cond_128x11520_x5", cond);
  Conv2dArgs aux;
  aux.d = {1, 80, 1, 57600, 128, 1, 1};
  add(b, "conv1x1_vocoder_aux_80->128", aux);
  // A layer's output and skip 1x1s as one conv of their stacked weights, with the residual
  // that carries x and the skips' running sum.
  Conv2dArgs out_skip;
  out_skip.d = {1, 64, 1, 57600, 128, 1, 1};
  out_skip.d.alpha = out_skip.d.beta = std::sqrt(0.5f);
  add(b, "conv1x1_vocoder_out+skip_64->128_residual", out_skip);
  GatedActivationArgs gate;
  gate.d = {1, 64, 57600};
  add(b, "vocoder_64x57600", gate);
  gate.d.s = 5;  // with the last upsampling stage folded in: b at 11,520 samples
  add(b, "vocoder_64x57600_b_upsampled_x5", gate);

  // HiFi-GAN V1 at 1 s of 22.05 kHz audio (86 frames): per stage (channels, samples) the
  // resblock convs of each kernel (dilations 1 and 5) and the upsampling layer into it;
  // and the front end (bench/bench_vocode.cpp times the whole vocoder).
  const std::tuple<int, int, int, int> stages[] = {{256, 688, 16, 8}, {128, 5504, 16, 8},
                                                   {64, 11008, 4, 2}, {32, 22016, 4, 2}};
  for (auto [c, w, k_up, rate] : stages) {
    ConvTranspose1dArgs up;
    up.d = {1, 2 * c, w / rate, c, k_up, rate, (k_up - rate) / 2, 0.1f};
    add(b, "hifigan_" + std::to_string(2 * c) + "->" + std::to_string(c), up);
    for (auto [k, dilation] : {std::pair{3, 1}, std::pair{3, 5}, std::pair{7, 1}, std::pair{7, 5}, std::pair{11, 1}}) {
      Conv2dArgs conv;
      conv.d = {1, c, 1, w, c, 1, k};
      conv.d.dil_w = dilation, conv.d.pad_w = (k - 1) / 2 * dilation, conv.d.input_slope = 0.1f;
      add(b, "conv1d_k" + std::to_string(k) + "_d" + std::to_string(dilation) + "_hifigan_" + std::to_string(c) + "x" +
                 std::to_string(w), conv);
    }
  }
  MelSpectrogramArgs hifigan_mel;
  hifigan_mel.d.n = 1, hifigan_mel.d.length = 22050;
  hifigan_mel.d.n_fft = hifigan_mel.d.win_length = 1024, hifigan_mel.d.hop = 256, hifigan_mel.d.padding = 384;
  hifigan_mel.d.spectrum = MelSpectrum::kMagnitude, hifigan_mel.d.log = MelLog::kClampedLn;
  add(b, "hifigan_22050", hifigan_mel,
      mel_inputs(hifigan_mel, mel_tables(hifigan_mel.d, 22050, 0, 8000, MelScale::kSlaney)));
}

// The machine's measured peaks, the yardstick for the op figures: the cpu GEMM on large
// square matrices (compute) and a large copy (memory bandwidth).
void register_cpu_peaks() {
  benchmark::RegisterBenchmark("cpu/peak/sgemm_2048", [](benchmark::State& state) {
    const int n = 2048;
    std::vector<float> a(size_t(n) * n, 0.5f), b(size_t(n) * n, 0.25f), c(size_t(n) * n);
    for (auto _ : state) cpu::sgemm_accumulate(false, n, n, n, 1.f, a.data(), n, b.data(), n, c.data(), n);
    state.SetLabel(cpu::gemm_implementation());
    state.counters["FLOP/s"] = benchmark::Counter(2.0 * n * n * n, benchmark::Counter::kIsIterationInvariantRate);
  })->Unit(benchmark::kMillisecond)->UseRealTime();
  benchmark::RegisterBenchmark("cpu/peak/copy_256MiB", [](benchmark::State& state) {
    const size_t n = size_t{64} << 20;
    std::vector<float> a(n, 1.f), b(n);
    for (auto _ : state) {
#pragma omp parallel for schedule(static)
      for (size_t i = 0; i < n; ++i) b[i] = a[i];
      benchmark::DoNotOptimize(b.data());
    }
    state.counters["B/s"] = benchmark::Counter(2.0 * n * sizeof(float), benchmark::Counter::kIsIterationInvariantRate);
  })->Unit(benchmark::kMillisecond)->UseRealTime();
}

// The cpu's two algorithms for the vocoders' 1-D convs side by side on the same shapes
// ("cpu/conv1d_algorithm/<shape>/im2col" and ".../winograd"), the measure behind
// winograd1d_scheme's choice: HiFi-GAN's resblock convs for 1 s and Parallel WaveGAN's for
// 2.4 s.
void register_cpu_conv1d_algorithms() {
  std::vector<std::pair<std::string, Conv2dDesc>> shapes;
  for (auto [c, w] : {std::pair{256, 688}, std::pair{128, 5504}, std::pair{64, 11008}, std::pair{32, 22016}})
    for (auto [k, dilation] : {std::pair{3, 1}, std::pair{3, 5}, std::pair{7, 1}, std::pair{7, 5}, std::pair{11, 1}, std::pair{11, 5}}) {
      Conv2dDesc d{1, c, 1, w, c, 1, k};
      d.dil_w = dilation, d.pad_w = (k - 1) / 2 * dilation, d.input_slope = 0.1f;
      shapes.emplace_back("k" + std::to_string(k) + "_d" + std::to_string(dilation) + "_hifigan_" +
                              std::to_string(c) + "x" + std::to_string(w),
                          d);
    }
  for (int dilation : {1, 16, 256}) {
    Conv2dDesc d{1, 64, 1, 57600, 128, 1, 5};
    d.dil_w = dilation, d.pad_w = 2 * dilation;
    shapes.emplace_back("k5_d" + std::to_string(dilation) + "_vocoder_64->128", d);
  }
  for (const auto& [where, desc] : shapes)
    for (const bool winograd : {false, true}) {
      const std::string name = "cpu/conv1d_algorithm/" + where + (winograd ? "/winograd" : "/im2col");
      benchmark::RegisterBenchmark(name.c_str(), [desc = desc, winograd](benchmark::State& state) {
        Conv2dArgs a;
        a.d = desc;
        const std::vector<std::vector<float>> in = random_inputs(a);
        std::vector<float> y(static_cast<size_t>(desc.cout) * desc.out_w());
        a.x = in[0].data(), a.w = in[1].data(), a.bias = in[2].data(), a.y = y.data();
        const cpu::Winograd1dScheme scheme = cpu::winograd1d_scheme(desc);
        for (auto _ : state) winograd ? cpu::conv1d_winograd(a, scheme) : cpu::conv1d_im2col(a);
        if (winograd) state.SetLabel(cpu::winograd1d_name(scheme));
        state.counters["FLOP/s"] = benchmark::Counter(traits_of(OpArgs(a)).flops, benchmark::Counter::kIsIterationInvariantRate);
      })->Unit(benchmark::kMillisecond)->UseRealTime();
    }
}

// The same for the 2-D 3x3 convs of the voice networks at 2.4 s (192 frames): the
// generator's bottleneck (5 x 48 and 10 x 48 of mel bands x frames, 512 and 640 channels)
// and JDC's (193 x 10 to 40): "cpu/conv2d_algorithm/<shape>/{im2col,F2,F4}", the measure
// behind winograd_tile's choice on these narrow planes.
void register_cpu_conv2d_algorithms() {
  const struct {
    const char* where;
    int cin, h, w, cout;
  } shapes[] = {{"generator_640x5x48", 640, 5, 48, 640}, {"generator_512x5x48", 512, 5, 48, 512},
                {"generator_512x10x48", 512, 10, 48, 512}, {"generator_256x20x96", 256, 20, 96, 256},
                {"jdc_256x193x10", 256, 193, 10, 256}, {"jdc_192x193x20", 192, 193, 20, 192}};
  for (const auto& s : shapes)
    for (const int m : {0, 2, 4}) {
      const std::string name = std::string("cpu/conv2d_algorithm/") + s.where + (m ? "/F" + std::to_string(m) : "/im2col");
      Conv2dDesc desc{1, s.cin, s.h, s.w, s.cout, 3, 3};
      desc.pad_h = desc.pad_w = 1;
      benchmark::RegisterBenchmark(name.c_str(), [desc, m](benchmark::State& state) {
        Conv2dArgs a;
        a.d = desc;
        const std::vector<std::vector<float>> in = random_inputs(a);
        std::vector<float> y(static_cast<size_t>(desc.cout) * desc.out_h() * desc.out_w());
        a.x = in[0].data(), a.w = in[1].data(), a.bias = in[2].data(), a.y = y.data();
        for (auto _ : state) m ? cpu::conv2d_winograd(a, m) : cpu::conv2d_im2col(a);
        state.counters["FLOP/s"] = benchmark::Counter(traits_of(OpArgs(a)).flops, benchmark::Counter::kIsIterationInvariantRate);
      })->Unit(benchmark::kMillisecond)->UseRealTime();
    }
}

}  // namespace
}  // namespace xfv

int main(int argc, char** argv) {
  std::vector<std::string> backends{"cpu"};
  if (xfv::backend_available("cuda")) backends.push_back("cuda");
  std::vector<char*> rest;
  for (int i = 0; i < argc; ++i) {
    if (std::strncmp(argv[i], "--backends=", 11) == 0) {
      backends.clear();
      std::string list = argv[i] + 11;
      for (size_t at = 0; at <= list.size();) {
        const size_t comma = std::min(list.find(',', at), list.size());
        backends.push_back(list.substr(at, comma - at));
        at = comma + 1;
      }
    } else {
      rest.push_back(argv[i]);
    }
  }
  for (const std::string& b : backends) {
    std::string why;
    if (!xfv::backend_available(b, &why)) {
      std::fprintf(stderr, "bench: backend %s cannot run here: %s\n", b.c_str(), why.c_str());
      return 1;
    }
    xfv::register_all(b);
    if (b == "cpu") xfv::register_cpu_peaks(), xfv::register_cpu_conv1d_algorithms(), xfv::register_cpu_conv2d_algorithms();
  }
  int n = static_cast<int>(rest.size());
  benchmark::Initialize(&n, rest.data());
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
