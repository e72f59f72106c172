// Long utterances through a vocoder in bounded memory, for both families (Parallel WaveGAN,
// HiFi-GAN): frame-aligned windows of at most max_frames frames, each seeing `context`
// frames past what it keeps wherever it does not touch an end of the utterance, so that the
// kept samples are the whole run's (a vocoder has no global statistics: every output sample
// depends only on the frames within its receptive field, and a window that starts or ends
// where the utterance does pads exactly as the whole run pads there).
//
// Contract (what a stream may rely on):
// - windows(T) cover frames [0, T) once with their kept ranges, in order; an utterance of at
//   most max_frames frames is one window, the whole utterance;
// - past that, every window is exactly max_frames long (one compiled graph serves them all)
//   and keeps keep_frames() frames, the last one fewer: window k keeps [k * keep, (k + 1) *
//   keep) and starts `context` frames before that, or at 0, or max_frames before the end;
// - window k of an utterance of more than max_frames frames is the same for every length of
//   at least (k + 1) * keep_frames() + context: a stream can run it once that frame has
//   arrived; only the windows that reach the end wait for it;
// - a vocoder's samples of frame t are [t * hop, (t + 1) * hop): a window's run gives
//   frames * hop samples and run() keeps hop * keep_frames of them, so anything fixed by a
//   sample's position in the utterance (Parallel WaveGAN's noise) is offset by first * hop.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "engine/safetensors.h"

namespace xfv {

// The default window: 512 frames (6.4 s of Parallel WaveGAN at hop 300, 5.9 s of HiFi-GAN
// at hop 256) bound Parallel WaveGAN's arena at the VCTK sizes (0.54 MB a frame, `xfv info`) to
// about 280 MB. Each window recomputes twice the receptive radius (54 of 512 frames for that
// network), which its smaller working set repaid on 60 s of speech (docs/performance.md).
constexpr int kDefaultVocoderFrames = 512;

struct VocoderWindow {
  int64_t first = 0;       // the window's first frame in the utterance
  int frames = 0;          // its length in frames
  int64_t keep_first = 0;  // the first frame whose samples it gives
  int keep_frames = 0;     // how many frames' samples it gives
};

class VocoderChunker {
 public:
  // max_frames must exceed 2 * context (std::invalid_argument naming both otherwise): a window
  // must keep at least one frame.
  VocoderChunker(int max_frames, int context);

  int max_frames() const { return max_frames_; }
  int context() const { return context_; }
  int keep_frames() const { return max_frames_ - 2 * context_; }

  std::vector<VocoderWindow> windows(int64_t frames) const;
  // The frames * hop samples of an utterance: `vocode_window(w)` runs the vocoder on window
  // w's frames and returns w.frames * hop samples, of which the kept ones are copied out.
  std::vector<float> run(int64_t frames, int hop,
                         const std::function<std::vector<float>(const VocoderWindow&)>& vocode_window) const;

 private:
  int max_frames_, context_;
};

// The chunker of the file's `vocoder` (either family), its context the network's receptive
// radius from its configuration (vocoder_receptive_radius, hifigan_receptive_radius).
VocoderChunker vocoder_chunker(const TensorFile& weights, const std::string& path, int max_frames);

}  // namespace xfv
