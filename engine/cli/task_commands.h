// The task commands of `xfv`: image, voice and generate, on a bundle, and `xfv bench` over
// them. Each reads its inputs from files, runs on the bundle's backend and writes its
// outputs atomically; the profile options apply to all.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "engine/profile.h"
#include "engine/tasks/bundle.h"

namespace xfv {

struct TaskOptions {
  std::string task;  // "image", "voice" or "generate"
  std::string weights, latent, seed, out, out_dir, domain, backend = "cpu", dump;
  std::vector<std::string> sources, references;
  std::string face, voice;  // generate's inputs
  int count = 1;
  float psi = 1.f;
  // voice outputs
  std::string noise, mel_png;
  uint64_t noise_seed = 0;
  bool float_wav = false;
  int max_frames = 0;      // 0: the converter's default
  int vocoder_frames = 0;  // 0: the family's default window (vocoder_chunker)
  int64_t budget_mb = 0;   // the session's compiled-graph budget in MB (0: the default)
  std::string precision = "fp32";  // of the convs and linear layers (kernels/precision.h)
  // profile
  bool profile = false;
  std::string profile_json, trace, peaks;  // peaks: xfv_bench's cpu/peak/ JSON (engine/roofline.h)
};

// Adds the subcommand `name` (image, voice or generate) to `app`, its options bound to `o`.
CLI::App* add_task_command(CLI::App& app, const std::string& name, TaskOptions& o);
// Adds `xfv bench` with one subcommand per task; runs and warm-up counts bound.
CLI::App* add_bench_command(CLI::App& app, std::vector<TaskOptions>& tasks, int& runs, int& warmup);

// The styles of o's --reference files (faces or voices, by content), --latent or --seed, one
// per output (n): a single style serves every source.
HostTensor styles_for(const TaskOptions& o, Bundle& b, int64_t n, const RunOptions& how);
// Runs a task once on an open bundle, its nodes recorded into `profile` when given.
void run_task(const TaskOptions& o, Bundle& bundle, Profile* profile);
// `xfv image|voice|generate`: opens the bundle, runs, prints or writes the profile as asked.
int task_command(const TaskOptions& o);
// --peaks, shared by every command that profiles, and the peaks a profile then uses: the
// file's where one is given, else the backend's own (backend_peaks).
void add_peaks_option(CLI::App& cmd, std::string& peaks_file);
Peaks profile_peaks(const std::string& backend, const std::string& peaks_file);
// --precision, shared by every command that runs convs, and what it sets (FAN stays fp32).
void add_precision_option(CLI::App& cmd, std::string& precision);
void set_precision(Bundle& b, const std::string& precision);
// --budget-mb, shared by every command that opens a session, and what it sets.
void add_budget_option(CLI::App& cmd, int64_t& budget_mb);
void set_budget(Bundle& b, int64_t budget_mb);
// `xfv bench TASK`: warm-up runs, then `runs` timed runs; median and spread per network and in all.
int bench_command(const TaskOptions& o, int runs, int warmup);

}  // namespace xfv
