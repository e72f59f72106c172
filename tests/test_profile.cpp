// The per-layer profile: records per node, FLOPs and bytes against formulas of the test's
// own, per-network totals, the JSON, the Chrome trace and failed writes.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "engine/graph.h"
#include "engine/op_traits.h"
#include "engine/opcheck.h"
#include "engine/profile.h"
#include "engine/runner.h"

namespace xfv {
namespace {

namespace fs = std::filesystem;

// Two networks: enc (a strided conv with bias, no residual; an affine instance norm) and
// head (a linear layer with bias over the norm's output).
struct TwoNetworks {
  static constexpr int N = 2, Cin = 3, H = 9, W = 11, Cout = 5, K = 3, S = 2, P = 1;
  static constexpr int Hout = (H + 2 * P - K) / S + 1, Wout = (W + 2 * P - K) / S + 1;  // 5, 6
  static constexpr int M = N * Cout, Kfc = Hout * Wout, Nfc = 7;                        // (10, 30) -> (10, 7)

  Graph g;
  ValueId x, out;
  HostTensor input;

  // Values do not matter to the profile, only shapes: a smooth pattern in [-1, 1].
  static HostTensor pattern(Shape s) {
    HostTensor t(s);
    for (size_t i = 0; i < t.data.size(); ++i) t.data[i] = std::sin(0.7f * static_cast<float>(i));
    return t;
  }

  TwoNetworks() {
    x = g.add_input("enc.input.x", Shape{N, Cin, H, W});
    Conv2dArgs c;
    c.d = {N, Cin, H, W, Cout, K, K};
    c.d.stride_h = c.d.stride_w = S;
    c.d.pad_h = c.d.pad_w = P;
    const ValueId conv = g.add_node("enc.conv", c,
                                    {x, g.add_constant("enc.conv.weight", pattern(Shape{Cout, Cin, K, K})),
                                     g.add_constant("enc.conv.bias", pattern(Shape{Cout})), kNoValue});
    InstanceNormArgs n;
    n.d = {N, Cout, Hout * Wout};
    const ValueId norm = g.add_node("enc.norm", n,
                                    {conv, g.add_constant("enc.norm.weight", pattern(Shape{Cout})),
                                     g.add_constant("enc.norm.bias", pattern(Shape{Cout})), kNoValue});
    LinearArgs fc;
    fc.d = {M, Kfc, Nfc};
    out = g.add_node("head.fc", fc,
                     {norm, g.add_constant("head.fc.weight", pattern(Shape{Nfc, Kfc})),
                      g.add_constant("head.fc.bias", pattern(Shape{Nfc}))});
    g.mark_output(out);
    input = pattern(Shape{N, Cin, H, W});
  }

  // What each node must report, computed here rather than taken from op_traits.
  struct Want {
    const char *network, *name, *op;
    double flops, bytes;
  };
  static std::vector<Want> want() {
    const double conv_out = double{N} * Cout * Hout * Wout;
    const double conv_in = double{N} * Cin * H * W + double{Cout} * Cin * K * K + Cout;  // x, weight, bias
    const double norm_n = double{N} * Cout * Hout * Wout;
    return {{"enc", "enc.conv", "conv2d", 2.0 * Cout * Cin * K * K * Hout * Wout * N, 4 * (conv_in + conv_out)},
            // per element: mean and variance (4), normalize and affine (4)
            {"enc", "enc.norm", "instance_norm", 8 * norm_n, 4 * (norm_n + 2 * Cout + norm_n)},
            {"head", "head.fc", "linear", 2.0 * M * Nfc * Kfc,
             4 * (double{M} * Kfc + double{Nfc} * Kfc + Nfc + double{M} * Nfc)}};
  }
};

// Runs the graph `runs` times on `backend`, recording into `profile`.
void run_into(const TwoNetworks& net, Backend& backend, Profile& profile, int runs = 1) {
  Runner runner(net.g, backend);
  runner.set_input(net.x, net.input);
  for (int i = 0; i < runs; ++i) runner.run(profile.hook());
}

std::vector<std::string> runnable_backends() {
  std::vector<std::string> names;
  for (const std::string& name : compiled_backends())
    if (backend_available(name)) names.push_back(name);
  return names;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// A fresh empty directory for one test.
fs::path scratch_dir(const std::string& name) {
  const fs::path dir = fs::path(testing::TempDir()) / ("xfv_profile_" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

TEST(Profile, OneRecordPerNodeWithItsFlopsAndBytes) {
  TwoNetworks net;
  const auto want = TwoNetworks::want();
  const std::vector<std::string> backends = runnable_backends();
  ASSERT_FALSE(backends.empty());
  for (const std::string& name : backends) {
    SCOPED_TRACE(name);
    auto backend = make_backend(name);
    Profile profile(backend->name());
    run_into(net, *backend, profile);

    ASSERT_EQ(profile.nodes().size(), want.size());
    double previous_end = 0;
    for (size_t i = 0; i < want.size(); ++i) {
      const NodeProfile& p = profile.nodes()[i];
      SCOPED_TRACE(p.name);
      EXPECT_EQ(p.network, want[i].network);
      EXPECT_EQ(p.name, want[i].name);
      EXPECT_EQ(p.op, want[i].op);
      EXPECT_EQ(p.detail, describe(net.g.nodes()[i].op));
      EXPECT_EQ(p.algorithm, backend_algorithm(name, net.g.nodes()[i].op));
      EXPECT_DOUBLE_EQ(p.flops, want[i].flops);
      EXPECT_DOUBLE_EQ(p.bytes, want[i].bytes);
      EXPECT_GE(p.ms, 0);
      EXPECT_GE(p.start_ms, previous_end);  // in order, never overlapping
      previous_end = p.start_ms + p.ms;
    }

    // Totals per network in first-seen order, then all, adding up.
    const std::vector<NetworkTotal> totals = profile.totals();
    ASSERT_EQ(totals.size(), 3u);
    EXPECT_EQ(totals[0].network, "enc");
    EXPECT_EQ(totals[1].network, "head");
    EXPECT_EQ(totals[2].network, "all");
    EXPECT_EQ(totals[0].nodes, 2);
    EXPECT_EQ(totals[1].nodes, 1);
    EXPECT_EQ(totals[2].nodes, 3);
    const auto& n = profile.nodes();
    EXPECT_DOUBLE_EQ(totals[0].flops, n[0].flops + n[1].flops);
    EXPECT_DOUBLE_EQ(totals[0].bytes, n[0].bytes + n[1].bytes);
    EXPECT_DOUBLE_EQ(totals[0].ms, n[0].ms + n[1].ms);
    EXPECT_DOUBLE_EQ(totals[1].flops, n[2].flops);
    EXPECT_DOUBLE_EQ(totals[2].flops, totals[0].flops + totals[1].flops);
    EXPECT_DOUBLE_EQ(totals[2].bytes, totals[0].bytes + totals[1].bytes);
    EXPECT_DOUBLE_EQ(totals[2].ms, totals[0].ms + totals[1].ms);

    // A second run appends; clear forgets.
    run_into(net, *backend, profile);
    ASSERT_EQ(profile.nodes().size(), 2 * want.size());
    EXPECT_EQ(profile.nodes()[3].name, "enc.conv");
    EXPECT_GE(profile.nodes()[3].start_ms, profile.nodes()[2].start_ms + profile.nodes()[2].ms);
    EXPECT_EQ(profile.totals().back().nodes, 6);
    profile.clear();
    EXPECT_TRUE(profile.nodes().empty());
    ASSERT_EQ(profile.totals().size(), 1u);
    EXPECT_EQ(profile.totals()[0].nodes, 0);
  }
}

TEST(Profile, BytesAreCountedInOnePlace) {
  // The op checker (and the benches through it) and the profile agree on a conv whose
  // residual is absent; OpTraits::bytes is the figure with every input bound.
  TwoNetworks net;
  const OpArgs& conv = net.g.nodes()[0].op;
  const OpTraits t = traits_of(conv);
  auto cpu = make_backend("cpu");
  const BoundOp bound(conv,
                      {net.input.data, net.g.value(1).constant->data, net.g.value(2).constant->data, {}}, *cpu);
  EXPECT_DOUBLE_EQ(bound.bytes(), TwoNetworks::want()[0].bytes);
  const double out = static_cast<double>(t.output.numel());
  EXPECT_DOUBLE_EQ(t.bytes, bound.bytes() + 4 * out);  // the residual has the output's size
  EXPECT_DOUBLE_EQ(compulsory_bytes(t, {true, true, true, true}), t.bytes);
  EXPECT_THROW(compulsory_bytes(t, {true}), std::invalid_argument);
}

TEST(Profile, JsonCarriesEveryField) {
  TwoNetworks net;
  auto cpu = make_backend("cpu");
  Profile profile("cpu");
  run_into(net, *cpu, profile);

  const nlohmann::json j = nlohmann::json::parse(profile.json());
  EXPECT_EQ(j.at("backend"), "cpu");
  ASSERT_EQ(j.at("nodes").size(), profile.nodes().size());
  for (size_t i = 0; i < profile.nodes().size(); ++i) {
    const NodeProfile& p = profile.nodes()[i];
    const nlohmann::json& n = j["nodes"][i];
    EXPECT_EQ(n.at("network"), p.network);
    EXPECT_EQ(n.at("name"), p.name);
    EXPECT_EQ(n.at("op"), p.op);
    EXPECT_EQ(n.at("detail"), p.detail);
    EXPECT_EQ(n.at("algorithm"), p.algorithm);
    EXPECT_DOUBLE_EQ(n.at("start_ms").get<double>(), p.start_ms);
    EXPECT_DOUBLE_EQ(n.at("ms").get<double>(), p.ms);
    EXPECT_DOUBLE_EQ(n.at("flops").get<double>(), p.flops);
    EXPECT_DOUBLE_EQ(n.at("bytes").get<double>(), p.bytes);
    EXPECT_DOUBLE_EQ(n.at("gflop_per_s").get<double>(), per_second_g(p.flops, p.ms));
    EXPECT_DOUBLE_EQ(n.at("gb_per_s").get<double>(), per_second_g(p.bytes, p.ms));
  }
  const std::vector<NetworkTotal> totals = profile.totals();
  ASSERT_EQ(j.at("networks").size(), totals.size() - 1);
  for (size_t i = 0; i < totals.size(); ++i) {
    const nlohmann::json& t = i + 1 < totals.size() ? j["networks"][i] : j.at("total");
    EXPECT_EQ(t.at("network"), totals[i].network);
    EXPECT_EQ(t.at("nodes"), totals[i].nodes);
    EXPECT_DOUBLE_EQ(t.at("ms").get<double>(), totals[i].ms);
    EXPECT_DOUBLE_EQ(t.at("flops").get<double>(), totals[i].flops);
    EXPECT_DOUBLE_EQ(t.at("bytes").get<double>(), totals[i].bytes);
    EXPECT_TRUE(t.contains("gflop_per_s") && t.contains("gb_per_s"));
  }

  const fs::path dir = scratch_dir("json");
  const std::string path = (dir / "profile.json").string();
  profile.write_json(path);
  EXPECT_EQ(nlohmann::json::parse(read_text(path)), j);
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 1);  // no temporary left
}

TEST(Profile, TraceHasOneCompleteEventPerNode) {
  TwoNetworks net;
  for (const std::string& name : runnable_backends()) {
    SCOPED_TRACE(name);
    auto backend = make_backend(name);
    Profile profile(backend->name());
    run_into(net, *backend, profile, 2);

    const fs::path dir = scratch_dir("trace_" + name);
    const std::string path = (dir / "trace.json").string();
    profile.write_trace(path);
    const nlohmann::json j = nlohmann::json::parse(read_text(path));
    std::vector<nlohmann::json> complete;
    std::map<int, std::string> tracks;  // tid -> thread_name
    for (const nlohmann::json& e : j.at("traceEvents")) {
      if (e.at("ph") == "X") complete.push_back(e);
      if (e.at("ph") == "M" && e.at("name") == "thread_name") tracks[e.at("tid").get<int>()] = e["args"]["name"];
    }
    ASSERT_EQ(complete.size(), profile.nodes().size());
    double previous_ts = -1;
    for (size_t i = 0; i < complete.size(); ++i) {
      const nlohmann::json& e = complete[i];
      const NodeProfile& p = profile.nodes()[i];
      EXPECT_EQ(e.at("name"), p.name);
      EXPECT_EQ(e.at("cat"), p.op);
      EXPECT_GE(e.at("dur").get<double>(), 0);
      EXPECT_GE(e.at("ts").get<double>(), previous_ts);
      previous_ts = e["ts"].get<double>();
      EXPECT_DOUBLE_EQ(e.at("ts").get<double>(), p.start_ms * 1e3);  // microseconds
      EXPECT_DOUBLE_EQ(e.at("dur").get<double>(), p.ms * 1e3);
      EXPECT_DOUBLE_EQ(e.at("args").at("flops").get<double>(), p.flops);
      EXPECT_DOUBLE_EQ(e.at("args").at("bytes").get<double>(), p.bytes);
      EXPECT_EQ(e.at("args").at("detail"), p.detail);
      EXPECT_EQ(e.at("args").at("algorithm"), p.algorithm);
      EXPECT_EQ(tracks.at(e.at("tid").get<int>()), p.network);  // one track per network
    }
    EXPECT_EQ(tracks.size(), 2u);
    EXPECT_EQ(j.at("otherData").at("backend"), name);
  }
}

TEST(Profile, TablePrintsEveryNodeAndTheTotals) {
  TwoNetworks net;
  auto cpu = make_backend("cpu");
  Profile profile("cpu");
  run_into(net, *cpu, profile);
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  profile.print(f);
  std::rewind(f);
  std::string text;
  for (int c; (c = std::fgetc(f)) != EOF;) text.push_back(static_cast<char>(c));
  std::fclose(f);
  for (const char* s : {"cpu", "enc.conv", "enc.norm", "head.fc", "GFLOP/s", "GB/s", "\nenc ", "\nhead ", "\nall "})
    EXPECT_NE(text.find(s), std::string::npos) << s << " in\n" << text;
  EXPECT_NE(text.find(describe(net.g.nodes()[0].op)), std::string::npos);
}

TEST(Profile, AFailedWriteNamesThePathAndLeavesNoFile) {
  Profile profile("cpu");
  const fs::path dir = scratch_dir("unwritable");
  std::ofstream(dir / "file") << "x";
  // Under a regular file (unwritable even for root), and onto a directory (the rename fails).
  for (const fs::path& path : {dir / "file" / "profile.json", dir / "a_directory"}) {
    SCOPED_TRACE(path.string());
    if (path.filename() == "a_directory") fs::create_directory(path);
    for (int trace = 0; trace < 2; ++trace) {
      try {
        trace ? profile.write_trace(path.string()) : profile.write_json(path.string());
        ADD_FAILURE() << "no exception";
      } catch (const std::exception& e) {
        EXPECT_NE(std::string(e.what()).find(path.string()), std::string::npos) << e.what();
      }
      std::vector<std::string> left;
      for (const auto& entry : fs::directory_iterator(dir)) left.push_back(entry.path().filename().string());
      std::sort(left.begin(), left.end());
      const std::vector<std::string> before =
          path.filename() == "a_directory" ? std::vector<std::string>{"a_directory", "file"} : std::vector<std::string>{"file"};
      EXPECT_EQ(left, before);
      EXPECT_EQ(read_text((dir / "file").string()), "x");
    }
  }
  EXPECT_TRUE(fs::is_directory(dir / "a_directory"));
  EXPECT_TRUE(fs::is_empty(dir / "a_directory"));
}

}  // namespace
}  // namespace xfv
