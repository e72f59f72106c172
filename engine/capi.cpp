// The C API (engine/include/xfv.h) over a Model shared by threads and a Bundle per session:
// every call checks its arguments, runs inside one try block that turns any exception into
// -1 (or NULL) and a message for xfv_last_error(), and writes its outputs only once
// everything has succeeded.
//
// A model owns the xfv::Model (the file, its weights on the backend); a session owns its
// Bundle (a ModelSession of that model: its own backend, compiled graphs and caches) and
// its Profile. A voice stream runs on its session's ModelSession, so a session closed under
// open streams is only marked closed, and freed with its last stream; until then it counts
// among the model's sessions, and xfv_model_close refuses. The engine keeps no mutable state outside them that two sessions could share
// unguarded (the model's WeightStore locks; sim's worker pool serializes launches; OpenMP
// and BLIS are safe from several threads), so each thread may run its own session.
#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/capi_internal.h"
#include "engine/io/audio.h"
#include "engine/io/image.h"
#include "engine/limits.h"
#include "engine/models/stargan_vc.h"
#include "engine/roofline.h"

using namespace xfv::capi;
using xfv::HostTensor;
using xfv::Shape;

namespace {

const xfv::Model& model_of(const xfv_model* m) {
  if (!m) refuse("null model");
  return *m->model;
}

bool has_faces(const xfv::Model& m) { return m.has("image_generator") || m.has("image_style_encoder"); }
bool has_voices(const xfv::Model& m) { return m.has("audio_generator") || m.has("audio_style_encoder"); }
bool has_hifigan(const xfv::Model& m) { return m.has("vocoder") && xfv::is_hifigan(m.weights(), m.path()); }

int face_size(const xfv::Model& m) {
  if (!has_faces(m)) throw xfv::FileError(m.path() + " holds no image networks (image_generator, image_style_encoder)");
  return m.face_size();
}

int64_t checked_count(int64_t count, const char* what) {
  if (count < 1) refuse(std::to_string(count) + " " + what + ": at least one is needed");
  return count;
}

// A batch of faces or latents: 1 to kMaxBatch.
void checked_batch(int64_t count, const char* what) {
  checked_count(count, what);
  if (count > xfv::kMaxBatch) refuse(std::to_string(count) + " " + what + ": at most " + std::to_string(xfv::kMaxBatch));
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

HostTensor faces(const xfv::Model& m, const float* data, int64_t n) {
  need(data, "face");
  const int s = face_size(m);
  HostTensor t = rows(data, n, Shape{3, s, s});
  check_finite(t.data, "faces");
  return t;
}

// Copies `t` into `out` (already checked to be non-null), exactly `expected` floats.
void copy_out(const std::vector<float>& t, float* out, int64_t expected) {
  if (static_cast<int64_t>(t.size()) != expected)
    throw std::logic_error("an output of " + std::to_string(t.size()) + " floats where " + std::to_string(expected) +
                           " were expected");
  std::copy(t.begin(), t.end(), out);
}

// Bytes of `per` (by network) for `network`, or all of them for NULL.
int64_t bytes_of(const std::map<std::string, size_t>& per, const char* network) {
  size_t total = 0;
  for (const auto& [name, bytes] : per)
    if (!network || name == network) total += bytes;
  return static_cast<int64_t>(total);
}

// The options of a call that runs networks: the profile, cleared, when profiling is on.
xfv::RunOptions start_run(xfv_session* s) {
  s->profile_json_current = false;
  if (!s->profiling) return {};
  s->profile->clear();
  return xfv::RunOptions{nullptr, s->profile->hook()};
}

// A voice of `count` samples at `rate` as the voice networks take it: a source to convert
// peak-normalized, a reference as recorded (xfv::Gain).
std::vector<float> voice(const xfv::Model& m, const float* samples, int64_t count, int rate, xfv::Gain gain) {
  need(samples, "samples");
  checked_count(count, "samples");
  checked_rate(rate);
  return xfv::prepare_voice(samples, count, rate, voice_settings(m).mel.sampling_rate, gain);
}

// What xfv_converted_samples returns; throws for a file that cannot convert or a voice too short.
int64_t converted_samples(const xfv::Model& m, int64_t count, int rate) {
  require(m, "audio_generator", "voice conversion");
  require(m, "vocoder", "voice conversion");
  checked_count(count, "samples");
  checked_rate(rate);
  const xfv::VoiceMel mel = voice_settings(m).mel;
  const int64_t length = xfv::resampled_length(count, rate, mel.sampling_rate);
  std::string what = std::to_string(count) + " samples at " + std::to_string(rate) + " Hz";
  if (rate != mel.sampling_rate) what += " (" + std::to_string(length) + " at " + std::to_string(mel.sampling_rate) + " Hz)";
  if (length < mel.min_samples())
    refuse(what + ": too short, the voice's mel takes at least " + std::to_string(mel.min_samples()) + " samples at " +
           std::to_string(mel.sampling_rate) + " Hz");
  if (length > INT_MAX) refuse(what + ": too long, at most " + std::to_string(INT_MAX) + " samples are taken");
  const int frames = xfv::audio_generator_frames(mel.frames(length));
  if (frames < 1) refuse(what + ": too short, the voice generator makes no frame of it");
  return int64_t{frames} * mel.hop_size;
}

// The converted voice of xfv_convert_voice, `expected` samples.
std::vector<float> convert(xfv_session* s, const float* samples, int64_t count, int rate, const float* style,
                           int64_t expected) {
  const xfv::Model& m = bundle(s).models().model();
  const HostTensor st = styles(m, style, 1);
  std::vector<float> wave = voice(m, samples, count, rate, xfv::Gain::kPeakNormalize);
  std::vector<std::vector<float>> out =
      bundle(s).convert_recordings({std::move(wave)}, st, {}, s->noise_seed, {"the voice"}, start_run(s));
  if (static_cast<int64_t>(out.at(0).size()) != expected)
    throw std::logic_error("the conversion made " + std::to_string(out[0].size()) + " samples, not the " +
                           std::to_string(expected) + " xfv_converted_samples computes");
  return std::move(out[0]);
}

int styles_from_latents(const char* call, xfv_session* s, const float* latents, int count, int domain, float psi,
                        float* out) {
  return guarded(call, [&] {
    need(latents, "latent");
    need(out, "style");
    checked_batch(count, "latents");
    const xfv::Model& m = bundle(s).models().model();
    require(m, "mapping_network", "a style from a latent");
    const HostTensor z = rows(latents, count, Shape{m.latent_dim()});
    copy_out(bundle(s).style_from_latents(z, domain, psi, start_run(s)).data, out, int64_t{count} * m.style_dim());
  });
}

int translate_faces(const char* call, xfv_session* s, int n, const float* sources, const float* styles_in,
                    float* out) {
  return guarded(call, [&] {
    need(out, "output");
    checked_batch(n, "faces");
    const xfv::Model& m = bundle(s).models().model();
    require(m, "image_generator", "a face output");
    const HostTensor f = faces(m, sources, n);
    const HostTensor st = styles(m, styles_in, n);
    copy_out(bundle(s).faces().translate(f, st, start_run(s)).data, out, f.numel());
  });
}

int64_t checked_budget(int64_t bytes) {
  if (bytes < 1) refuse("a byte budget of " + std::to_string(bytes) + ": at least 1 byte is needed");
  return bytes;
}

}  // namespace

namespace xfv::capi {

thread_local std::string last_error;

[[noreturn]] void refuse(const std::string& what) { throw std::invalid_argument(what); }

xfv::Bundle& bundle(const xfv_session* s) {
  if (!s) refuse("null session");
  if (s->closed) refuse("the session is closed (its streams keep it until they close)");
  return *s->bundle;
}

void need(const void* buffer, const char* what) {
  if (!buffer) refuse(std::string("null ") + what + " buffer");
}

void require(const xfv::Model& m, const std::string& network, const std::string& use) {
  if (!m.has(network)) throw xfv::FileError(m.path() + " holds no network '" + network + "', which " + use + " needs");
}

xfv::VoiceSettings voice_settings(const xfv::Model& m) {
  if (!has_voices(m)) throw xfv::FileError(m.path() + " holds no voice networks (audio_generator, audio_style_encoder)");
  return xfv::voice_settings(m.weights(), m.path());
}

xfv::HifiGanConfig hifigan_config(const xfv::Model& m) {
  if (!has_hifigan(m)) throw xfv::FileError(m.path() + " holds no HiFi-GAN vocoder");
  return xfv::hifigan_config(m.weights(), m.path());
}

void checked_mel_frames(int64_t frames, int hop) {
  if (frames > xfv::kMaxAudioFrames / hop)
    refuse(std::to_string(frames) + " frames: at most " + std::to_string(xfv::kMaxAudioFrames / hop) + " (" +
           std::to_string(xfv::kMaxAudioFrames) + " samples) are taken");
}

void checked_rate(int rate) {
  if (rate < xfv::kMinAudioRate || rate > xfv::kMaxAudioRate)
    refuse("a rate of " + std::to_string(rate) + " Hz: " + std::to_string(xfv::kMinAudioRate) + " to " +
           std::to_string(xfv::kMaxAudioRate) + " Hz are taken");
}

void check_finite(const std::vector<float>& values, const char* what) {
  for (size_t i = 0; i < values.size(); ++i)
    if (!std::isfinite(values[i])) refuse("value " + std::to_string(i) + " of the " + what + " is not finite");
}

HostTensor styles(const xfv::Model& m, const float* data, int64_t n) {
  need(data, "style");
  HostTensor t = rows(data, n, Shape{m.style_dim()});
  check_finite(t.data, "styles");
  return t;
}

}  // namespace xfv::capi

extern "C" {

xfv_model* xfv_model_open(const char* weights_path, const char* backend) {
  auto m = std::make_unique<xfv_model>();
  const int rc = guarded("xfv_model_open", [&] {
    if (!weights_path || !backend) refuse("null argument");
    m->model = std::make_shared<const xfv::Model>(weights_path, backend);
    const xfv::Model& model = *m->model;
    // The configurations of the sides the file serves are read now, so that a bad one fails here.
    if (has_faces(model)) face_size(model);
    if (has_voices(model)) voice_settings(model);
    if (has_hifigan(model)) hifigan_config(model);
    bool serves = false;
    for (const char* network : {"image_generator", "image_style_encoder", "mapping_network", "audio_generator",
                                "audio_style_encoder", "vocoder"})
      serves = serves || model.has(network);
    if (!serves) throw xfv::FileError(model.path() + ": holds none of the networks the C API runs");
    for (const char* network : {"image_style_encoder", "audio_style_encoder", "mapping_network"})
      if (model.has(network)) m->domain_names[network] = xfv::domain_names(model.weights(), model.path(), network);
  });
  return rc == 0 ? m.release() : nullptr;
}

int xfv_model_close(xfv_model* model) {
  return guarded("xfv_model_close", [&] {
    if (!model) return;
    if (const int live = model->model->live_sessions(); live > 0)
      refuse(model->model->path() + ": " + std::to_string(live) + " session(s) of this model are open; close them first");
    delete model;
  });
}

struct xfv_session_params xfv_session_default_params(void) {
  return xfv_session_params{static_cast<int64_t>(xfv::kDefaultSessionBudget), 0, 0, 0,
                            nullptr};
}

xfv_session* xfv_session_open(xfv_model* model, const struct xfv_session_params* params) {
  auto s = std::make_unique<xfv_session>();
  const int rc = guarded("xfv_session_open", [&] {
    model_of(model);
    const xfv_session_params p = params ? *params : xfv_session_default_params();
    s->owner = model;
    s->bundle = std::make_unique<xfv::Bundle>(model->model, static_cast<size_t>(checked_budget(p.byte_budget)));
    if (p.vocoder_frames < 0) refuse(std::to_string(p.vocoder_frames) + " vocoder frames: 0 (the default) or more");
    if (p.vocoder_frames > 0) s->bundle->set_vocoder_frames(p.vocoder_frames);
    xfv::Precision precision = xfv::Precision::Fp32;
    if (p.precision && !xfv::parse_precision(p.precision, &precision))
      refuse(std::string("precision '") + p.precision + "': fp32, tf32, bf16 or fp16");
    s->bundle->models().set_precision(precision);
    s->noise_seed = p.noise_seed;
    s->profiling = p.profiling != 0;
    s->profile = std::make_unique<xfv::Profile>(model->model->backend());
    s->profile->set_peaks(xfv::backend_peaks(model->model->backend()));  // the roofline's (docs/profile.md)
  });
  return rc == 0 ? s.release() : nullptr;
}

void xfv_session_close(xfv_session* session) {
  if (!session) return;
  {
    const std::lock_guard<std::mutex> lock(session->close_lock);
    if (session->open_streams > 0) {
      session->closed = true;  // the last stream frees it
      return;
    }
  }
  delete session;
}

const char* xfv_last_error(void) { return last_error.c_str(); }

void xfv_free(void* buffer) { std::free(buffer); }

int64_t xfv_model_host_bytes(const xfv_model* model, const char* network) {
  return queried("xfv_model_host_bytes", [&] { return bytes_of(model_of(model).host_bytes_per_network(), network); });
}

int64_t xfv_model_backend_bytes(const xfv_model* model, const char* network) {
  return queried("xfv_model_backend_bytes",
                 [&] { return bytes_of(model_of(model).backend_bytes_per_network(), network); });
}

int64_t xfv_session_bytes(const xfv_session* session, const char* network) {
  return queried("xfv_session_bytes",
                 [&] { return bytes_of(bundle(session).models().compiled_bytes_per_network(), network); });
}

int xfv_session_set_byte_budget(xfv_session* session, int64_t bytes) {
  return guarded("xfv_session_set_byte_budget",
                 [&] { bundle(session).models().set_byte_budget(static_cast<size_t>(checked_budget(bytes))); });
}

int xfv_image_size(const xfv_model* model) {
  return queried("xfv_image_size", [&] { return face_size(model_of(model)); });
}

int xfv_style_dim(const xfv_model* model) {
  return queried("xfv_style_dim", [&] { return model_of(model).style_dim(); });
}

int xfv_latent_dim(const xfv_model* model) {
  return queried("xfv_latent_dim", [&] {
    require(model_of(model), "mapping_network", "a latent");
    return model_of(model).latent_dim();
  });
}

int xfv_voice_rate(const xfv_model* model) {
  return queried("xfv_voice_rate", [&] { return voice_settings(model_of(model)).mel.sampling_rate; });
}

int xfv_domain_count(const xfv_model* model, const char* network) {
  return queried("xfv_domain_count", [&] {
    if (!network) refuse("null network");
    return model_of(model).domain_count(network);
  });
}

int xfv_domain(const xfv_model* model, const char* network, const char* name) {
  return queried("xfv_domain", [&] {
    if (!network || !name) refuse("null argument");
    const xfv::Model& m = model_of(model);
    m.domain_count(network);  // the network has domains
    const std::vector<std::string>& names = model->domain_names.at(network);
    const auto it = std::find(names.begin(), names.end(), name);
    if (it == names.end())
      refuse(m.path() + ": '" + network + "' has no domain named '" + name + "' (an index is passed as an int)");
    return static_cast<int>(it - names.begin());
  });
}

const char* xfv_domain_name(const xfv_model* model, const char* network, int domain) {
  const char* name = nullptr;
  guarded("xfv_domain_name", [&] {
    if (!network) refuse("null network");
    model_of(model).check_domain(domain, network);
    const std::vector<std::string>& names = model->domain_names.at(network);
    static const std::string unnamed;
    name = static_cast<size_t>(domain) < names.size() ? names[static_cast<size_t>(domain)].c_str() : unnamed.c_str();
  });
  return name;
}

int xfv_face_from_rgb8(const xfv_model* model, const uint8_t* rgb, int width, int height, float* face) {
  return guarded("xfv_face_from_rgb8", [&] {
    need(face, "face");
    const int s = face_size(model_of(model));
    copy_out(xfv::face_from_rgb8(rgb, width, height, s).data, face, int64_t{3} * s * s);
  });
}

int xfv_face_to_rgb8(const xfv_model* model, const float* face, uint8_t* rgb) {
  return guarded("xfv_face_to_rgb8", [&] {
    need(rgb, "output");
    const std::vector<uint8_t> bytes = xfv::face_to_rgb8(faces(model_of(model), face, 1));
    std::memcpy(rgb, bytes.data(), bytes.size());
  });
}

int xfv_style_from_face(xfv_session* session, const float* face, int domain, float* style) {
  return guarded("xfv_style_from_face", [&] {
    need(style, "style");
    const xfv::Model& m = bundle(session).models().model();
    require(m, "image_style_encoder", "a style from a face");
    const HostTensor f = faces(m, face, 1);
    copy_out(bundle(session).style_from_faces(f, domain, start_run(session)).data, style, m.style_dim());
  });
}

int xfv_style_from_voice(xfv_session* session, const float* samples, int64_t count, int rate, int domain,
                         float* style) {
  return guarded("xfv_style_from_voice", [&] {
    need(style, "style");
    const xfv::Model& m = bundle(session).models().model();
    require(m, "audio_style_encoder", "a style from a voice");
    m.check_domain(domain, "audio_style_encoder");
    std::vector<float> wave = voice(m, samples, count, rate, xfv::Gain::kAsRecorded);
    copy_out(bundle(session).style_from_recordings({std::move(wave)}, domain, {"the voice"}, start_run(session)).data,
             style, m.style_dim());
  });
}

int xfv_styles_from_latents(xfv_session* session, const float* latents, int count, int domain, float psi,
                            float* styles) {
  return styles_from_latents("xfv_styles_from_latents", session, latents, count, domain, psi, styles);
}

int xfv_style_from_latent(xfv_session* session, const float* latent, int domain, float psi, float* style) {
  return styles_from_latents("xfv_style_from_latent", session, latent, 1, domain, psi, style);
}

int xfv_latent_from_seed(const xfv_model* model, uint64_t seed, float* latent) {
  return guarded("xfv_latent_from_seed", [&] {
    need(latent, "latent");
    const xfv::Model& m = model_of(model);
    require(m, "mapping_network", "a latent");
    copy_out(m.latent_from_seed(seed).data, latent, m.latent_dim());
  });
}

int xfv_translate_faces(xfv_session* session, int n, const float* sources, const float* styles, float* out) {
  return translate_faces("xfv_translate_faces", session, n, sources, styles, out);
}

int xfv_translate_face(xfv_session* session, const float* source, const float* style, float* out) {
  return translate_faces("xfv_translate_face", session, 1, source, style, out);
}

int64_t xfv_converted_samples(const xfv_model* model, int64_t count, int rate) {
  return queried("xfv_converted_samples", [&] { return converted_samples(model_of(model), count, rate); });
}

int xfv_convert_voice(xfv_session* session, const float* samples, int64_t count, int rate, const float* style,
                      float* out, int64_t capacity, int64_t* written) {
  return guarded("xfv_convert_voice", [&] {
    need(out, "output");
    if (!written) refuse("null `written` pointer");
    const int64_t expected = converted_samples(bundle(session).models().model(), count, rate);
    if (capacity < expected)
      refuse("the output holds " + std::to_string(capacity) + " samples, the converted voice has " +
             std::to_string(expected) + " (xfv_converted_samples)");
    const std::vector<float> wave = convert(session, samples, count, rate, style, expected);
    copy_out(wave, out, expected);
    *written = expected;
  });
}

int xfv_convert_voice_alloc(xfv_session* session, const float* samples, int64_t count, int rate,
                            const float* style, float** out, int64_t* written) {
  if (out) *out = nullptr;
  return guarded("xfv_convert_voice_alloc", [&] {
    if (!out) refuse("null `out` pointer");
    if (!written) refuse("null `written` pointer");
    const int64_t expected = converted_samples(bundle(session).models().model(), count, rate);
    const std::vector<float> wave = convert(session, samples, count, rate, style, expected);
    auto* buffer = static_cast<float*>(std::malloc(static_cast<size_t>(std::max<int64_t>(expected, 1)) * sizeof(float)));
    if (!buffer) throw std::bad_alloc();
    copy_out(wave, buffer, expected);
    *out = buffer;
    *written = expected;
  });
}

int xfv_set_noise_seed(xfv_session* session, uint64_t seed) {
  return guarded("xfv_set_noise_seed", [&] {
    bundle(session);
    session->noise_seed = seed;
  });
}

int xfv_vocoder_rate(const xfv_model* model) {
  return queried("xfv_vocoder_rate", [&] { return hifigan_config(model_of(model)).sampling_rate; });
}
int xfv_vocoder_hop(const xfv_model* model) {
  return queried("xfv_vocoder_hop", [&] { return hifigan_config(model_of(model)).hop_size; });
}
int xfv_vocoder_mel_bands(const xfv_model* model) {
  return queried("xfv_vocoder_mel_bands", [&] { return hifigan_config(model_of(model)).num_mels; });
}

int xfv_mel_from_audio(xfv_session* session, const float* audio, int64_t samples, float* mel) {
  return guarded("xfv_mel_from_audio", [&] {
    hifigan_config(bundle(session).models().model());
    xfv::HifiGanVocoder& v = bundle(session).hifigan();
    need(audio, "audio");
    need(mel, "mel");
    if (samples < v.config().min_samples() || samples > xfv::kMaxAudioFrames)
      refuse(std::to_string(samples) + " samples: the front end takes " + std::to_string(v.config().min_samples()) +
             " to " + std::to_string(xfv::kMaxAudioFrames));
    const HostTensor m = v.mel(std::vector<float>(audio, audio + samples), start_run(session));
    copy_out(m.data, mel, m.numel());
  });
}

int xfv_vocode(xfv_session* session, const float* mel, int frames, float* audio) {
  return guarded("xfv_vocode", [&] {
    hifigan_config(bundle(session).models().model());
    xfv::HifiGanVocoder& v = bundle(session).hifigan();
    need(mel, "mel");
    need(audio, "output");
    if (frames < 1) refuse(std::to_string(frames) + " frames: at least one is needed");
    checked_mel_frames(frames, v.config().hop_size);
    const int bands = v.config().num_mels;
    const HostTensor m = rows(mel, bands, Shape{frames});
    const std::vector<float> wave = v.vocode(m, start_run(session));
    copy_out(wave, audio, int64_t{frames} * v.config().hop_size);
  });
}

int xfv_set_profiling(xfv_session* session, int on) {
  return guarded("xfv_set_profiling", [&] {
    bundle(session);
    session->profiling = on != 0;
    session->profile->clear();
    session->profile_json_current = false;
  });
}

const char* xfv_last_profile_json(xfv_session* session) {
  const char* json = nullptr;
  guarded("xfv_last_profile_json", [&] {
    xfv::Bundle& b = bundle(session);
    if (!session->profile_json_current) {
      // Each network's memory as the call left it, as the command line's profile gives it.
      if (session->profiling) session->profile->set_memory(b.models().memory());
      session->profile_json = session->profiling ? session->profile->json() : std::string();
      session->profile_json_current = true;
    }
    json = session->profile_json.c_str();
  });
  return json;
}

}  // extern "C"
