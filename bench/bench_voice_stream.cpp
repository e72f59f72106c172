// Streaming voice conversion (VoiceStream: resampler, mel, JDC and the generator on windows,
// the vocoder), one chunk of real speech pushed per iteration, the stream running on across
// iterations as it would live (the recording starts over, a new utterance, when it ends).
// Chunks of 1, 2, 4 and 8 generator blocks (50 ms each at 24 kHz), each step converting one
// chunk. Per chunk: the compute time's p50, p99 and max against the chunk's duration, and the
// stream's algorithmic latency, as counters. The first window is pushed before the timing:
// until it has arrived a push converts nothing, and the push that completes it converts all
// of its steps at once. SPEECH may be a .npy of float32 samples at the models' rate (a build
// without libsndfile: the bare GPU profile; tools/stage-gpu-deps.sh stages one).
//
//   xfv_bench_voice_stream --weights=BUNDLE.safetensors --source=SPEECH.wav|.npy [--backend=cpu]
//                          [--steps=1,2,4,8] [--lookahead=4] [--window=192] [--exact_tiles=0]
//                          [benchmark flags]
#include <chrono>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "bench/task_bench.h"
#include "engine/io/audio.h"
#include "engine/io/npy.h"
#include "engine/tasks/voice_stream.h"

int main(int argc, char** argv) {
  xfv::TaskBenchArgs args =
      xfv::parse_task_bench_args(argc, argv, {"weights", "source", "backend", "steps", "lookahead", "window", "exact_tiles"});
  const std::string weights = args.get("weights"), source = args.get("source");
  if (weights.empty() || source.empty()) {
    std::fprintf(stderr,
                 "usage: xfv_bench_voice_stream --weights=BUNDLE.safetensors --source=SPEECH.wav|.npy [--backend=cpu] "
                 "[--steps=1,2,4,8] [--lookahead=4] [--window=192] [--exact_tiles=0]\n");
    return 2;
  }
  auto models = std::make_shared<xfv::ModelSession>(weights, args.get("backend", "cpu"));
  const xfv::VoiceConverter converter(*models);
  const bool npy = source.size() > 4 && source.compare(source.size() - 4, 4, ".npy") == 0;
  const auto speech = std::make_shared<xfv::MonoAudio>(
      npy ? xfv::MonoAudio{xfv::read_npy(source).data, converter.rate()} : xfv::read_mono_audio(source));
  const xfv::HostTensor style = models->style_from_latent(models->latent_from_seed(3), 0);
  const int hop = converter.hop(), rate = converter.rate();
  std::stringstream steps(args.get("steps", "1,2,4,8"));
  for (std::string blocks; std::getline(steps, blocks, ',');) {
    xfv::VoiceStreamOptions o;
    o.input_rate = speech->rate;
    o.conversion.step_blocks = std::stoi(blocks);
    o.conversion.lookahead_blocks = std::stoi(args.get("lookahead", "4"));
    o.conversion.window_frames = std::stoi(args.get("window", "192"));
    o.exact_vocoder_tiles = args.get("exact_tiles", "0") == "1";
    const double chunk_s = 4.0 * o.conversion.step_blocks * hop / rate;
    o.chunk_samples = static_cast<int>(chunk_s * speech->rate);
    auto stream = std::make_shared<xfv::VoiceStream>(*models, style, o);
    const std::string name = "stream_" + blocks + "_blocks/" + args.get("backend", "cpu");
    benchmark::RegisterBenchmark(name.c_str(), [models, speech, stream, o, chunk_s](benchmark::State& state) {
      const size_t total = speech->samples.size();
      size_t at = 0;
      std::vector<float> in(static_cast<size_t>(o.chunk_samples)), out(static_cast<size_t>(8 * stream->rate()));
      const auto push = [&] {  // the recording over and over, one utterance; the samples it gave
        for (float& v : in) v = speech->samples[at++ % total];
        stream->push(in.data(), o.chunk_samples);
        int64_t given = 0;
        for (int64_t n; (n = stream->pull(out.data(), static_cast<int64_t>(out.size()))) > 0;) given += n;
        return given;
      };
      stream->reset();
      // Until the first window has arrived and been converted (its steps all at once), then
      // one more push: the steady state from there on.
      while (push() == 0) {
      }
      push();
      std::vector<double> ms;
      for (auto _ : state) {
        const auto t0 = std::chrono::steady_clock::now();
        push();
        const double took = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
        state.SetIterationTime(took / 1000);
        ms.push_back(took);
      }
      xfv::set_stream_counters(state, ms, 1000 * chunk_s,
                               1000.0 * static_cast<double>(stream->latency_samples()) / stream->rate());
    })->Unit(benchmark::kMillisecond)->UseManualTime()->MinTime(10.0);
  }
  return xfv::run_task_benches(args);
}
