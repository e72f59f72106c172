// The C API (engine/include/xfv.h) over a Bundle: catches every
// exception at the boundary and keeps its message for xfv_last_error().
#include "engine/include/xfv.h"

#include <algorithm>
#include <cstring>
#include <exception>
#include <memory>
#include <string>

#include "engine/io/image.h"
#include "engine/tasks/bundle.h"

struct xfv_context {
  std::string path;
  std::unique_ptr<xfv::Bundle> bundle;
  xfv::ImageTranslator* translator = nullptr;  // null: the file holds no image networks
  xfv::HifiGanVocoder* vocoder = nullptr;      // null: no HiFi-GAN vocoder
  int style_dim = 0;
};

namespace {

thread_local std::string last_error;

// Runs `body`, turning an exception into -1 and a message; 0 on success.
template <class Body>
int guarded(const char* what, Body body) {
  try {
    last_error.clear();
    body();
    return 0;
  } catch (const std::exception& e) {
    last_error = std::string(what) + ": " + e.what();
  } catch (...) {
    last_error = std::string(what) + ": unknown error";
  }
  return -1;
}

// Whether ctx can serve `what`: the image networks, or with `vocoder` the HiFi-GAN.
bool check_context(const xfv_context* ctx, const char* what, bool vocoder = false) {
  if (!ctx) {
    last_error = std::string(what) + ": null context";
    return false;
  }
  if (vocoder ? ctx->vocoder != nullptr : ctx->translator != nullptr) return true;
  last_error = std::string(what) + ": " + ctx->path + " holds no " + (vocoder ? "HiFi-GAN vocoder" : "image networks");
  return false;
}

xfv::HostTensor face_tensor(const xfv_context* ctx, const float* face) {
  const int s = ctx->translator->image_size();
  if (!face) throw std::invalid_argument("null face buffer");
  return xfv::HostTensor(xfv::Shape{1, 3, s, s}, std::vector<float>(face, face + 3 * s * s));
}

void copy_out(const xfv::HostTensor& t, float* out) {
  if (!out) throw std::invalid_argument("null output buffer");
  std::copy(t.data.begin(), t.data.end(), out);
}

}  // namespace

extern "C" {

xfv_context* xfv_open(const char* weights_path, const char* backend) {
  auto ctx = std::make_unique<xfv_context>();
  const int rc = guarded("xfv_open", [&] {
    if (!weights_path || !backend) throw std::invalid_argument("null argument");
    ctx->path = weights_path;
    ctx->bundle = std::make_unique<xfv::Bundle>(weights_path, backend);
    xfv::Bundle& b = *ctx->bundle;
    if (b.has("image_generator")) {
      ctx->translator = &b.faces();
      ctx->style_dim = b.style_dim();
    }
    if (b.has("vocoder") && xfv::is_hifigan(b.models().weights(), ctx->path)) ctx->vocoder = &b.hifigan();
    if (!ctx->translator && !ctx->vocoder)
      throw xfv::FileError(ctx->path + ": holds neither image networks nor a HiFi-GAN vocoder");
  });
  return rc == 0 ? ctx.release() : nullptr;
}

void xfv_close(xfv_context* ctx) { delete ctx; }

const char* xfv_last_error(void) { return last_error.c_str(); }

int xfv_image_size(const xfv_context* ctx) {
  return check_context(ctx, "xfv_image_size") ? ctx->translator->image_size() : -1;
}
int xfv_latent_dim(const xfv_context* ctx) {
  int dim = -1;
  if (check_context(ctx, "xfv_latent_dim"))
    guarded("xfv_latent_dim", [&] { dim = ctx->bundle->latent_dim(); });
  return dim;
}
int xfv_style_dim(const xfv_context* ctx) { return check_context(ctx, "xfv_style_dim") ? ctx->style_dim : -1; }

int xfv_domain(xfv_context* ctx, const char* network, const char* name) {
  int index = -1;
  if (!check_context(ctx, "xfv_domain")) return -1;
  guarded("xfv_domain", [&] {
    if (!network || !name) throw std::invalid_argument("null argument");
    index = ctx->bundle->models().domain(name, network);
  });
  return index;
}

int xfv_face_from_rgb8(xfv_context* ctx, const uint8_t* rgb, int width, int height, float* face) {
  if (!check_context(ctx, "xfv_face_from_rgb8")) return -1;
  return guarded("xfv_face_from_rgb8", [&] {
    copy_out(xfv::face_from_rgb8(rgb, width, height, ctx->translator->image_size()), face);
  });
}

int xfv_face_to_rgb8(xfv_context* ctx, const float* face, uint8_t* rgb) {
  if (!check_context(ctx, "xfv_face_to_rgb8")) return -1;
  return guarded("xfv_face_to_rgb8", [&] {
    if (!rgb) throw std::invalid_argument("null output buffer");
    const std::vector<uint8_t> bytes = xfv::face_to_rgb8(face_tensor(ctx, face));
    std::memcpy(rgb, bytes.data(), bytes.size());
  });
}

int xfv_style_from_face(xfv_context* ctx, const float* face, int domain, float* style) {
  if (!check_context(ctx, "xfv_style_from_face")) return -1;
  return guarded("xfv_style_from_face",
                 [&] { copy_out(ctx->bundle->style_from_faces(face_tensor(ctx, face), std::to_string(domain)), style); });
}

int xfv_style_from_latent(xfv_context* ctx, const float* latent, int domain, float psi, float* style) {
  if (!check_context(ctx, "xfv_style_from_latent")) return -1;
  return guarded("xfv_style_from_latent", [&] {
    if (!latent) throw std::invalid_argument("null latent buffer");
    const int n = ctx->bundle->latent_dim();
    const xfv::HostTensor z(xfv::Shape{1, n}, std::vector<float>(latent, latent + n));
    copy_out(ctx->bundle->style_from_latents(z, std::to_string(domain), psi), style);
  });
}

int xfv_latent_from_seed(xfv_context* ctx, uint64_t seed, float* latent) {
  if (!check_context(ctx, "xfv_latent_from_seed")) return -1;
  return guarded("xfv_latent_from_seed", [&] { copy_out(ctx->bundle->models().latent_from_seed(seed), latent); });
}

int xfv_translate_face(xfv_context* ctx, const float* source, const float* style, float* out) {
  if (!check_context(ctx, "xfv_translate_face")) return -1;
  return guarded("xfv_translate_face", [&] {
    if (!style) throw std::invalid_argument("null style buffer");
    const xfv::HostTensor s(xfv::Shape{1, ctx->style_dim}, std::vector<float>(style, style + ctx->style_dim));
    copy_out(ctx->translator->translate(face_tensor(ctx, source), s), out);
  });
}

int xfv_vocoder_rate(const xfv_context* ctx) {
  return check_context(ctx, "xfv_vocoder_rate", true) ? ctx->vocoder->config().sampling_rate : -1;
}
int xfv_vocoder_hop(const xfv_context* ctx) {
  return check_context(ctx, "xfv_vocoder_hop", true) ? ctx->vocoder->config().hop_size : -1;
}
int xfv_vocoder_mel_bands(const xfv_context* ctx) {
  return check_context(ctx, "xfv_vocoder_mel_bands", true) ? ctx->vocoder->config().num_mels : -1;
}

int xfv_mel_from_audio(xfv_context* ctx, const float* audio, int64_t samples, float* mel) {
  if (!check_context(ctx, "xfv_mel_from_audio", true)) return -1;
  return guarded("xfv_mel_from_audio", [&] {
    if (!audio) throw std::invalid_argument("null audio buffer");
    if (samples < ctx->vocoder->config().min_samples() || samples > (int64_t{1} << 30))
      throw std::invalid_argument(std::to_string(samples) + " samples: the front end takes " +
                                  std::to_string(ctx->vocoder->config().min_samples()) + " to 2^30");
    copy_out(ctx->vocoder->mel(std::vector<float>(audio, audio + samples)), mel);
  });
}

int xfv_vocode(xfv_context* ctx, const float* mel, int frames, float* audio) {
  if (!check_context(ctx, "xfv_vocode", true)) return -1;
  return guarded("xfv_vocode", [&] {
    if (!mel) throw std::invalid_argument("null mel buffer");
    if (frames < 1) throw std::invalid_argument(std::to_string(frames) + " frames: at least one is needed");
    const int bands = ctx->vocoder->config().num_mels;
    const xfv::HostTensor m(xfv::Shape{bands, frames},
                            std::vector<float>(mel, mel + static_cast<int64_t>(bands) * frames));
    const std::vector<float> wave = ctx->vocoder->vocode(m);
    if (!audio) throw std::invalid_argument("null output buffer");
    std::copy(wave.begin(), wave.end(), audio);
  });
}

}  // extern "C"
