// The StarGANv2-VC voice networks (../shared/reference-models.md §2) as engine graphs:
// audio_generator and audio_style_encoder; the voice mapping network is StarGAN v2's
// (stargan_v2.h), JDC's F0 features are in jdc.h, the vocoder in parallel_wavegan.h.
#pragma once

#include <string>

#include "engine/models/net_builder.h"

namespace xfv {

struct AudioGeneratorConfig {
  int dim_in = 64, style_dim = 64, max_conv_dim = 512, F0_channel = 256;
};
struct AudioStyleEncoderConfig {
  int dim_in = 64, style_dim = 64, num_domains = 20, max_conv_dim = 512;
};
AudioGeneratorConfig audio_generator_config(const TensorFile& w, const std::string& path);
AudioStyleEncoderConfig audio_style_encoder_config(const TensorFile& w, const std::string& path);

// The mel axis every voice network takes, and the least frame count the style encoder's
// 5x5 valid conv, after four halvings, leaves a frame of (80 = 16 * 5).
constexpr int kMelBands = 80;
constexpr int kStyleEncoderMinFrames = 80;
// The generator's output frame count: 4 * floor(T / 4) (two time-halving levels).
inline int audio_generator_frames(int frames) { return frames / 4 * 4; }

// How far, in source frames on each side, an output frame of the generator sees through its
// convolutions (and JDC's, feeding it), leaving the instance norms' global statistics aside.
int audio_generator_receptive_radius(const AudioGeneratorConfig& c);

struct AudioGeneratorIO {
  ValueId x, s;            // (n, 1, 80, T) normalized log-mel; (n, style_dim)
  ValueId f0 = kNoValue;   // (n, F0_channel, 10, T), JDC's features, when F0_channel > 0
  ValueId output;          // (n, 1, 80, 4 * floor(T / 4))
};
// `b` names the network (audio_generator). Any T >= 4: odd frame counts floor at each
// halving, and the F0 features are pooled to the encoder's width with the uneven windows
// of adaptive average pooling.
AudioGeneratorIO add_audio_generator(NetBuilder& b, const AudioGeneratorConfig& c, int batch, int frames);

// The style of mel x (n, 1, 80, T), T >= 80, for `domain`: (n, style_dim), that head only.
// Fewer frames are an std::invalid_argument naming the least.
ValueId add_audio_style_encoder(NetBuilder& b, const AudioStyleEncoderConfig& c, ValueId x, int domain);

}  // namespace xfv
