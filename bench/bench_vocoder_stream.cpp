// Streaming vocoding (VocoderStream), either family: one step of the stream per iteration, at
// chunks of 10, 20 and 40 ms (the step in frames nearest each), the stream running on
// across iterations as it would live. Per chunk: the compute time's p50, p99 and max against
// the chunk's duration, and the stream's algorithmic latency, as counters.
//
//   xfv_bench_vocoder_stream --weights=W.safetensors [--backend=cpu|cuda|sim] [--chunks=10,20,40]
//                            [benchmark flags]
#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "bench/task_bench.h"
#include "engine/tasks/vocoder_stream.h"

int main(int argc, char** argv) {
  xfv::TaskBenchArgs args = xfv::parse_task_bench_args(argc, argv, {"weights", "backend", "chunks"});
  const std::string weights = args.get("weights"), backend = args.get("backend", "cpu");
  if (weights.empty()) {
    std::fprintf(stderr, "usage: xfv_bench_vocoder_stream --weights=W.safetensors [--backend=cpu] [--chunks=10,20,40]\n");
    return 2;
  }
  const auto model = std::make_shared<const xfv::Model>(weights, backend);
  std::stringstream chunks(args.get("chunks", "10,20,40"));
  for (std::string ms; std::getline(chunks, ms, ',');) {
    const double chunk_ms = std::atof(ms.c_str());
    auto stream = std::make_shared<xfv::VocoderStream>(model, 1);
    const int rate = stream->sampling_rate();
    const int step = std::max(1, static_cast<int>(std::lround(chunk_ms / 1000 * rate / stream->hop())));
    stream = std::make_shared<xfv::VocoderStream>(model, step);
    // Frames of a log-mel's range; their values matter little to the time.
    auto frames = std::make_shared<std::vector<float>>(static_cast<size_t>(step * stream->bands()));
    std::mt19937 rng(0);
    std::normal_distribution<float> n(-5.f, 2.f);
    for (float& v : *frames) v = n(rng);
    const double step_ms = 1000.0 * step * stream->hop() / rate;
    const std::string name = "stream_" + ms + "ms_" + std::to_string(step) + "_frames/" + backend;
    benchmark::RegisterBenchmark(name.c_str(), [stream, frames, step, step_ms, rate](benchmark::State& state) {
      std::vector<float> out(static_cast<size_t>(2 * step * stream->hop()));
      std::vector<double> ms;
      for (auto _ : state) {
        const auto t0 = std::chrono::steady_clock::now();
        stream->push(frames->data(), step);
        const double took = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
        while (stream->pull(out.data(), static_cast<int64_t>(out.size()))) {
        }
        state.SetIterationTime(took / 1000);
        ms.push_back(took);
      }
      xfv::set_stream_counters(state, ms, step_ms, 1000.0 * static_cast<double>(stream->latency_samples()) / rate);
    })->Unit(benchmark::kMillisecond)->UseManualTime()->MinTime(3.0);
  }
  return xfv::run_task_benches(args);
}
