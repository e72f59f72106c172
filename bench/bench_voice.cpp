// The whole voice conversion in xfv, as the StarGANv2-VC demo runs it: the mel of a source
// and of a reference recording, the reference's style (style encoder), JDC's F0 features
// and the generator, and the Parallel WaveGAN vocoder, batch 1, on seeded random audio of
// 2.4 s at 24 kHz (the measure); each stage alone and the whole.
// tools/bench_voice.sh makes the weight file and runs this beside the PyTorch timing
// (tools/bench_torch_voice.py) in the same sitting.
//
//   xfv_bench_voice --weights=W.safetensors [--backend=cpu|cuda|sim] [--seconds=2.4]
//                   [--precision=fp32,bf16|all] [benchmark flags]
// The stages with convs one benchmark per precision (<stage>/<backend>/<precision>); the
// front end (no conv or linear layer) once.
#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "bench/task_bench.h"
#include "engine/io/audio.h"
#include "engine/tasks/bundle.h"

namespace {

std::vector<float> random_audio(size_t samples, uint32_t seed) {
  std::vector<float> x(samples);
  std::mt19937 rng(seed);
  std::normal_distribution<float> n;
  for (float& v : x) v = n(rng);
  const float peak = *std::max_element(x.begin(), x.end(), [](float a, float b) { return std::fabs(a) < std::fabs(b); });
  for (float& v : x) v /= std::fabs(peak);
  return x;
}

}  // namespace

int main(int argc, char** argv) {
  xfv::TaskBenchArgs args = xfv::parse_task_bench_args(argc, argv, {"weights", "backend", "seconds", "precision"});
  const std::string weights = args.get("weights"), backend = args.get("backend", "cpu");
  const double seconds = std::atof(args.get("seconds", "2.4").c_str());
  if (weights.empty() || !(seconds > 0.1)) {
    std::fprintf(stderr, "usage: xfv_bench_voice --weights=W.safetensors [--backend=cpu] [--seconds=2.4] [--precision=fp32]\n");
    return 2;
  }
  xfv::Bundle bundle(weights, backend);
  xfv::VoiceConverter& vc = bundle.voices();
  const int64_t samples = static_cast<int64_t>(seconds * vc.rate());
  const xfv::HostTensor source(xfv::Shape{1, samples}, random_audio(static_cast<size_t>(samples), 1));
  const xfv::HostTensor reference(xfv::Shape{1, samples}, random_audio(static_cast<size_t>(samples), 2));
  const xfv::HostTensor source_mel = vc.mel(source), reference_mel = vc.mel(reference);
  const xfv::HostTensor style = vc.style_from_reference(reference_mel, 1);
  const xfv::HostTensor converted = vc.convert(source_mel, style);

  // The front end has no conv or linear layer: timed once, at fp32.
  xfv::add_task_bench("front_end_x2/" + backend, [&] {
    benchmark::DoNotOptimize(vc.mel(source).data.data() + vc.mel(reference).data.size());
  });
  const std::vector<xfv::Precision> precisions = xfv::bench_precisions(args);
  const auto add = [&](const std::string& name, auto body) {
    xfv::add_precision_benches(bundle.models(), precisions, name + "/" + backend, body);
  };
  add("style_encoder", [&] { benchmark::DoNotOptimize(vc.style_from_reference(reference_mel, 1).data.data()); });
  add("f0_and_generator", [&] { benchmark::DoNotOptimize(vc.convert(source_mel, style).data.data()); });
  add("vocoder", [&] { benchmark::DoNotOptimize(vc.vocode(converted, {}).data()); });
  add("voice_conversion", [&] {
    const xfv::HostTensor s = vc.style_from_reference(vc.mel(reference), 1);
    benchmark::DoNotOptimize(vc.vocode(vc.convert(vc.mel(source), s), {}).data());
  });
  return xfv::run_task_benches(args);
}
