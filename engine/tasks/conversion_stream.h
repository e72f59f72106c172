// The voice generator (with JDC's F0 features) as a stream of mel frames: source frames in,
// converted frames out, a step of whole generator blocks (4 frames, its two time halvings)
// at a time. It streams only approximately: its convolutions see about 86 frames each side
// and its instance norms take statistics over the whole utterance, which a stream has not
// seen. Each step runs the generator on a window of `window_frames` frames of the source:
// a left context, the step's frames and `lookahead_blocks` blocks after them, of which the
// step's frames of the output are kept. The norms' statistics follow a policy
// (docs/streaming.md): the window's own (`window:N`), the utterance's so far (`running`), or
// a calibration recording's (`fixed`). Windows start at multiples of 4 frames, so that each
// block is where the whole conversion has it, and never reach outside the utterance: the
// first steps wait for a whole window (from frame 0), the last window ends with the
// utterance. An utterance no longer than a window is converted whole: the whole
// conversion's bits.
//
// JDC and the generator are compiled for the window at creation, bound to buffers made then
// (StepNetwork): a step allocates nothing. Only the utterance's last window, which may be
// shorter, runs through the session's graphs (in finish()).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/tasks/step_network.h"
#include "engine/tasks/voice_converter.h"
#include "kernels/moments.h"

namespace xfv {

// Where the generator's instance norms take their statistics (mean and variance per channel):
//   kWindow:  over the window each step runs (`window:N`);
//   kRunning: over the frames converted so far (each at the step that kept it) and the
//             window's frames from the step's first on (the look-ahead included);
//   kFixed:   over a calibration recording, converted whole when the stream is made and
//             again at each set_style() (the decoder's AdaIN inputs depend on the style).
enum class StreamStats { kWindow, kRunning, kFixed };

// The least calibration a fixed policy takes: about a second at the stargan_vc recipe's hop.
constexpr int kCalibrationMinFrames = 80;

struct ConversionStreamOptions {
  int step_blocks = 1;       // blocks of 4 frames per step
  int lookahead_blocks = 4;  // blocks past the step each window reaches
  int window_frames = 192;   // frames per window: context + step + look-ahead, a multiple of 4
  StreamStats stats = StreamStats::kWindow;
  // kFixed: the calibration recording at the models' rate, peak-normalized as a source is
  // (prepare_voice, Gain::kPeakNormalize), from kCalibrationMinFrames to the generator's
  // max_frames() frames; its name in errors.
  std::vector<float> calibration{};
  std::string calibration_name = "the calibration recording";
};

class ConversionStream {
 public:
  // `style`: (1, style_dim), from a reference, a latent or a face. Options that leave no left
  // context, or are not whole blocks, are an std::invalid_argument naming them.
  ConversionStream(VoiceConverter& voices, const HostTensor& style, const ConversionStreamOptions& options);

  // Source mel frames, frame-major (count, 80), as MelStream gives them.
  void push(const float* frames, int64_t count);
  // The utterance has ended: the rest of its converted frames, 4 * floor(T / 4) in all, as
  // the whole conversion gives.
  void finish();
  // A new utterance with the same style; set_style() changes it between steps.
  void reset();
  void set_style(const HostTensor& style);
  int64_t style_dim() const { return style_.shape[1]; }

  // Moves the converted frames not yet taken into `frames`, frame-major (which grows to the
  // most frames a take has given, and is not allocated again); returns how many.
  int take(std::vector<float>& frames);
  int64_t frames_out() const { return frames_out_; }

  // Frames a source frame waits for before the step holding it is converted, once the first
  // window has arrived: the rest of its step and the look-ahead, at most
  // 4 * (step_blocks + lookahead_blocks) - 1. Before that, the first window's frames wait
  // for its last.
  int latency_frames() const { return 4 * (options_.step_blocks + options_.lookahead_blocks) - 1; }
  const ConversionStreamOptions& options() const { return options_; }

  // kRunning, kFixed: the moments each norm takes as its prior, per channel, in the
  // generator's order (audio_generator_stats's outputs): kRunning's of the frames converted so
  // far at the norm's time resolution, kFixed's of the calibration. Empty for kWindow.
  const std::vector<std::vector<Moments<double>>>& norm_moments() const { return moments_; }

 private:
  void run_steps();
  // Converts the window of source frames [from, from + length), of which `committed` frames
  // from its first were converted before, and appends the next `keep` to ready_.
  void convert_window(int64_t from, int64_t length, int64_t committed, int64_t keep);
  // The window's mel (1, 1, 80, length), band-major, into `mel`; each norm's prior into
  // `priors` (1, c, kPriorFields), of a window whose first `committed` frames were converted.
  void fill_window(int64_t from, int64_t length, float* mel) const;
  void fill_prior(size_t norm, int64_t committed, int64_t length, HostTensor& prior) const;
  void calibrate();  // kFixed's moments
  void run_networks();  // JDC and the generator on their inputs' buffers

  VoiceConverter& voices_;
  HostTensor style_;
  ConversionStreamOptions options_;
  int context_;                  // frames of left context in a window
  std::vector<float> source_;    // frame-major, from frame base_ on
  int64_t base_ = 0, frames_in_ = 0, frames_out_ = 0;
  std::vector<float> ready_;     // converted, frame-major, not yet taken
  bool finished_ = false;
  // kRunning, kFixed: per norm, source frames per column of its plane and its channels' moments.
  std::vector<int> strides_;
  std::vector<std::vector<Moments<double>>> moments_;
  // JDC (when the generator takes F0 features; null otherwise) and the generator
  // (audio_generator_stats for kRunning and kFixed) at window_frames.
  std::unique_ptr<StepNetwork> f0_, generator_;
};

}  // namespace xfv
