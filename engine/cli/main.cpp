// The `xfv` command line.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "engine/backend.h"
#include "engine/op_traits.h"
#include "engine/opcheck.h"

namespace {

// Every op case on every chosen backend against cpu: error and time per run.
int check_ops(std::vector<std::string> backends, uint64_t seed) {
  using namespace xfv;
  if (backends.empty()) backends = compiled_backends();
  auto cpu = make_backend("cpu");
  std::vector<std::unique_ptr<Backend>> targets;
  for (const std::string& name : backends) {
    std::string why;
    if (!backend_available(name, &why)) {
      std::printf("backend %s skipped: %s\n", name.c_str(), why.c_str());
      continue;
    }
    targets.push_back(make_backend(name));
  }
  int failures = 0, runs = 0;
  std::printf("%-58s %-5s %10s %10s  %s\n", "op", "on", "rel L2", "ms", "");
  for (const OpCase& c : op_cases(seed)) {
    const OpRun want = run_case(c, *cpu);
    for (auto& target : targets) {
      const OpRun got = target->name() == "cpu" ? want : run_case(c, *target);
      const double err = relative_l2(got.output, want.output);
      const bool ok = err <= c.tolerance;  // NaN fails
      failures += !ok, ++runs;
      std::printf("%-58s %-5s %10.2e %10.3f  %s\n", describe(c.op).c_str(), target->name().c_str(),
                  err, got.ms, ok ? "ok" : "FAIL");
    }
  }
  std::printf("%d passed, %d failed\n", runs - failures, failures);
  return failures ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"xfv: cross-modal face and voice style transfer inference engine"};
  app.require_subcommand(1);

  auto* ops = app.add_subcommand("ops", "run every op on every backend against cpu, with its time");
  std::vector<std::string> backends;
  uint64_t seed = 1;
  ops->add_option("--backend", backends, "backends to check (default: every one built in)")
      ->check(CLI::IsMember({"cpu", "sim", "cuda"}));
  ops->add_option("--seed", seed, "seed of the random inputs");

  auto* list = app.add_subcommand("backends", "list the backends and whether each can run here");

  CLI11_PARSE(app, argc, argv);
  try {
    if (*ops) return check_ops(backends, seed);
    if (*list) {
      for (const std::string& name : xfv::compiled_backends()) {
        std::string why;
        const bool ok = xfv::backend_available(name, &why);
        std::printf("%-5s %s\n", name.c_str(), ok ? "available" : ("unavailable: " + why).c_str());
      }
      return 0;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "xfv: %s\n", e.what());
    return 1;
  }
  return 0;
}
