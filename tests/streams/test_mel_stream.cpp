// The voice front end as a stream (MelStream) against the whole recording's mel
// (VoiceConverter::mel), on real speech (../shared/data/speech, XFV_SPEECH) and the XFaVoT
// bundles of both recipes (XFV_XFAVOT: small is stargan_vc's at 24 kHz, hifigan the HiFi-GAN
// recipe's at 22.05 kHz): the same bits on `cpu` for any chunking and step, and on `sim`.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/io/audio.h"
#include "tests/streams/stream_fixtures.h"
#include "engine/tasks/mel_stream.h"
#include "engine/tasks/voice_converter.h"

namespace xfv {
namespace {

// The recording at the bundle's mel rate, as recorded (a stream's fixed gain of 1).
std::vector<float> speech(const ModelSession& models, double seconds) {
  const MonoAudio audio = read_mono_audio(fixture("XFV_SPEECH", "p228_023.wav"));
  const int rate = voice_settings(models.weights(), models.path()).mel.sampling_rate;
  std::vector<float> x = prepare_voice(audio.samples.data(), static_cast<int64_t>(audio.samples.size()), audio.rate,
                                       rate, Gain::kAsRecorded);
  x.resize(std::min(x.size(), static_cast<size_t>(seconds * rate)));
  return x;
}

// The whole recording's mel, frame-major (frames, 80), as a stream gives it.
std::vector<float> whole_mel(ModelSession& models, const std::vector<float>& x) {
  VoiceConverter voices(models);
  const HostTensor mel = voices.mel(HostTensor(Shape{1, static_cast<int64_t>(x.size())}, x));
  const int64_t bands = mel.shape[2], frames = mel.shape[3];
  std::vector<float> out(static_cast<size_t>(bands * frames));
  for (int64_t t = 0; t < frames; ++t)
    for (int64_t m = 0; m < bands; ++m) out[static_cast<size_t>(t * bands + m)] = mel.data[static_cast<size_t>(m * frames + t)];
  return out;
}

// Pushes x in chunks of random sizes up to max_chunk, taking frames as they come.
std::vector<float> streamed(MelStream& s, const std::vector<float>& x, int max_chunk, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<float> got, part;
  for (size_t i = 0; i < x.size();) {
    const size_t n = std::min(x.size() - i, static_cast<size_t>(1 + rng() % static_cast<uint64_t>(max_chunk)));
    s.push(x.data() + i, static_cast<int64_t>(n));
    i += n;
    s.take(part);
    got.insert(got.end(), part.begin(), part.end());
  }
  s.finish();
  s.take(part);
  got.insert(got.end(), part.begin(), part.end());
  return got;
}

struct Case {
  std::string bundle, backend;
  double seconds;
};

class MelStreams : public ::testing::TestWithParam<Case> {};

TEST_P(MelStreams, GiveTheWholeRecordingsFramesBitForBit) {
  const Case c = GetParam();
  if (fixture("XFV_XFAVOT", "").empty()) GTEST_SKIP() << "run through ctest (XFV_XFAVOT, XFV_SPEECH)";
  ModelSession models(fixture("XFV_XFAVOT", c.bundle + ".safetensors"), c.backend);
  const std::vector<float> x = speech(models, c.seconds);
  const std::vector<float> want = whole_mel(models, x);
  uint64_t seed = 1;
  for (const int step : {1, 3, 8})
    for (const int chunk : {1 + static_cast<int>(x.size()), 480, 37}) {
      MelStream s(models, step);
      const std::vector<float> got = streamed(s, x, chunk, seed++);
      ASSERT_EQ(got.size(), want.size()) << "step " << step << ", chunks up to " << chunk;
      EXPECT_EQ(got, want) << "step " << step << ", chunks up to " << chunk;
      EXPECT_EQ(s.frames_out() * 80, static_cast<int64_t>(want.size()));
    }
}

INSTANTIATE_TEST_SUITE_P(Recipes, MelStreams,
                         ::testing::Values(Case{"small", "cpu", 3.0}, Case{"hifigan", "cpu", 3.0},
                                           Case{"small", "sim", 0.4}),
                         [](const auto& info) { return info.param.bundle + "_" + info.param.backend; });

// A NaN sample is refused and leaves the stream as it was; a push after the end is refused
// until reset(), which starts a recording whose frames are a fresh stream's; a recording
// shorter than the whole run allows is refused at its end, naming the least.
TEST(MelStream, RefusesBadInputAndRecovers) {
  if (fixture("XFV_XFAVOT", "").empty()) GTEST_SKIP() << "run through ctest (XFV_XFAVOT, XFV_SPEECH)";
  ModelSession models(fixture("XFV_XFAVOT", "small.safetensors"), "cpu");
  const std::vector<float> x = speech(models, 1.0);
  const std::vector<float> want = whole_mel(models, x);
  MelStream s(models, 4);
  std::vector<float> got, part;
  s.push(x.data(), 5000);
  std::vector<float> bad(x.begin() + 5000, x.begin() + 5100);
  bad[17] = NAN;
  try {
    s.push(bad.data(), static_cast<int64_t>(bad.size()));
    FAIL() << "a NaN sample was taken";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("sample 5017"), std::string::npos) << e.what();
  }
  s.push(x.data() + 5000, static_cast<int64_t>(x.size()) - 5000);
  s.finish();
  s.take(got);
  EXPECT_EQ(got, want);
  EXPECT_THROW(s.push(x.data(), 10), std::logic_error);

  s.reset();
  s.push(x.data(), 1000);  // fewer than 1025
  try {
    s.finish();
    FAIL() << "a recording of 1000 samples was taken";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("needs 1025"), std::string::npos) << e.what();
  }
  s.reset();
  EXPECT_EQ(streamed(s, x, 300, 9), want);
  EXPECT_THROW(MelStream(models, 0), std::invalid_argument);
}

}  // namespace
}  // namespace xfv
