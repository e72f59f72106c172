// A vocoder as a stream (either family): mel frames in, in any chunks; samples out as soon as
// they are determined, the whole run's samples (docs/streaming.md). It runs the vocoder's
// step graph (engine/models/stream_builder.h) once per `step` frames: each layer keeps its
// left context between steps, so a step costs work proportional to the step.
//
// Latency. Sample t is determined once the frames up to sample t + lag_samples() are in,
// lag_samples() being the network's right-hand receptive field from its configuration; a
// frame waits for its step's other frames, up to step - 1 of them: latency_samples() = lag +
// (step - 1) * hop.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "engine/models/stream_builder.h"
#include "engine/runner.h"
#include "engine/tasks/model.h"

namespace xfv {

class VocoderStream {
 public:
  // The file's `vocoder` in steps of step_frames frames, on a backend of the model's kind of
  // its own. Parallel WaveGAN draws the noise of seed `noise_seed`, sample t normal(seed, t),
  // as the whole run with that seed does. exact_tiles: the cpu's Winograd convs keep halos so
  // that every sample has the whole run's bits, at the price of their look-ahead
  // (StreamBuilder; docs/streaming.md). Everything is allocated here: push, pull and flush
  // allocate nothing while the caller pulls what a push made.
  VocoderStream(std::shared_ptr<const Model> model, int step_frames, uint64_t noise_seed = 0, bool exact_tiles = true);
  ~VocoderStream();
  VocoderStream(const VocoderStream&) = delete;
  VocoderStream& operator=(const VocoderStream&) = delete;

  int bands() const { return bands_; }  // floats per frame
  int hop() const { return hop_; }      // samples per frame
  int sampling_rate() const { return rate_; }
  int step_frames() const { return step_; }
  int64_t lag_samples() const { return io_.lag; }
  int64_t latency_samples() const { return io_.lag + int64_t{step_ - 1} * hop_; }
  // Frames a push needs to complete the next step.
  int frames_until_step() const { return step_ - filled_; }

  // Appends `count` frames, frame after frame (count x bands floats, as the vocoder takes
  // them: HiFi-GAN's log-mel, Parallel WaveGAN's features); runs each step completed. After
  // flush() it is an error (std::logic_error) until reset().
  void push(const float* frames, int64_t count);
  // The end of the utterance: runs the steps that give its last samples.
  void flush();
  bool flushed() const { return flushed_; }
  // Samples determined and not yet pulled; pull copies up to `max` of them, oldest first,
  // and returns how many.
  int64_t available() const { return static_cast<int64_t>(out_.size() - out_first_); }
  int64_t pull(float* out, int64_t max);
  // A new utterance: kept contexts zeroed, nothing pending.
  void reset();
  // Times each node of the steps that follow (Runner::run's hook; a Profile's hook), or
  // none for a null hook.
  void set_profile_hook(NodeHook hook) { hook_ = std::move(hook); }

 private:
  void add_frame(const float* frame);  // band-major into the step's input
  void run_step();

  std::shared_ptr<const Model> model_;
  std::unique_ptr<Backend> backend_;
  std::unique_ptr<Graph> graph_;
  std::unique_ptr<Runner> runner_;
  VocoderStepIO io_;
  int step_ = 0, bands_ = 0, hop_ = 0, rate_ = 0;
  uint64_t seed_ = 0;
  HostTensor input_;                // the step's frames, band-major
  std::vector<float> step_out_;     // a step's samples
  std::vector<float> last_frame_;   // for Parallel WaveGAN's padding at the end
  std::vector<float> out_;          // determined samples, pulled from out_first_ on
  size_t out_first_ = 0;
  int filled_ = 0;                  // frames of the step's input filled
  int64_t steps_ = 0;               // steps run
  int64_t frames_ = 0;              // real frames pushed
  int64_t emitted_ = 0;             // samples put in out_
  bool flushed_ = false;
  NodeHook hook_;
};

}  // namespace xfv
