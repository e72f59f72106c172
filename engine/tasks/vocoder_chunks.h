// Long utterances through a vocoder in bounded memory, for both families (Parallel WaveGAN,
// HiFi-GAN): windows of at most max_frames frames, each seeing `context` frames past what it
// keeps wherever it does not touch an end of the utterance, so that the kept samples are the
// whole run's (a vocoder has no global statistics: every output sample depends only on the
// frames within its receptive field, and a window that starts or ends where the utterance
// does pads exactly as the whole run pads there).
//
// Not only the same values: the same bits, on `cpu`. Its GEMMs give a column the same bits
// wherever it sits in a call (engine/cpu/gemm.h), and its 1-D Winograd tiles repeat every m
// outputs, m in {3, 4}: a window that starts at a multiple of kWindowAlignFrames frames
// gives every output the whole run's tile and place in it. A tile reads up to 4 dilations
// past one output's receptive field (kTileOverhang), which the context covers.
//
// Contract (what a stream may rely on):
// - windows(T) cover frames [0, T) once with their kept ranges, in order; an utterance of at
//   most max_frames frames is one window, the whole utterance;
// - past that, the context is rounded up and keep_frames() down to multiples of
//   kWindowAlignFrames; every window of the utterance has one length (one compiled graph),
//   at most max_frames and more than max_frames - kWindowAlignFrames, that makes the last
//   window start at a multiple of kWindowAlignFrames and end with the utterance; window k
//   keeps [k * keep, (k + 1) * keep) and starts `context` frames before that or at 0, but
//   for the last, which starts where it ends with the utterance, at least `context` frames
//   before k * keep, and keeps the rest;
// - window k of an utterance of more than max_frames frames starts and keeps the same
//   frames for every length of more than k * keep_frames() - context + max_frames (where a
//   window of max_frames would end): a stream can run it once the frame after that has
//   arrived; only the window that reaches the end waits for it;
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

// The default windows, per family, bound a window's arena to about 300 MB (`xfv info`'s
// bytes a frame, docs/performance.md): Parallel WaveGAN's 512 frames (6.4 s at hop 300) at
// the VCTK sizes' 0.54 MB a frame, HiFi-GAN V1's 2048 (23.8 s at hop 256) at its 0.15 MB.
// Each window recomputes twice the receptive radius and, every window being as long as the
// last, up to a window past the utterance's end: 19% of 10 s of HiFi-GAN in 512-frame
// windows, none in one window.
constexpr int kDefaultParallelWaveGanFrames = 512;
constexpr int kDefaultHifiGanFrames = 2048;

// Window starts are multiples of this: lcm(3, 4), the cpu's 1-D Winograd tile periods at
// any rate (engine/cpu/conv1d_winograd.cpp, checked by tests/test_cpu_conv.cpp).
constexpr int kWindowAlignFrames = 12;
// How many dilations past its receptive field a conv along time reads on `cpu`: a Winograd
// tile of m <= 4 outputs spaced one dilation apart, and a zero-padded tap of a kernel split
// into groups (Winograd1dScheme::overhang).
constexpr int kTileOverhang = 4;

struct VocoderWindow {
  int64_t first = 0;       // the window's first frame in the utterance
  int frames = 0;          // its length in frames
  int64_t keep_first = 0;  // the first frame whose samples it gives
  int keep_frames = 0;     // how many frames' samples it gives
};

class VocoderChunker {
 public:
  // max_frames - (kWindowAlignFrames - 1) must leave, past twice the aligned context, an
  // aligned keep of at least kWindowAlignFrames (std::invalid_argument naming both and the
  // least length otherwise).
  VocoderChunker(int max_frames, int context);

  int max_frames() const { return max_frames_; }
  int context() const { return context_; }
  int keep_frames() const { return keep_frames_; }

  std::vector<VocoderWindow> windows(int64_t frames) const;
  // The frames * hop samples of an utterance: `vocode_window(w)` runs the vocoder on window
  // w's frames and returns w.frames * hop samples, of which the kept ones are copied out.
  std::vector<float> run(int64_t frames, int hop,
                         const std::function<std::vector<float>(const VocoderWindow&)>& vocode_window) const;

 private:
  int max_frames_, context_, keep_frames_;
};

// The chunker of the file's `vocoder` (either family), its context the reach of the cpu's
// arithmetic from the configuration (vocoder_receptive_radius, hifigan_receptive_radius with
// kTileOverhang); max_frames 0 is the family's default window.
VocoderChunker vocoder_chunker(const TensorFile& weights, const std::string& path, int max_frames);

}  // namespace xfv
