// The C API against the PyTorch reference dumps of the face fixtures
// (tools/tests/make_face_fixtures.py; CTest passes their folder in XFV_FACES), its vocoder
// calls against the HiFi-GAN fixtures on the released universal weights
// (tools/tests/make_hifigan_fixtures.py, XFV_HIFIGAN), and its bundle calls (the XFaVoT
// tasks) against the task dumps and the engine's own C++ Bundle calls on the XFaVoT fixtures
// (tools/tests/make_xfavot_fixtures.py, XFV_XFAVOT). Output buffers are filled with NaN
// before each call, so that a value left unwritten shows.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdlib>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "engine/include/xfv.h"
#include "engine/io/audio.h"
#include "engine/io/image.h"
#include "engine/io/npy.h"
#include "engine/opcheck.h"
#include "engine/safetensors.h"
#include "engine/tasks/bundle.h"

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
  EXPECT_NE(std::string(xfv_last_error()).find("domain '5' is unknown to 'image_style_encoder' (2 domains: female, male)"),
            std::string::npos)
      << xfv_last_error();
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


// ---- bundles: the XFaVoT tasks, each a style call plus a task call ----------------------

std::string xfavot_dir() {
  const char* dir = std::getenv("XFV_XFAVOT");
  return dir ? dir : "";
}

std::vector<float> poisoned(size_t n) { return std::vector<float>(n, NAN); }

bool finite(const std::vector<float>& v) {
  for (float x : v)
    if (!std::isfinite(x)) return false;
  return true;
}

const std::vector<float>& tensor(const xfv::TensorFile& f, const std::string& name) { return f.tensors.at(name).data; }

// A recording as a client holds it: mono samples at the file's own rate, not yet normalized.
xfv::MonoAudio recording(const std::string& name) { return xfv::read_mono_audio(xfavot_dir() + "/" + name); }

bool has_text(const std::string& text) { return std::string(xfv_last_error()).find(text) != std::string::npos; }

// Audio-guided image translation of a task dump's inputs (a 24 kHz reference, a face), for a
// domain of the audio style encoder, against the dump's style and image.
void expect_image_from_voice(xfv_context* ctx, const xfv::TensorFile& d, int domain) {
  const std::vector<float>& wave = tensor(d, "task.input.reference_wave");
  std::vector<float> style = poisoned(tensor(d, "task.style").size());
  std::vector<float> image = poisoned(tensor(d, "task.output.image").size());
  ASSERT_EQ(xfv_style_from_voice(ctx, wave.data(), static_cast<int64_t>(wave.size()), 24000, domain, style.data()), 0)
      << xfv_last_error();
  EXPECT_LE(xfv::relative_l2(style, tensor(d, "task.style")), 1e-4);
  ASSERT_EQ(xfv_translate_face(ctx, tensor(d, "task.input.face").data(), style.data(), image.data()), 0)
      << xfv_last_error();
  EXPECT_LE(xfv::relative_l2(image, tensor(d, "task.output.image")), 1e-4);
}

// The small bundle (style 16, faces 64 x 64, the small voice sizes, a Parallel WaveGAN) on cpu,
// beside the engine's own Bundle on the same file, the independent path the C API's results
// are held against.
class CApiBundle : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (xfavot_dir().empty()) return;
    bundle_ = new xfv::Bundle(path(), "cpu");
  }
  static void TearDownTestSuite() {
    delete bundle_;
    bundle_ = nullptr;
  }
  static std::string path() { return xfavot_dir() + "/small.safetensors"; }

  void SetUp() override {
    if (xfavot_dir().empty()) GTEST_SKIP() << "XFV_XFAVOT is unset: run through ctest, which builds the fixtures";
    ctx_ = xfv_open(path().c_str(), "cpu");
    ASSERT_NE(ctx_, nullptr) << xfv_last_error();
  }
  void TearDown() override { xfv_close(ctx_); }

  xfv::TensorFile dump(const std::string& task) const {
    return xfv::read_safetensors(xfavot_dir() + "/small." + task + ".safetensors");
  }
  // A style of the mapping network, as a client makes one for the task calls.
  std::vector<float> latent_style(uint64_t seed, int domain) {
    std::vector<float> z = poisoned(8), s = poisoned(16);
    EXPECT_EQ(xfv_latent_from_seed(ctx_, seed, z.data()), 0) << xfv_last_error();
    EXPECT_EQ(xfv_style_from_latent(ctx_, z.data(), domain, 1.f, s.data()), 0) << xfv_last_error();
    return s;
  }
  // Two faces: the astronaut and the coffee cup, at 64 x 64.
  std::vector<float> two_faces() const {
    std::vector<float> f = xfv::load_face_image(xfavot_dir() + "/astronaut.png", 64).data;
    const std::vector<float> g = xfv::load_face_image(xfavot_dir() + "/coffee.png", 64).data;
    f.insert(f.end(), g.begin(), g.end());
    return f;
  }

  static xfv::Bundle* bundle_;
  xfv_context* ctx_ = nullptr;
};

xfv::Bundle* CApiBundle::bundle_ = nullptr;

TEST_F(CApiBundle, DescribesTheBundle) {
  EXPECT_EQ(xfv_image_size(ctx_), 64);
  EXPECT_EQ(xfv_style_dim(ctx_), 16);
  EXPECT_EQ(xfv_latent_dim(ctx_), 8);
  EXPECT_EQ(xfv_voice_rate(ctx_), 24000);
  EXPECT_EQ(xfv_domain(ctx_, "audio_style_encoder", "domain2"), 2);
  EXPECT_EQ(xfv_domain(ctx_, "mapping_network", "1"), 1);
  EXPECT_EQ(xfv_domain(ctx_, "audio_style_encoder", "domain3"), -1);
  EXPECT_TRUE(has_text("domain 'domain3' is unknown to 'audio_style_encoder' (3 domains: domain0, domain1, domain2)"))
      << xfv_last_error();
  EXPECT_EQ(xfv_vocoder_rate(ctx_), -1);  // a Parallel WaveGAN, not a HiFi-GAN
  EXPECT_TRUE(has_text("holds no HiFi-GAN vocoder")) << xfv_last_error();
  EXPECT_EQ(xfv_image_size(ctx_), 64);
  EXPECT_STREQ(xfv_last_error(), "");  // a call that succeeds clears the message
}

// Audio-guided image translation against the PyTorch reference of the whole task.
TEST_F(CApiBundle, AudioGuidedTranslationMatchesPyTorch) { expect_image_from_voice(ctx_, dump("image_from_voice"), 2); }

// Latent-guided generation: a batch of two styles, one face translated by each, as one batch.
TEST_F(CApiBundle, LatentGenerationMatchesPyTorch) {
  const xfv::TensorFile d = dump("generate");
  std::vector<float> styles = poisoned(2 * 16), images = poisoned(2 * 3 * 64 * 64);
  ASSERT_EQ(xfv_styles_from_latents(ctx_, tensor(d, "task.input.latent").data(), 2, 2, 1.f, styles.data()), 0)
      << xfv_last_error();
  EXPECT_LE(xfv::relative_l2(styles, tensor(d, "task.style")), 1e-4);
  std::vector<float> faces = tensor(d, "task.input.face");
  faces.insert(faces.end(), faces.begin(), faces.end());
  ASSERT_EQ(xfv_translate_faces(ctx_, 2, faces.data(), styles.data(), images.data()), 0) << xfv_last_error();
  EXPECT_LE(xfv::relative_l2(images, tensor(d, "task.output.image")), 1e-4);
}

// Image-guided voice conversion's style against the reference (its waveform takes numpy's
// noise, which the C API does not take: the conversion is held against the Bundle below).
TEST_F(CApiBundle, StyleFromFaceMatchesPyTorch) {
  const xfv::TensorFile d = dump("voice_from_face");
  std::vector<float> style = poisoned(16);
  ASSERT_EQ(xfv_style_from_face(ctx_, tensor(d, "task.input.reference_face").data(), 1, style.data()), 0)
      << xfv_last_error();
  EXPECT_LE(xfv::relative_l2(style, tensor(d, "task.style")), 1e-4);
}

// The style of a recording in memory equals the Bundle's of the same file loaded as the
// command line loads it: at the voice rate, and resampled from 22.05 kHz.
TEST_F(CApiBundle, StyleFromVoiceEqualsTheBundle) {
  for (const char* name : {"small_reference24k.wav", "reference22k.wav"}) {
    SCOPED_TRACE(name);
    const xfv::MonoAudio a = recording(name);
    std::vector<float> style = poisoned(16);
    ASSERT_EQ(xfv_style_from_voice(ctx_, a.samples.data(), static_cast<int64_t>(a.samples.size()), a.rate, 1,
                                   style.data()),
              0)
        << xfv_last_error();
    const std::vector<float> want =
        bundle_->style_from_recordings({xfv::load_voice(xfavot_dir() + "/" + name, 24000)}, "1").data;
    EXPECT_EQ(style, want);
  }
}

// Voice conversion equals the Bundle's, at the voice rate and resampled, with the noise of the
// seed; its length is what xfv_converted_samples says.
TEST_F(CApiBundle, ConvertVoiceEqualsTheBundle) {
  const std::vector<float> style = latent_style(3, 2);
  ASSERT_EQ(xfv_set_noise_seed(ctx_, 11), 0) << xfv_last_error();
  for (const char* name : {"small_source24k.wav", "source22k.wav"}) {
    SCOPED_TRACE(name);
    const xfv::MonoAudio a = recording(name);
    const int64_t count = static_cast<int64_t>(a.samples.size());
    const int64_t expected = xfv_converted_samples(ctx_, count, a.rate);
    ASSERT_GT(expected, 0) << xfv_last_error();
    std::vector<float> out = poisoned(static_cast<size_t>(expected) + 1);  // one more: nothing is written past
    int64_t written = -7;
    ASSERT_EQ(xfv_convert_voice(ctx_, a.samples.data(), count, a.rate, style.data(), out.data(),
                                static_cast<int64_t>(out.size()), &written),
              0)
        << xfv_last_error();
    EXPECT_EQ(written, expected);
    EXPECT_TRUE(std::isnan(out.back()));
    out.pop_back();
    const std::vector<float> wave = xfv::load_voice(xfavot_dir() + "/" + name, 24000);
    const std::vector<std::vector<float>> want =
        bundle_->convert_recordings({wave}, xfv::HostTensor(xfv::Shape{1, 16}, style), {}, 11);
    EXPECT_EQ(out, want.at(0));
    // The length from the settings: the frames of the resampled voice, cut to a multiple of 4.
    EXPECT_EQ(expected, (1 + static_cast<int64_t>(wave.size()) / 300) / 4 * 4 * 300);
  }
}

TEST_F(CApiBundle, NoiseSeedDrivesTheVocoder) {
  const xfv::MonoAudio a = recording("small_source24k.wav");
  const int64_t count = static_cast<int64_t>(a.samples.size());
  const std::vector<float> style = latent_style(3, 1);
  const auto convert = [&] {
    float* out = nullptr;
    int64_t written = 0;
    EXPECT_EQ(xfv_convert_voice_alloc(ctx_, a.samples.data(), count, a.rate, style.data(), &out, &written), 0)
        << xfv_last_error();
    std::vector<float> v(out, out + written);
    xfv_free(out);
    return v;
  };
  const std::vector<float> seed0 = convert();
  ASSERT_EQ(xfv_set_noise_seed(ctx_, 5), 0);
  const std::vector<float> seed5 = convert();
  ASSERT_EQ(xfv_set_noise_seed(ctx_, 0), 0);
  EXPECT_EQ(convert(), seed0);  // 0, the default
  EXPECT_NE(seed0, seed5);
  EXPECT_EQ(seed0, bundle_->convert_recordings({xfv::load_voice(xfavot_dir() + "/small_source24k.wav", 24000)},
                                               xfv::HostTensor(xfv::Shape{1, 16}, style))
                       .at(0));
}

TEST_F(CApiBundle, CallerAndLibraryOwnedOutputsAreEqual) {
  const xfv::MonoAudio a = recording("small_source24k.wav");
  const int64_t count = static_cast<int64_t>(a.samples.size());
  const std::vector<float> style = latent_style(9, 0);
  const int64_t expected = xfv_converted_samples(ctx_, count, a.rate);
  ASSERT_GT(expected, 0) << xfv_last_error();
  std::vector<float> mine = poisoned(static_cast<size_t>(expected));  // exactly the size needed
  int64_t written = 0;
  ASSERT_EQ(xfv_convert_voice(ctx_, a.samples.data(), count, a.rate, style.data(), mine.data(), expected, &written), 0)
      << xfv_last_error();
  EXPECT_EQ(written, expected);
  EXPECT_TRUE(finite(mine));
  float* theirs = nullptr;
  int64_t their_count = 0;
  ASSERT_EQ(xfv_convert_voice_alloc(ctx_, a.samples.data(), count, a.rate, style.data(), &theirs, &their_count), 0)
      << xfv_last_error();
  ASSERT_NE(theirs, nullptr);
  EXPECT_EQ(their_count, expected);
  EXPECT_EQ(std::vector<float>(theirs, theirs + their_count), mine);
  xfv_free(theirs);
  xfv_free(nullptr);
}

TEST_F(CApiBundle, CapacityTooSmallWritesNothing) {
  const xfv::MonoAudio a = recording("small_source24k.wav");
  const int64_t count = static_cast<int64_t>(a.samples.size());
  const std::vector<float> style = latent_style(9, 0);
  const int64_t expected = xfv_converted_samples(ctx_, count, a.rate);
  ASSERT_GT(expected, 0) << xfv_last_error();
  std::vector<float> out = poisoned(static_cast<size_t>(expected));
  int64_t written = -7;
  EXPECT_EQ(xfv_convert_voice(ctx_, a.samples.data(), count, a.rate, style.data(), out.data(), expected - 1, &written),
            -1);
  EXPECT_TRUE(has_text(std::to_string(expected - 1)) && has_text(std::to_string(expected))) << xfv_last_error();
  EXPECT_EQ(written, -7);
  for (float x : out) ASSERT_TRUE(std::isnan(x));
}

// A batch of faces, each with its own style, gives what one call per face gives.
TEST_F(CApiBundle, TranslateFacesBatchEqualsOneAtATime) {
  const std::vector<float> faces = two_faces();
  std::vector<float> styles = latent_style(1, 0);
  const std::vector<float> second = latent_style(2, 1);
  styles.insert(styles.end(), second.begin(), second.end());
  const size_t face = 3 * 64 * 64;
  std::vector<float> batch = poisoned(2 * face), one = poisoned(face), two = poisoned(face);
  ASSERT_EQ(xfv_translate_faces(ctx_, 2, faces.data(), styles.data(), batch.data()), 0) << xfv_last_error();
  ASSERT_EQ(xfv_translate_face(ctx_, faces.data(), styles.data(), one.data()), 0) << xfv_last_error();
  ASSERT_EQ(xfv_translate_face(ctx_, faces.data() + face, styles.data() + 16, two.data()), 0) << xfv_last_error();
  EXPECT_TRUE(finite(batch));
  EXPECT_LE(xfv::relative_l2(std::vector<float>(batch.begin(), batch.begin() + face), one), 1e-6);
  EXPECT_LE(xfv::relative_l2(std::vector<float>(batch.begin() + face, batch.end()), two), 1e-6);
  EXPECT_GT(xfv::relative_l2(one, two), 1e-2);  // two different results, not one twice
  // And the Bundle's own translation of the batch.
  const xfv::HostTensor want = bundle_->faces().translate(xfv::HostTensor(xfv::Shape{2, 3, 64, 64}, faces),
                                                          xfv::HostTensor(xfv::Shape{2, 16}, styles));
  EXPECT_EQ(batch, want.data);
}

TEST_F(CApiBundle, StylesFromLatentsBatchEqualsOneAtATime) {
  std::vector<float> z = poisoned(3 * 8);
  for (int i = 0; i < 3; ++i) ASSERT_EQ(xfv_latent_from_seed(ctx_, 20 + i, z.data() + 8 * i), 0) << xfv_last_error();
  std::vector<float> batch = poisoned(3 * 16);
  ASSERT_EQ(xfv_styles_from_latents(ctx_, z.data(), 3, 1, 0.7f, batch.data()), 0) << xfv_last_error();
  for (int i = 0; i < 3; ++i) {
    std::vector<float> one = poisoned(16);
    ASSERT_EQ(xfv_style_from_latent(ctx_, z.data() + 8 * i, 1, 0.7f, one.data()), 0) << xfv_last_error();
    EXPECT_LE(xfv::relative_l2(std::vector<float>(batch.begin() + 16 * i, batch.begin() + 16 * (i + 1)), one), 1e-6);
  }
  const xfv::HostTensor want = bundle_->style_from_latents(xfv::HostTensor(xfv::Shape{3, 8}, z), "1", 0.7f);
  EXPECT_EQ(batch, want.data);
}

// The networks each call ran, by the profile's JSON.
std::set<std::string> profiled_networks(xfv_context* ctx) {
  const char* text = xfv_last_profile_json(ctx);
  EXPECT_NE(text, nullptr) << xfv_last_error();
  if (!text) return {};
  const nlohmann::json j = nlohmann::json::parse(text);  // throws (and fails the test) unless JSON
  EXPECT_EQ(j.at("backend"), "cpu");
  std::set<std::string> networks;
  for (const auto& node : j.at("nodes")) {
    networks.insert(node.at("network").get<std::string>());
    EXPECT_GE(node.at("ms").get<double>(), 0.0);
  }
  EXPECT_EQ(j.at("total").at("nodes").get<size_t>(), j.at("nodes").size());
  return networks;
}

TEST_F(CApiBundle, ProfileListsTheNodesOfTheLastCall) {
  const xfv::MonoAudio a = recording("small_reference24k.wav");
  const int64_t count = static_cast<int64_t>(a.samples.size());
  std::vector<float> style = poisoned(16);
  ASSERT_STREQ(xfv_last_profile_json(ctx_), "");  // off by default
  ASSERT_EQ(xfv_style_from_voice(ctx_, a.samples.data(), count, a.rate, 0, style.data()), 0) << xfv_last_error();
  EXPECT_STREQ(xfv_last_profile_json(ctx_), "");

  ASSERT_EQ(xfv_set_profiling(ctx_, 1), 0) << xfv_last_error();
  ASSERT_EQ(xfv_style_from_voice(ctx_, a.samples.data(), count, a.rate, 0, style.data()), 0) << xfv_last_error();
  const std::set<std::string> style_nets = profiled_networks(ctx_);
  EXPECT_EQ(style_nets.count("audio_style_encoder"), 1u);
  EXPECT_EQ(style_nets.count("audio_generator"), 0u);
  const char* first = xfv_last_profile_json(ctx_);
  EXPECT_EQ(first, xfv_last_profile_json(ctx_));  // the same string until the next call

  float* wave = nullptr;
  int64_t written = 0;
  ASSERT_EQ(xfv_convert_voice_alloc(ctx_, a.samples.data(), count, a.rate, style.data(), &wave, &written), 0)
      << xfv_last_error();
  xfv_free(wave);
  const std::set<std::string> convert_nets = profiled_networks(ctx_);  // that call's nodes only
  for (const char* net : {"audio_generator", "f0_model", "vocoder"}) EXPECT_EQ(convert_nets.count(net), 1u) << net;
  EXPECT_EQ(convert_nets.count("audio_style_encoder"), 0u);

  const std::vector<float> faces = two_faces();
  std::vector<float> out = poisoned(3 * 64 * 64);
  ASSERT_EQ(xfv_translate_face(ctx_, faces.data(), style.data(), out.data()), 0) << xfv_last_error();
  EXPECT_EQ(profiled_networks(ctx_), std::set<std::string>{"image_generator"});

  ASSERT_EQ(xfv_set_profiling(ctx_, 0), 0);
  ASSERT_EQ(xfv_translate_face(ctx_, faces.data(), style.data(), out.data()), 0) << xfv_last_error();
  EXPECT_STREQ(xfv_last_profile_json(ctx_), "");
  EXPECT_EQ(xfv_last_profile_json(nullptr), nullptr);
}

TEST_F(CApiBundle, BadArgumentsAreMessages) {
  const xfv::MonoAudio a = recording("small_source24k.wav");
  const int64_t count = static_cast<int64_t>(a.samples.size());
  const float* in = a.samples.data();
  std::vector<float> style = latent_style(3, 0), out = poisoned(3 * 64 * 64 * 2);
  int64_t written = -7;
  float* wave = reinterpret_cast<float*>(&written);  // must come back NULL on failure

  EXPECT_EQ(xfv_style_from_voice(ctx_, nullptr, count, a.rate, 0, out.data()), -1);
  EXPECT_TRUE(has_text("xfv_style_from_voice: null samples buffer")) << xfv_last_error();
  EXPECT_EQ(xfv_style_from_voice(ctx_, in, 0, a.rate, 0, out.data()), -1);
  EXPECT_TRUE(has_text("0 samples")) << xfv_last_error();
  EXPECT_EQ(xfv_style_from_voice(ctx_, in, count, 0, 0, out.data()), -1);
  EXPECT_TRUE(has_text("0 Hz")) << xfv_last_error();
  EXPECT_EQ(xfv_style_from_voice(ctx_, in, count, a.rate, 3, out.data()), -1);
  EXPECT_TRUE(has_text("domain '3' is unknown to 'audio_style_encoder'")) << xfv_last_error();
  EXPECT_EQ(xfv_style_from_voice(ctx_, in, count, a.rate, 0, nullptr), -1);
  EXPECT_EQ(xfv_style_from_voice(ctx_, in, 12000, a.rate, 0, out.data()), -1);  // half a second: under 80 frames
  EXPECT_TRUE(has_text("the voice")) << xfv_last_error();
  const std::vector<float> silence(24000, 0.f);
  EXPECT_EQ(xfv_style_from_voice(ctx_, silence.data(), 24000, 24000, 0, out.data()), -1);
  EXPECT_TRUE(has_text("silent")) << xfv_last_error();
  std::vector<float> bad(a.samples);
  bad[100] = NAN;
  EXPECT_EQ(xfv_style_from_voice(ctx_, bad.data(), count, a.rate, 0, out.data()), -1);
  EXPECT_TRUE(has_text("sample 100 is not finite")) << xfv_last_error();

  EXPECT_EQ(xfv_converted_samples(ctx_, 500, 24000), -1);
  EXPECT_TRUE(has_text("too short")) << xfv_last_error();
  EXPECT_EQ(xfv_converted_samples(ctx_, -1, 24000), -1);
  EXPECT_EQ(xfv_converted_samples(ctx_, count, -5), -1);
  EXPECT_EQ(xfv_convert_voice(ctx_, in, count, a.rate, style.data(), out.data(), 1 << 20, nullptr), -1);
  EXPECT_EQ(xfv_convert_voice(ctx_, in, count, a.rate, nullptr, out.data(), 1 << 20, &written), -1);
  EXPECT_TRUE(has_text("null style buffer")) << xfv_last_error();
  EXPECT_EQ(xfv_convert_voice(ctx_, in, count, a.rate, style.data(), nullptr, 1 << 20, &written), -1);
  EXPECT_EQ(xfv_convert_voice(ctx_, in, 500, 24000, style.data(), out.data(), 1 << 20, &written), -1);
  EXPECT_EQ(xfv_convert_voice_alloc(ctx_, in, 500, 24000, style.data(), &wave, &written), -1);
  EXPECT_EQ(wave, nullptr);
  EXPECT_EQ(xfv_convert_voice_alloc(ctx_, in, count, a.rate, style.data(), nullptr, &written), -1);
  EXPECT_EQ(written, -7);

  EXPECT_EQ(xfv_translate_faces(ctx_, 0, out.data(), style.data(), out.data()), -1);
  EXPECT_TRUE(has_text("0 faces")) << xfv_last_error();
  EXPECT_EQ(xfv_translate_faces(ctx_, 2, out.data(), nullptr, out.data()), -1);
  EXPECT_EQ(xfv_styles_from_latents(ctx_, out.data(), -3, 0, 1.f, style.data()), -1);
  EXPECT_EQ(xfv_styles_from_latents(ctx_, nullptr, 1, 0, 1.f, style.data()), -1);
  EXPECT_EQ(xfv_styles_from_latents(ctx_, out.data(), 1, 0, 1.f, style.data()), -1);  // NaN latents
  EXPECT_TRUE(has_text("NaN")) << xfv_last_error();
  for (float x : out) ASSERT_TRUE(std::isnan(x));  // no failing call wrote anything

  EXPECT_EQ(xfv_voice_rate(nullptr), -1);
  EXPECT_EQ(xfv_set_noise_seed(nullptr, 1), -1);
  EXPECT_EQ(xfv_set_profiling(nullptr, 1), -1);
  EXPECT_EQ(xfv_converted_samples(nullptr, count, a.rate), -1);
  EXPECT_TRUE(has_text("null context")) << xfv_last_error();
  EXPECT_EQ(xfv_style_from_voice(nullptr, in, count, a.rate, 0, style.data()), -1);
  EXPECT_EQ(xfv_convert_voice_alloc(nullptr, in, count, a.rate, style.data(), &wave, &written), -1);
}

// A file that cannot serve a call: the message names the file and the network it lacks.
TEST_F(CApiBundle, CallsTheFileCannotServe) {
  if (faces_dir().empty() || hifigan_dir().empty()) GTEST_SKIP() << "needs XFV_FACES and XFV_HIFIGAN";
  const std::string face_file = faces_dir() + "/full_w0.safetensors";
  xfv_context* faces = xfv_open(face_file.c_str(), "cpu");
  ASSERT_NE(faces, nullptr) << xfv_last_error();
  const xfv::MonoAudio a = recording("small_source24k.wav");
  const int64_t count = static_cast<int64_t>(a.samples.size());
  std::vector<float> style = poisoned(64), out = poisoned(1 << 16);
  int64_t written = 0;
  EXPECT_EQ(xfv_voice_rate(faces), -1);
  EXPECT_TRUE(has_text(face_file) && has_text("holds no voice networks")) << xfv_last_error();
  EXPECT_EQ(xfv_style_from_voice(faces, a.samples.data(), count, a.rate, 0, style.data()), -1);
  EXPECT_TRUE(has_text(face_file + " holds no network 'audio_style_encoder'")) << xfv_last_error();
  EXPECT_EQ(xfv_converted_samples(faces, count, a.rate), -1);
  EXPECT_TRUE(has_text(face_file + " holds no network 'audio_generator'")) << xfv_last_error();
  EXPECT_EQ(xfv_convert_voice(faces, a.samples.data(), count, a.rate, style.data(), out.data(), 1 << 16, &written), -1);
  EXPECT_TRUE(has_text(face_file + " holds no network 'audio_generator'")) << xfv_last_error();
  for (float x : style) ASSERT_TRUE(std::isnan(x));
  xfv_close(faces);

  const std::string vocoder_file = hifigan_dir() + "/universal.safetensors";
  xfv_context* vocoder = xfv_open(vocoder_file.c_str(), "cpu");
  ASSERT_NE(vocoder, nullptr) << xfv_last_error();
  EXPECT_EQ(xfv_style_dim(vocoder), -1);
  EXPECT_EQ(xfv_translate_face(vocoder, out.data(), style.data(), out.data()), -1);
  EXPECT_TRUE(has_text(vocoder_file + " holds no network 'image_generator'")) << xfv_last_error();
  EXPECT_EQ(xfv_styles_from_latents(vocoder, out.data(), 1, 0, 1.f, style.data()), -1);
  EXPECT_TRUE(has_text(vocoder_file + " holds no network 'mapping_network'")) << xfv_last_error();
  EXPECT_EQ(xfv_voice_rate(vocoder), -1);
  xfv_close(vocoder);
}

// Every call of the three tasks, on one context.
struct TaskResults {
  std::vector<float> voice_style, face_style, latent_styles, faces, wave;
  bool operator==(const TaskResults& o) const {
    return voice_style == o.voice_style && face_style == o.face_style && latent_styles == o.latent_styles &&
           faces == o.faces && wave == o.wave;
  }
};

TaskResults run_tasks(xfv_context* ctx, const xfv::MonoAudio& voice, const std::vector<float>& two_faces) {
  TaskResults r;
  const int64_t count = static_cast<int64_t>(voice.samples.size());
  r.voice_style = poisoned(16), r.face_style = poisoned(16), r.latent_styles = poisoned(32);
  r.faces = poisoned(2 * 3 * 64 * 64);
  EXPECT_EQ(xfv_set_noise_seed(ctx, 4), 0);
  EXPECT_EQ(xfv_set_profiling(ctx, 1), 0);
  std::vector<float> z(16);
  EXPECT_EQ(xfv_latent_from_seed(ctx, 1, z.data()), 0) << xfv_last_error();
  EXPECT_EQ(xfv_latent_from_seed(ctx, 2, z.data() + 8), 0) << xfv_last_error();
  // Audio-guided image translation, then image-guided voice conversion, then generation.
  EXPECT_EQ(xfv_style_from_voice(ctx, voice.samples.data(), count, voice.rate, 1, r.voice_style.data()), 0)
      << xfv_last_error();
  EXPECT_EQ(xfv_style_from_face(ctx, two_faces.data(), 0, r.face_style.data()), 0) << xfv_last_error();
  EXPECT_EQ(xfv_styles_from_latents(ctx, z.data(), 2, 2, 1.f, r.latent_styles.data()), 0) << xfv_last_error();
  std::vector<float> styles = r.voice_style;
  styles.insert(styles.end(), r.latent_styles.begin(), r.latent_styles.begin() + 16);
  EXPECT_EQ(xfv_translate_faces(ctx, 2, two_faces.data(), styles.data(), r.faces.data()), 0) << xfv_last_error();
  float* wave = nullptr;
  int64_t written = 0;
  EXPECT_EQ(xfv_convert_voice_alloc(ctx, voice.samples.data(), count, voice.rate, r.face_style.data(), &wave, &written),
            0)
      << xfv_last_error();
  if (wave) r.wave.assign(wave, wave + written);
  xfv_free(wave);
  return r;
}

// Two threads, each with its own context, run the same calls at the same time and get what
// one thread alone gets, bit for bit.
TEST_F(CApiBundle, ContextsOnTwoThreadsGiveTheOneThreadResults) {
  const xfv::MonoAudio voice = recording("reference22k.wav");  // resampled too
  const std::vector<float> faces = two_faces();
  const TaskResults alone = run_tasks(ctx_, voice, faces);
  ASSERT_TRUE(finite(alone.faces) && finite(alone.wave) && !alone.wave.empty());
  TaskResults got[2];
  std::string errors[2];
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t)
    threads.emplace_back([&, t] {
      xfv_context* ctx = xfv_open(path().c_str(), "cpu");
      if (!ctx) {
        errors[t] = xfv_last_error();
        return;
      }
      got[t] = run_tasks(ctx, voice, faces);
      errors[t] = xfv_last_error();  // this thread's: "" after the last call succeeded
      xfv_close(ctx);
    });
  for (std::thread& t : threads) t.join();
  for (int t = 0; t < 2; ++t) {
    EXPECT_EQ(errors[t], "") << "thread " << t;
    EXPECT_TRUE(got[t] == alone) << "thread " << t;
  }
}

// The same on sim, whose kernel launches from every context go to one pool of workers.
TEST_F(CApiBundle, SimContextsOnTwoThreadsGiveTheOneThreadResults) {
  const xfv::MonoAudio voice = recording("small_reference24k.wav");
  const std::vector<float> faces = two_faces();
  const auto run = [&](std::vector<float>& style, std::vector<float>& image) {
    xfv_context* ctx = xfv_open(path().c_str(), "sim");
    if (!ctx) return std::string(xfv_last_error());
    style = poisoned(16), image = poisoned(3 * 64 * 64);
    const int64_t count = static_cast<int64_t>(voice.samples.size());
    const bool ok = xfv_style_from_voice(ctx, voice.samples.data(), count, voice.rate, 2, style.data()) == 0 &&
                    xfv_translate_face(ctx, faces.data(), style.data(), image.data()) == 0;
    const std::string error = ok ? "" : xfv_last_error();
    xfv_close(ctx);
    return error;
  };
  std::vector<float> style, image, styles[2], images[2];
  ASSERT_EQ(run(style, image), "");
  ASSERT_TRUE(finite(image));
  std::string errors[2];
  std::thread a([&] { errors[0] = run(styles[0], images[0]); });
  std::thread b([&] { errors[1] = run(styles[1], images[1]); });
  a.join();
  b.join();
  for (int t = 0; t < 2; ++t) {
    EXPECT_EQ(errors[t], "") << "thread " << t;
    EXPECT_EQ(styles[t], style) << "thread " << t;
    EXPECT_EQ(images[t], image) << "thread " << t;
  }
  // And sim computes what cpu does.
  std::vector<float> cpu_style = poisoned(16), cpu_image = poisoned(3 * 64 * 64);
  ASSERT_EQ(xfv_style_from_voice(ctx_, voice.samples.data(), static_cast<int64_t>(voice.samples.size()), voice.rate, 2,
                                 cpu_style.data()),
            0)
      << xfv_last_error();
  ASSERT_EQ(xfv_translate_face(ctx_, faces.data(), cpu_style.data(), cpu_image.data()), 0) << xfv_last_error();
  EXPECT_LE(xfv::relative_l2(style, cpu_style), 1e-5);
  EXPECT_LE(xfv::relative_l2(image, cpu_image), 1e-5);
}

// The full-size bundle (CelebA-HQ and VCTK sizes, FAN, the VCTK vocoder's size), sparingly:
// audio-guided image translation against its PyTorch reference.
TEST(CApiFullBundle, AudioGuidedTranslationMatchesPyTorch) {
  if (xfavot_dir().empty()) GTEST_SKIP() << "XFV_XFAVOT is unset: run through ctest, which builds the fixtures";
  xfv_context* ctx = xfv_open((xfavot_dir() + "/full.safetensors").c_str(), "cpu");
  ASSERT_NE(ctx, nullptr) << xfv_last_error();
  EXPECT_EQ(xfv_image_size(ctx), 256);
  EXPECT_EQ(xfv_domain(ctx, "audio_style_encoder", "p229"), 4);
  expect_image_from_voice(ctx, xfv::read_safetensors(xfavot_dir() + "/full.image_from_voice.safetensors"), 4);
  xfv_close(ctx);
}

// A HiFi-GAN bundle (full size, sparingly): the voice path's mel is the HiFi-GAN recipe's
// (uncentred frames, 22.05 kHz), and the converted length follows it.
TEST(CApiHifiganBundle, ConvertedLengthFollowsTheRecipe) {
  if (xfavot_dir().empty()) GTEST_SKIP() << "XFV_XFAVOT is unset: run through ctest, which builds the fixtures";
  xfv_context* ctx = xfv_open((xfavot_dir() + "/hifigan.safetensors").c_str(), "cpu");
  ASSERT_NE(ctx, nullptr) << xfv_last_error();
  EXPECT_EQ(xfv_voice_rate(ctx), 22050);
  EXPECT_EQ(xfv_vocoder_rate(ctx), 22050);
  std::vector<float> voice(30000), style = poisoned(64);
  for (size_t i = 0; i < voice.size(); ++i) voice[i] = 0.3f * std::sin(0.05f * static_cast<float>(i));
  std::vector<float> z(16, 0.f);
  ASSERT_EQ(xfv_style_from_latent(ctx, z.data(), 0, 1.f, style.data()), 0) << xfv_last_error();
  const int64_t expected = xfv_converted_samples(ctx, 30000, 16000);  // 41344 samples at 22.05 kHz
  EXPECT_EQ(expected, 41344 / 256 / 4 * 4 * 256);
  float* out = nullptr;
  int64_t written = 0;
  ASSERT_EQ(xfv_convert_voice_alloc(ctx, voice.data(), 30000, 16000, style.data(), &out, &written), 0)
      << xfv_last_error();
  EXPECT_EQ(written, expected);
  EXPECT_TRUE(finite(std::vector<float>(out, out + written)));
  xfv_free(out);
  xfv_close(ctx);
}

}  // namespace
