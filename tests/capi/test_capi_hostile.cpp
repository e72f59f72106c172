// The C API under hostile calls (docs/reliability.md): every pointer argument of every call
// NULL, every count and rate out of its range (negative, zero, past the limits, the type's
// extremes), every field of the parameter structs likewise, and a session closed under its
// streams. Each call has one bad argument, the others valid, and is -1 (or NULL) with a
// message that begins with the call's name and names the problem; no output is written, and
// the buffers behind a hostile count hold 16 values, so a read past them is an ASan report.
#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "engine/limits.h"
#include "tests/capi/capi_fixtures.h"

namespace capi {
namespace {

struct Refusal {
  std::string call;
  std::string text;  // in the message
  std::function<int64_t()> run;
};

// A handle-returning call as -1 (NULL) or 0 (a handle, closed at once: the table expected NULL).
int64_t handle(xfv_model* m) { return m ? (xfv_model_close(m), 0) : -1; }
int64_t handle(xfv_session* s) { return s ? (xfv_session_close(s), 0) : -1; }
int64_t handle(xfv_stream* s) { return s ? (xfv_stream_close(s), 0) : -1; }
int64_t handle(const char* name) { return name ? 0 : -1; }

void expect_refused(const std::vector<Refusal>& table) {
  for (const Refusal& r : table) {
    SCOPED_TRACE(r.call + ", expecting \"" + r.text + "\"");
    EXPECT_EQ(r.run(), -1);
    const std::string message = xfv_last_error();
    EXPECT_EQ(message.rfind(r.call + ": ", 0), 0u) << message;
    EXPECT_NE(message.find(r.text), std::string::npos) << message;
  }
}

// A second of a 220 Hz tone at 24 kHz: a voice every voice call takes.
std::vector<float> tone() {
  std::vector<float> x(24000);
  for (size_t i = 0; i < x.size(); ++i) x[i] = 0.5f * std::sin(2 * M_PI * 220 * double(i) / 24000);
  return x;
}

class CApiHostile : public CApiSuite {
 protected:
  void SetUp() override {
    open("XFV_XFAVOT", "small.safetensors");
    if (IsSkipped() || HasFatalFailure()) return;
    ASSERT_EQ(xfv_latent_from_seed(model(), 1, z.data()), 0) << xfv_last_error();
    ASSERT_EQ(xfv_style_from_latent(session(), z.data(), 0, 1.f, style.data()), 0) << xfv_last_error();
  }
  // Opens the small HiFi-GAN (the mel and vocode calls) and a session of it.
  void open_hifigan() {
    hifigan.reset(xfv_model_open((hifigan_dir() + "/small.safetensors").c_str(), "cpu"));
    ASSERT_NE(hifigan, nullptr) << xfv_last_error();
    vocoding.reset(xfv_session_open(hifigan.get(), nullptr));
    ASSERT_NE(vocoding, nullptr) << xfv_last_error();
  }
  const std::vector<float> voice = tone(), face = std::vector<float>(3 * 64 * 64, 0.1f), tiny = std::vector<float>(16, 0.25f);
  const std::vector<uint8_t> rgb = std::vector<uint8_t>(64 * 64 * 3, 7);
  std::vector<float> z = poisoned(8), style = poisoned(16), out = poisoned(1 << 16);
  ModelPtr hifigan;
  SessionPtr vocoding;
};

TEST_F(CApiHostile, EveryNullBufferIsRefused) {
  ASSERT_NO_FATAL_FAILURE(open_hifigan());
  StreamPtr voice_stream(xfv_stream_open(session(), style.data(), nullptr));
  StreamPtr vocoder_stream(xfv_vocoder_stream_open(vocoding.get(), 2));
  ASSERT_TRUE(voice_stream && vocoder_stream) << xfv_last_error();
  xfv_model* m = model();
  xfv_session *s = session(), *v = vocoding.get();
  xfv_stream *vs = voice_stream.get(), *cs = vocoder_stream.get();
  const float *f = face.data(), *st = style.data(), *in = voice.data();
  float* o = out.data();
  float* alloc = o;  // must come back NULL
  int64_t written = -7;
  const int64_t n = static_cast<int64_t>(voice.size());
  const std::string path = small_bundle();
  expect_refused({
      {"xfv_model_open", "null argument", [&] { return handle(xfv_model_open(nullptr, "cpu")); }},
      {"xfv_model_open", "null argument", [&] { return handle(xfv_model_open(path.c_str(), nullptr)); }},
      {"xfv_domain_count", "null network", [&] { return xfv_domain_count(m, nullptr); }},
      {"xfv_domain", "null argument", [&] { return xfv_domain(m, nullptr, "domain0"); }},
      {"xfv_domain", "null argument", [&] { return xfv_domain(m, "mapping_network", nullptr); }},
      {"xfv_domain_name", "null network", [&] { return handle(xfv_domain_name(m, nullptr, 0)); }},
      {"xfv_face_from_rgb8", "null pixel buffer", [&] { return xfv_face_from_rgb8(m, nullptr, 64, 64, o); }},
      {"xfv_face_from_rgb8", "null face buffer", [&] { return xfv_face_from_rgb8(m, rgb.data(), 64, 64, nullptr); }},
      {"xfv_face_to_rgb8", "null face buffer", [&] { return xfv_face_to_rgb8(m, nullptr, reinterpret_cast<uint8_t*>(o)); }},
      {"xfv_face_to_rgb8", "null output buffer", [&] { return xfv_face_to_rgb8(m, f, nullptr); }},
      {"xfv_latent_from_seed", "null latent buffer", [&] { return xfv_latent_from_seed(m, 1, nullptr); }},
      {"xfv_style_from_face", "null face buffer", [&] { return xfv_style_from_face(s, nullptr, 0, o); }},
      {"xfv_style_from_face", "null style buffer", [&] { return xfv_style_from_face(s, f, 0, nullptr); }},
      {"xfv_style_from_voice", "null samples buffer", [&] { return xfv_style_from_voice(s, nullptr, n, 24000, 0, o); }},
      {"xfv_style_from_voice", "null style buffer", [&] { return xfv_style_from_voice(s, in, n, 24000, 0, nullptr); }},
      {"xfv_styles_from_latents", "null latent buffer", [&] { return xfv_styles_from_latents(s, nullptr, 1, 0, 1, o); }},
      {"xfv_styles_from_latents", "null style buffer", [&] { return xfv_styles_from_latents(s, z.data(), 1, 0, 1, nullptr); }},
      {"xfv_style_from_latent", "null latent buffer", [&] { return xfv_style_from_latent(s, nullptr, 0, 1, o); }},
      {"xfv_style_from_latent", "null style buffer", [&] { return xfv_style_from_latent(s, z.data(), 0, 1, nullptr); }},
      {"xfv_translate_face", "null face buffer", [&] { return xfv_translate_face(s, nullptr, st, o); }},
      {"xfv_translate_face", "null style buffer", [&] { return xfv_translate_face(s, f, nullptr, o); }},
      {"xfv_translate_face", "null output buffer", [&] { return xfv_translate_face(s, f, st, nullptr); }},
      {"xfv_translate_faces", "null face buffer", [&] { return xfv_translate_faces(s, 1, nullptr, st, o); }},
      {"xfv_translate_faces", "null style buffer", [&] { return xfv_translate_faces(s, 1, f, nullptr, o); }},
      {"xfv_translate_faces", "null output buffer", [&] { return xfv_translate_faces(s, 1, f, st, nullptr); }},
      {"xfv_convert_voice", "null samples buffer",
       [&] { return xfv_convert_voice(s, nullptr, n, 24000, st, o, 1 << 16, &written); }},
      {"xfv_convert_voice", "null style buffer",
       [&] { return xfv_convert_voice(s, in, n, 24000, nullptr, o, 1 << 16, &written); }},
      {"xfv_convert_voice", "null output buffer",
       [&] { return xfv_convert_voice(s, in, n, 24000, st, nullptr, 1 << 16, &written); }},
      {"xfv_convert_voice", "null `written`", [&] { return xfv_convert_voice(s, in, n, 24000, st, o, 1 << 16, nullptr); }},
      {"xfv_convert_voice_alloc", "null samples buffer",
       [&] { return xfv_convert_voice_alloc(s, nullptr, n, 24000, st, &alloc, &written); }},
      {"xfv_convert_voice_alloc", "null style buffer",
       [&] { return xfv_convert_voice_alloc(s, in, n, 24000, nullptr, &alloc, &written); }},
      {"xfv_convert_voice_alloc", "null `out`", [&] { return xfv_convert_voice_alloc(s, in, n, 24000, st, nullptr, &written); }},
      {"xfv_convert_voice_alloc", "null `written`", [&] { return xfv_convert_voice_alloc(s, in, n, 24000, st, &alloc, nullptr); }},
      {"xfv_mel_from_audio", "null audio buffer", [&] { return xfv_mel_from_audio(v, nullptr, 4096, o); }},
      {"xfv_mel_from_audio", "null mel buffer", [&] { return xfv_mel_from_audio(v, in, 4096, nullptr); }},
      {"xfv_vocode", "null mel buffer", [&] { return xfv_vocode(v, nullptr, 4, o); }},
      {"xfv_vocode", "null output buffer", [&] { return xfv_vocode(v, in, 4, nullptr); }},
      {"xfv_stream_open", "null style buffer", [&] { return handle(xfv_stream_open(s, nullptr, nullptr)); }},
      {"xfv_stream_push", "null samples buffer", [&] { return xfv_stream_push(vs, nullptr, 5); }},
      {"xfv_stream_push", "null samples buffer", [&] { return xfv_stream_push(cs, nullptr, 1); }},
      {"xfv_stream_push_s16", "null samples buffer", [&] { return xfv_stream_push_s16(vs, nullptr, 5); }},
      {"xfv_stream_pull", "null output buffer", [&] { return xfv_stream_pull(vs, nullptr, 5); }},
      {"xfv_stream_set_style", "null style buffer", [&] { return xfv_stream_set_style(vs, nullptr); }},
  });
  EXPECT_EQ(alloc, nullptr);
  EXPECT_EQ(written, -7);
  for (float x : out) ASSERT_TRUE(std::isnan(x));
}

// The stream calls given no stream, and the stream openers no session (CApiNull in
// test_capi_errors.cpp covers the model and session calls).
TEST(CApiNullStream, EveryStreamCallRefusesANullHandle) {
  std::vector<float> buf(64, 0.5f);
  const int16_t pcm[4] = {};
  expect_refused({
      {"xfv_stream_open", "null session", [&] { return handle(xfv_stream_open(nullptr, buf.data(), nullptr)); }},
      {"xfv_vocoder_stream_open", "null session", [&] { return handle(xfv_vocoder_stream_open(nullptr, 2)); }},
      {"xfv_stream_push", "null stream", [&] { return xfv_stream_push(nullptr, buf.data(), 4); }},
      {"xfv_stream_push_s16", "null stream", [&] { return xfv_stream_push_s16(nullptr, pcm, 4); }},
      {"xfv_stream_available", "null stream", [&] { return xfv_stream_available(nullptr); }},
      {"xfv_stream_pull", "null stream", [&] { return xfv_stream_pull(nullptr, buf.data(), 4); }},
      {"xfv_stream_flush", "null stream", [&] { return xfv_stream_flush(nullptr); }},
      {"xfv_stream_reset", "null stream", [&] { return xfv_stream_reset(nullptr); }},
      {"xfv_stream_set_style", "null stream", [&] { return xfv_stream_set_style(nullptr, buf.data()); }},
      {"xfv_stream_rate", "null stream", [&] { return xfv_stream_rate(nullptr); }},
      {"xfv_stream_latency", "null stream", [&] { return xfv_stream_latency(nullptr); }},
  });
  xfv_stream_close(nullptr);
  xfv_free(nullptr);
}

constexpr int64_t kI64Min = std::numeric_limits<int64_t>::min(), kI64Max = std::numeric_limits<int64_t>::max();

TEST_F(CApiHostile, CountsSidesDomainsAndFactorsOutOfRangeAreRefused) {
  xfv_model* m = model();
  xfv_session* s = session();
  const float *t = tiny.data(), *in = voice.data();
  float* o = out.data();
  int64_t written = -7;
  const int64_t n = static_cast<int64_t>(voice.size());
  std::vector<Refusal> table;
  for (const int count : {INT_MIN, -1, 0, xfv::kMaxBatch + 1, INT_MAX}) {
    table.push_back({"xfv_translate_faces", std::to_string(count) + " faces",
                     [=] { return xfv_translate_faces(s, count, t, t, o); }});
    table.push_back({"xfv_styles_from_latents", std::to_string(count) + " latents",
                     [=] { return xfv_styles_from_latents(s, t, count, 0, 1, o); }});
  }
  const std::pair<int, int> sides[] = {{0, 64}, {64, -1}, {INT_MIN, 64}, {INT_MAX, 1}, {16385, 1}, {16384, 16384}};
  for (const auto& side : sides) {
    const int w = side.first, h = side.second;
    table.push_back({"xfv_face_from_rgb8", "cannot resize", [=] { return xfv_face_from_rgb8(m, rgb.data(), w, h, o); }});
  }
  for (const int domain : {INT_MIN, -1, INT_MAX}) {
    const std::string text = "domain " + std::to_string(domain) + " is out of the range";
    table.push_back({"xfv_style_from_face", text, [=] { return xfv_style_from_face(s, face.data(), domain, o); }});
    table.push_back({"xfv_style_from_voice", text, [=] { return xfv_style_from_voice(s, in, n, 24000, domain, o); }});
    table.push_back({"xfv_style_from_latent", text, [=] { return xfv_style_from_latent(s, z.data(), domain, 1, o); }});
    table.push_back({"xfv_domain_name", text, [=] { return handle(xfv_domain_name(m, "mapping_network", domain)); }});
  }
  for (const float psi : {NAN, -0.5f, 1.5f, INFINITY, -INFINITY})
    table.push_back({"xfv_style_from_latent", "psi", [=] { return xfv_style_from_latent(s, z.data(), 0, psi, o); }});
  for (const int64_t capacity : {kI64Min, int64_t{-1}, int64_t{0}})
    table.push_back({"xfv_convert_voice", "the output holds " + std::to_string(capacity),
                     [=, &written] { return xfv_convert_voice(s, in, n, 24000, style.data(), o, capacity, &written); }});
  for (const int64_t budget : {kI64Min, int64_t{-1}, int64_t{0}}) {
    const std::string text = "a byte budget of " + std::to_string(budget);
    xfv_session_params p = xfv_session_default_params();
    p.byte_budget = budget;
    table.push_back({"xfv_session_open", text, [=] { return handle(xfv_session_open(m, &p)); }});
    table.push_back({"xfv_session_set_byte_budget", text, [=] { return xfv_session_set_byte_budget(s, budget); }});
  }
  for (const int frames : {INT_MIN, -1}) {
    xfv_session_params p = xfv_session_default_params();
    p.vocoder_frames = frames;
    table.push_back({"xfv_session_open", "vocoder frames", [=] { return handle(xfv_session_open(m, &p)); }});
  }
  expect_refused(table);
  EXPECT_EQ(written, -7);
  for (float x : out) ASSERT_TRUE(std::isnan(x));
  // The session refused all that and is whole.
  EXPECT_EQ(xfv_style_from_latent(s, z.data(), 0, 1.f, o), 0) << xfv_last_error();
  EXPECT_EQ(std::vector<float>(o, o + 16), style);
}

// A NaN or an infinity in a face or a style (a NaN style once reached the vocoder's gate as
// undefined behaviour, docs/reliability.md): refused naming the value, nothing written, and
// the session and stream go on.
TEST_F(CApiHostile, NonFiniteFacesAndStylesAreRefused) {
  xfv_model* m = model();
  xfv_session* s = session();
  StreamPtr stream(xfv_stream_open(s, style.data(), nullptr));
  ASSERT_NE(stream, nullptr) << xfv_last_error();
  xfv_stream* vs = stream.get();
  const float* in = voice.data();
  const int64_t n = static_cast<int64_t>(voice.size());
  float* o = out.data();
  int64_t written = -7;
  std::vector<Refusal> table;
  std::vector<std::vector<float>> inputs;  // what the rows point into, until they have run
  inputs.reserve(6);
  for (const float bad : {NAN, INFINITY, -INFINITY}) {
    std::vector<float> &st = inputs.emplace_back(style), &f = inputs.emplace_back(face);
    st[5] = bad;
    f[1000] = bad;
    const float *bad_style = st.data(), *bad_face = f.data(), *good_face = face.data(), *good_style = style.data();
    table.push_back({"xfv_translate_face", "value 5 of the styles is not finite",
                     [=] { return xfv_translate_face(s, good_face, bad_style, o); }});
    table.push_back({"xfv_translate_face", "value 1000 of the faces is not finite",
                     [=] { return xfv_translate_face(s, bad_face, good_style, o); }});
    table.push_back({"xfv_style_from_face", "value 1000 of the faces is not finite",
                     [=] { return xfv_style_from_face(s, bad_face, 0, o); }});
    table.push_back({"xfv_face_to_rgb8", "value 1000 of the faces is not finite",
                     [=] { return xfv_face_to_rgb8(m, bad_face, reinterpret_cast<uint8_t*>(o)); }});
    table.push_back({"xfv_convert_voice", "value 5 of the styles is not finite", [=, &written] {
                       return xfv_convert_voice(s, in, n, 24000, bad_style, o, int64_t{1} << 16, &written);
                     }});
    table.push_back({"xfv_stream_open", "value 5 of the styles is not finite",
                     [=] { return handle(xfv_stream_open(s, bad_style, nullptr)); }});
    table.push_back({"xfv_stream_set_style", "value 5 of the styles is not finite",
                     [=] { return xfv_stream_set_style(vs, bad_style); }});
  }
  expect_refused(table);
  EXPECT_EQ(written, -7);
  for (float x : out) ASSERT_TRUE(std::isnan(x));
  EXPECT_EQ(xfv_stream_set_style(vs, style.data()), 0) << xfv_last_error();
  EXPECT_EQ(xfv_style_from_face(s, face.data(), 0, o), 0) << xfv_last_error();
}

TEST_F(CApiHostile, VocoderCountsOutOfRangeAreRefused) {
  ASSERT_NO_FATAL_FAILURE(open_hifigan());
  xfv_session* v = vocoding.get();
  const float* t = tiny.data();
  float* o = out.data();
  const int hop = xfv_vocoder_hop(hifigan.get());
  ASSERT_GT(hop, 0) << xfv_last_error();
  const int64_t most_frames = xfv::kMaxAudioFrames / hop;
  std::vector<Refusal> table;
  for (const int frames : {INT_MIN, -1, 0})
    table.push_back({"xfv_vocode", "at least one", [=] { return xfv_vocode(v, t, frames, o); }});
  for (const int64_t frames : {most_frames + 1, int64_t{INT_MAX}}) {
    const int f = static_cast<int>(frames);
    table.push_back({"xfv_vocode", "at most " + std::to_string(most_frames), [=] { return xfv_vocode(v, t, f, o); }});
  }
  for (const int64_t samples : {kI64Min, int64_t{-1}, int64_t{0}, xfv::kMaxAudioFrames + 1, kI64Max})
    table.push_back({"xfv_mel_from_audio", std::to_string(samples) + " samples",
                     [=] { return xfv_mel_from_audio(v, t, samples, o); }});
  for (const int step : {INT_MIN, 0, xfv::kMaxStreamStepFrames + 1, INT_MAX})
    table.push_back({"xfv_vocoder_stream_open", "frames per step", [=] { return handle(xfv_vocoder_stream_open(v, step)); }});
  StreamPtr stream(xfv_vocoder_stream_open(v, 2));
  ASSERT_NE(stream, nullptr) << xfv_last_error();
  xfv_stream* cs = stream.get();
  for (const int64_t count : {kI64Min, int64_t{-1}, xfv::kMaxAudioFrames + 1, kI64Max})
    table.push_back({"xfv_stream_push", "a push of " + std::to_string(count), [=] { return xfv_stream_push(cs, t, count); }});
  table.push_back({"xfv_stream_push", "at most " + std::to_string(most_frames),
                   [=] { return xfv_stream_push(cs, t, most_frames + 1); }});
  for (const int64_t capacity : {kI64Min, int64_t{-1}})
    table.push_back({"xfv_stream_pull", "a capacity of", [=] { return xfv_stream_pull(cs, o, capacity); }});
  expect_refused(table);
  for (float x : out) ASSERT_TRUE(std::isnan(x));
}

TEST_F(CApiHostile, StreamParametersOutOfRangeAreRefused) {
  xfv_session* s = session();
  const float* st = style.data();
  std::vector<Refusal> table;
  // One field of the defaults changed in each row.
  const auto opening = [&](const std::string& text, const std::function<void(xfv_stream_params&)>& change) {
    xfv_stream_params p = xfv_stream_default_params();
    change(p);
    table.push_back({"xfv_stream_open", text, [=] { return handle(xfv_stream_open(s, st, &p)); }});
  };
  for (const int rate : {INT_MIN, -1, 999, 768001, INT_MAX})
    opening(std::to_string(rate) + " Hz", [=](xfv_stream_params& p) { p.input_rate = rate; });
  for (const int chunk : {INT_MIN, 0}) opening("chunk", [=](xfv_stream_params& p) { p.chunk_samples = chunk; });
  for (const int gain : {INT_MIN, -1, 2}) opening("running_peak_gain", [=](xfv_stream_params& p) { p.running_peak_gain = gain; });
  for (const float gain : {NAN, 0.f, -1.f, INFINITY}) opening("fixed gain", [=](xfv_stream_params& p) { p.fixed_gain = gain; });
  for (const int blocks : {INT_MIN, 0, INT_MAX}) opening("window", [=](xfv_stream_params& p) { p.step_blocks = blocks; });
  for (const int blocks : {INT_MIN, -1, INT_MAX}) opening("window", [=](xfv_stream_params& p) { p.lookahead_blocks = blocks; });
  for (const int frames : {INT_MIN, -4, 0, 6, INT_MAX}) opening("window", [=](xfv_stream_params& p) { p.window_frames = frames; });
  for (const int stats : {INT_MIN, -1, 3}) opening("stats", [=](xfv_stream_params& p) { p.stats = stats; });
  const float* t = tiny.data();
  for (const int64_t samples : {kI64Min, int64_t{-1}, int64_t{0}, kI64Max})
    opening("calibration", [=](xfv_stream_params& p) {
      p.stats = XFV_STATS_FIXED, p.calibration = t, p.calibration_samples = samples;
    });
  for (const int rate : {INT_MIN, -1, 1, INT_MAX})
    opening(std::to_string(rate) + " Hz", [=](xfv_stream_params& p) {
      p.stats = XFV_STATS_FIXED, p.calibration = t, p.calibration_samples = 16, p.calibration_rate = rate;
    });
  expect_refused(table);
}

TEST_F(CApiHostile, VoiceStreamPushesOutOfRangeAreRefusedAndTheStreamGoesOn) {
  StreamPtr stream(xfv_stream_open(session(), style.data(), nullptr));
  ASSERT_NE(stream, nullptr) << xfv_last_error();
  xfv_stream* vs = stream.get();
  const float* t = tiny.data();
  const std::vector<int16_t> pcm(16, 100);
  std::vector<Refusal> table;
  for (const int64_t count : {kI64Min, int64_t{-1}, xfv::kMaxAudioFrames + 1, kI64Max}) {
    const std::string text = "a push of " + std::to_string(count);
    table.push_back({"xfv_stream_push", text, [=] { return xfv_stream_push(vs, t, count); }});
    table.push_back({"xfv_stream_push_s16", text, [=, &pcm] { return xfv_stream_push_s16(vs, pcm.data(), count); }});
  }
  for (const int64_t capacity : {kI64Min, int64_t{-1}})
    table.push_back({"xfv_stream_pull", "a capacity of", [=] { return xfv_stream_pull(vs, out.data(), capacity); }});
  expect_refused(table);
  EXPECT_EQ(xfv_stream_push(vs, voice.data(), static_cast<int64_t>(voice.size())), 0) << xfv_last_error();
  EXPECT_EQ(xfv_stream_flush(vs), 0) << xfv_last_error();
  EXPECT_GT(xfv_stream_available(vs), 0) << xfv_last_error();
}

// The contract for closing under live handles: a model is refused (-1) while any session of
// it is open; a session closed under its streams is freed only with the last of them, and
// its streams give what they give under a session still open. ASan sees any use after free.
TEST_F(CApiHostile, ASessionClosedUnderItsStreamsLivesUntilTheyClose) {
  const auto converted = [&](xfv_stream* s) {
    EXPECT_EQ(xfv_stream_push(s, voice.data(), static_cast<int64_t>(voice.size())), 0) << xfv_last_error();
    EXPECT_EQ(xfv_stream_flush(s), 0) << xfv_last_error();
    std::vector<float> got(static_cast<size_t>(std::max<int64_t>(xfv_stream_available(s), 0)));
    EXPECT_EQ(xfv_stream_pull(s, got.data(), static_cast<int64_t>(got.size())), static_cast<int64_t>(got.size()));
    return got;
  };
  StreamPtr kept(xfv_stream_open(session(), style.data(), nullptr));
  ASSERT_NE(kept, nullptr) << xfv_last_error();
  const std::vector<float> want = converted(kept.get());
  ASSERT_FALSE(want.empty());

  xfv_model* model = xfv_model_open(small_bundle().c_str(), "cpu");
  ASSERT_NE(model, nullptr) << xfv_last_error();
  xfv_session* session = xfv_session_open(model, nullptr);
  ASSERT_NE(session, nullptr) << xfv_last_error();
  xfv_stream* voice_stream = xfv_stream_open(session, style.data(), nullptr);
  xfv_stream* vocoder_stream = xfv_vocoder_stream_open(session, 2);
  ASSERT_TRUE(voice_stream && vocoder_stream) << xfv_last_error();
  xfv_session_close(session);  // the streams keep it
  EXPECT_EQ(converted(voice_stream), want);
  EXPECT_EQ(xfv_model_close(model), -1);
  EXPECT_TRUE(has_text("xfv_model_close: " + small_bundle() + ": 1 session(s) of this model are open")) << xfv_last_error();
  xfv_stream_close(voice_stream);
  EXPECT_EQ(xfv_model_close(model), -1);
  xfv_stream_close(vocoder_stream);  // the last: the session goes with it
  EXPECT_EQ(xfv_model_close(model), 0) << xfv_last_error();
}

}  // namespace
}  // namespace capi
