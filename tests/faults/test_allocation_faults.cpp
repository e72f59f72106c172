// Every allocation that matters fails in turn (engine/fault_injection.h: backend buffers,
// weights read from the file, arenas, the cpu's prepared weight transforms) while a model
// is opened, a session made and the XFaVoT tasks run on the small bundle (on sim,
// slower, the latent's style alone, whose weights are uploaded there): the call
// that meets the failure is -1 with "out of memory", no other call fails, each later call it
// left an input to computes what a session that never failed does, bit for bit, and so do the
// tasks all run again on the same session. Under ASan a leak or a use of what the failure left
// half made is a report; under UBSan, any undefined behaviour.
#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <string>
#include <tuple>
#include <vector>

#include "engine/fault_injection.h"
#include "tests/capi/capi_fixtures.h"

namespace capi {
namespace {

// What the tasks computed, each empty where its call failed or was not made.
struct Outputs {
  std::vector<float> style, face, face_style, wave;
  bool operator==(const Outputs& o) const {
    return style == o.style && face == o.face && face_style == o.face_style && wave == o.wave;
  }
};

struct Inputs {
  std::vector<float> latent, face;
  xfv::MonoAudio voice;
  bool all_tasks = true;  // false: the latent's style alone (sim, slower)
};

// The calls of the tasks on `s`, each recorded in `errors` when it fails: a latent's style,
// that style on a face, the face's style, a voice converted to it (as run_tasks converts).
// A call whose input would be the output of one that failed is not made: a client would not
// make it, and its input would be the NaN poison.
Outputs run_tasks(xfv_session* s, const Inputs& in, std::vector<std::string>& errors) {
  Outputs r;
  // `out` poisoned, then kept if `call` succeeds, else emptied.
  const auto computed = [&](std::vector<float>& out, size_t size, const std::function<int(float*)>& call) {
    out = poisoned(size);
    if (call(out.data()) == 0) return true;
    errors.push_back(xfv_last_error());
    out.clear();
    return false;
  };
  if (xfv_set_noise_seed(s, 4) != 0) errors.push_back(xfv_last_error());  // as run_tasks
  const bool style = computed(r.style, 16, [&](float* out) { return xfv_style_from_latent(s, in.latent.data(), 1, 1.f, out); });
  if (!in.all_tasks) return r;
  if (style)
    computed(r.face, in.face.size(), [&](float* out) { return xfv_translate_face(s, in.face.data(), r.style.data(), out); });
  const int domain = task_domains().at("image_style_encoder");
  if (!computed(r.face_style, 16, [&](float* out) { return xfv_style_from_face(s, in.face.data(), domain, out); }))
    return r;
  int64_t written = 0;
  if (computed(r.wave, 1 << 17, [&](float* out) {
        return xfv_convert_voice(s, in.voice.samples.data(), static_cast<int64_t>(in.voice.samples.size()),
                                 in.voice.rate, r.face_style.data(), out, 1 << 17, &written);
      }))
    r.wave.resize(static_cast<size_t>(written));
  return r;
}

// Each output `got` computed is `want`'s, bit for bit.
void expect_the_same_where_computed(const Outputs& got, const Outputs& want) {
  for (const auto& [name, a, b] : {std::tuple{"style", &got.style, &want.style}, std::tuple{"face", &got.face, &want.face},
                                   std::tuple{"face style", &got.face_style, &want.face_style},
                                   std::tuple{"voice", &got.wave, &want.wave}})
    if (!a->empty()) {
      EXPECT_TRUE(*a == *b) << "the " << name << " differs from the unfailed session's";
    }
}

class AllocationFaults : public ::testing::TestWithParam<const char*> {
 protected:
  void TearDown() override { xfv::fail_allocation_point(0); }
};

TEST_P(AllocationFaults, EachFailsInTurnAsAMessageAndTheSessionGoesOn) {
  if (xfavot_dir().empty()) GTEST_SKIP() << "XFV_XFAVOT is unset: run through ctest, which builds the fixtures";
  const char* backend = GetParam();
  Inputs in{std::vector<float>(8), two_faces(), recording("small_source24k.wav"), std::string(backend) == "cpu"};
  in.face.resize(3 * 64 * 64);
  const std::string path = small_bundle();

  // The run that meets no failure: what each later session must compute, and how many
  // allocation points the whole of it passes.
  xfv::fail_allocation_point(0);
  Outputs want;
  {
    ModelPtr m(xfv_model_open(path.c_str(), backend));
    ASSERT_NE(m, nullptr) << xfv_last_error();
    ASSERT_EQ(xfv_latent_from_seed(m.get(), 9, in.latent.data()), 0) << xfv_last_error();
    SessionPtr s(xfv_session_open(m.get(), nullptr));
    ASSERT_NE(s, nullptr) << xfv_last_error();
    std::vector<std::string> errors;
    want = run_tasks(s.get(), in, errors);
    ASSERT_TRUE(errors.empty()) << errors[0];
  }
  const int64_t points = xfv::allocation_points_reached();
  ASSERT_GT(points, 10) << "the allocation points are not on the tasks' path";
  std::cout << backend << ": " << points << " allocation points, each failed in turn\n";

  for (int64_t k = 1; k <= points; ++k) {
    SCOPED_TRACE("allocation point " + std::to_string(k) + " of " + std::to_string(points));
    xfv::fail_allocation_point(k);
    std::vector<std::string> errors;
    ModelPtr m(xfv_model_open(path.c_str(), backend));
    SessionPtr s(m ? xfv_session_open(m.get(), nullptr) : nullptr);
    if (!m || !s) errors.push_back(xfv_last_error());
    if (s) expect_the_same_where_computed(run_tasks(s.get(), in, errors), want);
    ASSERT_EQ(errors.size(), 1u) << "the failure was not met once";
    EXPECT_NE(errors[0].find(": out of memory"), std::string::npos) << errors[0];
    xfv::fail_allocation_point(0);
    if (!s) continue;  // nothing was made to go on with
    errors.clear();
    EXPECT_TRUE(run_tasks(s.get(), in, errors) == want);
    EXPECT_TRUE(errors.empty()) << errors[0];
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, AllocationFaults, ::testing::Values("cpu", "sim"),
                         [](const ::testing::TestParamInfo<const char*>& info) { return std::string(info.param); });

}  // namespace
}  // namespace capi
