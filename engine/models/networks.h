// Any network of a weight file as a graph, by its canonical name (../shared/DESIGN.md).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/graph.h"
#include "engine/safetensors.h"

namespace xfv {

struct NetworkGraph {
  std::string network;
  std::unique_ptr<Graph> graph;  // heap: the ids below stay valid when this moves
  std::vector<ValueId> inputs;   // named "<network>.input.<argument>"
  // named "<network>.output"; FAN has two results, fan.mask0 (here) and fan.mask1, both
  // in graph->outputs()
  ValueId output = kNoValue;
  // Looser chained-validation tolerances (relative L2) of values past a threshold, which an
  // upstream error within tolerance can flip (FAN's masks, docs/fan.md).
  std::map<ValueId, double> chained_tolerance;
};

// `domain` selects the head of networks that take one (style encoders, mapping networks);
// an index out of range is an error naming the network and its domain count. `length` is
// the input's extent where a network takes any: FAN's image size (0: its own), the voice
// networks' frame count, the mel front ends' sample count. `mel`, the voice front end, and
// `hifigan_mel`, the HiFi-GAN one, are built for any weight file: they have no weights
// (`hifigan_mel` takes the settings of the file's HiFi-GAN vocoder, else HiFi-GAN V1's), and
// so is `voice_mel`, the normalized mel of the voice generator's recipe (xfv.voice);
// `voice_mel_frames` is that front end without its reflected edges, the frames of a stream
// (MelEdges::kNone).
// `vocoder` is a Parallel WaveGAN or a HiFi-GAN, as the file's configuration says;
// `vocoder_seeded` the same Parallel WaveGAN without the noise input, drawing its noise on
// the backend from the run's random stream (Runner::set_random_stream).
// `audio_generator_stats` is the file's `audio_generator` whose instance norms take stream
// statistics (NetBuilder::take_norm_priors, docs/streaming.md): after x, s (and F0) it takes
// each norm's prior, in the order of NetBuilder::norm_sites(), and its outputs after the
// converted mel are the norms' inputs in that order.
NetworkGraph build_network(const TensorFile& weights, const std::string& path, const std::string& network,
                           int batch, int domain, int length = 0);

// Bytes of the file's tensors per network (the name up to its first '.').
std::map<std::string, size_t> weight_bytes_per_network(const TensorFile& weights);

// The networks the file holds (`xfv.networks`), in its order.
std::vector<std::string> networks_in(const TensorFile& weights, const std::string& path);
bool has_network(const TensorFile& weights, const std::string& path, const std::string& network);

}  // namespace xfv
