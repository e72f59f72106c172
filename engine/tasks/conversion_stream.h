// The voice generator (with JDC's F0 features) as a stream of mel frames: source frames in,
// converted frames out, a step of whole generator blocks (4 frames, its two time halvings)
// at a time. It streams only approximately: its convolutions see about 86 frames each side
// and its instance norms take statistics over the whole utterance, which a stream has not
// seen. Each step runs the generator on a window of `window_frames` frames of the source
// (the policy `window:N` of docs/streaming.md: the norms take the window's statistics): a
// left context, the step's frames and `lookahead_blocks` blocks after them, of which the
// step's frames of the output are kept. Windows start at multiples of 4 frames, so that each
// block is where the whole conversion has it, and never reach outside the utterance: the
// first steps wait for a whole window (from frame 0), the last window ends with the
// utterance. An utterance no longer than a window is converted whole: the whole
// conversion's bits.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/tasks/voice_converter.h"

namespace xfv {

struct ConversionStreamOptions {
  int step_blocks = 1;       // blocks of 4 frames per step
  int lookahead_blocks = 4;  // blocks past the step each window reaches
  int window_frames = 192;   // frames per window: context + step + look-ahead, a multiple of 4
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

  // Moves the converted frames not yet taken into `frames`, frame-major; returns how many.
  int take(std::vector<float>& frames);
  int64_t frames_out() const { return frames_out_; }

  // Frames a source frame waits for before the step holding it is converted, once the first
  // window has arrived: the rest of its step and the look-ahead, at most
  // 4 * (step_blocks + lookahead_blocks) - 1. Before that, the first window's frames wait
  // for its last.
  int latency_frames() const { return 4 * (options_.step_blocks + options_.lookahead_blocks) - 1; }
  const ConversionStreamOptions& options() const { return options_; }

 private:
  void run_steps();

  VoiceConverter& voices_;
  HostTensor style_;
  ConversionStreamOptions options_;
  int context_;                  // frames of left context in a window
  std::vector<float> source_;    // frame-major, from frame base_ on
  int64_t base_ = 0, frames_in_ = 0, frames_out_ = 0;
  std::vector<float> ready_;     // converted, frame-major, not yet taken
  bool finished_ = false;
};

}  // namespace xfv
