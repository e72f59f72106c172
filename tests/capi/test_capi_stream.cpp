// The C API's streams: a vocoder stream gives xfv_vocode's samples bit for bit on `cpu` (the
// released HiFi-GAN, XFV_HIFIGAN); a voice stream gives the engine's VoiceStream's samples,
// float32 or int16 pushes alike, with its latency, under each statistics policy; bad calls
// are -1 and a message, the stream left usable.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "engine/io/npy.h"
#include "engine/tasks/bundle.h"
#include "engine/tasks/voice_stream.h"
#include "tests/capi/capi_fixtures.h"
#include "tests/streams/allocation_count.h"

namespace capi {
namespace {

std::vector<float> pull_all(xfv_stream* s) {
  std::vector<float> out(static_cast<size_t>(xfv_stream_available(s)));
  EXPECT_EQ(xfv_stream_pull(s, out.data(), static_cast<int64_t>(out.size())), static_cast<int64_t>(out.size()));
  return out;
}

class CApiVocoderStream : public CApiSuite {
 protected:
  void SetUp() override { open("XFV_HIFIGAN", "universal.safetensors"); }
};

TEST_F(CApiVocoderStream, GivesVocodesSamplesBitForBit) {
  const xfv::HostTensor mel = xfv::read_npy(hifigan_dir() + "/speech.mel.npy");  // (80, T) band-major
  const int frames = 60, bands = xfv_vocoder_mel_bands(model()), all = static_cast<int>(mel.shape[mel.shape.rank - 1]);
  std::vector<float> band_major(static_cast<size_t>(bands) * frames), frame_major(band_major.size());
  for (int m = 0; m < bands; ++m)
    for (int t = 0; t < frames; ++t) {
      band_major[static_cast<size_t>(m * frames + t)] = mel.data[static_cast<size_t>(m * all + t)];
      frame_major[static_cast<size_t>(t * bands + m)] = mel.data[static_cast<size_t>(m * all + t)];
    }
  std::vector<float> whole = poisoned(static_cast<size_t>(frames) * xfv_vocoder_hop(model()));
  ASSERT_EQ(xfv_vocode(session(), band_major.data(), frames, whole.data()), 0) << xfv_last_error();
  StreamPtr s(xfv_vocoder_stream_open(session(), 2));
  ASSERT_NE(s, nullptr) << xfv_last_error();
  EXPECT_EQ(xfv_stream_rate(s.get()), xfv_vocoder_rate(model()));
  EXPECT_GT(xfv_stream_latency(s.get()), 3000);  // about 3,300 samples of look-ahead (docs/streaming.md)
  std::vector<float> got;
  for (int t = 0; t < frames; t += 7) {
    ASSERT_EQ(xfv_stream_push(s.get(), frame_major.data() + t * bands, std::min(7, frames - t)), 0) << xfv_last_error();
    const std::vector<float> part = pull_all(s.get());
    got.insert(got.end(), part.begin(), part.end());
  }
  std::vector<float> bad(static_cast<size_t>(bands), 0.f);
  bad[3] = NAN;
  EXPECT_EQ(xfv_stream_push(s.get(), bad.data(), 1), -1);
  EXPECT_TRUE(has_text("not finite")) << xfv_last_error();
  const int16_t pcm[2] = {1, 2};
  EXPECT_EQ(xfv_stream_push_s16(s.get(), pcm, 2), -1);
  EXPECT_TRUE(has_text("float32 mel frames")) << xfv_last_error();
  ASSERT_EQ(xfv_stream_flush(s.get()), 0) << xfv_last_error();
  const std::vector<float> rest = pull_all(s.get());
  got.insert(got.end(), rest.begin(), rest.end());
  EXPECT_EQ(got, whole);
  EXPECT_EQ(xfv_stream_push(s.get(), frame_major.data(), 1), -1);
  EXPECT_TRUE(has_text("flush")) << xfv_last_error();
  EXPECT_EQ(xfv_stream_pull(s.get(), nullptr, 5), -1);
  EXPECT_EQ(xfv_stream_set_style(s.get(), whole.data()), -1);
  EXPECT_EQ(xfv_vocoder_stream_open(session(), 0), nullptr);
  EXPECT_EQ(xfv_stream_push(nullptr, bad.data(), 1), -1);
  EXPECT_TRUE(has_text("null stream")) << xfv_last_error();
}

class CApiVoiceStream : public CApiSuite {
 protected:
  void SetUp() override { open("XFV_XFAVOT", "small.safetensors"); }
  // The style of the latent of seed 3 for domain 1.
  std::vector<float> latent_style() {
    std::vector<float> style(static_cast<size_t>(xfv_style_dim(model())));
    std::vector<float> latent(static_cast<size_t>(xfv_latent_dim(model())));
    EXPECT_EQ(xfv_latent_from_seed(model(), 3, latent.data()), 0) << xfv_last_error();
    EXPECT_EQ(xfv_style_from_latent(session(), latent.data(), 1, 1.f, style.data()), 0) << xfv_last_error();
    return style;
  }
};

TEST_F(CApiVoiceStream, GivesTheEnginesStreamFloatOrInt16) {
  const xfv::MonoAudio voice = recording("source24k.wav");
  std::vector<int16_t> pcm(std::min<size_t>(voice.samples.size(), 24000));
  for (size_t i = 0; i < pcm.size(); ++i) pcm[i] = static_cast<int16_t>(std::lround(voice.samples[i] * 16000.f));
  std::vector<float> x(pcm.size());
  for (size_t i = 0; i < pcm.size(); ++i) x[i] = static_cast<float>(pcm[i]) / 32768.f;
  const std::vector<float> style = latent_style();

  xfv_stream_params p = xfv_stream_default_params();
  p.input_rate = voice.rate, p.window_frames = 64, p.lookahead_blocks = 2, p.noise_seed = 5;
  // The engine's stream, as reference.
  xfv::Bundle bundle(xfavot_dir() + "/small.safetensors", "cpu");
  xfv::VoiceStreamOptions o;
  o.input_rate = voice.rate, o.conversion = {p.step_blocks, p.lookahead_blocks, p.window_frames}, o.noise_seed = 5;
  xfv::VoiceStream engine(bundle.models(), xfv::HostTensor(xfv::Shape{1, static_cast<int64_t>(style.size())}, style), o);
  std::vector<float> want(static_cast<size_t>(1 << 16));
  engine.push(x.data(), static_cast<int64_t>(x.size()));
  engine.flush();
  want.resize(static_cast<size_t>(engine.pull(want.data(), static_cast<int64_t>(want.size()))));

  for (const bool int16 : {false, true}) {
    StreamPtr s(xfv_stream_open(session(), style.data(), &p));
    ASSERT_NE(s, nullptr) << xfv_last_error();
    EXPECT_EQ(xfv_stream_latency(s.get()), engine.latency_samples());
    std::vector<float> got;
    for (size_t i = 0; i < x.size(); i += 480) {
      const int64_t n = static_cast<int64_t>(std::min<size_t>(480, x.size() - i));
      ASSERT_EQ(int16 ? xfv_stream_push_s16(s.get(), pcm.data() + i, n) : xfv_stream_push(s.get(), x.data() + i, n), 0)
          << xfv_last_error();
      const std::vector<float> part = pull_all(s.get());
      got.insert(got.end(), part.begin(), part.end());
    }
    ASSERT_EQ(xfv_stream_flush(s.get()), 0) << xfv_last_error();
    const std::vector<float> rest = pull_all(s.get());
    got.insert(got.end(), rest.begin(), rest.end());
    EXPECT_EQ(got, want) << (int16 ? "int16" : "float32");
  }
  p.window_frames = 30;
  EXPECT_EQ(xfv_stream_open(session(), style.data(), &p), nullptr);
  EXPECT_TRUE(has_text("multiple of 4")) << xfv_last_error();
  EXPECT_EQ(xfv_stream_open(session(), nullptr, nullptr), nullptr);
  EXPECT_TRUE(has_text("null style")) << xfv_last_error();
}

// The statistics policies: the engine's stream under the same policy, the calibration
// prepared as a source is; an unknown policy and a fixed one without a calibration refused.
TEST_F(CApiVoiceStream, TakesTheStatisticsPolicies) {
  const xfv::MonoAudio voice = recording("source24k.wav");
  const std::vector<float> x(voice.samples.begin(), voice.samples.begin() + std::min<size_t>(voice.samples.size(), 24000));
  const int64_t calibration = std::min<int64_t>(static_cast<int64_t>(voice.samples.size()), 2 * voice.rate);
  const std::vector<float> style = latent_style();
  xfv::Bundle bundle(xfavot_dir() + "/small.safetensors", "cpu");
  xfv_stream_params p = xfv_stream_default_params();
  EXPECT_EQ(p.stats, XFV_STATS_WINDOW);
  EXPECT_EQ(p.calibration, nullptr);
  p.input_rate = voice.rate, p.window_frames = 64, p.lookahead_blocks = 2;
  p.calibration = voice.samples.data(), p.calibration_samples = calibration;
  for (const int stats : {XFV_STATS_RUNNING, XFV_STATS_FIXED}) {
    p.stats = stats;
    xfv::VoiceStreamOptions o;
    o.input_rate = voice.rate, o.conversion = {p.step_blocks, p.lookahead_blocks, p.window_frames};
    o.conversion.stats = stats == XFV_STATS_RUNNING ? xfv::StreamStats::kRunning : xfv::StreamStats::kFixed;
    if (stats == XFV_STATS_FIXED)
      o.conversion.calibration = xfv::prepare_voice(voice.samples.data(), calibration, voice.rate,
                                                    bundle.voices().rate(), xfv::Gain::kPeakNormalize);
    xfv::VoiceStream engine(bundle.models(), xfv::HostTensor(xfv::Shape{1, static_cast<int64_t>(style.size())}, style), o);
    engine.push(x.data(), static_cast<int64_t>(x.size()));
    engine.flush();
    std::vector<float> want(static_cast<size_t>(engine.available()));
    engine.pull(want.data(), static_cast<int64_t>(want.size()));

    StreamPtr s(xfv_stream_open(session(), style.data(), &p));
    ASSERT_NE(s, nullptr) << xfv_last_error();
    ASSERT_EQ(xfv_stream_push(s.get(), x.data(), static_cast<int64_t>(x.size())), 0) << xfv_last_error();
    ASSERT_EQ(xfv_stream_flush(s.get()), 0) << xfv_last_error();
    EXPECT_EQ(pull_all(s.get()), want) << "stats " << stats;
  }
  p.stats = 7;
  EXPECT_EQ(xfv_stream_open(session(), style.data(), &p), nullptr);
  EXPECT_TRUE(has_text("stats 7")) << xfv_last_error();
  p.stats = XFV_STATS_FIXED, p.calibration = nullptr;
  EXPECT_EQ(xfv_stream_open(session(), style.data(), &p), nullptr);
  EXPECT_TRUE(has_text("calibration")) << xfv_last_error();
}

// A live caller through the C API: 20 ms pushes, float32 and int16 in turn, pulled after
// each. Once the first samples have come out, no call allocates, under each policy
// (tests/streams' VoiceStreams.PushAndPullAllocateNothing holds the engine's stream to it).
TEST_F(CApiVoiceStream, PushAndPullAllocateNothing) {
  const xfv::MonoAudio voice = recording("source24k.wav");
  const size_t chunk = static_cast<size_t>(voice.rate / 50);
  std::vector<int16_t> pcm(voice.samples.size());
  for (size_t i = 0; i < pcm.size(); ++i) pcm[i] = static_cast<int16_t>(std::lround(voice.samples[i] * 16000.f));
  const std::vector<float> style = latent_style();
  xfv_stream_params p = xfv_stream_default_params();
  p.input_rate = voice.rate, p.chunk_samples = static_cast<int>(chunk), p.window_frames = 48, p.lookahead_blocks = 2;
  p.calibration = voice.samples.data(), p.calibration_samples = std::min<int64_t>(static_cast<int64_t>(pcm.size()), 2 * voice.rate);
  for (const int stats : {XFV_STATS_WINDOW, XFV_STATS_RUNNING, XFV_STATS_FIXED}) {
    p.stats = stats;
    StreamPtr s(xfv_stream_open(session(), style.data(), &p));
    ASSERT_NE(s, nullptr) << xfv_last_error();
    std::vector<float> out(4096);
    int64_t given = 0;
    const auto push_and_pull = [&](size_t at) {
      const int64_t n = static_cast<int64_t>(chunk);
      const bool int16 = (at / chunk) % 2;
      EXPECT_EQ(int16 ? xfv_stream_push_s16(s.get(), pcm.data() + at, n) : xfv_stream_push(s.get(), voice.samples.data() + at, n), 0);
      for (int64_t got; (got = xfv_stream_pull(s.get(), out.data(), static_cast<int64_t>(out.size()))) > 0;) given += got;
    };
    size_t at = 0;
    for (; given == 0 && at + 2 * chunk <= pcm.size(); at += chunk) push_and_pull(at);
    push_and_pull(at), at += chunk;  // an int16 push as well as a float one before counting
    const int64_t warm = given;
    xfv::start_counting_allocations();
    for (; at + chunk <= pcm.size() && at < 80 * chunk; at += chunk) push_and_pull(at);
    EXPECT_EQ(xfv::stop_counting_allocations(), 0) << "stats " << stats;
    EXPECT_GT(given, warm) << "no output counted";
  }
}

}  // namespace
}  // namespace capi
