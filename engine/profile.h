// The per-layer profile: each node's time on the backend's clock, its FLOPs and its
// compulsory bytes, as a table, JSON and a Chrome trace (docs/profile.md).
//
//   Profile profile(backend.name());
//   runner.run(profile.hook());          // any number of runs, of any networks
//   profile.print(stdout);
//   profile.write_json("profile.json");
//   profile.write_trace("trace.json");   // https://ui.perfetto.dev
#pragma once

#include <chrono>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "engine/graph.h"
#include "engine/roofline.h"
#include "engine/runner.h"

namespace xfv {

struct NodeProfile {
  std::string network;   // the node name up to its first '.', e.g. "image_generator"
  std::string name;      // the value name, e.g. "image_generator.encode.0"
  std::string op;        // traits_of(op).op, e.g. "conv2d"
  std::string detail;    // describe(op): shapes and parameters
  std::string algorithm; // backend_algorithm(): how the backend runs it, e.g. "winograd F(4,3)"; often empty
  double start_ms = 0;   // since the Profile was created (or cleared), on the host's steady clock
  double ms = 0;         // the runner's time for the node (device events on cuda, wall clock elsewhere)
  double flops = 0, bytes = 0;  // bytes: compulsory traffic, each input (weights included) read once + the output written once
  Precision precision = Precision::Fp32;  // precision_of(op): the arithmetic whose peak applies
  double peak_flops = 0, peak_bytes = 0;  // the peaks used, per second (0: unknown)
  Roofline roof;                          // flops and bytes at those peaks, against ms
};

// What a network holds in memory: its weights (once per model, engine/weight_store.h) and
// the activation arenas of its compiled graphs in the session.
struct NetworkMemory {
  size_t weight_bytes = 0, arena_bytes = 0;
  // What the backend derived from the weights and keeps beside them for the session's graphs
  // (the cpu's Winograd transforms and packed weights: engine/cpu/prepared_convs.h).
  size_t prepared_bytes = 0;
};

struct NetworkTotal {
  std::string network;
  int nodes = 0;
  double ms = 0, flops = 0, bytes = 0;
  // The sums of the nodes' compute_ms, memory_ms and floors (ms), each known where every
  // node's is; compute bound where the compute sum is the larger; fraction: roof.ms / ms.
  Roofline roof;
  NetworkMemory memory;  // as set_memory gave it (zero otherwise)
};

// Throughput of a span: GFLOP/s from flops, GB/s from bytes (both are X / ms / 1e6); 0 for a
// span of no measurable time.
double per_second_g(double amount, double ms);

class Profile {
 public:
  // The backend name goes into the outputs; no peaks until set_peaks.
  explicit Profile(std::string backend);
  // The hook refers to this Profile, which therefore is neither copied nor moved.
  Profile(const Profile&) = delete;
  Profile& operator=(const Profile&) = delete;

  // A Runner::run hook that appends a NodeProfile per node (calls record). Not thread-safe:
  // one run at a time.
  NodeHook hook();
  // What the hook does, for a hook of one's own that also profiles.
  void record(const Node& node, const std::string& name, double ms);

  // The device's peaks, for the roofline of the nodes recorded from now on.
  void set_peaks(Peaks peaks) { peaks_ = std::move(peaks); }
  const Peaks& peaks() const { return peaks_; }

  // The memory of the networks (by name), reported beside their totals.
  void set_memory(std::map<std::string, NetworkMemory> memory) { memory_ = std::move(memory); }

  const std::string& backend() const { return backend_; }
  const std::vector<NodeProfile>& nodes() const { return nodes_; }
  std::vector<NetworkTotal> totals() const;  // per network in first-seen order, then one named "all"

  // Table: the peaks, then per node name, op detail, ms, GFLOP, GB moved, GFLOP/s, GB/s, the
  // roofline's ms, bound and fraction; then the per-network totals and all, with their
  // weight and arena megabytes.
  void print(std::FILE* out) const;
  // {"backend":..., "peaks":{...}, "nodes":[...], "networks":[...], "total":{...}} (schema in docs/profile.md).
  std::string json() const;
  // Chrome trace event format (Perfetto, chrome://tracing): an "X" event per node, ts and dur
  // in microseconds, one track (tid) per network.
  std::string trace() const;
  // Both write to a temporary name beside `path` and rename it into place; a failure is a
  // FileError naming the path, and leaves no file behind.
  void write_json(const std::string& path) const;
  void write_trace(const std::string& path) const;

  void clear();  // forgets every node and restarts the clock

 private:
  std::string backend_;
  std::chrono::steady_clock::time_point origin_;
  Peaks peaks_ = no_peaks("none given");
  std::vector<NodeProfile> nodes_;
  std::map<std::string, NetworkMemory> memory_;
};

}  // namespace xfv
