// The constant inputs of a MelSpectrogram op (kernels/ops.h): window, FFT twiddles and
// filterbank, computed in double and rounded once, for the graph and the op checker alike.
#pragma once

#include <vector>

#include "kernels/ops.h"

namespace xfv {

struct MelTables {
  std::vector<float> window;    // (n_fft): periodic Hann of win_length, zero-padded centred
  std::vector<float> twiddles;  // (n_fft / 2, 2): cos, -sin of 2 pi q / n_fft
  std::vector<float> fb;        // (n_mels, n_fft / 2 + 1): triangles on the mel scale
};

// The filterbanks of the two recipes (kernels/ops.h, MelSpectrogramDesc):
//   kHtk:    torchaudio's melscale_fbanks(bins, f_min, f_max, n_mels, sample_rate, None, "htk"),
//            HTK mel scale, no normalization (StarGANv2-VC);
//   kSlaney: librosa.filters.mel(sr, n_fft, n_mels, f_min, f_max), its defaults: the Slaney
//            mel scale (linear below 1 kHz, logarithmic above) and each triangle scaled by
//            2 / its width in Hz (HiFi-GAN).
enum class MelScale { kHtk, kSlaney };

// The filterbank of `scale` and hann_window(win_length) (periodic), padded as torch.stft pads
// it. StarGANv2-VC builds its filterbank for sample_rate 16000, f_max 8000 although its audio
// is 24 kHz (../shared/reference-models.md §2.6): pass those, not the audio's rate.
MelTables mel_tables(const MelSpectrogramDesc& d, double sample_rate, double f_min, double f_max,
                     MelScale scale = MelScale::kHtk);

}  // namespace xfv
