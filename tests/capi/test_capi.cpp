// The C API against the PyTorch reference dumps of the face fixtures
// (tools/tests/make_face_fixtures.py; CTest passes their folder in XFV_FACES), and its
// vocoder calls against the HiFi-GAN fixtures on the released universal weights
// (tools/tests/make_hifigan_fixtures.py, XFV_HIFIGAN).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include "engine/include/xfv.h"
#include "engine/io/npy.h"
#include "engine/opcheck.h"
#include "engine/safetensors.h"

namespace {

std::string faces_dir() {
  const char* dir = std::getenv("XFV_FACES");
  return dir ? dir : "";
}

class CApi : public ::testing::Test {
 protected:
  void SetUp() override {
    if (faces_dir().empty()) GTEST_SKIP() << "XFV_FACES is unset: run through ctest, which builds the fixtures";
    ctx_ = xfv_open((faces_dir() + "/full_w0.safetensors").c_str(), "cpu");
    ASSERT_NE(ctx_, nullptr) << xfv_last_error();
  }
  void TearDown() override { xfv_close(ctx_); }
  xfv::TensorFile dump(const std::string& network) const {
    return xfv::read_safetensors(faces_dir() + "/full_w0." + network + ".safetensors");
  }
  xfv_context* ctx_ = nullptr;
};

TEST_F(CApi, DescribesTheModel) {
  EXPECT_EQ(xfv_image_size(ctx_), 256);
  EXPECT_EQ(xfv_latent_dim(ctx_), 16);
  EXPECT_EQ(xfv_style_dim(ctx_), 64);
  EXPECT_EQ(xfv_domain(ctx_, "mapping_network", "male"), 1);
  EXPECT_EQ(xfv_domain(ctx_, "image_style_encoder", "0"), 0);
  EXPECT_EQ(xfv_domain(ctx_, "mapping_network", "cat"), -1);
  EXPECT_NE(std::string(xfv_last_error()).find("cat"), std::string::npos) << xfv_last_error();
}

TEST_F(CApi, StyleFromLatentMatchesPyTorch) {
  const xfv::TensorFile d = dump("mapping_network");
  const xfv::HostTensor& z = d.tensors.at("mapping_network.input.z");
  const int domain = static_cast<int>(d.tensors.at("mapping_network.input.y").data[0]);
  std::vector<float> style(64, NAN);
  ASSERT_EQ(xfv_style_from_latent(ctx_, z.data.data(), domain, 1.f, style.data()), 0) << xfv_last_error();
  const auto& want = d.tensors.at("mapping_network.output").data;
  EXPECT_LE(xfv::relative_l2(style, std::vector<float>(want.begin(), want.begin() + 64)), 1e-5);
}

TEST_F(CApi, TruncationLerpsTowardTheMeanStyle) {
  std::vector<float> z1(16), z2(16), s1(64), s2(64), mean1(64), mean2(64), half(64);
  xfv_latent_from_seed(ctx_, 1, z1.data());
  xfv_latent_from_seed(ctx_, 2, z2.data());
  ASSERT_EQ(xfv_style_from_latent(ctx_, z1.data(), 1, 1.f, s1.data()), 0) << xfv_last_error();
  ASSERT_EQ(xfv_style_from_latent(ctx_, z1.data(), 1, 0.f, mean1.data()), 0) << xfv_last_error();
  ASSERT_EQ(xfv_style_from_latent(ctx_, z2.data(), 1, 0.f, mean2.data()), 0) << xfv_last_error();
  ASSERT_EQ(xfv_style_from_latent(ctx_, z1.data(), 1, 0.5f, half.data()), 0) << xfv_last_error();
  EXPECT_EQ(mean1, mean2);  // psi 0: the mean style, whatever the latent
  EXPECT_GT(xfv::relative_l2(s1, mean1), 1e-2);
  std::vector<float> mid(64);
  for (int i = 0; i < 64; ++i) mid[static_cast<size_t>(i)] = 0.5f * (s1[static_cast<size_t>(i)] + mean1[static_cast<size_t>(i)]);
  EXPECT_LE(xfv::relative_l2(half, mid), 1e-6);
  EXPECT_EQ(xfv_style_from_latent(ctx_, z1.data(), 1, 1.5f, half.data()), -1);
}

TEST_F(CApi, StyleFromFaceAndTranslationMatchPyTorch) {
  const xfv::TensorFile e = dump("image_style_encoder");
  const int domain = static_cast<int>(e.tensors.at("image_style_encoder.input.y").data[0]);
  std::vector<float> style(64, NAN);
  ASSERT_EQ(xfv_style_from_face(ctx_, e.tensors.at("image_style_encoder.input.x").data.data(), domain, style.data()), 0)
      << xfv_last_error();
  const auto& want_style = e.tensors.at("image_style_encoder.output").data;
  EXPECT_LE(xfv::relative_l2(style, std::vector<float>(want_style.begin(), want_style.begin() + 64)), 1e-5);

  const xfv::TensorFile g = dump("image_generator");
  const size_t face = 3 * 256 * 256;
  std::vector<float> out(face, NAN);
  ASSERT_EQ(xfv_translate_face(ctx_, g.tensors.at("image_generator.input.x").data.data(),
                               g.tensors.at("image_generator.input.s").data.data(), out.data()),
            0)
      << xfv_last_error();
  const auto& want = g.tensors.at("image_generator.output").data;
  EXPECT_LE(xfv::relative_l2(out, std::vector<float>(want.begin(), want.begin() + static_cast<long>(face))), 1e-4);
}

TEST_F(CApi, SeedsGiveTheSameLatentEveryTime) {
  std::vector<float> a(16), b(16), c(16);
  ASSERT_EQ(xfv_latent_from_seed(ctx_, 7, a.data()), 0);
  ASSERT_EQ(xfv_latent_from_seed(ctx_, 7, b.data()), 0);
  ASSERT_EQ(xfv_latent_from_seed(ctx_, 8, c.data()), 0);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
}

TEST_F(CApi, Rgb8RoundTrip) {
  std::vector<uint8_t> rgb(300 * 200 * 3);
  for (size_t i = 0; i < rgb.size(); ++i) rgb[i] = static_cast<uint8_t>(i * 7 % 251);
  std::vector<float> face(3 * 256 * 256, NAN);
  ASSERT_EQ(xfv_face_from_rgb8(ctx_, rgb.data(), 300, 200, face.data()), 0) << xfv_last_error();
  for (float v : face) ASSERT_TRUE(v >= -1.f && v <= 1.f);
  std::vector<uint8_t> back(256 * 256 * 3);
  ASSERT_EQ(xfv_face_to_rgb8(ctx_, face.data(), back.data()), 0) << xfv_last_error();
  EXPECT_EQ(xfv_face_from_rgb8(ctx_, rgb.data(), 0, 200, face.data()), -1);
}

TEST_F(CApi, FailuresAreMessagesNotCrashes) {
  std::vector<float> buf(3 * 256 * 256), style(64);
  EXPECT_EQ(xfv_style_from_face(ctx_, buf.data(), 5, style.data()), -1);
  EXPECT_NE(std::string(xfv_last_error()).find("out of range"), std::string::npos) << xfv_last_error();
  EXPECT_EQ(xfv_translate_face(ctx_, nullptr, style.data(), buf.data()), -1);
  EXPECT_EQ(xfv_translate_face(nullptr, buf.data(), style.data(), buf.data()), -1);
  EXPECT_EQ(xfv_image_size(nullptr), -1);
}

std::string hifigan_dir() {
  const char* dir = std::getenv("XFV_HIFIGAN");
  return dir ? dir : "";
}

class CApiVocoder : public ::testing::Test {
 protected:
  void SetUp() override {
    if (hifigan_dir().empty()) GTEST_SKIP() << "XFV_HIFIGAN is unset: run through ctest, which builds the fixtures";
    ctx_ = xfv_open((hifigan_dir() + "/universal.safetensors").c_str(), "cpu");
    ASSERT_NE(ctx_, nullptr) << xfv_last_error();
  }
  void TearDown() override { xfv_close(ctx_); }
  xfv_context* ctx_ = nullptr;
};

TEST_F(CApiVocoder, DescribesTheVocoderAndNoFaces) {
  EXPECT_EQ(xfv_vocoder_rate(ctx_), 22050);
  EXPECT_EQ(xfv_vocoder_hop(ctx_), 256);
  EXPECT_EQ(xfv_vocoder_mel_bands(ctx_), 80);
  EXPECT_EQ(xfv_image_size(ctx_), -1);
  EXPECT_NE(std::string(xfv_last_error()).find("holds no image networks"), std::string::npos) << xfv_last_error();
}

// The package's own Generator on the recipe mel of real speech (speech.reference.npy).
TEST_F(CApiVocoder, VocodeMatchesPyTorchOnRealWeights) {
  const xfv::HostTensor mel = xfv::read_npy(hifigan_dir() + "/speech.mel.npy");
  const xfv::HostTensor want = xfv::read_npy(hifigan_dir() + "/speech.reference.npy");
  const int frames = static_cast<int>(mel.shape[mel.shape.rank - 1]);
  std::vector<float> wave(static_cast<size_t>(frames) * 256, NAN);
  ASSERT_EQ(xfv_vocode(ctx_, mel.data.data(), frames, wave.data()), 0) << xfv_last_error();
  EXPECT_LE(xfv::relative_l2(wave, want.data), 1e-4);
}

// The front end against the float64 recipe's dump, on the whole recording.
TEST_F(CApiVocoder, MelFromAudioMatchesTheRecipe) {
  const xfv::TensorFile d = xfv::read_safetensors(hifigan_dir() + "/universal.hifigan_mel.safetensors");
  const std::vector<float>& wave = d.tensors.at("hifigan_mel.input.wave").data;
  const std::vector<float>& want = d.tensors.at("hifigan_mel.output").data;
  std::vector<float> mel(want.size() + 1, NAN);  // one more: nothing is written past the mel
  ASSERT_EQ(xfv_mel_from_audio(ctx_, wave.data(), static_cast<int64_t>(wave.size()), mel.data()), 0)
      << xfv_last_error();
  EXPECT_TRUE(std::isnan(mel.back()));
  mel.pop_back();
  EXPECT_LE(xfv::relative_l2(mel, want), 1e-5);
}

TEST_F(CApiVocoder, FailuresAreMessagesNotCrashes) {
  std::vector<float> buf(80 * 4, 0.5f), out(4 * 256);
  EXPECT_EQ(xfv_vocode(ctx_, buf.data(), 0, out.data()), -1);
  EXPECT_NE(std::string(xfv_last_error()).find("frames"), std::string::npos) << xfv_last_error();
  buf[7] = NAN;
  EXPECT_EQ(xfv_vocode(ctx_, buf.data(), 4, out.data()), -1);
  EXPECT_NE(std::string(xfv_last_error()).find("NaN"), std::string::npos) << xfv_last_error();
  EXPECT_EQ(xfv_mel_from_audio(ctx_, buf.data(), 100, out.data()), -1);
  EXPECT_NE(std::string(xfv_last_error()).find("385"), std::string::npos) << xfv_last_error();
  EXPECT_EQ(xfv_vocode(nullptr, buf.data(), 4, out.data()), -1);
  EXPECT_EQ(xfv_vocoder_rate(nullptr), -1);
}

TEST(CApiOpen, ReportsTheFileAndTheBackend) {
  EXPECT_EQ(xfv_open("/nonexistent/w.safetensors", "cpu"), nullptr);
  EXPECT_NE(std::string(xfv_last_error()).find("/nonexistent/w.safetensors"), std::string::npos) << xfv_last_error();
  if (!faces_dir().empty()) {  // a face file serves no vocoder calls
    xfv_context* faces = xfv_open((faces_dir() + "/full_w0.safetensors").c_str(), "cpu");
    ASSERT_NE(faces, nullptr) << xfv_last_error();
    EXPECT_EQ(xfv_vocoder_rate(faces), -1);
    EXPECT_NE(std::string(xfv_last_error()).find("holds no HiFi-GAN vocoder"), std::string::npos) << xfv_last_error();
    xfv_close(faces);
  }
  if (faces_dir().empty()) return;
  EXPECT_EQ(xfv_open((faces_dir() + "/full_w0.safetensors").c_str(), "tpu"), nullptr);
  EXPECT_NE(std::string(xfv_last_error()).find("tpu"), std::string::npos) << xfv_last_error();
}

}  // namespace
