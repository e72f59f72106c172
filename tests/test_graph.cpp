// The arena planner, the graph and the runner.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>

#include "engine/arena.h"
#include "engine/cpu/conv2d_winograd.h"
#include "engine/cpu/cpu_ops.h"
#include "engine/cpu/gemm.h"
#include "engine/graph.h"
#include "engine/opcheck.h"
#include "engine/runner.h"
#include "engine/weight_store.h"
#include "kernels/precision.h"

namespace xfv {
namespace {

TEST(Arena, NoLiveBuffersOverlapAndMemoryIsReused) {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 50; ++trial) {
    std::vector<BufferLifetime> bufs;
    const int steps = 20;
    for (int i = 0; i < 30; ++i) {
      const int first = static_cast<int>(rng() % steps) - 1;
      const int last = first + 1 + static_cast<int>(rng() % 4);
      bufs.push_back({1 + rng() % 5000, first, last});
    }
    const ArenaPlan plan = plan_arena(bufs, 256);
    size_t sum = 0;
    for (size_t i = 0; i < bufs.size(); ++i) {
      EXPECT_EQ(plan.offsets[i] % 256, 0u);
      EXPECT_LE(plan.offsets[i] + bufs[i].bytes, plan.total_bytes);
      sum += (bufs[i].bytes + 255) / 256 * 256;
      for (size_t j = 0; j < i; ++j) {
        const bool live_together = bufs[i].first <= bufs[j].last && bufs[j].first <= bufs[i].last;
        const bool overlap = plan.offsets[i] < plan.offsets[j] + bufs[j].bytes &&
                             plan.offsets[j] < plan.offsets[i] + bufs[i].bytes;
        EXPECT_FALSE(live_together && overlap) << "buffers " << i << " and " << j;
      }
    }
    EXPECT_LT(plan.total_bytes, sum);  // short lifetimes over 20 steps must share memory
  }
}

TEST(Arena, AChainNeedsOnlyTwoBuffers) {
  // a -> b -> c -> d: each buffer dies when the next is written, so two slots suffice.
  std::vector<BufferLifetime> chain{{1024, -1, 0}, {1024, 0, 1}, {1024, 1, 2}, {1024, 2, 3}};
  EXPECT_EQ(plan_arena(chain, 256).total_bytes, 2048u);
}

// A tensor of values uniform in [-1, 1].
HostTensor uniform_tensor(Shape s, std::mt19937& rng) {
  std::uniform_real_distribution<float> u(-1, 1);
  HostTensor t(s);
  for (float& v : t.data) v = u(rng);
  return t;
}

// x -> conv (named as the reference module path) -> IN + LReLU -> + x -> output
struct SmallNet {
  Graph g;
  ValueId x, conv, norm, out;
  HostTensor input;

  SmallNet() {
    std::mt19937 rng(3);
    const auto random = [&](Shape s) { return uniform_tensor(s, rng); };
    x = g.add_input("net.input.x", Shape{1, 4, 6, 5});
    const ValueId w = g.add_constant("net.conv.weight", random(Shape{4, 4, 3, 3}));
    const ValueId b = g.add_constant("net.conv.bias", random(Shape{4}));
    Conv2dArgs c;
    c.d = {1, 4, 6, 5, 4, 3, 3};
    c.d.pad_h = c.d.pad_w = 1;
    conv = g.add_node("net.conv", c, {x, w, b, kNoValue});
    InstanceNormArgs n;
    n.d = {1, 4, 30};
    n.d.leaky = true;
    norm = g.add_node("net.norm", n, {conv, kNoValue, kNoValue, kNoValue});
    BinaryArgs add;
    add.d = {1, 4, 30, false, BinaryOp::kAdd, 1 / std::sqrt(2.f)};
    out = g.add_node("net.output", add, {norm, x});
    g.mark_output(out);
    input = random(Shape{1, 4, 6, 5});
  }
};

TEST(Graph, RejectsWrongShapesAndNames) {
  Graph g;
  const ValueId x = g.add_input("x", Shape{1, 3, 4, 4});
  EXPECT_THROW(g.add_input("x", Shape{1}), std::invalid_argument);
  Conv2dArgs c;
  c.d = {1, 4, 4, 4, 8, 1, 1};  // expects 4 input channels, x has 3
  const ValueId w = g.add_constant("w", HostTensor(Shape{8, 4, 1, 1}));
  EXPECT_THROW(g.add_node("conv", c, {x, w, kNoValue, kNoValue}), std::invalid_argument);
  EXPECT_THROW(g.add_node("conv", c, {x, w}), std::invalid_argument);
  EXPECT_EQ(g.find("x"), x);
  EXPECT_EQ(g.find("nope"), kNoValue);
}

TEST(Runner, MatchesTheOpsRunOneByOne) {
  SmallNet net;
  auto cpu = make_backend("cpu");
  // Reference: the same ops through run_case, one at a time.
  OpCase conv{net.g.nodes()[0].op, {net.input.data, net.g.value(1).constant->data,
                                    net.g.value(2).constant->data, {}}};
  const std::vector<float> c = run_case(conv, *cpu).output;
  const std::vector<float> n = run_case({net.g.nodes()[1].op, {c, {}, {}, {}}}, *cpu).output;
  const std::vector<float> want = run_case({net.g.nodes()[2].op, {n, net.input.data}}, *cpu).output;

  for (const std::string& name : compiled_backends()) {
    if (!backend_available(name)) continue;
    auto backend = make_backend(name);
    Runner runner(net.g, *backend, /*keep_every_value=*/true);
    runner.set_input(net.x, net.input);
    std::vector<std::string> order;
    runner.run([&](const Node& node, const std::string& name, double ms) {
      EXPECT_EQ(name, net.g.value(node.output).name);
      order.push_back(name);
      EXPECT_GE(ms, 0);
    });
    EXPECT_EQ(order, (std::vector<std::string>{"net.conv", "net.norm", "net.output"}));
    EXPECT_LE(relative_l2(runner.read(net.out).data, want), 1e-5) << name;
    EXPECT_LE(relative_l2(runner.read(net.conv).data, c), 1e-5) << name;
  }
}

// A dilated 1-D conv that the cpu runs by Winograd F(4,3), then a transposed conv (a
// HiFi-GAN upsampling): a runner has the backend keep their weights' transforms for the
// runner's life (Backend::keep_constants), shared by the runners alive on the same weights
// and forgotten with the last of them, and the outputs keep the bits of the ops run alone,
// which transform their weights in the call.
TEST(Runner, KeptWeightTransformsGiveTheCallsBitsAndDieWithTheirLastRunner) {
  auto cpu = make_backend("cpu");
  std::mt19937 rng(11);
  const auto random = [&](Shape s) { return uniform_tensor(s, rng); };
  const HostTensor x = random(Shape{1, 16, 1, 97}), w = random(Shape{16, 16, 1, 3}), wt = random(Shape{16, 8, 16});
  Conv2dArgs conv;
  conv.d = {1, 16, 1, 97, 16, 1, 3};
  conv.d.dil_w = 3, conv.d.pad_w = 3, conv.d.input_slope = 0.1f;
  ConvTranspose1dArgs up;
  up.d = {1, 16, 97, 8, 16, 8, 4, 0.1f};
  ASSERT_EQ(cpu::algorithm(conv), "winograd F(4,3)");
  std::vector<float> mid(16 * 97, NAN), want(8 * static_cast<size_t>(up.d.out_w()), NAN);
  conv.x = x.data.data(), conv.w = w.data.data(), conv.y = mid.data();
  cpu::run(conv);  // no runner: the transforms are made in the call
  up.x = mid.data(), up.w = wt.data.data(), up.y = want.data();
  cpu::run(up);

  Graph g;
  const ValueId in = g.add_input("x", x.shape);
  const ValueId y = g.add_node("y", conv, {in, g.add_constant("w", w), kNoValue, kNoValue});
  const ValueId out = g.add_node("up", up, {y, g.add_constant("wt", wt), kNoValue});
  g.mark_output(out);
  WeightStore store(*cpu);
  store.adopt(g);
  // F(4,3): 6 points per weight row (packed for the GEMM where the cpu packs them: a conv
  // this narrow); polyphase: 8 phases of 2 taps per (cin, cout).
  const size_t transform_bytes =
      (cpu::winograd1d_prepared_size(conv.d, cpu::winograd1d_scheme(conv.d)) + 8u * 8 * 16 * 2) * sizeof(float);
  EXPECT_GE(transform_bytes, (6u * 16 * 16 + 8u * 8 * 16 * 2) * sizeof(float));
  const auto check = [&](Runner& runner) {
    runner.set_input(in, x);
    runner.run();
    const std::vector<float> got = runner.read(out).data;
    ASSERT_EQ(got.size(), want.size());
    for (size_t i = 0; i < got.size(); ++i) ASSERT_EQ(got[i], want[i]) << "output " << i;
  };
  {
    Runner first(g, *cpu, false, &store), second(g, *cpu, false, &store);
    EXPECT_EQ(first.prepared_bytes(), transform_bytes);
    EXPECT_EQ(second.prepared_bytes(), 0u) << "the second runner shares the first one's transforms";
    check(first), check(second);
  }
  Runner third(g, *cpu, false, &store);
  EXPECT_EQ(third.prepared_bytes(), transform_bytes) << "the transforms died with their last runner";
  check(third);
}

// The 2-D convs' kept forms: a 3x3 conv the cpu runs by Winograd F(2x2, 3x3) (U kept, packed
// where BLIS is), then a strided 3x3 and a 1x1 whose output planes are narrow enough for the
// cpu to keep their weights packed and split their output channels among the threads. Two
// images, since the Winograd conv runs per image. The outputs keep the bits of the ops run
// alone, which make U and pack the weights in the call.
TEST(Runner, KeptTwoDimensionalConvFormsGiveTheCallsBits) {
  auto cpu = make_backend("cpu");
  std::mt19937 rng(12);
  const auto random = [&](Shape s) { return uniform_tensor(s, rng); };
  const HostTensor x = random(Shape{2, 32, 16, 32}), wa = random(Shape{32, 32, 3, 3}), ba = random(Shape{32}),
                   wb = random(Shape{48, 32, 3, 3}), bb = random(Shape{48}), wc = random(Shape{40, 48, 1, 1});
  Conv2dArgs a, b, c;
  a.d = {2, 32, 16, 32, 32, 3, 3};
  a.d.pad_h = a.d.pad_w = 1;
  b.d = {2, 32, 16, 32, 48, 3, 3};
  b.d.pad_h = b.d.pad_w = 1, b.d.stride_h = b.d.stride_w = 2, b.d.input_slope = 0.2f;
  c.d = {2, 48, 8, 16, 40, 1, 1};
  c.d.alpha = 0.5f;
  ASSERT_EQ(cpu::algorithm(a), "winograd F(2x2,3x3)");
  ASSERT_EQ(cpu::algorithm(b), "im2col+gemm");
  ASSERT_EQ(cpu::algorithm(c), "gemm");
  const bool blis = std::string(cpu::gemm_implementation()) == "blis";
  ASSERT_TRUE(cpu::winograd2d_prepares(a.d, 2));
  ASSERT_EQ(cpu::im2col_packs(b.d), blis);
  ASSERT_EQ(cpu::im2col_packs(c.d), blis);

  std::vector<float> ya(2 * 32 * 16 * 32, NAN), yb(2 * 48 * 8 * 16, NAN), want(2 * 40 * 8 * 16, NAN);
  a.x = x.data.data(), a.w = wa.data.data(), a.bias = ba.data.data(), a.y = ya.data();
  b.x = ya.data(), b.w = wb.data.data(), b.bias = bb.data.data(), b.y = yb.data();
  c.x = yb.data(), c.w = wc.data.data(), c.y = want.data();
  for (const Conv2dArgs* conv : {&a, &b, &c}) cpu::run(*conv);  // no runner: nothing kept

  Graph g;
  const ValueId in = g.add_input("x", x.shape);
  const ValueId ga = g.add_node("a", a, {in, g.add_constant("wa", wa), g.add_constant("ba", ba), kNoValue});
  const ValueId gb = g.add_node("b", b, {ga, g.add_constant("wb", wb), g.add_constant("bb", bb), kNoValue});
  const ValueId out = g.add_node("c", c, {gb, g.add_constant("wc", wc), kNoValue, kNoValue});
  g.mark_output(out);
  WeightStore store(*cpu);
  store.adopt(g);
  const auto output_of = [&](Runner& runner) {
    runner.set_input(in, x);
    runner.run();
    return runner.read(out).data;
  };
  const size_t kept = (cpu::winograd2d_prepared_size(a.d, 2) +
                       (blis ? cpu::im2col_prepared_size(b.d) + cpu::im2col_prepared_size(c.d) : 0)) *
                      sizeof(float);
  {
    Runner runner(g, *cpu, false, &store);
    EXPECT_EQ(runner.prepared_bytes(), kept);
    const std::vector<float> got = output_of(runner);
    ASSERT_EQ(got.size(), want.size());
    for (size_t i = 0; i < got.size(); ++i) ASSERT_EQ(got[i], want[i]) << "output " << i;
  }
  // Within a limit (a session's budget: ModelSession), a node whose preparation would pass it
  // makes its weights' forms in the call: less kept, the same bits.
  for (const size_t limit : {size_t{0}, kept - 1}) {
    Runner limited(g, *cpu, false, &store, limit);
    EXPECT_LE(limited.prepared_bytes(), limit);
    EXPECT_TRUE(output_of(limited) == want) << "limit " << limit;
  }
}

// A conv2d, a linear layer (per-domain heads: a batch of weights on one shared input) and a
// transposed conv (a HiFi-GAN upsampling) at precision p, each a branch of one graph, their
// weights constants.
struct TensorCoreLayers {
  static constexpr size_t kConvWeights = 20 * 12 * 3 * 3, kHeadsWeights = 4 * 24 * 40, kUpWeights = 16 * 8 * 16;
  Graph g;
  std::vector<ValueId> inputs, weights, outputs;

  TensorCoreLayers(Precision p, std::mt19937& rng) {
    const auto random = [&](Shape s) { return uniform_tensor(s, rng); };
    Conv2dArgs conv;
    conv.d = {1, 12, 9, 11, 20, 3, 3};
    conv.d.pad_h = conv.d.pad_w = 1, conv.d.input_slope = 0.2f, conv.d.precision = p;
    LinearArgs heads;
    heads.d = {2, 40, 24};
    heads.d.batch = 4, heads.d.w_stride = 24 * 40, heads.d.bias_stride = 24, heads.d.y_stride = 2 * 24;
    heads.d.precision = p;
    ConvTranspose1dArgs up;
    up.d = {1, 16, 13, 8, 16, 8, 4, 0.1f};
    up.d.precision = p;
    inputs = {g.add_input("conv.x", Shape{1, 12, 9, 11}), g.add_input("heads.x", Shape{2, 40}),
              g.add_input("up.x", Shape{1, 16, 13})};
    weights = {g.add_constant("conv.w", random(Shape{20, 12, 3, 3})), g.add_constant("heads.w", random(Shape{4, 24, 40})),
               g.add_constant("up.w", random(Shape{16, 8, 16}))};
    outputs = {g.add_node("conv", conv, {inputs[0], weights[0], g.add_constant("conv.b", random(Shape{20})), kNoValue}),
               g.add_node("heads", heads, {inputs[1], weights[1], g.add_constant("heads.b", random(Shape{4, 24}))}),
               g.add_node("up", up, {inputs[2], weights[2], g.add_constant("up.b", random(Shape{8}))})};
    for (ValueId out : outputs) g.mark_output(out);
  }
};

// The device backends store a reduced-precision layer's constant weights at its precision
// (engine/stored_weights.h: bf16 and fp16 in 16 bits, TF32 rounded in fp32 words), once per
// runner's node within its prepare_limit, shared by the runners on the same weights. The
// stored forms give the bits of the fp32 weights rounded as the fragments are built (a node
// past the limit, or a weight that is no constant, still reads those), and they alone are
// read: the fp32 weights poisoned afterwards change nothing. On sim (and cuda, where a GPU
// is), every precision, fresh inputs and weights, outputs poisoned before each run; the
// cpu's rounded reference bounds them as it bounds the op cases.
void check_stored_weights(Backend& device, Backend& cpu, Precision p, std::mt19937& rng) {
  SCOPED_TRACE(precision_name(p));
  TensorCoreLayers net(p, rng);
  std::vector<HostTensor> inputs;
  for (ValueId in : net.inputs) inputs.push_back(uniform_tensor(net.g.value(in).shape, rng));
  // Outputs poisoned first: a later node's output may share the buffer of an input that
  // dies before it.
  const auto outputs_of = [&](Runner& runner) {
    for (ValueId out : net.outputs) {
      HostTensor poison(net.g.value(out).shape);
      std::fill(poison.data.begin(), poison.data.end(), NAN);
      runner.overwrite(out, poison);
    }
    for (size_t i = 0; i < inputs.size(); ++i) runner.set_input(net.inputs[i], inputs[i]);
    runner.run();
    std::vector<std::vector<float>> outputs;
    for (ValueId out : net.outputs) outputs.push_back(runner.read(out).data);
    return outputs;
  };
  Runner reference(net.g, cpu);
  if (p != Precision::Fp32) {
    EXPECT_EQ(reference.prepared_bytes(), 0u) << "the cpu's rounded reference derives nothing";
  }
  const std::vector<std::vector<float>> rounded = outputs_of(reference);
  WeightStore store(device);
  store.adopt(net.g);

  Runner unstored(net.g, device, false, &store, /*prepare_limit=*/0);
  EXPECT_EQ(unstored.prepared_bytes(), 0u);
  const std::vector<std::vector<float>> want = outputs_of(unstored);
  // Stored weights: 2 bytes each at bf16 and fp16, against fp32's 4; 4 at TF32; none at fp32.
  const size_t bytes_per_weight = p == Precision::Fp32 ? 0 : p == Precision::Tf32 ? 4 : 2;
  const size_t conv_bytes = TensorCoreLayers::kConvWeights * bytes_per_weight,
               heads_bytes = TensorCoreLayers::kHeadsWeights * bytes_per_weight,
               up_bytes = TensorCoreLayers::kUpWeights * bytes_per_weight;
  std::vector<std::vector<std::vector<float>>> got;
  {
    // A limit that the linear layer's weights would pass: it reads its fp32 weights, the
    // convs their stored forms.
    Runner partly(net.g, device, false, &store, conv_bytes + up_bytes);
    EXPECT_EQ(partly.prepared_bytes(), conv_bytes + up_bytes);
    got.push_back(outputs_of(partly));
  }
  Runner stored(net.g, device, false, &store), sharing(net.g, device, false, &store);
  EXPECT_EQ(stored.prepared_bytes(), conv_bytes + heads_bytes + up_bytes);
  EXPECT_EQ(sharing.prepared_bytes(), 0u) << "the second runner shares the first one's stored weights";
  if (p != Precision::Fp32)
    for (ValueId w : net.weights)
      device.fill_bytes(const_cast<float*>(store.address(net.g, w)), 0xff, net.g.value(w).shape.numel() * sizeof(float));
  got.push_back(outputs_of(stored));
  got.push_back(outputs_of(sharing));
  const double bound = p == Precision::Fp32 ? 1e-5 : 1e-6;
  for (size_t o = 0; o < net.outputs.size(); ++o) {
    SCOPED_TRACE(net.g.value(net.outputs[o]).name);
    EXPECT_LE(relative_l2(want[o], rounded[o]), bound);
    for (const std::vector<std::vector<float>>& run : got) {
      ASSERT_EQ(run[o].size(), want[o].size());
      for (size_t i = 0; i < want[o].size(); ++i)
        ASSERT_EQ(float_bits(run[o][i]), float_bits(want[o][i])) << "element " << i;
    }
  }
}

TEST(Runner, StoredWeightsOfTensorCoreLayersGiveTheBitsOfTheFp32Weights) {
  auto cpu = make_backend("cpu");
  const unsigned seed = std::random_device{}();
  SCOPED_TRACE(seed);
  std::mt19937 rng(seed);
  int checked = 0;
  for (const char* name : {"sim", "cuda"}) {
    if (!backend_available(name)) continue;
    SCOPED_TRACE(name);
    ++checked;
    auto device = make_backend(name);
    for (Precision p : {Precision::Fp32, Precision::Tf32, Precision::Bf16, Precision::Fp16})
      check_stored_weights(*device, *cpu, p, rng);
  }
  if (!checked) GTEST_SKIP() << "neither sim nor a GPU here";
}

TEST(Runner, RejectsAnInputOfTheWrongShape) {
  SmallNet net;
  auto cpu = make_backend("cpu");
  Runner runner(net.g, *cpu);
  EXPECT_THROW(runner.set_input(net.x, HostTensor(Shape{1, 4, 5, 6})), std::invalid_argument);
  EXPECT_THROW(runner.set_input(net.out, net.input), std::invalid_argument);
  EXPECT_THROW(runner.overwrite(net.x, net.input), std::invalid_argument);
  EXPECT_THROW(runner.overwrite(net.g.find("net.conv.weight"), net.input), std::invalid_argument);
}

// A node writes two halves; views read each. The views' readers come after a node that
// could take the base's memory if reading a view did not keep its base alive.
TEST(Runner, ViewsReadTheirPartAndKeepTheBaseAlive) {
  Graph g;
  const ValueId x = g.add_input("x", Shape{1, 2, 1, 8});
  const auto scale = [&](const std::string& name, ValueId v, float a) {
    UnaryArgs u;
    u.d = {g.value(v).shape.numel(), UnaryOp::kScale, a};
    return g.add_node(name, u, {v});
  };
  const ValueId both = scale("both", x, 2.f);
  const ValueId top = g.add_view("top", both, 0, Shape{1, 1, 1, 8});
  const ValueId bottom = g.add_view("bottom", both, 8, Shape{1, 1, 1, 8});
  EXPECT_THROW(g.add_view("past_the_end", both, 9, Shape{1, 1, 1, 8}), std::invalid_argument);
  EXPECT_THROW(g.add_view("of_an_input", x, 0, Shape{1, 1, 1, 8}), std::invalid_argument);
  const ValueId other = scale("other", x, 3.f);  // written after both's last direct use
  BinaryArgs add;
  add.d = {1, 1, 8, false, BinaryOp::kAdd, 1.f};
  const ValueId first = g.add_node("first", add, {top, bottom});
  const ValueId out = g.add_node("out", add, {first, bottom});
  g.mark_output(out);
  (void)other;

  HostTensor in(Shape{1, 2, 1, 8});
  for (size_t i = 0; i < in.data.size(); ++i) in.data[i] = static_cast<float>(i) + 1.f;
  auto cpu = make_backend("cpu");
  Runner runner(g, *cpu);
  runner.set_input(x, in);
  runner.run();
  const HostTensor got = runner.read(out);
  for (size_t i = 0; i < 8; ++i) EXPECT_EQ(got.data[i], 2.f * in.data[i] + 4.f * in.data[i + 8]) << i;
}

// A conv's output takes its residual's buffer where the graph reads the residual nowhere
// after the conv (Runner::plan), and the output keeps the bits of a run in which every value
// has a buffer of its own.
TEST(Runner, AConvTakesTheBufferOfAResidualThatDiesThere) {
  std::mt19937 rng(5);
  Graph g;
  const Shape shape{1, 8, 1, 40};
  const ValueId x = g.add_input("x", shape);
  const auto conv = [&](const std::string& name, ValueId in, ValueId residual) {
    Conv2dArgs c;
    c.d = {1, 8, 1, 40, 8, 1, 1};
    c.d.alpha = 0.5f, c.d.beta = 0.75f;
    const ValueId w = g.add_constant(name + ".weight", uniform_tensor(Shape{8, 8, 1, 1}, rng));
    return g.add_node(name, c, {in, w, kNoValue, residual});
  };
  const ValueId a = conv("a", x, kNoValue);
  const ValueId b = conv("b", x, a);  // a dies here: b takes its buffer
  const ValueId c = conv("c", b, b);  // b is c's input too: c has its own
  const ValueId d = conv("d", x, c);  // c is read after d: d has its own
  BinaryArgs add;
  add.d = {1, 8, 40, false, BinaryOp::kAdd, 1.f};
  const ValueId out = g.add_node("out", add, {d, c});
  g.mark_output(out);
  const ArenaPlan shared = Runner::plan(g, false), kept = Runner::plan(g, true);
  const auto at = [](const ArenaPlan& p, ValueId v) { return p.offsets[static_cast<size_t>(v)]; };
  EXPECT_EQ(at(shared, b), at(shared, a));
  EXPECT_NE(at(shared, c), at(shared, b));
  EXPECT_NE(at(shared, d), at(shared, c));
  EXPECT_NE(at(kept, b), at(kept, a)) << "every value kept: nothing shared";

  const HostTensor input = uniform_tensor(shape, rng);
  for (const std::string& name : compiled_backends()) {
    if (!backend_available(name)) continue;
    auto backend = make_backend(name);
    std::vector<float> got[2];
    for (bool keep : {false, true}) {
      Runner runner(g, *backend, keep);
      runner.set_input(x, input);
      runner.run();
      got[keep] = runner.read(out).data;
    }
    EXPECT_EQ(got[0], got[1]) << name;
  }
}

TEST(Backends, UnknownOrUnavailableIsAClearError) {
  try {
    make_backend("tpu");
    FAIL() << "no exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("tpu"), std::string::npos);
  }
}

}  // namespace
}  // namespace xfv
