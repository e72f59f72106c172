// The HiFi-GAN generator (jik876/hifi-gan models.py, the vocoder of the 22.05 kHz recipes)
// as an engine graph, and its mel front end (meldataset.py mel_spectrogram, center=False).
#pragma once

#include <string>
#include <vector>

#include "engine/models/mel_front_end.h"
#include "engine/models/net_builder.h"
#include "engine/models/stream_builder.h"

namespace xfv {

// The generator's config.json as the converter records it (weights/README.md): the network
// and the mel settings it was trained on. Only ResBlock1 ("resblock": "1") is supported.
struct HifiGanConfig {
  int num_mels = 80, upsample_initial_channel = 512;
  std::vector<int> upsample_rates{8, 8, 2, 2}, upsample_kernel_sizes{16, 16, 4, 4};
  std::vector<int> resblock_kernel_sizes{3, 7, 11};
  std::vector<std::vector<int>> resblock_dilation_sizes{{1, 3, 5}, {1, 3, 5}, {1, 3, 5}};
  int sampling_rate = 22050, n_fft = 1024, hop_size = 256, win_size = 1024;
  double fmin = 0, fmax = 8000;

  int min_samples() const { return (n_fft - hop_size) / 2 + 1; }  // what reflect padding allows
};

// Whether the file's `vocoder` is a HiFi-GAN (its configuration's "family").
bool is_hifigan(const TensorFile& w, const std::string& path);
// Read from `xfv.config.vocoder`; one this graph cannot build (ResBlock2, upsampling whose
// product is not hop_size, an odd kernel - rate, a non-power-of-two n_fft) is a FileError.
HifiGanConfig hifigan_config(const TensorFile& w, const std::string& path);

// How many frames each side of a frame its samples depend on (rounded up, with a frame to
// spare): conv_pre, each upsampling stage's transposed conv and its widest resblock,
// conv_post. With overhang 0 the mathematical reach; with the cpu's tile overhang
// (kTileOverhang, engine/tasks/vocoder_chunks.h) the reach of its arithmetic, by which the
// windows of a long utterance overlap.
int hifigan_receptive_radius(const HifiGanConfig& c, int overhang);

struct HifiGanIO {
  ValueId x;       // (1, num_mels, 1, T): the log-mel
  ValueId output;  // (1, 1, 1, T * hop_size): the waveform, after tanh
};
// Generator.forward on one utterance of T frames. Every LeakyReLU is fused into the conv that
// follows it; each residual add into the conv before it.
HifiGanIO add_hifigan(NetBuilder& b, const HifiGanConfig& c, int frames);

// The generator's step graph for `step` frames (engine/models/stream_builder.h): the same
// network, every conv keeping its left context; the transposed convs need kernels that are
// multiples of their rates (V1, V2, V3 have twice). Its output is add_hifigan's, lag
// samples later; exact_tiles as for StreamBuilder.
VocoderStepIO add_hifigan_step(NetBuilder& b, const HifiGanConfig& c, int step, bool exact_tiles);

// The log-mel (n, 1, num_mels, floor(length / hop)) of n signals at sampling_rate, as the
// recipe computes it: reflect padding of (n_fft - hop) / 2, uncentred frames, the magnitude
// sqrt(|X|^2 + 1e-9), librosa's Slaney filterbank from fmin to fmax, ln(max(x, 1e-5)). The
// network `hifigan_mel`; fewer than c.min_samples() samples is an std::invalid_argument.
MelFrontEndIO add_hifigan_mel_front_end(NetBuilder& b, const HifiGanConfig& c, int batch, int length, MelEdges edges);

}  // namespace xfv
