// The profile's roofline (engine/roofline.h, docs/profile.md): each node's FLOPs and compulsory
// bytes at the peaks of its precision, against float64 formulas of the test's own for a conv, a
// linear layer and a transposed conv; totals as the sums of their nodes; a GPU's peaks from the
// table; a cpu's from the bench's JSON; and no figure where no peak is known.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "engine/graph.h"
#include "engine/profile.h"
#include "engine/roofline.h"
#include "engine/safetensors.h"  // FileError

namespace xfv {
namespace {

constexpr Precision kPrecisions[] = {Precision::Fp32, Precision::Tf32, Precision::Bf16, Precision::Fp16};

// Peaks of an imaginary device, distinct per precision so that the one used shows.
Peaks test_peaks() {
  Peaks p;
  p.source = "test";
  p.flops_per_s[0] = 1e12, p.flops_per_s[1] = 4e12, p.flops_per_s[2] = 8e12, p.flops_per_s[3] = 9e12;
  p.bytes_per_s = 2e11;
  return p;
}

// A node with every input slot bound (the values do not matter to the profile).
Node node_of(const OpArgs& op, size_t inputs) {
  Node n;
  n.op = op;
  n.inputs.assign(inputs, 0);
  return n;
}

// What a node must report: its FLOPs and bytes by the formulas here, in float64.
struct Case {
  std::string name;
  Node node;
  double flops, weight_elements, other_elements;  // other: inputs but the weights, + the output
  double bytes(Precision p) const {
    const double weight_bytes = p == Precision::Bf16 || p == Precision::Fp16 ? 2 : 4;
    return weight_bytes * weight_elements + 4 * other_elements;
  }
};

std::vector<Case> cases(Precision p) {
  std::vector<Case> out;
  {  // conv2d 3x3 stride 2 pad 1 dilation 2 on (2, 3, 9, 11), bias and residual
    Conv2dArgs c;
    c.d = {2, 3, 9, 11, 5, 3, 3};
    c.d.stride_h = c.d.stride_w = 2, c.d.pad_h = c.d.pad_w = 1, c.d.dil_h = c.d.dil_w = 2;
    c.d.precision = p;
    // (size + 2 pad - dilation (k - 1) - 1) / stride + 1
    const double ho = std::floor((9.0 + 2 - 2 * 2 - 1) / 2) + 1, wo = std::floor((11.0 + 2 - 2 * 2 - 1) / 2) + 1;
    const double y = 2.0 * 5 * ho * wo;  // the output's elements (and the residual's)
    out.push_back({"net.conv", node_of(c, 4), 2.0 * y * 3 * 3 * 3, 5.0 * 3 * 3 * 3, 2.0 * 3 * 9 * 11 + 5 + y + y});
  }
  {  // linear (3 batches of 10 x 30) x (30 -> 7), per-batch weights and bias
    LinearArgs l;
    l.d = {10, 30, 7};
    l.d.batch = 3, l.d.x_stride = 300, l.d.w_stride = 210, l.d.bias_stride = 7, l.d.y_stride = 70;
    l.d.precision = p;
    out.push_back({"net.fc", node_of(l, 3), 2.0 * 3 * 10 * 30 * 7, 3.0 * 7 * 30,
                   3.0 * 10 * 30 + 3.0 * 7 + 3.0 * 10 * 7});
  }
  {  // transposed conv1d k5 stride 2 pad 1, (1, 4, 7) -> (1, 3, 15), bias
    ConvTranspose1dArgs t;
    t.d = {1, 4, 7, 3, 5};
    t.d.stride = 2, t.d.pad = 1;
    t.d.precision = p;
    const double wo = (7.0 - 1) * 2 - 2 * 1 + 5;
    out.push_back({"voc.up", node_of(t, 3), 2.0 * 1 * 4 * 3 * 5 * 7, 4.0 * 3 * 5, 1.0 * 4 * 7 + 3 + 1.0 * 3 * wo});
  }
  return out;
}

TEST(Roofline, NodesMatchHandComputedFlopsBytesAndPeaks) {
  const Peaks peaks = test_peaks();
  for (Precision p : kPrecisions) {
    SCOPED_TRACE(precision_name(p));
    Profile profile("test");
    profile.set_peaks(peaks);
    const std::vector<Case> want = cases(p);
    const double ms = 0.25;
    for (const Case& c : want) profile.record(c.node, c.name, ms);
    ASSERT_EQ(profile.nodes().size(), want.size());
    for (size_t i = 0; i < want.size(); ++i) {
      SCOPED_TRACE(want[i].name);
      const NodeProfile& n = profile.nodes()[i];
      EXPECT_EQ(n.precision, p);
      EXPECT_DOUBLE_EQ(n.flops, want[i].flops);
      EXPECT_DOUBLE_EQ(n.bytes, want[i].bytes(p));
      EXPECT_EQ(n.peak_flops, peaks.flops_per_s[static_cast<int>(p)]);
      EXPECT_EQ(n.peak_bytes, peaks.bytes_per_s);
      const double compute_ms = want[i].flops / peaks.flops_per_s[static_cast<int>(p)] * 1e3;
      const double memory_ms = want[i].bytes(p) / peaks.bytes_per_s * 1e3;
      ASSERT_TRUE(n.roof.known());
      EXPECT_DOUBLE_EQ(n.roof.compute_ms, compute_ms);
      EXPECT_DOUBLE_EQ(n.roof.memory_ms, memory_ms);
      EXPECT_DOUBLE_EQ(n.roof.ms, std::max(compute_ms, memory_ms));
      EXPECT_EQ(n.roof.compute_bound, compute_ms >= memory_ms);
      EXPECT_DOUBLE_EQ(n.roof.fraction, std::max(compute_ms, memory_ms) / ms);
    }
  }
}

TEST(Roofline, APrecisionChangeChangesThePeakUsed) {
  const Peaks peaks = test_peaks();
  double previous_compute_ms = 0;
  for (Precision p : kPrecisions) {
    Profile profile("test");
    profile.set_peaks(peaks);
    const Case c = cases(p)[0];
    profile.record(c.node, c.name, 1.0);
    const NodeProfile& n = profile.nodes()[0];
    EXPECT_EQ(n.peak_flops, peaks.flops(p)) << precision_name(p);
    EXPECT_NE(n.roof.compute_ms, previous_compute_ms) << precision_name(p);
    previous_compute_ms = n.roof.compute_ms;
  }
}

TEST(Roofline, TotalsAreTheSumsOfTheirNodes) {
  Profile profile("test");
  profile.set_peaks(test_peaks());
  // Two networks ("net", "voc"), two precisions, several node times.
  double ms = 0.1;
  for (Precision p : {Precision::Fp32, Precision::Bf16})
    for (const Case& c : cases(p)) profile.record(c.node, c.name, ms *= 1.7);
  const std::vector<NetworkTotal> totals = profile.totals();
  ASSERT_EQ(totals.size(), 3u);  // net, voc, all
  for (const NetworkTotal& t : totals) {
    SCOPED_TRACE(t.network);
    double compute = 0, memory = 0, floor = 0, time = 0;
    for (const NodeProfile& n : profile.nodes())
      if (t.network == "all" || n.network == t.network)
        compute += n.roof.compute_ms, memory += n.roof.memory_ms, floor += n.roof.ms, time += n.ms;
    ASSERT_TRUE(t.roof.known());
    EXPECT_NEAR(t.roof.compute_ms, compute, 1e-12 * compute);
    EXPECT_NEAR(t.roof.memory_ms, memory, 1e-12 * memory);
    EXPECT_NEAR(t.roof.ms, floor, 1e-12 * floor);
    EXPECT_EQ(t.roof.compute_bound, compute >= memory);
    EXPECT_NEAR(t.roof.fraction, floor / time, 1e-12);
  }
}

TEST(Roofline, UnknownPeaksGiveNoFigures) {
  Profile profile("cpu");  // no peaks set
  Peaks fp32_only = test_peaks();
  fp32_only.flops_per_s[2] = 0;  // no bf16 peak (as on the cpu)
  EXPECT_EQ(profile.peaks().source, "none given");
  EXPECT_EQ(profile.peaks().bytes_per_s, 0);
  for (const Case& c : cases(Precision::Fp32)) profile.record(c.node, c.name, 1.0);
  profile.set_peaks(fp32_only);
  const Case bf16 = cases(Precision::Bf16)[0];
  profile.record(bf16.node, "other.conv", 1.0);

  const nlohmann::json j = nlohmann::json::parse(profile.json());
  EXPECT_TRUE(j.at("peaks").at("flops_per_s").at("bf16").is_null());  // the peaks last set
  for (size_t i = 0; i < 3; ++i) {
    const nlohmann::json& n = j.at("nodes")[i];
    for (const char* field : {"peak_flops_per_s", "peak_bytes_per_s", "roof_compute_ms", "roof_memory_ms", "roof_ms",
                              "bound", "roof_fraction"})
      EXPECT_TRUE(n.at(field).is_null()) << field;
  }
  const nlohmann::json& n = j.at("nodes")[3];  // memory known, compute not
  EXPECT_TRUE(n.at("roof_compute_ms").is_null());
  EXPECT_DOUBLE_EQ(n.at("roof_memory_ms").get<double>(), bf16.bytes(Precision::Bf16) / fp32_only.bytes_per_s * 1e3);
  EXPECT_TRUE(n.at("roof_ms").is_null() && n.at("bound").is_null() && n.at("roof_fraction").is_null());
  for (const nlohmann::json& t : j.at("networks")) EXPECT_TRUE(t.at("roof_ms").is_null());
  EXPECT_TRUE(j.at("total").at("roof_ms").is_null());
}

TEST(Roofline, JsonCarriesTheFieldsAndPeaks) {
  Profile profile("test");
  const Peaks peaks = test_peaks();
  profile.set_peaks(peaks);
  for (const Case& c : cases(Precision::Fp16)) profile.record(c.node, c.name, 0.5);
  const nlohmann::json j = nlohmann::json::parse(profile.json());
  EXPECT_EQ(j.at("peaks").at("source"), "test");
  EXPECT_DOUBLE_EQ(j.at("peaks").at("flops_per_s").at("fp16").get<double>(), peaks.flops(Precision::Fp16));
  EXPECT_DOUBLE_EQ(j.at("peaks").at("bytes_per_s").get<double>(), peaks.bytes_per_s);
  for (size_t i = 0; i < profile.nodes().size(); ++i) {
    const NodeProfile& p = profile.nodes()[i];
    const nlohmann::json& n = j.at("nodes")[i];
    EXPECT_EQ(n.at("precision"), "fp16");
    EXPECT_DOUBLE_EQ(n.at("peak_flops_per_s").get<double>(), p.peak_flops);
    EXPECT_DOUBLE_EQ(n.at("roof_compute_ms").get<double>(), p.roof.compute_ms);
    EXPECT_DOUBLE_EQ(n.at("roof_memory_ms").get<double>(), p.roof.memory_ms);
    EXPECT_DOUBLE_EQ(n.at("roof_ms").get<double>(), p.roof.ms);
    EXPECT_EQ(n.at("bound"), p.roof.compute_bound ? "compute" : "memory");
    EXPECT_DOUBLE_EQ(n.at("roof_fraction").get<double>(), p.roof.fraction);
  }
  EXPECT_DOUBLE_EQ(j.at("total").at("roof_ms").get<double>(), profile.totals().back().roof.ms);
}

TEST(Roofline, GpuPeaksFromPropertiesAndTheTable) {
  // An H100 SXM as CUDA reports it: 132 SMs at 1980 MHz, 5120-bit HBM3 at 2619 MHz.
  GpuSpec h100{"NVIDIA H100 80GB HBM3", 9, 0, 132, 1980e3, 2619e3, 5120};
  const Peaks p = gpu_peaks(h100);
  const double clock = 132 * 1980e6;
  EXPECT_DOUBLE_EQ(p.flops(Precision::Fp32), 256 * clock);   // 66.9 TFLOP/s
  EXPECT_DOUBLE_EQ(p.flops(Precision::Tf32), 2048 * clock);
  EXPECT_DOUBLE_EQ(p.flops(Precision::Bf16), 4096 * clock);
  EXPECT_DOUBLE_EQ(p.flops(Precision::Fp16), 4096 * clock);
  EXPECT_DOUBLE_EQ(p.bytes_per_s, 2 * 2619e6 * 5120 / 8);  // 3.35 TB/s
  EXPECT_NE(p.source.find("sm_90"), std::string::npos) << p.source;

  // An A100 at the whitepaper's clock gives the whitepaper's figures (TFLOP/s).
  const Peaks a100 = gpu_peaks({"NVIDIA A100-SXM4-40GB", 8, 0, 108, 1410e3, 1215e3, 5120});
  EXPECT_NEAR(a100.flops(Precision::Fp32) * 1e-12, 19.5, 0.05);
  EXPECT_NEAR(a100.flops(Precision::Tf32) * 1e-12, 156, 0.5);
  EXPECT_NEAR(a100.flops(Precision::Bf16) * 1e-12, 312, 0.5);
  EXPECT_NEAR(a100.bytes_per_s * 1e-9, 1555, 1);

  // A GeForce sm_86 part runs mma with fp32 accumulate at half the professional part's rate.
  const Peaks a40 = gpu_peaks({"NVIDIA A40", 8, 6, 84, 1740e3, 7251e3, 384});
  const Peaks rtx = gpu_peaks({"NVIDIA GeForce RTX 3090", 8, 6, 84, 1740e3, 7251e3, 384});
  EXPECT_NEAR(a40.flops(Precision::Bf16) * 1e-12, 149.7, 0.1);
  EXPECT_DOUBLE_EQ(rtx.flops(Precision::Fp32), a40.flops(Precision::Fp32));
  EXPECT_DOUBLE_EQ(rtx.flops(Precision::Bf16), a40.flops(Precision::Bf16) / 2);

  // A compute capability the table lacks has a bandwidth but no FLOP peaks, and says so.
  const Peaks turing = gpu_peaks({"Tesla T4", 7, 5, 40, 1590e3, 5001e3, 256});
  for (Precision q : kPrecisions) EXPECT_EQ(turing.flops(q), 0) << precision_name(q);
  EXPECT_GT(turing.bytes_per_s, 0);
  EXPECT_NE(turing.source.find("no FLOP peaks"), std::string::npos) << turing.source;
}

TEST(Roofline, CpuPeaksFromTheBenchJson) {
  const std::filesystem::path dir = std::filesystem::path(testing::TempDir()) / "xfv_roofline";
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "peaks.json").string();
  {
    std::ofstream out(path);
    out << R"({"context": {}, "benchmarks": [
      {"name": "cpu/peak/sgemm_2048", "run_type": "iteration", "FLOP/s": 1.5e11},
      {"name": "cpu/peak/sgemm_2048", "run_type": "iteration", "FLOP/s": 1.7e11},
      {"name": "cpu/peak/copy_256MiB", "run_type": "iteration", "B/s": 2.1e10},
      {"name": "cpu/conv2d/x", "run_type": "iteration", "FLOP/s": 9e12}]})";
  }
  const Peaks p = bench_peaks(path);
  EXPECT_DOUBLE_EQ(p.flops(Precision::Fp32), 1.7e11);  // the best run
  EXPECT_DOUBLE_EQ(p.bytes_per_s, 2.1e10);
  for (Precision q : {Precision::Tf32, Precision::Bf16, Precision::Fp16}) EXPECT_EQ(p.flops(q), 0);
  {
    std::ofstream out(path);
    out << R"({"benchmarks": [{"name": "cpu/conv2d/x", "FLOP/s": 9e12}]})";
  }
  EXPECT_THROW(bench_peaks(path), FileError);
  EXPECT_THROW(bench_peaks((dir / "absent.json").string()), FileError);
}

}  // namespace
}  // namespace xfv
