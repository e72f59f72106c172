// The C API (engine/include/xfv.h) over a Bundle: every call checks its arguments, runs
// inside one try block that turns any exception into -1 (or NULL) and a message for
// xfv_last_error(), and writes its outputs only once everything has succeeded.
//
// A context owns its Bundle (the session, its backend, the compiled graphs) and its Profile;
// the engine keeps no mutable state outside them that two contexts could share unguarded
// (sim's worker pool serializes launches; OpenMP and OpenBLAS are safe from several
// threads), so each thread may run its own context.
#include "engine/include/xfv.h"

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/io/audio.h"
#include "engine/io/image.h"
#include "engine/models/stargan_vc.h"
#include "engine/profile.h"
#include "engine/tasks/bundle.h"

struct xfv_context {
  std::string path, backend;
  std::unique_ptr<xfv::Bundle> bundle;
  uint64_t noise_seed = 0;
  bool profiling = false;
  std::unique_ptr<xfv::Profile> profile;  // not movable: its hook points at it
  std::string profile_json;               // what xfv_last_profile_json returned
  bool profile_json_current = false;      // profile_json is the profile's JSON
};

namespace {

thread_local std::string last_error;

using xfv::HostTensor;
using xfv::Shape;

[[noreturn]] void refuse(const std::string& what) { throw std::invalid_argument(what); }

// Runs `body`, turning an exception into -1 and a message prefixed with the call's name; 0
// on success, with the message cleared.
template <class Body>
int guarded(const char* call, Body body) {
  try {
    last_error.clear();
    body();
    return 0;
  } catch (const std::bad_alloc&) {
    last_error = std::string(call) + ": out of memory";
  } catch (const std::exception& e) {
    last_error = std::string(call) + ": " + e.what();
  } catch (...) {
    last_error = std::string(call) + ": unknown error";
  }
  return -1;
}

// guarded() for a query that returns a value: -1 on failure.
template <class Query>
auto queried(const char* call, Query query) -> decltype(query()) {
  decltype(query()) value = -1;
  return guarded(call, [&] { value = query(); }) == 0 ? value : -1;
}

xfv::Bundle& bundle(const xfv_context* ctx) {
  if (!ctx) refuse("null context");
  return *ctx->bundle;
}

void need(const void* buffer, const char* what) {
  if (!buffer) refuse(std::string("null ") + what + " buffer");
}

// The file holds `network`, which `use` needs; a FileError naming both otherwise.
void require(const xfv_context* ctx, const std::string& network, const std::string& use) {
  if (!bundle(ctx).has(network))
    throw xfv::FileError(ctx->path + " holds no network '" + network + "', which " + use + " needs");
}

bool has_faces(const xfv::Bundle& b) { return b.has("image_generator") || b.has("image_style_encoder"); }
bool has_voices(const xfv::Bundle& b) { return b.has("audio_generator") || b.has("audio_style_encoder"); }
bool has_hifigan(xfv::Bundle& b) { return b.has("vocoder") && xfv::is_hifigan(b.models().weights(), b.path()); }

int face_size(const xfv_context* ctx) {
  xfv::Bundle& b = bundle(ctx);
  if (!has_faces(b))
    throw xfv::FileError(ctx->path + " holds no image networks (image_generator, image_style_encoder)");
  return b.face_size();
}

xfv::VoiceConverter& voices(const xfv_context* ctx) {
  xfv::Bundle& b = bundle(ctx);
  if (!has_voices(b))
    throw xfv::FileError(ctx->path + " holds no voice networks (audio_generator, audio_style_encoder)");
  return b.voices();
}

xfv::HifiGanVocoder& hifigan(const xfv_context* ctx) {
  xfv::Bundle& b = bundle(ctx);
  if (!has_hifigan(b)) throw xfv::FileError(ctx->path + " holds no HiFi-GAN vocoder");
  return b.hifigan();
}

int64_t checked_count(int64_t count, const char* what) {
  if (count < 1) refuse(std::to_string(count) + " " + what + ": at least one is needed");
  return count;
}

void checked_rate(int rate) {
  if (rate < 1) refuse("a rate of " + std::to_string(rate) + " Hz: at least 1 is needed");
}

// `count` rows of `row` floats from `data`, as a (count, row...) tensor.
HostTensor rows(const float* data, int64_t count, Shape row) {
  Shape s = row;
  s.rank = row.rank + 1;
  s.dims[0] = count;
  for (int i = 0; i < row.rank; ++i) s.dims[i + 1] = row.dims[i];
  const int64_t n = s.numel();
  return HostTensor(s, std::vector<float>(data, data + n));
}

HostTensor faces(const xfv_context* ctx, const float* data, int64_t n) {
  need(data, "face");
  const int s = face_size(ctx);
  return rows(data, n, Shape{3, s, s});
}

HostTensor styles(const xfv_context* ctx, const float* data, int64_t n) {
  need(data, "style");
  return rows(data, n, Shape{bundle(ctx).style_dim()});
}

// Copies `t` into `out` (already checked to be non-null), exactly `expected` floats.
void copy_out(const std::vector<float>& t, float* out, int64_t expected) {
  if (static_cast<int64_t>(t.size()) != expected)
    throw std::logic_error("an output of " + std::to_string(t.size()) + " floats where " + std::to_string(expected) +
                           " were expected");
  std::copy(t.begin(), t.end(), out);
}

// The options of a call that runs networks: the profile, cleared, when profiling is on.
xfv::RunOptions start_run(xfv_context* ctx) {
  ctx->profile_json_current = false;
  if (!ctx->profiling) return {};
  ctx->profile->clear();
  return xfv::RunOptions{nullptr, ctx->profile->hook()};
}

// A voice of `count` samples at `rate` as the voice networks take it.
std::vector<float> voice(const xfv_context* ctx, const float* samples, int64_t count, int rate) {
  need(samples, "samples");
  checked_count(count, "samples");
  checked_rate(rate);
  return xfv::prepare_voice(samples, count, rate, voices(ctx).rate());
}

// What xfv_converted_samples returns; throws for a file that cannot convert or a voice too short.
int64_t converted_samples(const xfv_context* ctx, int64_t count, int rate) {
  require(ctx, "audio_generator", "voice conversion");
  require(ctx, "vocoder", "voice conversion");
  checked_count(count, "samples");
  checked_rate(rate);
  const xfv::VoiceConverter& v = voices(ctx);
  const int64_t length = xfv::resampled_length(count, rate, v.rate());
  std::string what = std::to_string(count) + " samples at " + std::to_string(rate) + " Hz";
  if (rate != v.rate()) what += " (" + std::to_string(length) + " at " + std::to_string(v.rate()) + " Hz)";
  if (length < v.min_samples())
    refuse(what + ": too short, the voice's mel takes at least " + std::to_string(v.min_samples()) + " samples at " +
           std::to_string(v.rate()) + " Hz");
  if (length > INT_MAX) refuse(what + ": too long, at most " + std::to_string(INT_MAX) + " samples are taken");
  const int frames = xfv::audio_generator_frames(v.settings().mel.frames(length));
  if (frames < 1) refuse(what + ": too short, the voice generator makes no frame of it");
  return int64_t{frames} * v.hop();
}

// The converted voice of xfv_convert_voice, `expected` samples.
std::vector<float> convert(xfv_context* ctx, const float* samples, int64_t count, int rate, const float* style,
                           int64_t expected) {
  const HostTensor s = styles(ctx, style, 1);
  std::vector<float> wave = voice(ctx, samples, count, rate);
  std::vector<std::vector<float>> out =
      bundle(ctx).convert_recordings({std::move(wave)}, s, {}, ctx->noise_seed, {"the voice"}, start_run(ctx));
  if (static_cast<int64_t>(out.at(0).size()) != expected)
    throw std::logic_error("the conversion made " + std::to_string(out[0].size()) + " samples, not the " +
                           std::to_string(expected) + " xfv_converted_samples computes");
  return std::move(out[0]);
}

int styles_from_latents(const char* call, xfv_context* ctx, const float* latents, int count, int domain, float psi,
                        float* styles) {
  return guarded(call, [&] {
    need(latents, "latent");
    need(styles, "style");
    checked_count(count, "latents");
    require(ctx, "mapping_network", "a style from a latent");
    const HostTensor z = rows(latents, count, Shape{bundle(ctx).latent_dim()});
    copy_out(bundle(ctx).style_from_latents(z, std::to_string(domain), psi, start_run(ctx)).data, styles,
             int64_t{count} * bundle(ctx).style_dim());
  });
}

int translate_faces(const char* call, xfv_context* ctx, int n, const float* sources, const float* styles_in,
                    float* out) {
  return guarded(call, [&] {
    need(out, "output");
    checked_count(n, "faces");
    require(ctx, "image_generator", "a face output");
    const HostTensor f = faces(ctx, sources, n);
    const HostTensor s = styles(ctx, styles_in, n);
    copy_out(bundle(ctx).faces().translate(f, s, start_run(ctx)).data, out, f.numel());
  });
}

}  // namespace

extern "C" {

xfv_context* xfv_open(const char* weights_path, const char* backend) {
  auto ctx = std::make_unique<xfv_context>();
  const int rc = guarded("xfv_open", [&] {
    if (!weights_path || !backend) refuse("null argument");
    ctx->path = weights_path;
    ctx->backend = backend;
    ctx->bundle = std::make_unique<xfv::Bundle>(weights_path, backend);
    ctx->profile = std::make_unique<xfv::Profile>(backend);
    xfv::Bundle& b = *ctx->bundle;
    // The sides the file serves are made now, so that a bad configuration fails here.
    if (b.has("image_generator")) b.faces();
    if (has_faces(b)) b.face_size();
    if (has_voices(b)) b.voices();
    if (has_hifigan(b)) b.hifigan();
    bool serves = false;
    for (const char* network : {"image_generator", "image_style_encoder", "mapping_network", "audio_generator",
                                "audio_style_encoder", "vocoder"})
      serves = serves || b.has(network);
    if (!serves) throw xfv::FileError(ctx->path + ": holds none of the networks the C API runs");
  });
  return rc == 0 ? ctx.release() : nullptr;
}

void xfv_close(xfv_context* ctx) { delete ctx; }

const char* xfv_last_error(void) { return last_error.c_str(); }

void xfv_free(void* buffer) { std::free(buffer); }

int xfv_image_size(const xfv_context* ctx) {
  return queried("xfv_image_size", [&] { return face_size(ctx); });
}

int xfv_style_dim(const xfv_context* ctx) {
  return queried("xfv_style_dim", [&] { return bundle(ctx).style_dim(); });
}

int xfv_latent_dim(const xfv_context* ctx) {
  return queried("xfv_latent_dim", [&] {
    require(ctx, "mapping_network", "a latent");
    return bundle(ctx).latent_dim();
  });
}

int xfv_voice_rate(const xfv_context* ctx) {
  return queried("xfv_voice_rate", [&] { return voices(ctx).rate(); });
}

int xfv_domain(xfv_context* ctx, const char* network, const char* name) {
  return queried("xfv_domain", [&] {
    if (!network || !name) refuse("null argument");
    return bundle(ctx).models().domain(name, network);
  });
}

int xfv_face_from_rgb8(xfv_context* ctx, const uint8_t* rgb, int width, int height, float* face) {
  return guarded("xfv_face_from_rgb8", [&] {
    need(face, "face");
    const int s = face_size(ctx);
    copy_out(xfv::face_from_rgb8(rgb, width, height, s).data, face, int64_t{3} * s * s);
  });
}

int xfv_face_to_rgb8(xfv_context* ctx, const float* face, uint8_t* rgb) {
  return guarded("xfv_face_to_rgb8", [&] {
    need(rgb, "output");
    const std::vector<uint8_t> bytes = xfv::face_to_rgb8(faces(ctx, face, 1));
    std::memcpy(rgb, bytes.data(), bytes.size());
  });
}

int xfv_style_from_face(xfv_context* ctx, const float* face, int domain, float* style) {
  return guarded("xfv_style_from_face", [&] {
    need(style, "style");
    require(ctx, "image_style_encoder", "a style from a face");
    const HostTensor f = faces(ctx, face, 1);
    copy_out(bundle(ctx).style_from_faces(f, std::to_string(domain), start_run(ctx)).data, style,
             bundle(ctx).style_dim());
  });
}

int xfv_style_from_voice(xfv_context* ctx, const float* samples, int64_t count, int rate, int domain,
                         float* style) {
  return guarded("xfv_style_from_voice", [&] {
    need(style, "style");
    require(ctx, "audio_style_encoder", "a style from a voice");
    const int d = bundle(ctx).models().domain(std::to_string(domain), "audio_style_encoder");
    std::vector<float> wave = voice(ctx, samples, count, rate);
    copy_out(bundle(ctx).style_from_recordings({std::move(wave)}, std::to_string(d), {"the voice"}, start_run(ctx)).data,
             style, bundle(ctx).style_dim());
  });
}

int xfv_styles_from_latents(xfv_context* ctx, const float* latents, int count, int domain, float psi,
                            float* styles) {
  return styles_from_latents("xfv_styles_from_latents", ctx, latents, count, domain, psi, styles);
}

int xfv_style_from_latent(xfv_context* ctx, const float* latent, int domain, float psi, float* style) {
  return styles_from_latents("xfv_style_from_latent", ctx, latent, 1, domain, psi, style);
}

int xfv_latent_from_seed(xfv_context* ctx, uint64_t seed, float* latent) {
  return guarded("xfv_latent_from_seed", [&] {
    need(latent, "latent");
    require(ctx, "mapping_network", "a latent");
    copy_out(bundle(ctx).models().latent_from_seed(seed).data, latent, bundle(ctx).latent_dim());
  });
}

int xfv_translate_faces(xfv_context* ctx, int n, const float* sources, const float* styles, float* out) {
  return translate_faces("xfv_translate_faces", ctx, n, sources, styles, out);
}

int xfv_translate_face(xfv_context* ctx, const float* source, const float* style, float* out) {
  return translate_faces("xfv_translate_face", ctx, 1, source, style, out);
}

int64_t xfv_converted_samples(xfv_context* ctx, int64_t count, int rate) {
  return queried("xfv_converted_samples", [&] { return converted_samples(ctx, count, rate); });
}

int xfv_convert_voice(xfv_context* ctx, const float* samples, int64_t count, int rate, const float* style,
                      float* out, int64_t capacity, int64_t* written) {
  return guarded("xfv_convert_voice", [&] {
    need(out, "output");
    if (!written) refuse("null `written` pointer");
    const int64_t expected = converted_samples(ctx, count, rate);
    if (capacity < expected)
      refuse("the output holds " + std::to_string(capacity) + " samples, the converted voice has " +
             std::to_string(expected) + " (xfv_converted_samples)");
    const std::vector<float> wave = convert(ctx, samples, count, rate, style, expected);
    copy_out(wave, out, expected);
    *written = expected;
  });
}

int xfv_convert_voice_alloc(xfv_context* ctx, const float* samples, int64_t count, int rate, const float* style,
                            float** out, int64_t* written) {
  if (out) *out = nullptr;
  return guarded("xfv_convert_voice_alloc", [&] {
    if (!out) refuse("null `out` pointer");
    if (!written) refuse("null `written` pointer");
    const int64_t expected = converted_samples(ctx, count, rate);
    const std::vector<float> wave = convert(ctx, samples, count, rate, style, expected);
    auto* buffer = static_cast<float*>(std::malloc(static_cast<size_t>(std::max<int64_t>(expected, 1)) * sizeof(float)));
    if (!buffer) throw std::bad_alloc();
    copy_out(wave, buffer, expected);
    *out = buffer;
    *written = expected;
  });
}

int xfv_set_noise_seed(xfv_context* ctx, uint64_t seed) {
  return guarded("xfv_set_noise_seed", [&] {
    bundle(ctx);
    ctx->noise_seed = seed;
  });
}

int xfv_vocoder_rate(const xfv_context* ctx) {
  return queried("xfv_vocoder_rate", [&] { return hifigan(ctx).config().sampling_rate; });
}
int xfv_vocoder_hop(const xfv_context* ctx) {
  return queried("xfv_vocoder_hop", [&] { return hifigan(ctx).config().hop_size; });
}
int xfv_vocoder_mel_bands(const xfv_context* ctx) {
  return queried("xfv_vocoder_mel_bands", [&] { return hifigan(ctx).config().num_mels; });
}

int xfv_mel_from_audio(xfv_context* ctx, const float* audio, int64_t samples, float* mel) {
  return guarded("xfv_mel_from_audio", [&] {
    xfv::HifiGanVocoder& v = hifigan(ctx);
    need(audio, "audio");
    need(mel, "mel");
    if (samples < v.config().min_samples() || samples > (int64_t{1} << 30))
      refuse(std::to_string(samples) + " samples: the front end takes " + std::to_string(v.config().min_samples()) +
             " to 2^30");
    const HostTensor m = v.mel(std::vector<float>(audio, audio + samples), start_run(ctx));
    copy_out(m.data, mel, m.numel());
  });
}

int xfv_vocode(xfv_context* ctx, const float* mel, int frames, float* audio) {
  return guarded("xfv_vocode", [&] {
    xfv::HifiGanVocoder& v = hifigan(ctx);
    need(mel, "mel");
    need(audio, "output");
    if (frames < 1) refuse(std::to_string(frames) + " frames: at least one is needed");
    const int bands = v.config().num_mels;
    const HostTensor m = rows(mel, bands, Shape{frames});
    const std::vector<float> wave = v.vocode(m, start_run(ctx));
    copy_out(wave, audio, int64_t{frames} * v.config().hop_size);
  });
}

int xfv_set_profiling(xfv_context* ctx, int on) {
  return guarded("xfv_set_profiling", [&] {
    bundle(ctx);
    ctx->profiling = on != 0;
    ctx->profile->clear();
    ctx->profile_json_current = false;
  });
}

const char* xfv_last_profile_json(xfv_context* ctx) {
  const char* json = nullptr;
  guarded("xfv_last_profile_json", [&] {
    bundle(ctx);
    if (!ctx->profile_json_current) {
      ctx->profile_json = ctx->profiling ? ctx->profile->json() : std::string();
      ctx->profile_json_current = true;
    }
    json = ctx->profile_json.c_str();
  });
  return json;
}

}  // extern "C"
