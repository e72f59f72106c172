// The voice generator as a stream (ConversionStream) on the small XFaVoT bundle (XFV_XFAVOT)
// and real speech (XFV_SPEECH): its frames depend on each step's window and style alone,
// never on how the source was chunked; a style set between steps changes the frames after
// it only; and the window approximates the whole conversion, closer as it grows.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/io/audio.h"
#include "tests/streams/stream_fixtures.h"
#include "engine/models/stargan_vc.h"
#include "engine/tasks/conversion_stream.h"
#include "engine/tasks/voice_converter.h"
#include "engine/opcheck.h"

namespace xfv {
namespace {

class ConversionStreams : public ::testing::Test {
 protected:
  void SetUp() override {
    if (fixture("XFV_XFAVOT", "").empty()) GTEST_SKIP() << "run through ctest (XFV_XFAVOT, XFV_SPEECH)";
    models_ = std::make_unique<ModelSession>(fixture("XFV_XFAVOT", "small.safetensors"), "cpu");
    voices_ = std::make_unique<VoiceConverter>(*models_);
    const MonoAudio audio = read_mono_audio(fixture("XFV_SPEECH", "p228_023.wav"));
    std::vector<float> x = prepare_voice(audio.samples.data(), static_cast<int64_t>(audio.samples.size()), audio.rate,
                                         voices_->rate(), Gain::kPeakNormalize);
    x.resize(static_cast<size_t>(2.4 * voices_->rate()));  // 193 frames: a test of seconds
    samples_ = x;
    mel_ = voices_->mel(HostTensor(Shape{1, static_cast<int64_t>(x.size())}, x));  // (1, 1, 80, T)
    frames_ = mel_.shape[3];
    const int dim = audio_generator_config(models_->weights(), models_->path()).style_dim;
    std::mt19937_64 rng(3);
    std::normal_distribution<float> normal;
    for (HostTensor* s : {&style_, &other_style_}) {
      *s = HostTensor(Shape{1, dim});
      for (float& v : s->data) v = normal(rng);
    }
  }
  // The source frame-major (T, 80), as a MelStream gives it.
  std::vector<float> source() const {
    std::vector<float> f(static_cast<size_t>(frames_ * kMelBands));
    for (int64_t t = 0; t < frames_; ++t)
      for (int m = 0; m < kMelBands; ++m) f[static_cast<size_t>(t * kMelBands + m)] = mel_.data[static_cast<size_t>(m * frames_ + t)];
    return f;
  }
  // The whole conversion, frame-major.
  std::vector<float> whole() {
    const HostTensor out = voices_->convert(mel_, style_);
    const int64_t n = out.shape[3];
    std::vector<float> f(static_cast<size_t>(n * kMelBands));
    for (int64_t t = 0; t < n; ++t)
      for (int m = 0; m < kMelBands; ++m) f[static_cast<size_t>(t * kMelBands + m)] = out.data[static_cast<size_t>(m * n + t)];
    return f;
  }
  // Pushes frames [from, to) of the source in chunks of random sizes up to max_chunk.
  static void push(ConversionStream& s, const std::vector<float>& src, int64_t from, int64_t to, int max_chunk,
                   std::mt19937_64& rng, std::vector<float>& got) {
    std::vector<float> part;
    for (int64_t t = from; t < to;) {
      const int64_t n = std::min<int64_t>(to - t, 1 + static_cast<int64_t>(rng() % static_cast<uint64_t>(max_chunk)));
      s.push(src.data() + t * kMelBands, n);
      t += n;
      s.take(part);
      got.insert(got.end(), part.begin(), part.end());
    }
  }
  static std::vector<float> run(ConversionStream& s, const std::vector<float>& src, int max_chunk, uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::vector<float> got, part;
    push(s, src, 0, static_cast<int64_t>(src.size() / kMelBands), max_chunk, rng, got);
    s.finish();
    s.take(part);
    got.insert(got.end(), part.begin(), part.end());
    return got;
  }

  std::unique_ptr<ModelSession> models_;
  // Options of a window holding the whole source, under a statistics policy.
  ConversionStreamOptions whole_window(StreamStats stats) const {
    ConversionStreamOptions o{1, 1, static_cast<int>(frames_ + 3) / 4 * 4};
    o.stats = stats;
    return o;
  }

  std::unique_ptr<VoiceConverter> voices_;
  std::vector<float> samples_;  // the source, prepared (peak-normalized, at the models' rate)
  HostTensor mel_, style_, other_style_;
  int64_t frames_ = 0;
};

TEST_F(ConversionStreams, FramesDependOnTheWindowNotTheChunking) {
  const std::vector<float> src = source();
  ConversionStream a(*voices_, style_, {2, 2, 64}), b(*voices_, style_, {2, 2, 64});
  const std::vector<float> one = run(a, src, 1, 1), many = run(b, src, 50, 2);
  EXPECT_EQ(static_cast<int64_t>(one.size()), audio_generator_frames(static_cast<int>(frames_)) * kMelBands);
  EXPECT_EQ(one, many);
  // The first steps wait for the first window; then a step's frames come once its look-ahead
  // has arrived: 4 * (2 + 2) frames after its first.
  ConversionStream c(*voices_, style_, {2, 2, 64});
  std::vector<float> got;
  std::mt19937_64 rng(4);
  push(c, src, 0, 63, 7, rng, got);
  EXPECT_EQ(c.frames_out(), 0);  // the first window is [0, 64)
  push(c, src, 63, 100, 7, rng, got);
  EXPECT_EQ(c.frames_out(), 88);  // steps [0, 8) ... [80, 88) need frames up to 96
  EXPECT_EQ(c.latency_frames(), 15);
  c.reset();
  EXPECT_EQ(run(c, src, 13, 5), one);
}

TEST_F(ConversionStreams, AStyleSetBetweenStepsChangesTheFramesAfterIt) {
  const std::vector<float> src = source();
  const ConversionStreamOptions o{2, 1, 96};
  ConversionStream first(*voices_, style_, o), second(*voices_, other_style_, o), switched(*voices_, style_, o);
  const std::vector<float> a = run(first, src, 9, 1), b = run(second, src, 9, 1);
  std::mt19937_64 rng(6);
  std::vector<float> got, part;
  push(switched, src, 0, 100, 9, rng, got);
  const size_t before = got.size();
  ASSERT_GT(before, 0u);
  switched.set_style(other_style_);
  push(switched, src, 100, frames_, 9, rng, got);
  switched.finish();
  switched.take(part);
  got.insert(got.end(), part.begin(), part.end());
  ASSERT_EQ(got.size(), a.size());
  EXPECT_EQ(std::vector<float>(got.begin(), got.begin() + static_cast<int64_t>(before)),
            std::vector<float>(a.begin(), a.begin() + static_cast<int64_t>(before)));
  EXPECT_EQ(std::vector<float>(got.begin() + static_cast<int64_t>(before), got.end()),
            std::vector<float>(b.begin() + static_cast<int64_t>(before), b.end()));
  EXPECT_NE(a, b);
}

// An utterance no longer than the window is converted whole: the whole conversion's bits.
// Shorter windows approximate it (the instance norms take the window's statistics, the
// convolutions see the look-ahead only); the error shrinks as window and look-ahead grow.
// Measured on this bundle (random weights) and recording, relative L2 of the converted
// log-mel: the bounds are those figures with a margin, so that a window that saw the wrong
// frames fails.
TEST_F(ConversionStreams, WiderWindowsApproachTheWholeConversion) {
  const std::vector<float> src = source(), want = whole();
  ConversionStream whole_window(*voices_, style_, {1, 1, static_cast<int>(frames_ + 3) / 4 * 4});
  EXPECT_EQ(run(whole_window, src, 64, 8), want);
  double last = 1e9;
  for (const ConversionStreamOptions& o : {ConversionStreamOptions{2, 1, 32}, ConversionStreamOptions{2, 4, 96},
                                           ConversionStreamOptions{2, 8, 160}}) {
    ConversionStream s(*voices_, style_, o);
    const std::vector<float> got = run(s, src, 64, 7);
    ASSERT_EQ(got.size(), want.size());
    const double err = relative_l2(got, want);
    std::printf("window %d, look-ahead %d blocks: relative L2 %.3g\n", o.window_frames, o.lookahead_blocks, err);
    EXPECT_LT(err, last);
    last = err;
  }
}

// Fixed statistics of the utterance itself, on a window holding all of it: each norm takes
// the whole conversion's statistics (as float moments), so the output is the whole
// conversion's to float rounding.
TEST_F(ConversionStreams, FixedStatisticsOfTheUtteranceAreTheWholeConversions) {
  ConversionStreamOptions o = whole_window(StreamStats::kFixed);
  o.calibration = samples_;
  ConversionStream s(*voices_, style_, o);
  const std::vector<float> got = run(s, source(), 64, 9), want = whole();
  ASSERT_EQ(got.size(), want.size());
  EXPECT_LE(relative_l2(got, want), 1e-5);
  // The window's own statistics are not taken: calibrated on the first half, the same
  // window converts otherwise.
  o.calibration.resize(o.calibration.size() / 2);
  ConversionStream half(*voices_, style_, o);
  EXPECT_GT(relative_l2(run(half, source(), 64, 9), want), 1e-3);
}

// Running statistics of an utterance within one window, pushed at once: its one step counts
// the whole window and no prior, the plain norm's bits.
TEST_F(ConversionStreams, RunningStatisticsOfOneWindowAreTheWholeConversions) {
  ConversionStream s(*voices_, style_, whole_window(StreamStats::kRunning));
  const std::vector<float> src = source();
  std::vector<float> got;
  s.push(src.data(), frames_);
  s.finish();
  s.take(got);
  EXPECT_EQ(got, whole());
}

// The moments a running stream keeps for its first norm (encode.0.norm1, on the stem conv's
// output, which depends on the source alone through a 3x3 conv) after a few steps, against
// float64 moments of the whole conversion's stem output over the frames converted so far:
// the steps' frames lie inside their windows, where the conv sees what it sees in the whole
// run.
TEST_F(ConversionStreams, RunningMomentsAreThoseOfTheFramesConverted) {
  ConversionStreamOptions o{2, 2, 64};
  o.stats = StreamStats::kRunning;
  ConversionStream s(*voices_, style_, o);
  const std::vector<float> src = source();
  s.push(src.data(), 120);
  const int64_t done = s.frames_out();
  ASSERT_EQ(done, 112);  // steps of 8 frames, the last [104, 112) with its look-ahead to 120
  TensorFile dump;
  RunOptions how;
  how.dump = &dump;
  voices_->convert(mel_, style_, how);
  const HostTensor& stem = dump.tensors.at("audio_generator.stem");  // (1, c, 80, T)
  const int64_t channels = stem.shape[1], rows = stem.shape[2], w = stem.shape[3];
  const std::vector<Moments<double>>& got = s.norm_moments().at(0);
  ASSERT_EQ(static_cast<int64_t>(got.size()), channels);
  std::vector<float> mean_got, mean_want, var_got, var_want;
  for (int64_t c = 0; c < channels; ++c) {
    double sum = 0, sq = 0;
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t t = 0; t < done; ++t) sum += stem.data[static_cast<size_t>((c * rows + r) * w + t)];
    const double mean = sum / static_cast<double>(rows * done);
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t t = 0; t < done; ++t) sq += std::pow(stem.data[static_cast<size_t>((c * rows + r) * w + t)] - mean, 2);
    const Moments<double>& m = got[static_cast<size_t>(c)];
    EXPECT_EQ(m.count, static_cast<double>(rows * done));
    mean_got.push_back(static_cast<float>(m.mean)), mean_want.push_back(static_cast<float>(mean));
    var_got.push_back(static_cast<float>(m.m2 / m.count));
    var_want.push_back(static_cast<float>(sq / static_cast<double>(rows * done)));
  }
  EXPECT_LE(relative_l2(mean_got, mean_want), 1e-5);
  EXPECT_LE(relative_l2(var_got, var_want), 1e-5);
  // A new utterance starts from no moments.
  s.reset();
  EXPECT_EQ(s.norm_moments().at(0).at(0).count, 0);
}

TEST_F(ConversionStreams, RefusesACalibrationTooShortOrTooLong) {
  ConversionStreamOptions o{1, 1, 64};
  o.stats = StreamStats::kFixed;
  o.calibration_name = "calibration.wav";
  for (const size_t samples : {size_t{0}, static_cast<size_t>(voices_->rate() / 2),
                               static_cast<size_t>(voices_->hop()) * (voices_->max_frames() + 8)}) {
    o.calibration.assign(samples, 0.25f);
    try {
      ConversionStream s(*voices_, style_, o);
      ADD_FAILURE() << samples << " samples of calibration taken";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("calibration.wav: "), std::string::npos) << e.what();
    }
  }
}

TEST_F(ConversionStreams, RefusesBadOptionsAndInput) {
  EXPECT_THROW(ConversionStream(*voices_, style_, {1, 4, 16}), std::invalid_argument);  // no room for the step
  EXPECT_THROW(ConversionStream(*voices_, style_, {0, 1, 64}), std::invalid_argument);
  EXPECT_THROW(ConversionStream(*voices_, style_, {1, 1, 66}), std::invalid_argument);
  EXPECT_THROW(ConversionStream(*voices_, HostTensor(Shape{2, 4}), {1, 1, 64}), std::invalid_argument);
  ConversionStream s(*voices_, style_, {1, 1, 64});
  std::vector<float> bad(3 * kMelBands, 0.5f);
  bad[kMelBands + 5] = NAN;
  EXPECT_THROW(s.push(bad.data(), 3), std::invalid_argument);
  EXPECT_EQ(s.frames_out(), 0);
  s.finish();
  EXPECT_THROW(s.push(bad.data(), 1), std::logic_error);
}

}  // namespace
}  // namespace xfv
