#include "engine/tasks/bundle.h"

#include "engine/models/stargan_v2.h"
#include "engine/models/voice_settings.h"

namespace xfv {
namespace {

std::string label(const std::vector<std::string>& names, size_t i) {
  return i < names.size() ? names[i] : "recording " + std::to_string(i);
}

// Calls body(indices, batch) for each group of recordings of one length, batch (k, length).
template <class Body>
void by_length(const std::vector<std::vector<float>>& waves, Body body) {
  std::vector<bool> done(waves.size(), false);
  for (size_t i = 0; i < waves.size(); ++i) {
    if (done[i]) continue;
    std::vector<size_t> group;
    for (size_t j = i; j < waves.size(); ++j)
      if (!done[j] && waves[j].size() == waves[i].size()) group.push_back(j), done[j] = true;
    const int64_t length = static_cast<int64_t>(waves[i].size());
    HostTensor batch(Shape{static_cast<int64_t>(group.size()), length});
    for (size_t k = 0; k < group.size(); ++k)
      std::copy(waves[group[k]].begin(), waves[group[k]].end(), batch.data.begin() + static_cast<int64_t>(k) * length);
    body(group, batch);
  }
}

// Runs body, prefixing an std::invalid_argument's message (a recording too short, ...) with
// the recordings it was about.
template <class Body>
void about(const std::vector<std::string>& names, const std::vector<size_t>& group, Body body) {
  try {
    body();
  } catch (const std::invalid_argument& e) {
    std::string who;
    for (size_t i : group) who += (who.empty() ? "" : ", ") + label(names, i);
    throw std::invalid_argument(who + ": " + e.what());
  }
}

}  // namespace

Bundle::Bundle(const std::string& path, const std::string& backend) : models_(path, backend) {}

Bundle::Bundle(std::shared_ptr<const Model> model, size_t byte_budget) : models_(std::move(model), byte_budget) {}

ImageTranslator& Bundle::faces() {
  if (!faces_) {
    if (!has("image_generator")) throw FileError(path() + ": holds no network 'image_generator': no face output");
    faces_ = std::make_unique<ImageTranslator>(models_);
  }
  return *faces_;
}

VoiceConverter& Bundle::voices() {
  if (!voices_) {
    voices_ = std::make_unique<VoiceConverter>(models_);
    if (has("vocoder")) voices_->set_vocoder_frames(vocoder_frames_);
  }
  return *voices_;
}

HifiGanVocoder& Bundle::hifigan() {
  if (!hifigan_) {
    hifigan_ = std::make_unique<HifiGanVocoder>(models_);
    hifigan_->set_max_frames(vocoder_frames_);
  }
  return *hifigan_;
}

void Bundle::set_vocoder_frames(int frames) {
  if (has("vocoder")) frames = vocoder_chunker(models_.weights(), path(), frames).max_frames();  // checks it
  vocoder_frames_ = frames;
  if (voices_ && has("vocoder")) voices_->set_vocoder_frames(frames);
  if (hifigan_) hifigan_->set_max_frames(frames);
}

HostTensor Bundle::style_from_faces(const HostTensor& faces, int domain, const RunOptions& how) {
  models_.model().check_domain(domain, "image_style_encoder");
  return models_.run("image_style_encoder", domain, {faces}, face_size(), how);
}

HostTensor Bundle::style_from_voices(const HostTensor& mels, int domain, const RunOptions& how) {
  models_.model().check_domain(domain, "audio_style_encoder");
  return voices().style_from_reference(mels, domain, how);
}

HostTensor Bundle::style_from_latents(const HostTensor& z, int domain, float psi, const RunOptions& how) {
  models_.model().check_domain(domain, "mapping_network");
  return models_.style_from_latent(z, domain, psi, how);
}

}  // namespace xfv

namespace xfv {

HostTensor Bundle::style_from_recordings(const std::vector<std::vector<float>>& waves, int domain,
                                         const std::vector<std::string>& names, const RunOptions& how) {
  models_.model().check_domain(domain, "audio_style_encoder");
  const int d = domain;
  HostTensor styles(Shape{static_cast<int64_t>(waves.size()), style_dim()});
  by_length(waves, [&](const std::vector<size_t>& group, const HostTensor& batch) {
    about(names, group,
          [&] { scatter_rows(voices().style_from_reference(voices().mel(batch, how), d, how), group, styles); });
  });
  return styles;
}

std::vector<std::vector<float>> Bundle::convert_recordings(const std::vector<std::vector<float>>& sources,
                                                           const HostTensor& styles, const std::vector<float>& noise,
                                                           uint64_t noise_seed, const std::vector<std::string>& names,
                                                           const RunOptions& how) {
  if (styles.shape.rank != 2 || styles.shape[0] != static_cast<int64_t>(sources.size()))
    throw std::invalid_argument("one style per source is needed: " + std::to_string(sources.size()) +
                                " sources, styles " + styles.shape.str());
  std::vector<std::vector<float>> out(sources.size());
  converted_mels_.assign(sources.size(), HostTensor());
  by_length(sources, [&](const std::vector<size_t>& group, const HostTensor& batch) {
    about(names, group, [&] {
      const HostTensor converted = voices().convert(voices().mel(batch, how), gather_rows(styles, group), how);
      for (size_t k = 0; k < group.size(); ++k) {
        HostTensor mel = gather_rows(converted, {k});
        out[group[k]] = voices().vocode(mel, noise, noise_seed, how);
        // The whole converted mel (chunks joined), which no single node holds for long input.
        if (how.dump) how.dump->tensors["voice.converted"] = mel;
        converted_mels_[group[k]] = std::move(mel);
      }
    });
  });
  return out;
}

}  // namespace xfv
