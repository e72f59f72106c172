// Streaming vocoders (VocoderStream) against the whole run of the same network: HiFi-GAN (a
// small random one and the released universal V1 weights) and Parallel WaveGAN (the small and
// the VCTK-sized random bundles, the same seeded noise), at steps of one frame, of sizes that
// do not divide the utterance and of more than all of it, fed in uneven chunks.
#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "engine/models/hifigan.h"
#include "engine/opcheck.h"
#include "engine/tasks/model_session.h"
#include "engine/tasks/vocoder_stream.h"
#include "tests/streams/allocation_count.h"
#include "tests/streams/stream_fixtures.h"

namespace xfv {
namespace {

struct Utterance {
  std::vector<float> frames;  // frame-major, as a stream is pushed
  int64_t count = 0;
};

// Random features in [lo, hi): a log-mel's range for HiFi-GAN, normalized features for PWG.
Utterance random_utterance(int64_t count, int bands, uint64_t seed, float lo, float hi) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> u(lo, hi);
  Utterance x{std::vector<float>(static_cast<size_t>(count * bands)), count};
  for (float& v : x.frames) v = u(rng);
  return x;
}

// The whole run of the file's vocoder on the utterance (one window: no chunking).
std::vector<float> whole_run(const std::shared_ptr<const Model>& model, const Utterance& x, int bands,
                             uint64_t seed) {
  ModelSession s(model);
  const int frames = static_cast<int>(x.count);
  if (is_hifigan(model->weights(), model->path())) {
    HostTensor mel(Shape{1, bands, 1, frames});
    for (int t = 0; t < frames; ++t)
      for (int m = 0; m < bands; ++m) mel.data[static_cast<size_t>(m * frames + t)] = x.frames[static_cast<size_t>(t * bands + m)];
    return s.run("vocoder", 0, {mel}, frames).data;
  }
  RunOptions how;
  how.random_seed = seed;
  return s.run("vocoder_seeded", 0, {HostTensor(Shape{1, 1, frames, bands}, x.frames)}, frames, how).data;
}

// Pushes the utterance in chunks of 1, 2, 5, 7, 1, 2, ... frames, pulling after each.
std::vector<float> streamed(VocoderStream& stream, const Utterance& x) {
  std::vector<float> out, buffer(1 << 16);
  const auto drain = [&] {
    while (const int64_t n = stream.pull(buffer.data(), static_cast<int64_t>(buffer.size())))
      out.insert(out.end(), buffer.begin(), buffer.begin() + n);
  };
  const int chunks[] = {1, 2, 5, 7};
  for (int64_t at = 0, k = 0; at < x.count; ++k) {
    const int64_t n = std::min<int64_t>(chunks[k % 4], x.count - at);
    stream.push(x.frames.data() + at * stream.bands(), n);
    at += n;
    drain();
  }
  stream.flush();
  drain();
  return out;
}

struct Case {
  const char* variable;
  std::string file, backend;
  int frames;
  std::vector<int> steps;
  double tolerance;  // relative L2 against the whole run where its bits are not expected
};

std::string case_name(const ::testing::TestParamInfo<Case>& info) {
  std::string s = std::string(info.param.variable + 4) + "_" + info.param.file + "_" + info.param.backend;
  for (char& c : s)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return s;
}

class StreamVsWhole : public ::testing::TestWithParam<Case> {};

TEST_P(StreamVsWhole, SamplesEqualTheWholeRun) {
  const Case& c = GetParam();
  const std::string path = fixture(c.variable, c.file);
  if (path.empty()) GTEST_SKIP() << c.variable << " is unset: run through ctest, which makes the fixtures";
  std::string why;
  if (!backend_available(c.backend, &why)) GTEST_SKIP() << why;
  const auto model = std::make_shared<const Model>(path, c.backend);
  const auto cpu = c.backend == "cpu" ? model : std::make_shared<const Model>(path, "cpu");
  const uint64_t seed = 7;
  for (int step : c.steps)
    for (bool exact_tiles : {true, false}) {
      VocoderStream stream(model, step, seed, exact_tiles);
      const bool hifigan = is_hifigan(model->weights(), model->path());
      const Utterance x =
          random_utterance(c.frames, stream.bands(), 100 + step, hifigan ? -8.f : -2.f, hifigan ? 1.f : 2.f);
      const std::vector<float> want = whole_run(cpu, x, stream.bands(), seed);
      const std::vector<float> got = streamed(stream, x);
      ASSERT_EQ(got.size(), want.size()) << "step " << step;
      const double err = relative_l2(got, want);
      std::printf("%s on %s, step %d, %s: relative L2 %.3g, max abs %.3g, lag %lld samples\n", c.file.c_str(),
                  c.backend.c_str(), step, exact_tiles ? "exact tiles" : "tiles cut at the steps", err,
                  max_abs_diff(got, want), static_cast<long long>(stream.lag_samples()));
      // With the halos, and a GEMM that gives a column the same bits wherever it lies
      // (engine/cpu/gemm.h), the whole run's bits; without the halos the Winograd tiles at
      // each step's edges round differently.
      if (c.backend == "cpu" && exact_tiles)
        EXPECT_EQ(got, want) << "step " << step;
      else
        EXPECT_LE(err, c.tolerance) << "step " << step;
    }
}

INSTANTIATE_TEST_SUITE_P(
    Vocoders, StreamVsWhole,
    ::testing::Values(Case{"XFV_HIFIGAN", "small.safetensors", "cpu", 50, {1, 3, 8, 64}, 5e-6},
                      Case{"XFV_HIFIGAN", "small.safetensors", "sim", 12, {5}, 1e-5},
                      Case{"XFV_HIFIGAN", "universal.safetensors", "cpu", 40, {1, 7, 32}, 5e-6},
                      Case{"XFV_XFAVOT", "small.safetensors", "cpu", 30, {1, 4, 13, 40}, 5e-6},
                      Case{"XFV_XFAVOT", "small.safetensors", "sim", 6, {4}, 1e-5},
                      Case{"XFV_XFAVOT", "full.safetensors", "cpu", 40, {3, 16}, 5e-6}),
    case_name);

// A reset stream, or one flushed and reset, gives what a fresh stream gives, bit for bit.
TEST(VocoderStream, ResetGivesAFreshStreamsOutput) {
  for (const auto& [variable, file] : {std::pair{"XFV_HIFIGAN", "small.safetensors"}, std::pair{"XFV_XFAVOT", "small.safetensors"}}) {
    const std::string path = fixture(variable, file);
    if (path.empty()) GTEST_SKIP() << variable << " is unset";
    const auto model = std::make_shared<const Model>(path, "cpu");
    VocoderStream used(model, 3, 5), fresh(model, 3, 5);
    const Utterance first = random_utterance(20, used.bands(), 1, -1.f, 1.f);
    const Utterance second = random_utterance(17, used.bands(), 2, -1.f, 1.f);
    streamed(used, first);
    used.reset();
    EXPECT_EQ(streamed(used, second), streamed(fresh, second)) << file;
    // Reset in mid-utterance, with samples unpulled.
    used.reset();
    used.push(first.frames.data(), 9);
    used.reset();
    fresh.reset();
    EXPECT_EQ(streamed(used, second), streamed(fresh, second)) << file;
  }
}

TEST(VocoderStream, LatencyIsTheRightHandReceptiveFieldAndTheStep) {
  const std::string universal = fixture("XFV_HIFIGAN", "universal.safetensors");
  const std::string pwg = fixture("XFV_XFAVOT", "full.safetensors");
  if (universal.empty() || pwg.empty()) GTEST_SKIP() << "fixtures unset";
  // HiFi-GAN V1: conv_pre 3 frames, each transposed conv its padding and the widest
  // resblock (kernel 11: 5 * (1 + 1 + 3 + 1 + 5 + 1) = 60 samples) at its rate, conv_post 3:
  // ((((3 * 8 + 4 + 60) * 8 + 4 + 60) * 2 + 1 + 60) * 2 + 1 + 60) + 3 = 3258 samples.
  const auto v1 = std::make_shared<const Model>(universal, "cpu");
  VocoderStream hifigan(v1, 4, 0, false);
  EXPECT_EQ(hifigan.lag_samples(), 3258);
  EXPECT_EQ(hifigan.latency_samples(), 3258 + 3 * 256);
  // With the cpu's Winograd tiles exact, each conv reads Winograd1dScheme::overhang
  // dilations more: conv_pre's F(4,4)x2 4 frames, and per stage the kernel-11 block, F(4,4)x3
  // (the narrower blocks' halos fit in its wait), 4 * (1 + 1 + 3 + 1 + 5 + 1) = 48 samples
  // at its rate: 4 * 256 + 48 * (32 + 4 + 2 + 1) more.
  EXPECT_EQ(VocoderStream(v1, 4).lag_samples(), 3258 + 4 * 256 + 48 * (32 + 4 + 2 + 1));
  // Parallel WaveGAN (VCTK): conv_in's context window of 2 frames, one column of each
  // upsampling stage ((((2 + 1) * 4 + 1) * 5 + 1) * 3 + 1) * 5 = 995, and the dilated stack,
  // 3 stacks of 2 * (1 + 2 + ... + 512) = 6138, less the first layer's 2, which the noise
  // gives early: 7131.
  const auto full = std::make_shared<const Model>(pwg, "cpu");
  VocoderStream vctk(full, 1, 0, false);
  EXPECT_EQ(vctk.lag_samples(), 7131);
  EXPECT_EQ(vctk.latency_samples(), 7131);
  // Exact: conv_in's F(4, 5) reads 3 frames more (upsampled: 1895), each dilated conv d (m -
  // 1) samples more: F(4, 5) 3 at d = 1, F(3, 5) 2 d at even d; 3 stacks of 5 + 4 * 1022,
  // less the first layer's 5: 1890 + 12279.
  EXPECT_EQ(VocoderStream(full, 1).lag_samples(), 14169);
}

TEST(VocoderStream, PushAfterFlushIsAnError) {
  const std::string path = fixture("XFV_HIFIGAN", "small.safetensors");
  if (path.empty()) GTEST_SKIP() << "XFV_HIFIGAN is unset";
  VocoderStream stream(std::make_shared<const Model>(path, "cpu"), 2);
  const std::vector<float> frame(static_cast<size_t>(stream.bands()), 0.f);
  stream.push(frame.data(), 1);
  stream.flush();
  EXPECT_THROW(stream.push(frame.data(), 1), std::logic_error);
  EXPECT_EQ(stream.available(), stream.hop());
  stream.reset();
  EXPECT_EQ(stream.available(), 0);
  EXPECT_NO_THROW(stream.push(frame.data(), 1));
}

TEST(VocoderStream, PushAndPullAllocateNothing) {
  for (const auto& [variable, file] : {std::pair{"XFV_HIFIGAN", "small.safetensors"}, std::pair{"XFV_XFAVOT", "small.safetensors"}}) {
    const std::string path = fixture(variable, file);
    if (path.empty()) GTEST_SKIP() << variable << " is unset";
    VocoderStream stream(std::make_shared<const Model>(path, "cpu"), 3, 5);
    const Utterance x = random_utterance(40, stream.bands(), 3, -1.f, 1.f);
    std::vector<float> out(static_cast<size_t>(4 * 3 * stream.hop()));
    const auto push_and_pull = [&](int64_t first, int64_t count) {
      stream.push(x.frames.data() + first * stream.bands(), count);
      while (stream.pull(out.data(), static_cast<int64_t>(out.size()))) {
      }
    };
    push_and_pull(0, 10);  // the first steps size the cpu's workspaces
    start_counting_allocations();
    for (int64_t at = 10; at < 30; at += 2) push_and_pull(at, 2);  // a live caller: small chunks, pulled
    EXPECT_EQ(stop_counting_allocations(), 0) << file;
  }
}

}  // namespace
}  // namespace xfv
