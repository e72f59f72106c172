// The C API's bundle calls (the XFaVoT tasks, each a style call plus a task call) against
// the task dumps of PyTorch and the engine's own C++ Bundle calls on the XFaVoT fixtures
// (tools/tests/make_xfavot_fixtures.py; CTest passes their folder in XFV_XFAVOT).
#include <nlohmann/json.hpp>

#include <cmath>
#include <set>
#include <string>
#include <vector>

#include "engine/opcheck.h"
#include "engine/tasks/bundle.h"
#include "tests/capi/capi_fixtures.h"

namespace capi {
namespace {

// Audio-guided image translation of a task dump's inputs (a 24 kHz reference, a face), for a
// domain of the audio style encoder, against the dump's style and image.
void expect_image_from_voice(xfv_session* s, const xfv::TensorFile& d, int domain) {
  const std::vector<float>& wave = tensor(d, "task.input.reference_wave");
  std::vector<float> style = poisoned(tensor(d, "task.style").size());
  std::vector<float> image = poisoned(tensor(d, "task.output.image").size());
  ASSERT_EQ(xfv_style_from_voice(s, wave.data(), static_cast<int64_t>(wave.size()), 24000, domain, style.data()), 0)
      << xfv_last_error();
  EXPECT_LE(xfv::relative_l2(style, tensor(d, "task.style")), 1e-4);
  ASSERT_EQ(xfv_translate_face(s, tensor(d, "task.input.face").data(), style.data(), image.data()), 0)
      << xfv_last_error();
  EXPECT_LE(xfv::relative_l2(image, tensor(d, "task.output.image")), 1e-4);
}

// The small bundle (style 16, faces 64 x 64, the small voice sizes, a Parallel WaveGAN) on
// cpu, beside the engine's own Bundle on the same file, the independent path the C API's
// results are held against.
class CApiBundle : public CApiSuite {
 protected:
  static void SetUpTestSuite() {
    if (!xfavot_dir().empty()) bundle_ = new xfv::Bundle(small_bundle(), "cpu");
  }
  static void TearDownTestSuite() {
    delete bundle_;
    bundle_ = nullptr;
  }
  void SetUp() override { open("XFV_XFAVOT", "small.safetensors"); }

  xfv::TensorFile dump(const std::string& task) const {
    return xfv::read_safetensors(xfavot_dir() + "/small." + task + ".safetensors");
  }
  // A style of the mapping network, as a client makes one for the task calls.
  std::vector<float> latent_style(uint64_t seed, int domain) {
    std::vector<float> z = poisoned(8), s = poisoned(16);
    EXPECT_EQ(xfv_latent_from_seed(model(), seed, z.data()), 0) << xfv_last_error();
    EXPECT_EQ(xfv_style_from_latent(session(), z.data(), domain, 1.f, s.data()), 0) << xfv_last_error();
    return s;
  }
  // One conversion into the library's buffer.
  std::vector<float> convert(const xfv::MonoAudio& a, const std::vector<float>& style) {
    float* out = nullptr;
    int64_t written = 0;
    EXPECT_EQ(xfv_convert_voice_alloc(session(), a.samples.data(), static_cast<int64_t>(a.samples.size()), a.rate,
                                      style.data(), &out, &written),
              0)
        << xfv_last_error();
    std::vector<float> v(out, out + written);
    xfv_free(out);
    return v;
  }

  static xfv::Bundle* bundle_;
};

xfv::Bundle* CApiBundle::bundle_ = nullptr;

TEST_F(CApiBundle, DescribesTheBundle) {
  EXPECT_EQ(xfv_image_size(model()), 64);
  EXPECT_EQ(xfv_style_dim(model()), 16);
  EXPECT_EQ(xfv_latent_dim(model()), 8);
  EXPECT_EQ(xfv_voice_rate(model()), 24000);
  EXPECT_EQ(xfv_domain(model(), "audio_style_encoder", "domain2"), 2);
  EXPECT_EQ(xfv_domain(model(), "mapping_network", "domain1"), 1);
  EXPECT_EQ(xfv_domain(model(), "audio_style_encoder", "domain3"), -1);
  EXPECT_TRUE(has_text("'audio_style_encoder' has no domain named 'domain3'")) << xfv_last_error();
  EXPECT_EQ(xfv_vocoder_rate(model()), -1);  // a Parallel WaveGAN, not a HiFi-GAN
  EXPECT_TRUE(has_text("holds no HiFi-GAN vocoder")) << xfv_last_error();
  EXPECT_EQ(xfv_image_size(model()), 64);
  EXPECT_STREQ(xfv_last_error(), "");  // a call that succeeds clears the message
}

// Audio-guided image translation against the PyTorch reference of the whole task.
TEST_F(CApiBundle, AudioGuidedTranslationMatchesPyTorch) {
  expect_image_from_voice(session(), dump("image_from_voice"), 2);
}

// Latent-guided generation: a batch of two styles, one face translated by each, as one batch.
TEST_F(CApiBundle, LatentGenerationMatchesPyTorch) {
  const xfv::TensorFile d = dump("generate");
  std::vector<float> styles = poisoned(2 * 16), images = poisoned(2 * 3 * 64 * 64);
  ASSERT_EQ(xfv_styles_from_latents(session(), tensor(d, "task.input.latent").data(), 2, 2, 1.f, styles.data()), 0)
      << xfv_last_error();
  EXPECT_LE(xfv::relative_l2(styles, tensor(d, "task.style")), 1e-4);
  std::vector<float> faces = tensor(d, "task.input.face");
  faces.insert(faces.end(), faces.begin(), faces.end());
  ASSERT_EQ(xfv_translate_faces(session(), 2, faces.data(), styles.data(), images.data()), 0) << xfv_last_error();
  EXPECT_LE(xfv::relative_l2(images, tensor(d, "task.output.image")), 1e-4);
}

// Image-guided voice conversion's style against the reference (its waveform takes numpy's
// noise, which the C API does not take: the conversion is held against the Bundle below).
TEST_F(CApiBundle, StyleFromFaceMatchesPyTorch) {
  const xfv::TensorFile d = dump("voice_from_face");
  std::vector<float> style = poisoned(16);
  ASSERT_EQ(xfv_style_from_face(session(), tensor(d, "task.input.reference_face").data(), 1, style.data()), 0)
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
    ASSERT_EQ(xfv_style_from_voice(session(), a.samples.data(), static_cast<int64_t>(a.samples.size()), a.rate, 1,
                                   style.data()),
              0)
        << xfv_last_error();
    const std::vector<float> want =
        bundle_->style_from_recordings({xfv::load_voice(xfavot_dir() + "/" + name, 24000, xfv::Gain::kAsRecorded)}, 1)
            .data;
    EXPECT_EQ(style, want);
  }
}

// Voice conversion equals the Bundle's, at the voice rate and resampled, with the noise of the
// seed; its length is what xfv_converted_samples says.
TEST_F(CApiBundle, ConvertVoiceEqualsTheBundle) {
  const std::vector<float> style = latent_style(3, 2);
  ASSERT_EQ(xfv_set_noise_seed(session(), 11), 0) << xfv_last_error();
  for (const char* name : {"small_source24k.wav", "source22k.wav"}) {
    SCOPED_TRACE(name);
    const xfv::MonoAudio a = recording(name);
    const int64_t count = static_cast<int64_t>(a.samples.size());
    const int64_t expected = xfv_converted_samples(model(), count, a.rate);
    ASSERT_GT(expected, 0) << xfv_last_error();
    std::vector<float> out = poisoned(static_cast<size_t>(expected) + 1);  // one more: nothing is written past
    int64_t written = -7;
    ASSERT_EQ(xfv_convert_voice(session(), a.samples.data(), count, a.rate, style.data(), out.data(),
                                static_cast<int64_t>(out.size()), &written),
              0)
        << xfv_last_error();
    EXPECT_EQ(written, expected);
    EXPECT_TRUE(std::isnan(out.back()));
    out.pop_back();
    const std::vector<float> wave = xfv::load_voice(xfavot_dir() + "/" + name, 24000, xfv::Gain::kPeakNormalize);
    const std::vector<std::vector<float>> want =
        bundle_->convert_recordings({wave}, xfv::HostTensor(xfv::Shape{1, 16}, style), {}, 11);
    EXPECT_EQ(out, want.at(0));
    // The length from the settings: the frames of the resampled voice, cut to a multiple of 4.
    EXPECT_EQ(expected, (1 + static_cast<int64_t>(wave.size()) / 300) / 4 * 4 * 300);
  }
}

TEST_F(CApiBundle, NoiseSeedDrivesTheVocoder) {
  const xfv::MonoAudio a = recording("small_source24k.wav");
  const std::vector<float> style = latent_style(3, 1);
  const std::vector<float> seed0 = convert(a, style);
  ASSERT_EQ(xfv_set_noise_seed(session(), 5), 0);
  const std::vector<float> seed5 = convert(a, style);
  ASSERT_EQ(xfv_set_noise_seed(session(), 0), 0);
  EXPECT_EQ(convert(a, style), seed0);  // 0, the default
  EXPECT_NE(seed0, seed5);
  EXPECT_EQ(seed0, bundle_->convert_recordings({xfv::load_voice(xfavot_dir() + "/small_source24k.wav", 24000,
                                                                xfv::Gain::kPeakNormalize)},
                                               xfv::HostTensor(xfv::Shape{1, 16}, style))
                       .at(0));
  // A session opened with a seed in its parameters takes that seed from its first call.
  xfv_session_params params = xfv_session_default_params();
  params.noise_seed = 5;
  SessionPtr seeded(xfv_session_open(model(), &params));
  ASSERT_NE(seeded, nullptr) << xfv_last_error();
  float* out = nullptr;
  int64_t written = 0;
  ASSERT_EQ(xfv_convert_voice_alloc(seeded.get(), a.samples.data(), static_cast<int64_t>(a.samples.size()), a.rate,
                                    style.data(), &out, &written),
            0)
      << xfv_last_error();
  EXPECT_EQ(std::vector<float>(out, out + written), seed5);
  xfv_free(out);
}

TEST_F(CApiBundle, CallerAndLibraryOwnedOutputsAreEqual) {
  const xfv::MonoAudio a = recording("small_source24k.wav");
  const int64_t count = static_cast<int64_t>(a.samples.size());
  const std::vector<float> style = latent_style(9, 0);
  const int64_t expected = xfv_converted_samples(model(), count, a.rate);
  ASSERT_GT(expected, 0) << xfv_last_error();
  std::vector<float> mine = poisoned(static_cast<size_t>(expected));  // exactly the size needed
  int64_t written = 0;
  ASSERT_EQ(xfv_convert_voice(session(), a.samples.data(), count, a.rate, style.data(), mine.data(), expected,
                              &written),
            0)
      << xfv_last_error();
  EXPECT_EQ(written, expected);
  EXPECT_TRUE(finite(mine));
  EXPECT_EQ(convert(a, style), mine);
  xfv_free(nullptr);
}

TEST_F(CApiBundle, CapacityTooSmallWritesNothing) {
  const xfv::MonoAudio a = recording("small_source24k.wav");
  const int64_t count = static_cast<int64_t>(a.samples.size());
  const std::vector<float> style = latent_style(9, 0);
  const int64_t expected = xfv_converted_samples(model(), count, a.rate);
  ASSERT_GT(expected, 0) << xfv_last_error();
  std::vector<float> out = poisoned(static_cast<size_t>(expected));
  int64_t written = -7;
  EXPECT_EQ(xfv_convert_voice(session(), a.samples.data(), count, a.rate, style.data(), out.data(), expected - 1,
                              &written),
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
  ASSERT_EQ(xfv_translate_faces(session(), 2, faces.data(), styles.data(), batch.data()), 0) << xfv_last_error();
  ASSERT_EQ(xfv_translate_face(session(), faces.data(), styles.data(), one.data()), 0) << xfv_last_error();
  ASSERT_EQ(xfv_translate_face(session(), faces.data() + face, styles.data() + 16, two.data()), 0)
      << xfv_last_error();
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
  for (int i = 0; i < 3; ++i)
    ASSERT_EQ(xfv_latent_from_seed(model(), 20 + i, z.data() + 8 * i), 0) << xfv_last_error();
  std::vector<float> batch = poisoned(3 * 16);
  ASSERT_EQ(xfv_styles_from_latents(session(), z.data(), 3, 1, 0.7f, batch.data()), 0) << xfv_last_error();
  for (int i = 0; i < 3; ++i) {
    std::vector<float> one = poisoned(16);
    ASSERT_EQ(xfv_style_from_latent(session(), z.data() + 8 * i, 1, 0.7f, one.data()), 0) << xfv_last_error();
    EXPECT_LE(xfv::relative_l2(std::vector<float>(batch.begin() + 16 * i, batch.begin() + 16 * (i + 1)), one), 1e-6);
  }
  const xfv::HostTensor want = bundle_->style_from_latents(xfv::HostTensor(xfv::Shape{3, 8}, z), 1, 0.7f);
  EXPECT_EQ(batch, want.data);
}

// The networks the last call on `s` ran, by the profile's JSON.
std::set<std::string> profiled_networks(xfv_session* s) {
  const char* text = xfv_last_profile_json(s);
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
  ASSERT_STREQ(xfv_last_profile_json(session()), "");  // off by default
  ASSERT_EQ(xfv_style_from_voice(session(), a.samples.data(), count, a.rate, 0, style.data()), 0) << xfv_last_error();
  EXPECT_STREQ(xfv_last_profile_json(session()), "");

  ASSERT_EQ(xfv_set_profiling(session(), 1), 0) << xfv_last_error();
  ASSERT_EQ(xfv_style_from_voice(session(), a.samples.data(), count, a.rate, 0, style.data()), 0) << xfv_last_error();
  const std::set<std::string> style_nets = profiled_networks(session());
  EXPECT_EQ(style_nets.count("audio_style_encoder"), 1u);
  EXPECT_EQ(style_nets.count("audio_generator"), 0u);
  const char* first = xfv_last_profile_json(session());
  EXPECT_EQ(first, xfv_last_profile_json(session()));  // the same string until the next call

  EXPECT_FALSE(convert(a, style).empty());
  const std::set<std::string> convert_nets = profiled_networks(session());  // that call's nodes only
  for (const char* net : {"audio_generator", "f0_model", "vocoder"}) EXPECT_EQ(convert_nets.count(net), 1u) << net;
  EXPECT_EQ(convert_nets.count("audio_style_encoder"), 0u);

  const std::vector<float> faces = two_faces();
  std::vector<float> out = poisoned(3 * 64 * 64);
  ASSERT_EQ(xfv_translate_face(session(), faces.data(), style.data(), out.data()), 0) << xfv_last_error();
  EXPECT_EQ(profiled_networks(session()), std::set<std::string>{"image_generator"});

  ASSERT_EQ(xfv_set_profiling(session(), 0), 0);
  ASSERT_EQ(xfv_translate_face(session(), faces.data(), style.data(), out.data()), 0) << xfv_last_error();
  EXPECT_STREQ(xfv_last_profile_json(session()), "");
  EXPECT_EQ(xfv_last_profile_json(nullptr), nullptr);

  // A session opened with profiling on in its parameters records from its first call.
  xfv_session_params params = xfv_session_default_params();
  params.profiling = 1;
  SessionPtr profiled(xfv_session_open(model(), &params));
  ASSERT_NE(profiled, nullptr) << xfv_last_error();
  ASSERT_EQ(xfv_translate_face(profiled.get(), faces.data(), style.data(), out.data()), 0) << xfv_last_error();
  EXPECT_EQ(profiled_networks(profiled.get()), std::set<std::string>{"image_generator"});
}

// The full-size bundle (CelebA-HQ and VCTK sizes, FAN, the VCTK vocoder's size), sparingly:
// audio-guided image translation against its PyTorch reference.
class CApiFullBundle : public CApiSuite {
 protected:
  void SetUp() override { open("XFV_XFAVOT", "full.safetensors"); }
};

TEST_F(CApiFullBundle, AudioGuidedTranslationMatchesPyTorch) {
  EXPECT_EQ(xfv_image_size(model()), 256);
  EXPECT_EQ(xfv_domain(model(), "audio_style_encoder", "p229"), 4);
  expect_image_from_voice(session(), xfv::read_safetensors(xfavot_dir() + "/full.image_from_voice.safetensors"), 4);
}

// A HiFi-GAN bundle (full size, sparingly): the voice path's mel is the HiFi-GAN recipe's
// (uncentred frames, 22.05 kHz), and the converted length follows it.
class CApiHifiganBundle : public CApiSuite {
 protected:
  void SetUp() override { open("XFV_XFAVOT", "hifigan.safetensors"); }
};

TEST_F(CApiHifiganBundle, ConvertedLengthFollowsTheRecipe) {
  EXPECT_EQ(xfv_voice_rate(model()), 22050);
  EXPECT_EQ(xfv_vocoder_rate(model()), 22050);
  std::vector<float> voice(30000), style = poisoned(64);
  for (size_t i = 0; i < voice.size(); ++i) voice[i] = 0.3f * std::sin(0.05f * static_cast<float>(i));
  std::vector<float> z(16, 0.f);
  ASSERT_EQ(xfv_style_from_latent(session(), z.data(), 0, 1.f, style.data()), 0) << xfv_last_error();
  const int64_t expected = xfv_converted_samples(model(), 30000, 16000);  // 41344 samples at 22.05 kHz
  EXPECT_EQ(expected, 41344 / 256 / 4 * 4 * 256);
  float* out = nullptr;
  int64_t written = 0;
  ASSERT_EQ(xfv_convert_voice_alloc(session(), voice.data(), 30000, 16000, style.data(), &out, &written), 0)
      << xfv_last_error();
  EXPECT_EQ(written, expected);
  EXPECT_TRUE(finite(std::vector<float>(out, out + written)));
  xfv_free(out);
}

}  // namespace
}  // namespace capi
