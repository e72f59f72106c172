// The whole image translation in xfv: the reference face's style (style encoder), FAN's
// masks of the source (when w_hpf > 0) and the generator, batch 1, on seeded random faces.
// tools/bench_image.sh makes the weight file and runs this beside the PyTorch timing
// (tools/bench_torch_image.py) in the same sitting.
//
//   xfv_bench_image --weights=W.safetensors [--backend=cpu|cuda|sim] [benchmark flags]
#include <benchmark/benchmark.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "engine/tasks/image_translator.h"

namespace {

xfv::HostTensor random_face(int size, uint32_t seed) {
  xfv::HostTensor t(xfv::Shape{1, 3, size, size});
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1, 1);
  for (float& v : t.data) v = u(rng);
  return t;
}

}  // namespace

int main(int argc, char** argv) {
  std::string weights, backend = "cpu";
  std::vector<char*> rest;
  for (int i = 0; i < argc; ++i) {
    if (std::strncmp(argv[i], "--weights=", 10) == 0)
      weights = argv[i] + 10;
    else if (std::strncmp(argv[i], "--backend=", 10) == 0)
      backend = argv[i] + 10;
    else
      rest.push_back(argv[i]);
  }
  if (weights.empty()) {
    std::fprintf(stderr, "usage: xfv_bench_image --weights=W.safetensors [--backend=cpu]\n");
    return 2;
  }
  xfv::ImageTranslator translator(weights, backend);
  const int size = translator.image_size();
  const xfv::HostTensor source = random_face(size, 1), reference = random_face(size, 2);
  benchmark::RegisterBenchmark(("image_translation/" + backend).c_str(), [&](benchmark::State& state) {
    for (auto _ : state) {
      const xfv::HostTensor style = translator.style_from_reference(reference, 1);
      benchmark::DoNotOptimize(translator.translate(source, style).data.data());
    }
  })->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2.0);
  int n = static_cast<int>(rest.size());
  benchmark::Initialize(&n, rest.data());
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
