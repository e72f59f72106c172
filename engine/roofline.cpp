#include "engine/roofline.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "engine/safetensors.h"  // FileError

namespace xfv {
namespace {

// Dense FLOPs per SM per clock, a multiply-add counted as 2, by compute capability: fp32 FMA
// on CUDA cores, and mma with fp32 accumulate for TF32, bf16 and fp16. Each row is the
// vendor's peak TFLOP/s divided by SMs x the clock that figure assumes (docs/profile.md
// shows the arithmetic):
//   sm_80: A100 whitepaper (NVIDIA A100 Tensor Core GPU Architecture, 2020), 108 SMs at
//          1410 MHz: fp32 19.5, TF32 156, bf16 / fp16 312.
//   sm_86: A40 datasheet (2021), 84 SMs at 1740 MHz: fp32 37.4, TF32 74.8, bf16 / fp16 149.7.
//          GeForce parts (GA102 whitepaper, RTX 3090: TF32 35.6, fp16 with fp32 accumulate
//          71 at 82 SMs, 1695 MHz) run these mma at half the rate: halved below.
//   sm_89: L40 datasheet (2022), 142 SMs at 2490 MHz: fp32 90.5, TF32 90.5, bf16 / fp16
//          181; the Ada whitepaper's RTX 4090 (128 SMs, 2520 MHz: TF32 82.6, fp16 with fp32
//          accumulate 165.2) has the same per-SM rates.
//   sm_90: H100 whitepaper (NVIDIA H100 Tensor Core GPU Architecture, 2022), H100 SXM5, 132
//          SMs: fp32 66.9 at 1980 MHz; TF32 494.7, bf16 / fp16 989.4 at 1830 MHz (dense).
struct SmRates {
  int major, minor;
  double per_clock[4];  // by Precision: fp32, tf32, bf16, fp16
};
constexpr SmRates kSmRates[] = {
    {8, 0, {128, 1024, 2048, 2048}},
    {8, 6, {256, 512, 1024, 1024}},
    {8, 9, {256, 256, 512, 512}},
    {9, 0, {256, 2048, 4096, 4096}},
};

std::string sm_name(const GpuSpec& s) { return "sm_" + std::to_string(s.major) + std::to_string(s.minor); }

}  // namespace

Peaks no_peaks(const std::string& why) {
  Peaks p;
  p.source = why;
  return p;
}

Peaks gpu_peaks(const GpuSpec& s) {
  Peaks p;
  p.bytes_per_s = 2.0 * s.memory_clock_khz * 1e3 * s.bus_bits / 8;
  char what[256];
  std::snprintf(what, sizeof what, "%s (%s, %d SMs at %.0f MHz, %d-bit memory at %.0f MHz)", s.name.c_str(),
                sm_name(s).c_str(), s.sms, s.clock_khz * 1e-3, s.bus_bits, s.memory_clock_khz * 1e-3);
  const auto row = std::find_if(std::begin(kSmRates), std::end(kSmRates),
                                [&](const SmRates& r) { return r.major == s.major && r.minor == s.minor; });
  if (row == std::end(kSmRates)) {
    p.source = std::string(what) + ": no FLOP peaks for " + sm_name(s) + " in the table (engine/roofline.cpp)";
    return p;
  }
  const bool halved_mma = s.major == 8 && s.minor == 6 && s.name.find("GeForce") != std::string::npos;
  for (int i = 0; i < 4; ++i) {
    const double rate = row->per_clock[i] / (halved_mma && i > 0 ? 2 : 1);
    p.flops_per_s[i] = rate * s.sms * s.clock_khz * 1e3;
  }
  p.source = std::string(what) + ": properties x the " + sm_name(s) + " table" +
             (halved_mma ? " (GeForce: mma at half rate)" : "");
  return p;
}

Peaks bench_peaks(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw FileError(path + ": cannot read the peaks (Google Benchmark JSON of xfv_bench's cpu/peak/ benches)");
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw FileError(path + ": not JSON (" + e.what() + ")");
  }
  Peaks p;
  const auto best = [&](const std::string& prefix, const char* counter, double& into) {
    if (!j.contains("benchmarks") || !j["benchmarks"].is_array()) return;
    for (const auto& b : j["benchmarks"])
      if (b.value("name", "").rfind(prefix, 0) == 0 && b.contains(counter) && b[counter].is_number())
        into = std::max(into, b[counter].get<double>());
  };
  best("cpu/peak/sgemm_", "FLOP/s", p.flops_per_s[static_cast<int>(Precision::Fp32)]);
  best("cpu/peak/copy_", "B/s", p.bytes_per_s);
  if (p.flops(Precision::Fp32) <= 0 && p.bytes_per_s <= 0)
    throw FileError(path + ": holds neither cpu/peak/sgemm_* FLOP/s nor cpu/peak/copy_* B/s");
  p.source = "measured by xfv_bench (" + path + ")";
  return p;
}

Roofline roofline(double flops, double bytes, double flops_peak, double bytes_peak, double measured_ms) {
  Roofline r;
  r.compute_known = flops_peak > 0 || flops == 0;
  r.memory_known = bytes_peak > 0 || bytes == 0;
  if (flops_peak > 0) r.compute_ms = flops / flops_peak * 1e3;
  if (bytes_peak > 0) r.memory_ms = bytes / bytes_peak * 1e3;
  if (!r.known()) return r;
  r.ms = std::max(r.compute_ms, r.memory_ms);
  r.compute_bound = r.compute_ms >= r.memory_ms;
  r.fraction = measured_ms > 0 ? r.ms / measured_ms : 0;
  return r;
}

}  // namespace xfv
