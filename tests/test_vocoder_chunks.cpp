// The vocoders' windows (VocoderChunker), the run's random stream that draws Parallel
// WaveGAN's noise on the backend, and the graph's bound on a value's size. That chunked
// vocoding equals the whole run is checked end to end on real networks in
// tools/tests/test_cli_voices.py and test_cli_vocode.py.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <utility>
#include <string>

#include "engine/backend.h"
#include "engine/graph.h"
#include "engine/runner.h"
#include "engine/tasks/vocoder_chunks.h"
#include "kernels/philox.cuh"

namespace xfv {
namespace {

TEST(VocoderChunker, WindowsKeepEveryFrameOnceWithContextAwayFromTheEnds) {
  std::mt19937 rng(11);
  for (int trial = 0; trial < 400; ++trial) {
    const int context = static_cast<int>(rng() % 30);
    const int aligned = (context + kWindowAlignFrames - 1) / kWindowAlignFrames * kWindowAlignFrames;
    const int max_frames = 2 * aligned + 2 * kWindowAlignFrames - 1 + static_cast<int>(rng() % 60);
    const int64_t frames = 1 + static_cast<int64_t>(rng() % 400);
    const VocoderChunker chunks(max_frames, context);
    EXPECT_EQ(chunks.context(), aligned);
    EXPECT_EQ(chunks.keep_frames() % kWindowAlignFrames, 0);
    const std::vector<VocoderWindow> ws = chunks.windows(frames);
    int64_t next = 0;
    for (const VocoderWindow& w : ws) {
      EXPECT_EQ(w.keep_first, next);
      EXPECT_GE(w.keep_frames, 1);
      next += w.keep_frames;
      EXPECT_EQ(w.frames, ws.back().frames);  // one length: one graph
      EXPECT_LE(w.frames, max_frames);
      if (frames <= max_frames)
        EXPECT_EQ(w.frames, frames);
      else
        EXPECT_GT(w.frames, max_frames - kWindowAlignFrames);
      EXPECT_EQ(w.first % kWindowAlignFrames, 0) << w.first;  // each tile where the whole run has it
      EXPECT_GE(w.first, 0);
      EXPECT_LE(w.first + w.frames, frames);
      // Context on each side, unless the window starts or ends where the utterance does.
      EXPECT_TRUE(w.first == 0 || w.keep_first - w.first >= context) << w.first << " " << w.keep_first;
      const int64_t end = w.first + w.frames, keep_end = w.keep_first + w.keep_frames;
      EXPECT_TRUE(end == frames || end - keep_end >= context) << end << " " << keep_end;
    }
    EXPECT_EQ(next, frames);
    if (frames > max_frames) {
      EXPECT_LE(static_cast<int64_t>(ws.size()), (frames + chunks.keep_frames() - 1) / chunks.keep_frames());
      for (size_t k = 0; k + 1 < ws.size(); ++k) EXPECT_EQ(ws[k].keep_frames, chunks.keep_frames());
      // A stream's view: window k is final once frame k * keep - context + max_frames + 1 has arrived.
      for (size_t k = 0; k < ws.size(); ++k) {
        const int64_t known =
            std::max<int64_t>(max_frames + 1, static_cast<int64_t>(k) * chunks.keep_frames() - chunks.context() + max_frames + 1);
        if (known > frames) continue;
        const VocoderWindow early = chunks.windows(known)[k];
        EXPECT_EQ(early.first, ws[k].first);
        EXPECT_EQ(early.keep_first, ws[k].keep_first);
        EXPECT_EQ(early.keep_frames, ws[k].keep_frames);
      }
    }
  }
}

TEST(VocoderChunker, RefusesWindowsThatKeepNothing) {
  EXPECT_NO_THROW(VocoderChunker(47, 10));  // context 12 each side, windows of 36 to 47 keep 12
  try {
    VocoderChunker(46, 10);
    FAIL() << "a window that keeps less than an aligned step was accepted";
  } catch (const std::invalid_argument& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("46 frames"), std::string::npos) << what;
    EXPECT_NE(what.find("47 frames at least"), std::string::npos) << what;
  }
  EXPECT_THROW(VocoderChunker(8, -1), std::invalid_argument);
  EXPECT_THROW(VocoderChunker(8, 1).windows(0), std::invalid_argument);
}

TEST(VocoderChunker, RunKeepsTheCentralSamplesOfEachWindow) {
  // A "vocoder" whose sample j of frame t is 10 t + j: the result shows which window gave it.
  const int hop = 3;
  const VocoderChunker chunks(51, 2);  // context 12, keeps 12
  std::vector<int64_t> starts;
  const std::vector<float> out = chunks.run(80, hop, [&](const VocoderWindow& w) {
    starts.push_back(w.first);
    std::vector<float> y(static_cast<size_t>(w.frames * hop));
    for (size_t i = 0; i < y.size(); ++i) y[i] = static_cast<float>(10 * (w.first + i / hop) + i % hop);
    return y;
  });
  ASSERT_EQ(out.size(), 240u);
  for (size_t i = 0; i < out.size(); ++i) EXPECT_EQ(out[i], static_cast<float>(10 * (i / hop) + i % hop)) << i;
  // Windows of 44 frames keep [0, 12) [12, 24) [24, 36) [36, 48), each from 12 frames before
  // or from 0, and the last, [36, 80), keeps [48, 80).
  EXPECT_EQ(starts, (std::vector<int64_t>{0, 0, 12, 24, 36}));
}

class RandomStream : public ::testing::TestWithParam<std::string> {};

// One Gaussian node draws any part of any seed's stream: the offset and seed of the run,
// added to its desc's own offset, exactly as the host's philox_normal gives them.
TEST_P(RandomStream, GaussianNodesDrawTheRunsStream) {
  std::string why;
  if (!backend_available(GetParam(), &why)) GTEST_SKIP() << GetParam() << ": " << why;
  auto backend = make_backend(GetParam());
  Graph g;
  GaussianArgs draw;
  draw.d.count = 1001, draw.d.offset = 5, draw.d.seed = 99;  // the desc's seed is not used
  const ValueId y = g.add_node("noise", draw, {});
  g.mark_output(y);
  Runner runner(g, *backend);
  for (const auto& [seed, offset] : {std::pair<uint64_t, uint64_t>{0, 0}, {7, 3}, {7, 300001}, {1ull << 40, 7}}) {
    runner.set_random_stream(seed, offset);
    runner.run();
    const HostTensor got = runner.read(y);
    for (size_t j = 0; j < got.data.size(); ++j)
      ASSERT_EQ(got.data[j], philox_normal(seed, offset + 5 + j)) << "seed " << seed << " offset " << offset << " j " << j;
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, RandomStream, ::testing::ValuesIn(compiled_backends()));

// Values past kMaxValueElements are refused by the graph, by shape alone: the kernels' 32-bit
// index math never sees one.
TEST(GraphBounds, ValuesPastTheIndexRangeAreRefusedByShape) {
  Graph g;
  const int64_t below = kMaxValueElements / 80;  // 80 feature rows, as Parallel WaveGAN's upsampling has
  EXPECT_NO_THROW(g.add_input("fits", Shape{80, 1, 1, below}));
  try {
    g.add_input("too_long", Shape{80, 1, 1, below + 1});
    FAIL() << "a value past the index range was accepted";
  } catch (const std::invalid_argument& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("'too_long'"), std::string::npos) << what;
    EXPECT_NE(what.find(std::to_string(80 * (below + 1)) + " elements"), std::string::npos) << what;
  }
  // A node whose output alone passes the bound: an upsampling of a value that fits.
  const ValueId x = g.add_input("x", Shape{1, 64, 1, int64_t{1} << 22});
  UpsampleNearestArgs up;
  up.d = {64, 1, 1 << 22, 1, 8};  // 2^31 elements out
  EXPECT_THROW(g.add_node("up", up, {x}), std::invalid_argument);
  up.d.sw = 7;
  EXPECT_NO_THROW(g.add_node("up7", up, {x}));
}

}  // namespace
}  // namespace xfv
