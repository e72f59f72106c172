// The C API's HiFi-GAN calls against the HiFi-GAN fixtures on the released universal weights
// (tools/tests/make_hifigan_fixtures.py; CTest passes their folder in XFV_HIFIGAN).
#include <nlohmann/json.hpp>

#include <cmath>
#include <string>
#include <vector>

#include "engine/io/npy.h"
#include "engine/opcheck.h"
#include "tests/capi/capi_fixtures.h"

namespace capi {
namespace {

// The vocoder's activation arena in the session's last profile (0 if it is not there).
int64_t vocoder_arena_bytes(xfv_session* s) {
  const char* text = xfv_last_profile_json(s);
  if (!text || !*text) return 0;
  const nlohmann::json profile = nlohmann::json::parse(text);
  for (const nlohmann::json& network : profile.at("networks"))
    if (network.at("network") == "vocoder") return network.at("arena_bytes").get<int64_t>();
  return 0;
}

class CApiVocoder : public CApiSuite {
 protected:
  void SetUp() override { open("XFV_HIFIGAN", "universal.safetensors"); }
};

TEST_F(CApiVocoder, DescribesTheVocoderAndNoFaces) {
  EXPECT_EQ(xfv_vocoder_rate(model()), 22050);
  EXPECT_EQ(xfv_vocoder_hop(model()), 256);
  EXPECT_EQ(xfv_vocoder_mel_bands(model()), 80);
  EXPECT_EQ(xfv_image_size(model()), -1);
  EXPECT_TRUE(has_text("holds no image networks")) << xfv_last_error();
}

// The package's own Generator on the recipe mel of real speech (speech.reference.npy).
TEST_F(CApiVocoder, VocodeMatchesPyTorchOnRealWeights) {
  const xfv::HostTensor mel = xfv::read_npy(hifigan_dir() + "/speech.mel.npy");
  const xfv::HostTensor want = xfv::read_npy(hifigan_dir() + "/speech.reference.npy");
  const int frames = static_cast<int>(mel.shape[mel.shape.rank - 1]);
  std::vector<float> wave = poisoned(static_cast<size_t>(frames) * 256);
  ASSERT_EQ(xfv_vocode(session(), mel.data.data(), frames, wave.data()), 0) << xfv_last_error();
  EXPECT_LE(xfv::relative_l2(wave, want.data), 1e-4);
}

// A session's vocoder windows (xfv_session_params.vocoder_frames): short windows bound the
// vocoder's activations and give the samples of the default session bit for bit on `cpu`
// (engine/tasks/vocoder_chunks.h says why); a window shorter than the receptive field is
// refused with its least length. The weights' transforms the cpu keeps are the same for both.
TEST_F(CApiVocoder, SessionVocoderWindowsBoundMemoryNotResults) {
  const xfv::HostTensor mel = xfv::read_npy(hifigan_dir() + "/speech.mel.npy");
  const int frames = static_cast<int>(mel.shape[mel.shape.rank - 1]);
  std::vector<float> whole = poisoned(static_cast<size_t>(frames) * 256), windowed = whole;
  ASSERT_EQ(xfv_set_profiling(session(), 1), 0) << xfv_last_error();
  ASSERT_EQ(xfv_vocode(session(), mel.data.data(), frames, whole.data()), 0) << xfv_last_error();
  xfv_session_params params = xfv_session_default_params();
  EXPECT_EQ(params.vocoder_frames, 0);  // the family's window (vocoder_chunker)
  params.vocoder_frames = 2;
  EXPECT_EQ(xfv_session_open(model(), &params), nullptr);
  EXPECT_TRUE(has_text("frames at least")) << xfv_last_error();
  params.vocoder_frames = -1;
  EXPECT_EQ(xfv_session_open(model(), &params), nullptr);
  EXPECT_TRUE(has_text("-1 vocoder frames")) << xfv_last_error();

  params.vocoder_frames = 96;  // of the 237 frames: windows keeping 24, 36 of context each side
  params.profiling = 1;
  SessionPtr windows(xfv_session_open(model(), &params));
  ASSERT_NE(windows, nullptr) << xfv_last_error();
  ASSERT_EQ(xfv_vocode(windows.get(), mel.data.data(), frames, windowed.data()), 0) << xfv_last_error();
  EXPECT_EQ(windowed, whole);
  const int64_t arena = vocoder_arena_bytes(session()), windows_arena = vocoder_arena_bytes(windows.get());
  EXPECT_GT(windows_arena, 0);
  EXPECT_LT(windows_arena, arena / 2);
  EXPECT_EQ(xfv_session_bytes(session(), "vocoder") - arena, xfv_session_bytes(windows.get(), "vocoder") - windows_arena);
}

// The front end against the float64 recipe's dump, on the whole recording.
TEST_F(CApiVocoder, MelFromAudioMatchesTheRecipe) {
  const xfv::TensorFile d = xfv::read_safetensors(hifigan_dir() + "/universal.hifigan_mel.safetensors");
  const std::vector<float>& wave = tensor(d, "hifigan_mel.input.wave");
  const std::vector<float>& want = tensor(d, "hifigan_mel.output");
  std::vector<float> mel = poisoned(want.size() + 1);  // one more: nothing is written past the mel
  ASSERT_EQ(xfv_mel_from_audio(session(), wave.data(), static_cast<int64_t>(wave.size()), mel.data()), 0)
      << xfv_last_error();
  EXPECT_TRUE(std::isnan(mel.back()));
  mel.pop_back();
  EXPECT_LE(xfv::relative_l2(mel, want), 1e-5);
}

TEST_F(CApiVocoder, FailuresAreMessagesNotCrashes) {
  std::vector<float> buf(80 * 4, 0.5f), out(4 * 256);
  EXPECT_EQ(xfv_vocode(session(), buf.data(), 0, out.data()), -1);
  EXPECT_TRUE(has_text("frames")) << xfv_last_error();
  buf[7] = NAN;
  EXPECT_EQ(xfv_vocode(session(), buf.data(), 4, out.data()), -1);
  EXPECT_TRUE(has_text("NaN")) << xfv_last_error();
  EXPECT_EQ(xfv_mel_from_audio(session(), buf.data(), 100, out.data()), -1);
  EXPECT_TRUE(has_text("385")) << xfv_last_error();
  EXPECT_EQ(xfv_vocode(nullptr, buf.data(), 4, out.data()), -1);
  EXPECT_EQ(xfv_vocoder_rate(nullptr), -1);
}

}  // namespace
}  // namespace capi
