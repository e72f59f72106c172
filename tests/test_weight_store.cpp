// The weight store: every graph of a model refers to one copy of each constant, on the host
// and on the backend, and runs as a graph with its own copies does.
#include <gtest/gtest.h>

#include <random>

#include "engine/graph.h"
#include "engine/runner.h"
#include "engine/weight_store.h"

namespace xfv {
namespace {

HostTensor random_tensor(Shape s, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1, 1);
  HostTensor t(s);
  for (float& v : t.data) v = u(rng);
  return t;
}

// net.conv (3x3, 4 -> 4 channels) on a (batch, 4, 6, 5) input, its weight and bias built
// afresh from `seed` as a builder would for each batch.
struct ConvNet {
  Graph g;
  ValueId x, w, b, y;
  ConvNet(int batch, unsigned seed) {
    x = g.add_input("net.input.x", Shape{batch, 4, 6, 5});
    w = g.add_constant("net.conv.weight", random_tensor(Shape{4, 4, 3, 3}, seed));
    b = g.add_constant("net.conv.bias", random_tensor(Shape{4}, seed + 1));
    Conv2dArgs c;
    c.d = {batch, 4, 6, 5, 4, 3, 3};
    c.d.pad_h = c.d.pad_w = 1;
    y = g.add_node("net.conv", c, {x, w, b, kNoValue});
    g.mark_output(y);
  }
};

HostTensor run(const ConvNet& net, Backend& backend, const WeightStore* store, const HostTensor& input) {
  Runner r(net.g, backend, false, store);
  r.set_input(net.x, input);
  r.run();
  return r.read(net.y);
}

std::vector<std::string> backends() {
  std::vector<std::string> names;
  for (const std::string& n : compiled_backends())
    if (backend_available(n)) names.push_back(n);
  return names;
}

TEST(WeightStore, GraphsShareOneCopyAndRunAsWithTheirOwn) {
  for (const std::string& name : backends()) {
    SCOPED_TRACE(name);
    const std::unique_ptr<Backend> backend = make_backend(name);
    WeightStore store(*backend);
    ConvNet one(1, 5), three(3, 5);
    store.adopt(one.g);
    store.adopt(three.g);
    // The second graph's constants are now the first one's: one host copy.
    EXPECT_EQ(one.g.value(one.w).constant, three.g.value(three.w).constant);
    EXPECT_EQ(one.g.value(one.b).constant, three.g.value(three.b).constant);
    EXPECT_EQ(store.count(), 2u);
    EXPECT_EQ(store.bytes(), (4u * 4 * 9 + 4) * sizeof(float));
    EXPECT_EQ(store.bytes_per_network().at("net"), store.bytes());
    // One backend buffer, read in place on a backend that runs on host memory.
    EXPECT_EQ(store.address(one.g, one.w), store.address(three.g, three.w));
    if (backend->runs_on_host_memory()) EXPECT_EQ(store.address(one.g, one.w), one.g.value(one.w).constant->data.data());
    else EXPECT_NE(store.address(one.g, one.w), one.g.value(one.w).constant->data.data());

    const HostTensor input = random_tensor(Shape{3, 4, 6, 5}, 11);
    ConvNet own(3, 5);
    const HostTensor want = run(own, *backend, nullptr, input);
    const HostTensor got = run(three, *backend, &store, input);
    ASSERT_EQ(got.data.size(), want.data.size());
    for (size_t i = 0; i < want.data.size(); ++i) ASSERT_EQ(got.data[i], want.data[i]) << i;
  }
}

TEST(WeightStore, RefusesTwoDifferentConstantsOfOneName) {
  const std::unique_ptr<Backend> cpu = make_backend("cpu");
  WeightStore store(*cpu);
  ConvNet a(1, 5), b(1, 6);
  store.adopt(a.g);
  EXPECT_THROW(store.adopt(b.g), std::logic_error);
}

TEST(WeightStore, ConstantsOfOneNameAndAnotherShapeAreKeptApart) {
  // FAN's coordinate grid is named alike at every batch: the shape tells them apart.
  const std::unique_ptr<Backend> cpu = make_backend("cpu");
  WeightStore store(*cpu);
  Graph g1, g2;
  const ValueId c1 = g1.add_constant("fan.coords", random_tensor(Shape{1, 8}, 1));
  const ValueId c2 = g2.add_constant("fan.coords", random_tensor(Shape{2, 8}, 2));
  store.adopt(g1);
  store.adopt(g2);
  EXPECT_EQ(store.count(), 2u);
  EXPECT_NE(store.address(g1, c1), store.address(g2, c2));
}

TEST(WeightStore, AGraphItDidNotAdoptIsALogicError) {
  const std::unique_ptr<Backend> cpu = make_backend("cpu");
  WeightStore store(*cpu);
  ConvNet net(1, 5);
  EXPECT_THROW(store.address(net.g, net.w), std::logic_error);
}

}  // namespace
}  // namespace xfv
