// The roofline of a node: the least time its FLOPs and its compulsory bytes need at the
// device's peaks for its precision, which of the two bounds it, and the fraction of that
// floor a measured time reaches (docs/profile.md). The peaks come from a GPU's properties and
// a table of per-SM rates (gpu_peaks), or from the cpu's peaks as the bench measured them
// (bench_peaks); where none is known they stay 0 and every figure made from them says so.
#pragma once

#include <string>

#include "kernels/precision.h"

namespace xfv {

// A device's peaks; 0 for one that is not known.
struct Peaks {
  std::string source;          // where they come from, or why they are not known
  double flops_per_s[4] = {};  // dense FLOP/s, indexed by Precision (a multiply-add is 2)
  double bytes_per_s = 0;      // memory bandwidth
  double flops(Precision p) const { return flops_per_s[static_cast<int>(p)]; }
};

// What cudaDeviceGetAttribute reports that the peaks are made of.
struct GpuSpec {
  std::string name;
  int major = 0, minor = 0;  // compute capability
  int sms = 0;
  double clock_khz = 0;         // peak SM clock
  double memory_clock_khz = 0;  // peak memory clock
  int bus_bits = 0;             // memory bus width
};

// The peaks of the GPU `spec` describes: SMs x clock x the table's dense FLOPs per SM per
// clock for its compute capability (sm_80, 86, 89, 90; others have no FLOP peaks), and
// 2 (double data rate) x memory clock x bus width for the bandwidth.
Peaks gpu_peaks(const GpuSpec& spec);

// The cpu's peaks from Google Benchmark's JSON output of xfv_bench's cpu/peak benches
// (`xfv_bench --benchmark_filter=cpu/peak/ --benchmark_out=F --benchmark_out_format=json`):
// the fp32 FLOP/s of cpu/peak/sgemm_*, the B/s of cpu/peak/copy_* (the best of each where
// repeated). The reduced precisions have no cpu peak (the cpu runs them by a float64
// reference). A file that cannot be read or holds neither is a FileError naming it.
Peaks bench_peaks(const std::string& path);

// No peaks, for the reason given.
Peaks no_peaks(const std::string& why);

// The peaks of the device the named backend runs on (engine/registry.cpp): on cuda the
// current GPU's (gpu_peaks); none on cpu (its are measured: bench_peaks) and on sim.
Peaks backend_peaks(const std::string& name);

struct Roofline {
  // Work at its peak: known where the peak is, or where there is no such work (a node with
  // no FLOPs needs no compute peak); 0 where unknown.
  double compute_ms = 0, memory_ms = 0;
  bool compute_known = false, memory_known = false;
  // Where both are known: the floor max(compute_ms, memory_ms), which bounds it (compute
  // where compute_ms >= memory_ms) and ms / the measured time (0 for no measured time).
  double ms = 0;
  bool compute_bound = false;
  double fraction = 0;
  bool known() const { return compute_known && memory_known; }
};

// The roofline of `flops` and `bytes` at `flops_peak` and `bytes_peak` (per second; 0:
// unknown) for a node that took `measured_ms`.
Roofline roofline(double flops, double bytes, double flops_peak, double bytes_peak, double measured_ms);

}  // namespace xfv
