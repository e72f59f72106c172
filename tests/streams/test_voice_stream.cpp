// The voice conversion as a stream (VoiceStream) on the small XFaVoT bundle (XFV_XFAVOT) and
// real speech (XFV_SPEECH): an utterance within one window gives the whole conversion's
// samples (every other stage is exact); the output does not depend on the chunking; no
// output sample comes later than the stated latency, and one within a hop of it; bad input
// is refused with the stream left as it was; once it runs, push and pull allocate nothing.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/io/audio.h"
#include "tests/streams/allocation_count.h"
#include "tests/streams/stream_fixtures.h"
#include "engine/opcheck.h"
#include "engine/tasks/bundle.h"
#include "engine/tasks/voice_stream.h"

namespace xfv {
namespace {

class VoiceStreams : public ::testing::Test {
 protected:
  void SetUp() override {
    if (fixture("XFV_XFAVOT", "").empty()) GTEST_SKIP() << "run through ctest (XFV_XFAVOT, XFV_SPEECH)";
    bundle_ = std::make_unique<Bundle>(fixture("XFV_XFAVOT", "small.safetensors"), "cpu");
    const MonoAudio audio = read_mono_audio(fixture("XFV_SPEECH", "p230_023.wav"));
    // At 48 kHz, peak-normalized: the stream resamples, the whole conversion is given the
    // same samples resampled at once.
    source_ = audio.samples;
    source_.resize(static_cast<size_t>(1.2 * audio.rate));
    float peak = 0;
    for (float v : source_) peak = std::max(peak, std::abs(v));
    for (float& v : source_) v /= peak;
    rate_ = audio.rate;
    const int dim = bundle_->style_dim();
    std::mt19937_64 rng(5);
    std::normal_distribution<float> normal;
    style_ = HostTensor(Shape{1, dim});
    for (float& v : style_.data) v = normal(rng);
  }
  VoiceStreamOptions options(int window) const {
    VoiceStreamOptions o;
    o.input_rate = rate_;
    o.conversion = ConversionStreamOptions{1, 2, window};
    o.noise_seed = 3;
    o.exact_vocoder_tiles = true;  // every stage but the generator's exact
    return o;
  }
  std::vector<float> run(VoiceStream& s, int max_chunk, uint64_t seed) const {
    std::mt19937_64 rng(seed);
    std::vector<float> out, buf(4096);
    const auto take = [&] {
      for (int64_t n; (n = s.pull(buf.data(), static_cast<int64_t>(buf.size()))) > 0;) out.insert(out.end(), buf.begin(), buf.begin() + n);
    };
    for (size_t i = 0; i < source_.size();) {
      const size_t n = std::min(source_.size() - i, static_cast<size_t>(1 + rng() % static_cast<uint64_t>(max_chunk)));
      s.push(source_.data() + i, static_cast<int64_t>(n));
      i += n;
      take();
    }
    s.flush();
    take();
    return out;
  }

  std::unique_ptr<Bundle> bundle_;
  std::vector<float> source_;
  int rate_ = 0;
  HostTensor style_;
};

TEST_F(VoiceStreams, OneWindowGivesTheWholeConversion) {
  VoiceStream s(bundle_->models(), style_, options(1024));  // 1.2 s: 97 frames, one window
  const std::vector<float> got = run(s, 2000, 1);
  const std::vector<float> whole =
      bundle_->convert_recordings({resample(source_, rate_, bundle_->voices().rate())}, style_, {}, 3, {"p230"}, {}).at(0);
  ASSERT_EQ(got.size(), whole.size());
  EXPECT_LE(relative_l2(got, whole), 1e-6);
}

TEST_F(VoiceStreams, ChunkingChangesNothing) {
  VoiceStream s(bundle_->models(), style_, options(64));
  const std::vector<float> one = run(s, 480, 2);
  s.reset();
  EXPECT_EQ(run(s, 37, 3), one);
}

// The default leaves the vocoder's tiles where each step cuts them: the vocoder's own
// look-ahead shrinks by its convs' halos, and the samples move by the tiles' rounding alone.
TEST_F(VoiceStreams, RoundedVocoderTilesWaitLessAndRoundAlike) {
  VoiceStreamOptions rounded = options(64);
  rounded.exact_vocoder_tiles = false;
  VoiceStream exact(bundle_->models(), style_, options(64)), s(bundle_->models(), style_, rounded);
  const VocoderStream exact_vocoder(bundle_->models().shared_model(), 4, 3, true),
      rounded_vocoder(bundle_->models().shared_model(), 4, 3, false);
  const int64_t halos = exact_vocoder.latency_samples() - rounded_vocoder.latency_samples();
  EXPECT_GT(halos, 0);
  EXPECT_EQ(exact.latency_samples() - s.latency_samples(), halos);
  const std::vector<float> want = run(exact, 480, 4), got = run(s, 480, 4);
  ASSERT_EQ(got.size(), want.size());
  const double err = relative_l2(got, want);
  std::printf("rounded against exact vocoder tiles: relative L2 %.3g, %lld samples less latency\n", err,
              static_cast<long long>(halos));
  EXPECT_LE(err, 1e-5);
}

// Pushing one model-rate sample at a time: once the first window has arrived, output sample
// t is available by the time source sample t + latency_samples() has been pushed, and some
// sample needs within a hop of that.
TEST_F(VoiceStreams, LatencyIsTheLongestWait) {
  const std::vector<float> x = resample(source_, rate_, bundle_->voices().rate());
  VoiceStreamOptions o = options(64);
  o.input_rate = bundle_->voices().rate(), o.chunk_samples = 1;
  VoiceStream s(bundle_->models(), style_, o);
  const int64_t hop = bundle_->voices().hop(), first_window = int64_t{64} * hop;
  int64_t out = 0, longest = 0;
  std::vector<float> buf(4096);
  for (int64_t i = 0; i < static_cast<int64_t>(x.size()); ++i) {
    s.push(x.data() + i, 1);
    for (int64_t n; (n = s.pull(buf.data(), static_cast<int64_t>(buf.size()))) > 0;)
      for (int64_t k = 0; k < n; ++k, ++out)
        if (out >= first_window) longest = std::max(longest, i - out);
  }
  ASSERT_GT(out, first_window + 10 * hop) << "too short a source to measure";
  EXPECT_LE(longest, s.latency_samples());
  EXPECT_GE(longest, s.latency_samples() - hop);
}

TEST_F(VoiceStreams, RefusesBadInputAndStaysUsable) {
  source_.resize(source_.size() / 2);
  VoiceStream clean(bundle_->models(), style_, options(32)), s(bundle_->models(), style_, options(32));
  const std::vector<float> want = run(clean, 1000, 7);
  std::vector<float> bad(100, 0.1f);
  bad[50] = NAN;
  EXPECT_THROW(s.push(bad.data(), 100), std::invalid_argument);
  EXPECT_EQ(run(s, 1000, 7), want);
  EXPECT_THROW(s.push(bad.data(), 1), std::logic_error);  // after flush
  VoiceStreamOptions o = options(64);
  o.chunk_samples = 0;
  EXPECT_THROW(VoiceStream(bundle_->models(), style_, o), std::invalid_argument);
}

// A live caller: 10 ms chunks at 48 kHz, pulled after each push. Once the first samples have
// come out (the first window's steps have sized the buffers between the stages), no push or
// pull allocates, whatever the statistics policy: the resampler, the mel, the gain, JDC, the
// generator with its priors and moments, and the vocoder all run in what creation made.
TEST_F(VoiceStreams, PushAndPullAllocateNothing) {
  for (const StreamStats stats : {StreamStats::kWindow, StreamStats::kRunning, StreamStats::kFixed}) {
    VoiceStreamOptions o = options(48);  // 0.6 s: the first output half-way through the source
    o.chunk_samples = rate_ / 100;
    o.conversion.stats = stats;
    if (stats == StreamStats::kFixed) o.conversion.calibration = resample(source_, rate_, bundle_->voices().rate());
    VoiceStream s(bundle_->models(), style_, o);
    std::vector<float> out(4096);
    int64_t given = 0;
    const auto push_and_pull = [&](size_t at) {
      s.push(source_.data() + at, o.chunk_samples);
      for (int64_t n; (n = s.pull(out.data(), static_cast<int64_t>(out.size()))) > 0;) given += n;
    };
    size_t at = 0;
    for (; given == 0; at += static_cast<size_t>(o.chunk_samples)) push_and_pull(at);
    const int64_t warm = given;
    start_counting_allocations();
    for (; at + static_cast<size_t>(o.chunk_samples) <= source_.size(); at += static_cast<size_t>(o.chunk_samples))
      push_and_pull(at);
    EXPECT_EQ(stop_counting_allocations(), 0) << "stats policy " << static_cast<int>(stats);
    EXPECT_GE(given - warm, 8 * 4 * bundle_->voices().hop()) << "too few steps counted";
  }
}

}  // namespace
}  // namespace xfv
