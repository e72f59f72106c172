// Four threads sharing one model, each through its own session, run every XFaVoT task at
// once and get what one thread alone gets, bit for bit, on cpu and on sim (whose kernel
// launches from every session go to one pool of workers); the weights on the backend are
// uploaded once for all four. On the small XFaVoT bundle.
#include <atomic>
#include <cmath>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "engine/opcheck.h"
#include "tests/capi/capi_fixtures.h"

namespace capi {
namespace {

// The weights `model` holds on its backend, per network the tasks run and in all.
std::map<std::string, int64_t> backend_bytes(const xfv_model* model) {
  std::map<std::string, int64_t> per{{"", xfv_model_backend_bytes(model, nullptr)}};
  for (const char* network : kTaskNetworks) per[network] = xfv_model_backend_bytes(model, network);
  return per;
}

// The tasks on one session of a model of its own; `uploaded` gets what the model then holds
// on the backend.
TaskResults alone(const char* backend, const xfv::MonoAudio& voice, const std::vector<float>& faces,
                  std::map<std::string, int64_t>& uploaded) {
  ModelPtr model(xfv_model_open(small_bundle().c_str(), backend));
  EXPECT_NE(model, nullptr) << xfv_last_error();
  if (!model) return {};
  SessionPtr session(xfv_session_open(model.get(), nullptr));
  EXPECT_NE(session, nullptr) << xfv_last_error();
  if (!session) return {};
  TaskResults r = run_tasks(model.get(), session.get(), voice, faces);
  uploaded = backend_bytes(model.get());
  return r;
}

class CApiThreads : public ::testing::TestWithParam<const char*> {};

TEST_P(CApiThreads, FourSessionsOfOneModelGiveTheOneThreadResults) {
  if (xfavot_dir().empty()) GTEST_SKIP() << "XFV_XFAVOT is unset: run through ctest, which builds the fixtures";
  const std::string backend = GetParam();
  // On cpu a 22.05 kHz reference, resampled too; sim, slower, takes the shortest recording.
  const xfv::MonoAudio voice = recording(backend == "cpu" ? "reference22k.wav" : "small_reference24k.wav");
  const std::vector<float> faces = two_faces();
  std::map<std::string, int64_t> uploaded_alone;
  const TaskResults want = alone(backend.c_str(), voice, faces, uploaded_alone);
  ASSERT_TRUE(finite(want.faces) && finite(want.wave) && !want.wave.empty());

  ModelPtr model(xfv_model_open(small_bundle().c_str(), backend.c_str()));
  ASSERT_NE(model, nullptr) << xfv_last_error();
  int64_t file_bytes = 0;  // every network's tensors but the heads of domains the tasks do not run
  for (const auto& [network, bytes] : file_tensor_bytes(small_bundle(), task_domains())) file_bytes += bytes;
  constexpr int kThreads = 4;
  TaskResults got[kThreads];
  std::string errors[kThreads];
  std::atomic<int> ready{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      SessionPtr session(xfv_session_open(model.get(), nullptr));
      ++ready;
      while (ready.load() < kThreads) std::this_thread::yield();  // all run their tasks at once
      if (!session) {
        errors[t] = xfv_last_error();
        return;
      }
      got[t] = run_tasks(model.get(), session.get(), voice, faces);
      errors[t] = xfv_last_error();  // this thread's: "" after its last call succeeded
    });
  for (std::thread& t : threads) t.join();
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(errors[t], "") << "thread " << t;
    EXPECT_TRUE(got[t] == want) << "thread " << t;
  }

  // The weights once: on the host as the file has them, on the backend what one session's
  // run uploads (nothing on cpu, which reads the host tensors in place), not four times it.
  EXPECT_EQ(xfv_model_host_bytes(model.get(), nullptr), file_bytes);
  EXPECT_EQ(backend_bytes(model.get()), uploaded_alone);
  for (const char* network : kTaskNetworks) {
    if (backend == "cpu")
      EXPECT_EQ(uploaded_alone[network], 0) << network;
    else
      EXPECT_GT(uploaded_alone[network], 0) << network;
  }

  if (backend == "cpu") return;
  // And sim computes what cpu does.
  std::map<std::string, int64_t> unused;
  const TaskResults cpu = alone("cpu", voice, faces, unused);
  EXPECT_LE(xfv::relative_l2(want.voice_style, cpu.voice_style), 1e-5);
  EXPECT_LE(xfv::relative_l2(want.face_style, cpu.face_style), 1e-5);
  EXPECT_LE(xfv::relative_l2(want.latent_styles, cpu.latent_styles), 1e-5);
  EXPECT_LE(xfv::relative_l2(want.faces, cpu.faces), 1e-5);
  EXPECT_LE(xfv::relative_l2(want.wave, cpu.wave), 1e-4);
}

// Sixteen threads, each with its own session of one model, at once: each opens its session,
// makes the styles of its latents (the one-thread result, bit for bit), fails a call with an
// index of its own and finds its own message (xfv_last_error is per thread), then succeeds
// and finds it cleared, and closes its session; the model then closes.
TEST(CApiManyThreads, SessionsOfOneModelKeepTheirOwnResultsAndMessages) {
  if (xfavot_dir().empty()) GTEST_SKIP() << "XFV_XFAVOT is unset: run through ctest, which builds the fixtures";
  xfv_model* model = xfv_model_open(small_bundle().c_str(), "cpu");
  ASSERT_NE(model, nullptr) << xfv_last_error();
  constexpr int kThreads = 16;
  std::vector<float> z(2 * 8);
  ASSERT_EQ(xfv_latent_from_seed(model, 5, z.data()), 0) << xfv_last_error();
  ASSERT_EQ(xfv_latent_from_seed(model, 6, z.data() + 8), 0) << xfv_last_error();
  std::vector<float> want(2 * 16);
  {
    SessionPtr one(xfv_session_open(model, nullptr));
    ASSERT_NE(one, nullptr) << xfv_last_error();
    ASSERT_EQ(xfv_styles_from_latents(one.get(), z.data(), 2, 1, 0.7f, want.data()), 0) << xfv_last_error();
  }
  std::vector<std::vector<float>> got(kThreads, std::vector<float>(2 * 16, NAN));
  std::vector<std::string> failed(kThreads), cleared(kThreads, "unset");
  std::atomic<int> ready{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      ++ready;
      while (ready.load() < kThreads) std::this_thread::yield();  // all at once
      SessionPtr session(xfv_session_open(model, nullptr));
      if (!session) return;
      xfv_styles_from_latents(session.get(), z.data(), 2, 1, 0.7f, got[t].data());
      std::vector<float> unused(16);
      xfv_style_from_latent(session.get(), z.data(), 100 + t, 1.f, unused.data());
      failed[t] = xfv_last_error();
      xfv_set_noise_seed(session.get(), 1);
      cleared[t] = xfv_last_error();
    });
  for (std::thread& t : threads) t.join();
  for (int t = 0; t < kThreads; ++t) {
    SCOPED_TRACE("thread " + std::to_string(t));
    EXPECT_EQ(got[t], want);
    EXPECT_NE(failed[t].find("domain " + std::to_string(100 + t) + " is out of the range"), std::string::npos) << failed[t];
    EXPECT_EQ(cleared[t], "");
  }
  EXPECT_EQ(xfv_model_close(model), 0) << xfv_last_error();
}

// Under ASan or TSan the sim instance (five sim runs of every task) outlasts the capi test's
// time limit; there sim is checked op by op (test_ops), and the Release build runs this on sim.
#if defined(__has_feature)
#define XFV_HAS_FEATURE(x) __has_feature(x)
#else
#define XFV_HAS_FEATURE(x) 0
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__) || XFV_HAS_FEATURE(thread_sanitizer)
INSTANTIATE_TEST_SUITE_P(Backends, CApiThreads, ::testing::Values("cpu"),
#else
INSTANTIATE_TEST_SUITE_P(Backends, CApiThreads, ::testing::Values("cpu", "sim"),
#endif
                         [](const ::testing::TestParamInfo<const char*>& info) { return std::string(info.param); });

}  // namespace
}  // namespace capi
