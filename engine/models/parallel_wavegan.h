// The Parallel WaveGAN generator (StarGANv2-VC's vocoder, ../shared/reference-models.md §3)
// as an engine graph: features at the frame rate and noise at the sample rate to a waveform.
#pragma once

#include <string>
#include <vector>

#include "engine/models/net_builder.h"
#include "engine/models/stream_builder.h"

namespace xfv {

struct VocoderConfig {
  int in_channels = 1, out_channels = 1, kernel_size = 5, layers = 30, stacks = 3;
  int residual_channels = 64, gate_channels = 128, skip_channels = 64, aux_channels = 80;
  int aux_context_window = 2;
  std::vector<int> upsample_scales{4, 5, 3, 5};

  int hop() const;  // samples per frame: the product of the scales
};
// Read from `xfv.config.vocoder`; a configuration this graph cannot build (an even kernel,
// layers that do not split into stacks, a non-positive scale) is a FileError.
VocoderConfig vocoder_config(const TensorFile& w, const std::string& path);
// How many frames each side of a frame its samples depend on (rounded up, with a frame to
// spare): conv_in's context window, each upsampling stage's FIR and nearest stretch, the
// dilated convs of the residual stack. With overhang 0 the mathematical reach; with the
// cpu's tile overhang (kTileOverhang, engine/tasks/vocoder_chunks.h) the reach of its
// arithmetic, by which the windows of a long utterance overlap.
int vocoder_receptive_radius(const VocoderConfig& c, int overhang);

struct VocoderIO {
  ValueId c;       // (1, 1, T, aux_channels): the features, frames first as the demo passes them
  ValueId noise;   // (1, in_channels, 1, T * hop): the injected noise z, an input or drawn
  ValueId output;  // (1, out_channels, 1, T * hop): the waveform, no tanh
};
// `inference(c, x=noise)` of one utterance of T frames (batch 1, as the reference runs it).
// With `seeded_noise` the noise is no input but a Gaussian node, `<network>.noise`, drawing
// from the run's random stream (Runner::set_random_stream): it never crosses the host.
VocoderIO add_vocoder(NetBuilder& b, const VocoderConfig& c, int frames, bool seeded_noise = false);

// The step graph for `step` frames (engine/models/stream_builder.h): add_vocoder with seeded
// noise (one channel), every conv keeping its left context, each layer's conditioning
// delayed to its time in the dilated stack. Its output is add_vocoder's, lag samples later;
// exact_tiles as for StreamBuilder.
VocoderStepIO add_vocoder_step(NetBuilder& b, const VocoderConfig& c, int step, bool exact_tiles);

}  // namespace xfv
