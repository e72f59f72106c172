// A bundle (weights/README.md) on one backend: one session over the file's networks, and the
// tasks they serve. Styles come from a face, a voice or a latent, each through its own
// network's domain names, and drive either generator: the cross-modal tasks are the two
// sides composed through the one style space.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "engine/tasks/hifigan_vocoder.h"
#include "engine/tasks/image_translator.h"
#include "engine/tasks/model_session.h"
#include "engine/tasks/vocoder_chunks.h"
#include "engine/tasks/voice_converter.h"

namespace xfv {

class Bundle {
 public:
  // Reads the file once; a bundle whose parts disagree is a FileError naming both.
  Bundle(const std::string& path, const std::string& backend);
  // A session of a model that other sessions may share, within `byte_budget` of compiled graphs.
  explicit Bundle(std::shared_ptr<const Model> model, size_t byte_budget = kDefaultSessionBudget);

  ModelSession& models() { return models_; }
  const std::string& path() const { return models_.path(); }
  bool has(const std::string& network) const { return models_.has(network); }

  // The sides, made on first use; a file that lacks what a side needs is a FileError naming
  // the file and the network.
  ImageTranslator& faces();       // image_generator (+ fan when w_hpf > 0)
  VoiceConverter& voices();       // the voice networks and the vocoder, as each call needs
  HifiGanVocoder& hifigan();      // a HiFi-GAN `vocoder`
  // Either vocoder runs at most `frames` frames at a time (VocoderChunker's windows; 0, the
  // default: the family's, vocoder_chunker), for voice conversion and vocoding alike. A window too
  // short for the file's vocoder is a std::invalid_argument giving its least length.
  void set_vocoder_frames(int frames);
  int face_size() const { return models_.model().face_size(); }  // S x S faces
  int style_dim() const { return models_.model().style_dim(); }
  int latent_dim() const { return models_.latent_dim(); }

  // Styles (n, style_dim) for a domain index of the network that makes them (an index out of
  // its range is an error naming the network; Model::domain finds one by name):
  // image_style_encoder of faces (n, 3, S, S); audio_style_encoder of normalized mels
  // (n, 1, 80, T); mapping_network of latents (n, latent_dim), truncated by psi.
  HostTensor style_from_faces(const HostTensor& faces, int domain, const RunOptions& how = {});
  HostTensor style_from_voices(const HostTensor& mels, int domain, const RunOptions& how = {});
  HostTensor style_from_latents(const HostTensor& z, int domain, float psi = 1.f, const RunOptions& how = {});

  // Recordings at voices().rate(), run as batches of equal length (the instance norms take
  // each utterance's own statistics, so a batch gives what one-at-a-time runs give). `names`
  // label errors (file names; empty: "recording i").
  // Styles (n, style_dim) of references, each as recorded (load_voice's Gain::kAsRecorded):
  // the StarGANv2-VC demo takes a reference's style without normalizing it.
  HostTensor style_from_recordings(const std::vector<std::vector<float>>& waves, int domain,
                                   const std::vector<std::string>& names = {}, const RunOptions& how = {});
  // Sources, each peak-normalized (Gain::kPeakNormalize) as the demo's source is, converted
  // by styles (n, style_dim), row i for source i: each a waveform at the same rate. `noise`,
  // when given, is every Parallel WaveGAN output's noise.
  std::vector<std::vector<float>> convert_recordings(const std::vector<std::vector<float>>& sources,
                                                     const HostTensor& styles, const std::vector<float>& noise = {},
                                                     uint64_t noise_seed = 0,
                                                     const std::vector<std::string>& names = {},
                                                     const RunOptions& how = {});
  // The converted mels of the last convert_recordings call, by source (for --mel-png).
  const std::vector<HostTensor>& last_converted_mels() const { return converted_mels_; }

 private:
  ModelSession models_;
  std::unique_ptr<ImageTranslator> faces_;
  std::unique_ptr<VoiceConverter> voices_;
  std::unique_ptr<HifiGanVocoder> hifigan_;
  int vocoder_frames_ = 0;  // 0: the family's default (vocoder_chunker)
  std::vector<HostTensor> converted_mels_;
};

}  // namespace xfv
