// HiFi-GAN vocoding in xfv: the recipe's mel front end on --seconds of audio, and the
// generator on the mel of that many seconds (T = round(seconds * rate / hop) frames, 861 at
// 10 s: the frame count tools/bench_torch_vocode.py gives PyTorch), batch 1.
// tools/bench_vocode.sh runs both in the same sitting on the released universal weights.
//
//   xfv_bench_vocode --weights=W.safetensors [--mel=speech.mel.npy] [--backend=cpu|cuda|sim]
//                    [--seconds=10] [benchmark flags]
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "engine/io/npy.h"
#include "engine/tasks/hifigan_vocoder.h"

namespace {

// The recording's mel tiled to `frames`, or N(-5, 2^2) floored at ln 1e-5, as the PyTorch
// bench draws it (values matter little to the time; the tiled speech is the honest input).
xfv::HostTensor bench_mel(const std::string& path, int bands, int frames) {
  xfv::HostTensor mel(xfv::Shape{bands, frames});
  if (!path.empty()) {
    const xfv::HostTensor m = xfv::read_npy(path);
    const int64_t t = m.shape[m.shape.rank - 1];
    for (int b = 0; b < bands; ++b)
      for (int f = 0; f < frames; ++f) mel.data[static_cast<size_t>(b) * frames + f] = m.data[static_cast<size_t>(b * t + f % t)];
    return mel;
  }
  std::mt19937 rng(0);
  std::normal_distribution<float> n(-5.f, 2.f);
  for (float& v : mel.data) v = std::max(n(rng), std::log(1e-5f));
  return mel;
}

}  // namespace

int main(int argc, char** argv) {
  std::string weights, mel_path, backend = "cpu";
  double seconds = 10;
  std::vector<char*> rest;
  for (int i = 0; i < argc; ++i) {
    if (std::strncmp(argv[i], "--weights=", 10) == 0)
      weights = argv[i] + 10;
    else if (std::strncmp(argv[i], "--mel=", 6) == 0)
      mel_path = argv[i] + 6;
    else if (std::strncmp(argv[i], "--backend=", 10) == 0)
      backend = argv[i] + 10;
    else if (std::strncmp(argv[i], "--seconds=", 10) == 0)
      seconds = std::atof(argv[i] + 10);
    else
      rest.push_back(argv[i]);
  }
  if (weights.empty() || !(seconds > 0.1)) {
    std::fprintf(stderr, "usage: xfv_bench_vocode --weights=W.safetensors [--mel=M.npy] [--backend=cpu] [--seconds=10]\n");
    return 2;
  }
  xfv::HifiGanVocoder v(weights, backend);
  const xfv::HifiGanConfig& c = v.config();
  const int frames = static_cast<int>(std::lround(seconds * c.sampling_rate / c.hop_size));
  const xfv::HostTensor mel = bench_mel(mel_path, c.num_mels, frames);
  std::vector<float> audio(static_cast<size_t>(seconds * c.sampling_rate));
  std::mt19937 rng(1);
  std::normal_distribution<float> n(0.f, 0.1f);
  for (float& s : audio) s = n(rng);

  const auto add = [&](const std::string& name, auto body) {
    benchmark::RegisterBenchmark((name + "/" + backend).c_str(), [body](benchmark::State& state) {
      for (auto _ : state) body();
    })->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2.0);
  };
  add("front_end", [&] { benchmark::DoNotOptimize(v.mel(audio).data.data()); });
  add("vocoder_" + std::to_string(frames) + "_frames", [&] { benchmark::DoNotOptimize(v.vocode(mel).data()); });
  int count = static_cast<int>(rest.size());
  benchmark::Initialize(&count, rest.data());
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
