// The C API's memory: a model's weights counted once, a session's compiled graphs within
// its byte budget (the least recently used evicted, the results unchanged), and a model
// that refuses to close under its open sessions. On the small XFaVoT bundle, on cpu.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "tests/capi/capi_fixtures.h"

namespace capi {
namespace {

// Bytes as the session's budget error writes them.
std::string megabytes(int64_t bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f MB", static_cast<double>(bytes) / 1e6);
  return text;
}

class CApiMemory : public CApiSuite {
 protected:
  void SetUp() override {
    open("XFV_XFAVOT", "small.safetensors");
    if (!IsSkipped()) voice_ = recording("small_reference24k.wav");
  }
  TaskResults run(xfv_session* s, const std::function<void()>& after_call = {}) {
    return run_tasks(model(), s, voice_, two_faces(), after_call);
  }
  xfv::MonoAudio voice_;
};

// A network's weights are read from the file when a session first runs it: a model whose
// sessions ran only the face style encoder's domain 1 holds that network's shared layers
// and that domain's head alone.
TEST_F(CApiMemory, WeightsAreReadWhenFirstRun) {
  const std::map<std::string, int64_t> file = file_tensor_bytes(small_bundle(), {{"image_style_encoder", 1}});
  ASSERT_EQ(xfv_model_host_bytes(model(), nullptr), 0) << xfv_last_error();
  std::vector<float> style = poisoned(16);
  ASSERT_EQ(xfv_style_from_face(session(), two_faces().data(), 1, style.data()), 0) << xfv_last_error();
  EXPECT_LT(file.at("image_style_encoder"), file_tensor_bytes(small_bundle()).at("image_style_encoder"));
  EXPECT_EQ(xfv_model_host_bytes(model(), nullptr), file.at("image_style_encoder"));
  for (const auto& [network, bytes] : file)
    EXPECT_EQ(xfv_model_host_bytes(model(), network.c_str()), network == "image_style_encoder" ? bytes : 0) << network;
}

TEST_F(CApiMemory, WeightsAreCountedOnce) {
  const std::map<std::string, int64_t> file = file_tensor_bytes(small_bundle(), task_domains());
  int64_t total = 0;
  for (const auto& [network, bytes] : file) total += bytes;
  ASSERT_EQ(xfv_model_backend_bytes(model(), nullptr), 0) << xfv_last_error();

  // One session running every task reads every network's tensors once; three more sessions,
  // each running every task, read none again, and cpu reads them in place.
  const TaskResults first = run(session());
  for (const auto& [network, bytes] : file) EXPECT_EQ(xfv_model_host_bytes(model(), network.c_str()), bytes) << network;
  EXPECT_EQ(xfv_model_host_bytes(model(), nullptr), total);
  std::vector<SessionPtr> more;
  for (int i = 0; i < 3; ++i) {
    more.emplace_back(xfv_session_open(model(), nullptr));
    ASSERT_NE(more.back(), nullptr) << xfv_last_error();
    EXPECT_TRUE(run(more.back().get()) == first) << "session " << i;
  }
  EXPECT_EQ(xfv_model_host_bytes(model(), nullptr), total);
  for (const auto& [network, bytes] : file) EXPECT_EQ(xfv_model_host_bytes(model(), network.c_str()), bytes);
  EXPECT_EQ(xfv_model_backend_bytes(model(), nullptr), 0);
  EXPECT_EQ(xfv_model_backend_bytes(model(), "image_generator"), 0);
}

// A session's bytes are its compiled graphs': one more graph per network, batch and length.
TEST_F(CApiMemory, SessionBytesGrowWithCompiledGraphs) {
  xfv_session* s = session();
  EXPECT_EQ(xfv_session_bytes(s, nullptr), 0);
  const std::vector<float> faces = two_faces();
  std::vector<float> style = poisoned(16), out = poisoned(2 * 3 * 64 * 64), styles = poisoned(32);
  ASSERT_EQ(xfv_style_from_face(s, faces.data(), 0, style.data()), 0) << xfv_last_error();
  const int64_t encoder = xfv_session_bytes(s, "image_style_encoder");
  EXPECT_GT(encoder, 0);
  EXPECT_EQ(xfv_session_bytes(s, nullptr), encoder);
  EXPECT_EQ(xfv_session_bytes(s, "image_generator"), 0);

  ASSERT_EQ(xfv_translate_face(s, faces.data(), style.data(), out.data()), 0) << xfv_last_error();
  const int64_t batch1 = xfv_session_bytes(s, "image_generator");
  EXPECT_GT(batch1, 0);
  EXPECT_EQ(xfv_session_bytes(s, nullptr), encoder + batch1);
  ASSERT_EQ(xfv_translate_face(s, faces.data(), style.data(), out.data()), 0) << xfv_last_error();
  EXPECT_EQ(xfv_session_bytes(s, "image_generator"), batch1);  // the same shape: the same graph

  styles = style;
  styles.insert(styles.end(), style.begin(), style.end());
  ASSERT_EQ(xfv_translate_faces(s, 2, faces.data(), styles.data(), out.data()), 0) << xfv_last_error();
  const int64_t both = xfv_session_bytes(s, "image_generator");
  EXPECT_GT(both, batch1 + batch1 / 2);  // a second graph, at batch 2, beside the first
  EXPECT_EQ(xfv_session_bytes(s, "image_style_encoder"), encoder);
  EXPECT_EQ(xfv_session_bytes(s, nullptr), encoder + both);

  SessionPtr other(xfv_session_open(model(), nullptr));  // a session's graphs are its own
  ASSERT_NE(other, nullptr) << xfv_last_error();
  EXPECT_EQ(xfv_session_bytes(other.get(), nullptr), 0);
}

// A budget that holds the largest graph but not all of them: graphs are evicted and compiled
// again as the calls need them, the results stay the same bit for bit, and the session never
// holds more than its budget.
TEST_F(CApiMemory, BudgetEvictsWithoutChangingResults) {
  const TaskResults want = run(session());
  ASSERT_TRUE(finite(want.faces) && finite(want.wave) && !want.wave.empty());
  std::map<std::string, int64_t> per;
  int64_t largest = 0, sum = 0;
  for (const char* network : kTaskNetworks) {
    per[network] = xfv_session_bytes(session(), network);
    EXPECT_GT(per[network], 0) << network;
    largest = std::max(largest, per[network]);
    sum += per[network];
  }
  const int64_t all = xfv_session_bytes(session(), nullptr);
  ASSERT_GE(all, sum);
  ASSERT_LT(largest, all);  // so something must go

  xfv_session_params params = xfv_session_default_params();
  params.byte_budget = largest;
  SessionPtr small(xfv_session_open(model(), &params));
  ASSERT_NE(small, nullptr) << xfv_last_error();
  int64_t most = 0;
  const auto watch = [&] { most = std::max(most, xfv_session_bytes(small.get(), nullptr)); };
  for (int round = 0; round < 2; ++round) {  // the second round compiles the evicted graphs again
    SCOPED_TRACE(round);
    EXPECT_TRUE(run(small.get(), watch) == want);
    EXPECT_LE(most, largest);
    EXPECT_LT(xfv_session_bytes(small.get(), nullptr), all);
  }

  // Lowering a budget evicts at once.
  ASSERT_EQ(xfv_session_set_byte_budget(session(), largest), 0) << xfv_last_error();
  EXPECT_LE(xfv_session_bytes(session(), nullptr), largest);
  EXPECT_TRUE(run(session()) == want);

  // A budget under one graph's activations (its arena, in the profile; the budget also counts
  // the weights' transforms the cpu keeps for it, which a smaller budget only trims): the
  // call fails naming the network and both sizes, writes nothing, and the session serves what
  // fits.
  const std::vector<float> faces = two_faces();
  std::vector<float> styles = want.voice_style, out = poisoned(want.faces.size());
  styles.insert(styles.end(), want.voice_style.begin(), want.voice_style.end());
  ASSERT_EQ(xfv_set_profiling(small.get(), 1), 0) << xfv_last_error();
  ASSERT_EQ(xfv_translate_faces(small.get(), 2, faces.data(), styles.data(), out.data()), 0) << xfv_last_error();
  int64_t generator = 0;  // one graph: batch 2
  const nlohmann::json profile = nlohmann::json::parse(xfv_last_profile_json(small.get()));
  for (const nlohmann::json& network : profile.at("networks"))
    if (network.at("network") == "image_generator") generator = network.at("arena_bytes").get<int64_t>();
  ASSERT_GT(generator, 0);
  ASSERT_LE(generator, per["image_generator"]);
  ASSERT_EQ(xfv_session_set_byte_budget(small.get(), generator / 2), 0) << xfv_last_error();
  EXPECT_LE(xfv_session_bytes(small.get(), nullptr), generator / 2);
  out = poisoned(want.faces.size());
  EXPECT_EQ(xfv_translate_faces(small.get(), 2, faces.data(), styles.data(), out.data()), -1);
  EXPECT_TRUE(has_text("'image_generator' at batch 2 needs " + megabytes(generator) +
                       " of activations, over the session's budget of " + megabytes(generator / 2)))
      << xfv_last_error();
  for (float x : out) ASSERT_TRUE(std::isnan(x));
  // The style encoder's activations fit (its kept transforms are trimmed to the room).
  std::vector<float> style = poisoned(16);
  EXPECT_EQ(xfv_style_from_face(small.get(), faces.data(), 0, style.data()), 0) << xfv_last_error();
  EXPECT_EQ(style, want.face_style);
  EXPECT_LE(xfv_session_bytes(small.get(), nullptr), generator / 2);
}

// Closing a model under an open session is refused, and the model goes on serving it.
TEST(CApiClose, ModelOutlivesItsSessions) {
  if (xfavot_dir().empty()) GTEST_SKIP() << "XFV_XFAVOT is unset: run through ctest, which builds the fixtures";
  xfv_model* model = xfv_model_open(small_bundle().c_str(), "cpu");
  ASSERT_NE(model, nullptr) << xfv_last_error();
  xfv_session* a = xfv_session_open(model, nullptr);
  xfv_session* b = xfv_session_open(model, nullptr);
  ASSERT_TRUE(a && b) << xfv_last_error();
  EXPECT_EQ(xfv_model_close(model), -1);
  EXPECT_TRUE(has_text("xfv_model_close: " + small_bundle() + ": 2 session(s) of this model are open"))
      << xfv_last_error();
  xfv_session_close(a);
  EXPECT_EQ(xfv_model_close(model), -1);
  EXPECT_TRUE(has_text("1 session(s)")) << xfv_last_error();

  // Still whole: queries and the open session's calls work.
  EXPECT_EQ(xfv_image_size(model), 64);
  std::vector<float> z = poisoned(8), style = poisoned(16);
  EXPECT_EQ(xfv_latent_from_seed(model, 1, z.data()), 0) << xfv_last_error();
  EXPECT_EQ(xfv_style_from_latent(b, z.data(), 0, 1.f, style.data()), 0) << xfv_last_error();
  EXPECT_TRUE(finite(style));

  xfv_session_close(b);
  EXPECT_EQ(xfv_model_close(model), 0) << xfv_last_error();
  EXPECT_STREQ(xfv_last_error(), "");
}

}  // namespace
}  // namespace capi
