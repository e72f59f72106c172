// What the whole-task benches (bench_image, bench_voice, bench_vocode) share: their own
// --name=value flags, the rest left to Google Benchmark, how one task is timed, and at which
// precisions (--precision: one benchmark per precision).
#pragma once

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "engine/percentile.h"
#include "engine/tasks/model_session.h"
#include "kernels/precision.h"

namespace xfv {

struct TaskBenchArgs {
  std::map<std::string, std::string> values;  // by flag name, without the dashes
  std::vector<char*> rest;                    // for benchmark::Initialize, argv[0] first

  std::string get(const std::string& name, const std::string& fallback = "") const {
    const auto it = values.find(name);
    return it == values.end() ? fallback : it->second;
  }
};

// Takes --<name>=value for each of `names`; every other argument goes to `rest`.
inline TaskBenchArgs parse_task_bench_args(int argc, char** argv, const std::vector<std::string>& names) {
  TaskBenchArgs a;
  for (int i = 0; i < argc; ++i) {
    bool taken = false;
    for (const std::string& name : names) {
      const std::string flag = "--" + name + "=";
      if (std::strncmp(argv[i], flag.c_str(), flag.size()) == 0) {
        a.values[name] = argv[i] + flag.size();
        taken = true;
      }
    }
    if (!taken) a.rest.push_back(argv[i]);
  }
  return a;
}

// One benchmark `name` timing `body` in milliseconds of wall time, at least 2 s of runs.
template <class Body>
void add_task_bench(const std::string& name, Body body) {
  benchmark::RegisterBenchmark(name.c_str(), [body](benchmark::State& state) {
    for (auto _ : state) body();
  })->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2.0);
}

// The precisions of --precision: a comma-separated list of fp32, tf32, bf16 and fp16, or
// "all" for the four; fp32 alone when it is not given. Another name ends the bench (status 2).
inline std::vector<Precision> bench_precisions(const TaskBenchArgs& a) {
  const std::string list = a.get("precision", "fp32");
  if (list == "all") return {Precision::Fp32, Precision::Tf32, Precision::Bf16, Precision::Fp16};
  std::vector<Precision> out;
  std::stringstream items(list);
  for (std::string item; std::getline(items, item, ',');) {
    Precision p;
    if (!parse_precision(item.c_str(), &p)) {
      std::fprintf(stderr, "--precision: '%s' is none of fp32, tf32, bf16, fp16, all\n", item.c_str());
      std::exit(2);
    }
    out.push_back(p);
  }
  return out;
}

// One benchmark "<name>/<precision>" per precision, timing `body` with the session's convs
// and linear layers at that precision (ModelSession::set_precision; FAN stays fp32), after
// one untimed run that compiles the graphs at it.
template <class Body>
void add_precision_benches(ModelSession& models, const std::vector<Precision>& precisions, const std::string& name,
                           Body body) {
  for (Precision p : precisions)
    benchmark::RegisterBenchmark((name + "/" + precision_name(p)).c_str(), [&models, p, body](benchmark::State& state) {
      models.set_precision(p);
      body();
      for (auto _ : state) body();
    })->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2.0);
}

// A stream bench's counters: the compute time per chunk (`ms`, one per push) at its p50, p99
// and max against the chunk's duration, and the stream's algorithmic latency.
inline void set_stream_counters(benchmark::State& state, const std::vector<double>& ms, double chunk_ms, double latency_ms) {
  state.counters["chunk_ms"] = chunk_ms;
  state.counters["p50_ms"] = percentile(ms, 0.5);
  state.counters["p99_ms"] = percentile(ms, 0.99);
  state.counters["max_ms"] = percentile(ms, 1.0);
  state.counters["latency_ms"] = latency_ms;
}

// Runs what was registered, with Google Benchmark's own flags from `a.rest`.
inline int run_task_benches(TaskBenchArgs& a) {
  int n = static_cast<int>(a.rest.size());
  benchmark::Initialize(&n, a.rest.data());
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

}  // namespace xfv
