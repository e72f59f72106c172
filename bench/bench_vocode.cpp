// HiFi-GAN vocoding in xfv: the recipe's mel front end on --seconds of audio, and the
// generator on the mel of that many seconds (T = round(seconds * rate / hop) frames, 861 at
// 10 s: the frame count tools/bench_torch_vocode.py gives PyTorch), batch 1.
// tools/bench_vocode.sh runs both in the same sitting on the released universal weights.
//
//   xfv_bench_vocode --weights=W.safetensors [--mel=speech.mel.npy] [--backend=cpu|cuda|sim]
//                    [--seconds=10] [--precision=fp32,bf16|all] [benchmark flags]
// The vocoder benches one per precision (<name>/<backend>/<precision>); the front end (no conv
// or linear layer) once.
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "bench/task_bench.h"
#include "engine/io/npy.h"
#include "engine/tasks/bundle.h"

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
  xfv::TaskBenchArgs args = xfv::parse_task_bench_args(argc, argv, {"weights", "mel", "backend", "seconds", "precision"});
  const std::string weights = args.get("weights"), mel_path = args.get("mel"), backend = args.get("backend", "cpu");
  const double seconds = std::atof(args.get("seconds", "10").c_str());
  if (weights.empty() || !(seconds > 0.1)) {
    std::fprintf(stderr, "usage: xfv_bench_vocode --weights=W.safetensors [--mel=M.npy] [--backend=cpu] [--seconds=10] [--precision=fp32]\n");
    return 2;
  }
  xfv::Bundle bundle(weights, backend);
  xfv::HifiGanVocoder& v = bundle.hifigan();
  const xfv::HifiGanConfig& c = v.config();
  const int frames = static_cast<int>(std::lround(seconds * c.sampling_rate / c.hop_size));
  const xfv::HostTensor mel = bench_mel(mel_path, c.num_mels, frames);
  std::vector<float> audio(static_cast<size_t>(seconds * c.sampling_rate));
  std::mt19937 rng(1);
  std::normal_distribution<float> n(0.f, 0.1f);
  for (float& s : audio) s = n(rng);

  xfv::add_task_bench("front_end/" + backend, [&] { benchmark::DoNotOptimize(v.mel(audio).data.data()); });
  // In the default windows (what `xfv vocode` does), and in one window, as PyTorch runs it.
  const int windows = v.max_frames();
  const std::vector<xfv::Precision> precisions = xfv::bench_precisions(args);
  const std::string vocoder = "vocoder_" + std::to_string(frames) + "_frames";
  xfv::add_precision_benches(bundle.models(), precisions, vocoder + "/" + backend, [&] {
    v.set_max_frames(windows);
    benchmark::DoNotOptimize(v.vocode(mel).data());
  });
  xfv::add_precision_benches(bundle.models(), precisions, vocoder + "_one_window/" + backend, [&] {
    v.set_max_frames(frames);
    benchmark::DoNotOptimize(v.vocode(mel).data());
  });
  return xfv::run_task_benches(args);
}
