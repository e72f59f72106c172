// StarGANv2-VC's mel front end (../shared/reference-models.md §2.6) as an engine graph named
// `mel`: 24 kHz audio (a source peak-normalized, a reference as recorded: audio.h's Gain)
// to the normalized log-mel every voice network takes.
// It has no weights: its window, FFT twiddles and filterbank are computed tables.
#pragma once

#include "engine/cpu/mel_tables.h"
#include "engine/models/net_builder.h"

namespace xfv {

// The least number of samples the centred frames' reflect padding (n_fft / 2) allows.
constexpr int kMelMinSamples = 1025;

struct MelFrontEndIO {
  ValueId wave;    // (n, length)
  ValueId output;  // (n, 1, 80, 1 + length / 300)
};
// How a front end treats the ends of its input: reflected, as the recipes centre their frames
// on whole recordings, or not at all, for a stream's frames (the input is then exactly the
// frames' samples: n_fft + (frames - 1) * hop, which the stream pads at the ends itself).
enum class MelEdges { kReflected, kNone };

// torchaudio's MelSpectrogram(n_mels=80, n_fft=2048, win_length=1200, hop_length=300) on its
// default 16 kHz filterbank, then (ln(1e-5 + mel) + 4) / 4. Fewer than kMelMinSamples
// samples (n_fft without edges) is an std::invalid_argument.
MelFrontEndIO add_mel_front_end(NetBuilder& b, int batch, int length, MelEdges edges);

// What every front end shares: the input `wave` (n, length), one MelSpectrogram node `output`
// (n, 1, n_mels, frames) on the tables as graph constants (the caller marks the graph's output).
MelFrontEndIO add_log_mel(NetBuilder& b, const MelSpectrogramArgs& a, MelTables tables);

}  // namespace xfv
