// Streaming voice conversion (VoiceStream: resampler, mel, JDC and the generator on windows,
// the vocoder), one chunk of real speech pushed per iteration, the stream running on across
// iterations as it would live (the recording starts over, a new utterance, when it ends).
// Chunks of 1, 2, 4 and 8 generator blocks (50 ms each at 24 kHz), each step converting one
// chunk. Per chunk: the compute time's p50, p99 and max against the chunk's duration, and the
// stream's algorithmic latency, as counters. The first window is pushed before the timing:
// until it has arrived a push converts nothing.
//
//   xfv_bench_voice_stream --weights=BUNDLE.safetensors --source=SPEECH.wav [--backend=cpu]
//                          [--steps=1,2,4,8] [--lookahead=4] [--window=192] [benchmark flags]
#include <chrono>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "bench/task_bench.h"
#include "engine/io/audio.h"
#include "engine/tasks/voice_stream.h"

int main(int argc, char** argv) {
  xfv::TaskBenchArgs args =
      xfv::parse_task_bench_args(argc, argv, {"weights", "source", "backend", "steps", "lookahead", "window"});
  const std::string weights = args.get("weights"), source = args.get("source");
  if (weights.empty() || source.empty()) {
    std::fprintf(stderr,
                 "usage: xfv_bench_voice_stream --weights=BUNDLE.safetensors --source=SPEECH.wav [--backend=cpu] "
                 "[--steps=1,2,4,8] [--lookahead=4] [--window=192]\n");
    return 2;
  }
  auto models = std::make_shared<xfv::ModelSession>(weights, args.get("backend", "cpu"));
  const auto speech = std::make_shared<xfv::MonoAudio>(xfv::read_mono_audio(source));
  const xfv::HostTensor style = models->style_from_latent(models->latent_from_seed(3), 0);
  const int hop = xfv::VoiceConverter(*models).hop();
  std::stringstream steps(args.get("steps", "1,2,4,8"));
  for (std::string blocks; std::getline(steps, blocks, ',');) {
    xfv::VoiceStreamOptions o;
    o.input_rate = speech->rate;
    o.conversion.step_blocks = std::stoi(blocks);
    o.conversion.lookahead_blocks = std::stoi(args.get("lookahead", "4"));
    o.conversion.window_frames = std::stoi(args.get("window", "192"));
    const double chunk_s = 4.0 * o.conversion.step_blocks * hop / xfv::kVoiceRate;
    o.chunk_samples = static_cast<int>(chunk_s * speech->rate);
    auto stream = std::make_shared<xfv::VoiceStream>(*models, style, o);
    const std::string name = "stream_" + blocks + "_blocks/" + args.get("backend", "cpu");
    benchmark::RegisterBenchmark(name.c_str(), [models, speech, stream, o, chunk_s, hop](benchmark::State& state) {
      const size_t total = speech->samples.size();
      size_t at = 0;
      std::vector<float> in(static_cast<size_t>(o.chunk_samples)), out(static_cast<size_t>(8 * xfv::kVoiceRate));
      const auto push = [&] {  // the recording over and over, one utterance
        for (float& v : in) v = speech->samples[at++ % total];
        stream->push(in.data(), o.chunk_samples);
        while (stream->pull(out.data(), static_cast<int64_t>(out.size()))) {
        }
      };
      stream->reset();
      const int64_t first_window = int64_t{o.conversion.window_frames} * hop * o.input_rate / xfv::kVoiceRate;
      while (static_cast<int64_t>(at) < first_window) push();
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
    })->Unit(benchmark::kMillisecond)->UseManualTime()->MinTime(5.0);
  }
  return xfv::run_task_benches(args);
}
