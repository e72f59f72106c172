// The constant inputs of a MelSpectrogram op (engine/ops.h): window, FFT twiddles and
// filterbank, computed in double and rounded once, for the graph and the op checker alike.
#pragma once

#include <vector>

#include "engine/ops.h"

namespace xfv {

struct MelTables {
  std::vector<float> window;    // (n_fft): periodic Hann of win_length, zero-padded centred
  std::vector<float> twiddles;  // (n_fft / 2, 2): cos, -sin of 2 pi q / n_fft
  std::vector<float> fb;        // (n_mels, n_fft / 2 + 1): HTK triangles, no normalization
};

// torchaudio's melscale_fbanks(n_fft / 2 + 1, f_min, f_max, n_mels, sample_rate, None, "htk")
// and hann_window(win_length) (periodic), padded as torch.stft pads it. StarGANv2-VC builds
// its filterbank for sample_rate 16000, f_max 8000 although its audio is 24 kHz
// (../shared/reference-models.md §2.6): pass those, not the audio's rate.
MelTables mel_tables(const MelSpectrogramDesc& d, double sample_rate, double f_min, double f_max);

}  // namespace xfv
