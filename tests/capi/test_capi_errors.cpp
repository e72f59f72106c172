// The C API's failures: bad arguments, calls a file cannot serve, NULL handles, and domains
// by index and by name. Each is -1 (or NULL) and a message naming the problem, never a crash,
// and no output buffer is written.
#include <climits>
#include <cmath>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "tests/capi/capi_fixtures.h"

namespace capi {
namespace {

class CApiErrors : public CApiSuite {
 protected:
  void SetUp() override { open("XFV_XFAVOT", "small.safetensors"); }
};

TEST_F(CApiErrors, BadArgumentsAreMessages) {
  const xfv::MonoAudio a = recording("small_source24k.wav");
  const int64_t count = static_cast<int64_t>(a.samples.size());
  const float* in = a.samples.data();
  std::vector<float> z = poisoned(8), style = poisoned(16), out = poisoned(3 * 64 * 64 * 2);
  ASSERT_EQ(xfv_latent_from_seed(model(), 3, z.data()), 0) << xfv_last_error();
  ASSERT_EQ(xfv_style_from_latent(session(), z.data(), 0, 1.f, style.data()), 0) << xfv_last_error();
  xfv_session* s = session();
  int64_t written = -7;
  float* wave = reinterpret_cast<float*>(&written);  // must come back NULL on failure

  EXPECT_EQ(xfv_style_from_voice(s, nullptr, count, a.rate, 0, out.data()), -1);
  EXPECT_TRUE(has_text("xfv_style_from_voice: null samples buffer")) << xfv_last_error();
  EXPECT_EQ(xfv_style_from_voice(s, in, 0, a.rate, 0, out.data()), -1);
  EXPECT_TRUE(has_text("0 samples")) << xfv_last_error();
  EXPECT_EQ(xfv_style_from_voice(s, in, count, 0, 0, out.data()), -1);
  EXPECT_TRUE(has_text("0 Hz")) << xfv_last_error();
  EXPECT_EQ(xfv_style_from_voice(s, in, count, a.rate, 0, nullptr), -1);
  EXPECT_EQ(xfv_style_from_voice(s, in, 12000, a.rate, 0, out.data()), -1);  // half a second: under 80 frames
  EXPECT_TRUE(has_text("the voice")) << xfv_last_error();
  const std::vector<float> silence(24000, 0.f);
  EXPECT_EQ(xfv_style_from_voice(s, silence.data(), 24000, 24000, 0, out.data()), -1);
  EXPECT_TRUE(has_text("silent")) << xfv_last_error();
  std::vector<float> bad(a.samples);
  bad[100] = NAN;
  EXPECT_EQ(xfv_style_from_voice(s, bad.data(), count, a.rate, 0, out.data()), -1);
  EXPECT_TRUE(has_text("sample 100 is not finite")) << xfv_last_error();

  EXPECT_EQ(xfv_converted_samples(model(), 500, 24000), -1);
  EXPECT_TRUE(has_text("too short")) << xfv_last_error();
  EXPECT_EQ(xfv_converted_samples(model(), -1, 24000), -1);
  EXPECT_EQ(xfv_converted_samples(model(), count, -5), -1);
  EXPECT_EQ(xfv_convert_voice(s, in, count, a.rate, style.data(), out.data(), 1 << 20, nullptr), -1);
  EXPECT_EQ(xfv_convert_voice(s, in, count, a.rate, nullptr, out.data(), 1 << 20, &written), -1);
  EXPECT_TRUE(has_text("null style buffer")) << xfv_last_error();
  EXPECT_EQ(xfv_convert_voice(s, in, count, a.rate, style.data(), nullptr, 1 << 20, &written), -1);
  EXPECT_EQ(xfv_convert_voice(s, in, 500, 24000, style.data(), out.data(), 1 << 20, &written), -1);
  EXPECT_EQ(xfv_convert_voice_alloc(s, in, 500, 24000, style.data(), &wave, &written), -1);
  EXPECT_EQ(wave, nullptr);
  EXPECT_EQ(xfv_convert_voice_alloc(s, in, count, a.rate, style.data(), nullptr, &written), -1);
  EXPECT_EQ(written, -7);

  EXPECT_EQ(xfv_translate_faces(s, 0, out.data(), style.data(), out.data()), -1);
  EXPECT_TRUE(has_text("0 faces")) << xfv_last_error();
  EXPECT_EQ(xfv_translate_faces(s, 2, out.data(), nullptr, out.data()), -1);
  EXPECT_EQ(xfv_styles_from_latents(s, out.data(), -3, 0, 1.f, style.data()), -1);
  EXPECT_EQ(xfv_styles_from_latents(s, nullptr, 1, 0, 1.f, style.data()), -1);
  EXPECT_EQ(xfv_styles_from_latents(s, out.data(), 1, 0, 1.f, style.data()), -1);  // NaN latents
  EXPECT_TRUE(has_text("NaN")) << xfv_last_error();
  for (float x : out) ASSERT_TRUE(std::isnan(x));  // no failing call wrote anything

  const xfv_session_params zero{0, 0, 0, 0, nullptr};
  EXPECT_EQ(xfv_session_open(model(), &zero), nullptr);
  EXPECT_TRUE(has_text("xfv_session_open: a byte budget of 0")) << xfv_last_error();
  EXPECT_EQ(xfv_session_set_byte_budget(s, -1), -1);
  EXPECT_TRUE(has_text("a byte budget of -1")) << xfv_last_error();
}

// Counts and rates no recording has are refused before a sample is read or a buffer sized
// from them (docs/reliability.md, "Limits"): 16 real samples stand behind each call, so a
// read past them is an ASan report, and a 1 Hz rate would have made 24000 samples of each.
TEST_F(CApiErrors, HostileCountsAndRatesAreRefusedBeforeReading) {
  const std::vector<float> samples(16, 0.25f);
  std::vector<float> style = poisoned(16), out = poisoned(64);
  int64_t written = -7;
  xfv_session* s = session();
  for (const int64_t count : {int64_t{-1}, int64_t{0}, int64_t{INT64_MAX}, int64_t{1} << 40}) {
    EXPECT_EQ(xfv_style_from_voice(s, samples.data(), count, 24000, 0, style.data()), -1) << count;
    EXPECT_EQ(xfv_convert_voice(s, samples.data(), count, 24000, style.data(), out.data(), 64, &written), -1);
    EXPECT_EQ(xfv_converted_samples(model(), count, 24000), -1) << count;
  }
  for (const int rate : {INT_MIN, -1, 0, 1, 999, 768001, INT_MAX}) {
    EXPECT_EQ(xfv_style_from_voice(s, samples.data(), 16, rate, 0, style.data()), -1) << rate;
    EXPECT_TRUE(has_text(std::to_string(rate) + " Hz")) << xfv_last_error();
    EXPECT_EQ(xfv_converted_samples(model(), 24000, rate), -1) << rate;
    EXPECT_TRUE(has_text("1000 to 768000 Hz")) << xfv_last_error();
    EXPECT_EQ(xfv_convert_voice(s, samples.data(), 16, rate, style.data(), out.data(), 64, &written), -1);
  }
  EXPECT_EQ(written, -7);
  for (float x : style) ASSERT_TRUE(std::isnan(x));
  for (float x : out) ASSERT_TRUE(std::isnan(x));
}

// A file that cannot serve a call: the message names the file and the network it lacks.
TEST(CApiFiles, CallsTheFileCannotServe) {
  if (faces_dir().empty() || hifigan_dir().empty() || xfavot_dir().empty())
    GTEST_SKIP() << "needs XFV_FACES, XFV_HIFIGAN and XFV_XFAVOT";
  const xfv::MonoAudio a = recording("small_source24k.wav");
  const int64_t count = static_cast<int64_t>(a.samples.size());
  std::vector<float> style = poisoned(64), out = poisoned(1 << 16);
  int64_t written = 0;
  {
    const std::string face_file = faces_dir() + "/full_w0.safetensors";
    ModelPtr faces(xfv_model_open(face_file.c_str(), "cpu"));
    ASSERT_NE(faces, nullptr) << xfv_last_error();
    SessionPtr s(xfv_session_open(faces.get(), nullptr));
    ASSERT_NE(s, nullptr) << xfv_last_error();
    EXPECT_EQ(xfv_voice_rate(faces.get()), -1);
    EXPECT_TRUE(has_text(face_file) && has_text("holds no voice networks")) << xfv_last_error();
    EXPECT_EQ(xfv_style_from_voice(s.get(), a.samples.data(), count, a.rate, 0, style.data()), -1);
    EXPECT_TRUE(has_text(face_file + " holds no network 'audio_style_encoder'")) << xfv_last_error();
    EXPECT_EQ(xfv_converted_samples(faces.get(), count, a.rate), -1);
    EXPECT_TRUE(has_text(face_file + " holds no network 'audio_generator'")) << xfv_last_error();
    EXPECT_EQ(xfv_convert_voice(s.get(), a.samples.data(), count, a.rate, style.data(), out.data(), 1 << 16, &written),
              -1);
    EXPECT_TRUE(has_text(face_file + " holds no network 'audio_generator'")) << xfv_last_error();
    EXPECT_EQ(xfv_domain_count(faces.get(), "audio_style_encoder"), -1);
    EXPECT_TRUE(has_text("holds no network 'audio_style_encoder'")) << xfv_last_error();
    for (float x : style) ASSERT_TRUE(std::isnan(x));
  }
  const std::string vocoder_file = hifigan_dir() + "/universal.safetensors";
  ModelPtr vocoder(xfv_model_open(vocoder_file.c_str(), "cpu"));
  ASSERT_NE(vocoder, nullptr) << xfv_last_error();
  SessionPtr s(xfv_session_open(vocoder.get(), nullptr));
  ASSERT_NE(s, nullptr) << xfv_last_error();
  EXPECT_EQ(xfv_style_dim(vocoder.get()), -1);
  EXPECT_EQ(xfv_translate_face(s.get(), out.data(), style.data(), out.data()), -1);
  EXPECT_TRUE(has_text(vocoder_file + " holds no network 'image_generator'")) << xfv_last_error();
  EXPECT_EQ(xfv_styles_from_latents(s.get(), out.data(), 1, 0, 1.f, style.data()), -1);
  EXPECT_TRUE(has_text(vocoder_file + " holds no network 'mapping_network'")) << xfv_last_error();
  EXPECT_EQ(xfv_voice_rate(vocoder.get()), -1);
}

// Every call given a NULL model or session: -1 (NULL) and "<call>: null model" or "null
// session", with every other argument valid, so that the handle is the only fault.
TEST(CApiNull, EveryCallRefusesANullHandle) {
  std::vector<float> buf(1 << 16, 0.5f), out = poisoned(1 << 16);
  std::vector<uint8_t> rgb(64 * 64 * 3, 7);
  int64_t written = -7;
  float* wave = nullptr;
  const auto pointer = [](const void* p) { return p ? 0 : -1; };
  struct Call {
    const char* name;
    const char* handle;
    std::function<int64_t()> run;
  };
  const float* in = buf.data();
  float* o = out.data();
  const std::vector<Call> calls = {
      {"xfv_session_open", "model", [&] { return pointer(xfv_session_open(nullptr, nullptr)); }},
      {"xfv_model_host_bytes", "model", [&] { return xfv_model_host_bytes(nullptr, nullptr); }},
      {"xfv_model_backend_bytes", "model", [&] { return xfv_model_backend_bytes(nullptr, "image_generator"); }},
      {"xfv_image_size", "model", [&] { return xfv_image_size(nullptr); }},
      {"xfv_style_dim", "model", [&] { return xfv_style_dim(nullptr); }},
      {"xfv_latent_dim", "model", [&] { return xfv_latent_dim(nullptr); }},
      {"xfv_voice_rate", "model", [&] { return xfv_voice_rate(nullptr); }},
      {"xfv_domain_count", "model", [&] { return xfv_domain_count(nullptr, "mapping_network"); }},
      {"xfv_domain", "model", [&] { return xfv_domain(nullptr, "mapping_network", "domain0"); }},
      {"xfv_domain_name", "model", [&] { return pointer(xfv_domain_name(nullptr, "mapping_network", 0)); }},
      {"xfv_face_from_rgb8", "model", [&] { return xfv_face_from_rgb8(nullptr, rgb.data(), 64, 64, o); }},
      {"xfv_face_to_rgb8", "model", [&] { return xfv_face_to_rgb8(nullptr, in, rgb.data()); }},
      {"xfv_latent_from_seed", "model", [&] { return xfv_latent_from_seed(nullptr, 1, o); }},
      {"xfv_converted_samples", "model", [&] { return xfv_converted_samples(nullptr, 24000, 24000); }},
      {"xfv_vocoder_rate", "model", [&] { return xfv_vocoder_rate(nullptr); }},
      {"xfv_vocoder_hop", "model", [&] { return xfv_vocoder_hop(nullptr); }},
      {"xfv_vocoder_mel_bands", "model", [&] { return xfv_vocoder_mel_bands(nullptr); }},
      {"xfv_session_bytes", "session", [&] { return xfv_session_bytes(nullptr, nullptr); }},
      {"xfv_session_set_byte_budget", "session", [&] { return xfv_session_set_byte_budget(nullptr, 1 << 20); }},
      {"xfv_style_from_face", "session", [&] { return xfv_style_from_face(nullptr, in, 0, o); }},
      {"xfv_style_from_voice", "session", [&] { return xfv_style_from_voice(nullptr, in, 24000, 24000, 0, o); }},
      {"xfv_styles_from_latents", "session", [&] { return xfv_styles_from_latents(nullptr, in, 2, 0, 1.f, o); }},
      {"xfv_style_from_latent", "session", [&] { return xfv_style_from_latent(nullptr, in, 0, 1.f, o); }},
      {"xfv_translate_face", "session", [&] { return xfv_translate_face(nullptr, in, in, o); }},
      {"xfv_translate_faces", "session", [&] { return xfv_translate_faces(nullptr, 1, in, in, o); }},
      {"xfv_convert_voice", "session",
       [&] { return xfv_convert_voice(nullptr, in, 24000, 24000, in, o, 1 << 16, &written); }},
      {"xfv_convert_voice_alloc", "session",
       [&] { return xfv_convert_voice_alloc(nullptr, in, 24000, 24000, in, &wave, &written); }},
      {"xfv_set_noise_seed", "session", [&] { return xfv_set_noise_seed(nullptr, 1); }},
      {"xfv_mel_from_audio", "session", [&] { return xfv_mel_from_audio(nullptr, in, 4096, o); }},
      {"xfv_vocode", "session", [&] { return xfv_vocode(nullptr, in, 4, o); }},
      {"xfv_set_profiling", "session", [&] { return xfv_set_profiling(nullptr, 1); }},
      {"xfv_last_profile_json", "session", [&] { return pointer(xfv_last_profile_json(nullptr)); }},
  };
  for (const Call& c : calls) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(c.run(), -1);
    EXPECT_EQ(std::string(xfv_last_error()), std::string(c.name) + ": null " + c.handle);
  }
  EXPECT_EQ(written, -7);
  EXPECT_EQ(wave, nullptr);
  for (float x : out) ASSERT_TRUE(std::isnan(x));
  EXPECT_EQ(xfv_model_close(nullptr), 0);  // closing nothing is no error
  EXPECT_STREQ(xfv_last_error(), "");
  xfv_session_close(nullptr);
}

// Domains are indices into one network's list; names are looked up by xfv_domain only.
TEST_F(CApiErrors, DomainsByIndexAndByName) {
  EXPECT_EQ(xfv_domain_count(model(), "audio_style_encoder"), 3);
  EXPECT_EQ(xfv_domain_count(model(), "mapping_network"), 3);
  for (const char* network : {"audio_style_encoder", "mapping_network", "image_style_encoder"}) {
    SCOPED_TRACE(network);
    const int count = xfv_domain_count(model(), network);
    ASSERT_GT(count, 0) << xfv_last_error();
    for (int i = 0; i < count; ++i) {
      const char* name = xfv_domain_name(model(), network, i);
      ASSERT_NE(name, nullptr) << xfv_last_error();
      EXPECT_EQ(xfv_domain(model(), network, name), i);  // the name finds its index back
    }
    for (int index : {-1, count}) {
      EXPECT_EQ(xfv_domain_name(model(), network, index), nullptr);
      EXPECT_TRUE(has_text("domain " + std::to_string(index) + " is out of the range of '" + network + "'"))
          << xfv_last_error();
    }
  }
  EXPECT_STREQ(xfv_domain_name(model(), "audio_style_encoder", 2), "domain2");

  // An index out of range in a task call names the network whose domain it is.
  const std::vector<float> faces = two_faces();
  const xfv::MonoAudio a = recording("small_reference24k.wav");
  std::vector<float> z(8, 0.25f), style = poisoned(16);
  const int image_domains = xfv_domain_count(model(), "image_style_encoder");
  for (int index : {-1, image_domains}) {
    EXPECT_EQ(xfv_style_from_face(session(), faces.data(), index, style.data()), -1);
    EXPECT_TRUE(has_text("out of the range of 'image_style_encoder'")) << xfv_last_error();
  }
  for (int index : {-1, 3}) {
    EXPECT_EQ(xfv_style_from_voice(session(), a.samples.data(), static_cast<int64_t>(a.samples.size()), a.rate, index,
                                   style.data()),
              -1);
    EXPECT_TRUE(has_text("out of the range of 'audio_style_encoder'")) << xfv_last_error();
    EXPECT_EQ(xfv_styles_from_latents(session(), z.data(), 1, index, 1.f, style.data()), -1);
    EXPECT_TRUE(has_text("out of the range of 'mapping_network'")) << xfv_last_error();
  }
  for (float x : style) ASSERT_TRUE(std::isnan(x));

  // What is not a name of a domain: a decimal index among them.
  for (const char* name : {"1", "domain3", "", "Domain0"}) {
    EXPECT_EQ(xfv_domain(model(), "mapping_network", name), -1) << name;
    EXPECT_TRUE(has_text("'mapping_network' has no domain named '" + std::string(name) + "'")) << xfv_last_error();
  }
  EXPECT_EQ(xfv_domain_count(model(), "image_generator"), -1);  // no domains
  EXPECT_TRUE(has_text("'image_generator' has no domains")) << xfv_last_error();
  EXPECT_EQ(xfv_domain_count(model(), "fan"), -1);  // not in the file, and no domains anyway
  EXPECT_TRUE(has_text("'fan' has no domains")) << xfv_last_error();
  EXPECT_EQ(xfv_domain_count(model(), nullptr), -1);
  EXPECT_TRUE(has_text("null network")) << xfv_last_error();
  EXPECT_EQ(xfv_domain(model(), "mapping_network", nullptr), -1);
}

}  // namespace
}  // namespace capi
