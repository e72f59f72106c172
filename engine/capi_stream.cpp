// The C API's streams (engine/include/xfv.h): a voice conversion or a vocoder alone, pushed
// and pulled in pieces. A stream keeps its session alive (engine/capi.cpp): a session closed
// under open streams is freed with its last stream.
#include <cmath>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "engine/capi_internal.h"
#include "engine/io/audio.h"
#include "engine/limits.h"
#include "engine/tasks/vocoder_stream.h"
#include "engine/tasks/voice_stream.h"

using namespace xfv::capi;
using xfv::HostTensor;
using xfv::Shape;

// A stream of a session: a voice conversion or a vocoder alone (one of the two).
struct xfv_stream {
  xfv_session* session = nullptr;  // kept alive while the stream is open
  std::unique_ptr<xfv::VoiceStream> voice;
  std::unique_ptr<xfv::VocoderStream> vocoder;
  int rate = 0;
  std::vector<float> samples;  // an int16 push as floats, grown to the largest push
};

namespace {

xfv_stream& stream_of(const xfv_stream* s) {
  if (!s) refuse("null stream");
  return *const_cast<xfv_stream*>(s);
}

void checked_push(int64_t count) {
  if (count < 0 || count > xfv::kMaxAudioFrames)
    refuse("a push of " + std::to_string(count) + ": 0 to " + std::to_string(xfv::kMaxAudioFrames));
}

void push(xfv_stream& s, const float* x, int64_t count) {
  checked_push(count);
  if (count > 0) need(x, "samples");
  if (s.voice) return s.voice->push(x, count);
  checked_mel_frames(count, s.vocoder->hop());
  const int64_t floats = count * s.vocoder->bands();
  for (int64_t i = 0; i < floats; ++i)
    if (!std::isfinite(x[i])) refuse("value " + std::to_string(i) + " of the frames is not finite");
  s.vocoder->push(x, count);
}

// The params' statistics policy; for XFV_STATS_FIXED the calibration prepared as a source at
// the models' rate into `calibration`.
xfv::StreamStats stream_stats(const xfv_stream_params& p, int input_rate, int model_rate,
                              std::vector<float>& calibration) {
  if (p.stats == XFV_STATS_WINDOW) return xfv::StreamStats::kWindow;
  if (p.stats == XFV_STATS_RUNNING) return xfv::StreamStats::kRunning;
  if (p.stats != XFV_STATS_FIXED) refuse("stats " + std::to_string(p.stats) + ": XFV_STATS_WINDOW, _RUNNING or _FIXED");
  if (!p.calibration || p.calibration_samples < 1)
    refuse("XFV_STATS_FIXED needs a calibration recording (calibration, calibration_samples)");
  const int rate = p.calibration_rate ? p.calibration_rate : input_rate;
  checked_rate(rate);
  try {
    calibration = xfv::prepare_voice(p.calibration, p.calibration_samples, rate, model_rate, xfv::Gain::kPeakNormalize);
  } catch (const std::invalid_argument& e) {
    refuse(std::string("the calibration recording: ") + e.what());
  }
  return xfv::StreamStats::kFixed;
}

// Ties an opened stream to its session, which it keeps alive.
xfv_stream* opened(xfv_session* session, std::unique_ptr<xfv_stream> s) {
  const std::lock_guard<std::mutex> lock(session->close_lock);
  ++session->open_streams;
  s->session = session;
  return s.release();
}

}  // namespace

extern "C" {

struct xfv_stream_params xfv_stream_default_params(void) {
  const xfv::VoiceStreamOptions o;
  xfv_stream_params p{};  // running_peak_gain 0, XFV_STATS_WINDOW, no calibration
  p.input_rate = o.input_rate, p.chunk_samples = o.chunk_samples, p.fixed_gain = o.fixed_gain;
  p.step_blocks = o.conversion.step_blocks, p.lookahead_blocks = o.conversion.lookahead_blocks;
  p.window_frames = o.conversion.window_frames, p.noise_seed = o.noise_seed;
  p.exact_vocoder_tiles = o.exact_vocoder_tiles;
  return p;
}

xfv_stream* xfv_stream_open(xfv_session* session, const float* style, const struct xfv_stream_params* params) {
  auto s = std::make_unique<xfv_stream>();
  const int rc = guarded("xfv_stream_open", [&] {
    const xfv::Model& m = bundle(session).models().model();
    require(m, "audio_generator", "a voice stream");
    require(m, "vocoder", "a voice stream");
    const xfv_stream_params p = params ? *params : xfv_stream_default_params();
    xfv::VoiceStreamOptions o;
    o.input_rate = p.input_rate ? p.input_rate : voice_settings(m).mel.sampling_rate;
    checked_rate(o.input_rate);
    o.chunk_samples = p.chunk_samples;
    if (p.running_peak_gain != 0 && p.running_peak_gain != 1) refuse("running_peak_gain is 0 or 1");
    o.gain = p.running_peak_gain ? xfv::StreamGain::kRunningPeak : xfv::StreamGain::kFixed;
    o.fixed_gain = p.fixed_gain;
    o.conversion = xfv::ConversionStreamOptions{p.step_blocks, p.lookahead_blocks, p.window_frames};
    o.conversion.stats = stream_stats(p, o.input_rate, voice_settings(m).mel.sampling_rate, o.conversion.calibration);
    o.noise_seed = p.noise_seed;
    if (p.exact_vocoder_tiles != 0 && p.exact_vocoder_tiles != 1) refuse("exact_vocoder_tiles is 0 or 1");
    o.exact_vocoder_tiles = p.exact_vocoder_tiles;
    s->voice = std::make_unique<xfv::VoiceStream>(bundle(session).models(), styles(m, style, 1), o);
    s->rate = s->voice->rate();
  });
  return rc == 0 ? opened(session, std::move(s)) : nullptr;
}

xfv_stream* xfv_vocoder_stream_open(xfv_session* session, int step_frames) {
  auto s = std::make_unique<xfv_stream>();
  const int rc = guarded("xfv_vocoder_stream_open", [&] {
    const xfv::ModelSession& models = bundle(session).models();
    require(models.model(), "vocoder", "a vocoder stream");
    if (step_frames < 1 || step_frames > xfv::kMaxStreamStepFrames)
      refuse(std::to_string(step_frames) + " frames per step: 1 to " + std::to_string(xfv::kMaxStreamStepFrames));
    s->vocoder = std::make_unique<xfv::VocoderStream>(models.shared_model(), step_frames, session->noise_seed);
    s->rate = xfv::is_hifigan(models.weights(), models.path()) ? hifigan_config(models.model()).sampling_rate
                                                               : voice_settings(models.model()).mel.sampling_rate;
  });
  return rc == 0 ? opened(session, std::move(s)) : nullptr;
}

void xfv_stream_close(xfv_stream* stream) {
  if (!stream) return;
  xfv_session* session = stream->session;
  delete stream;
  bool last_of_closed = false;
  {
    const std::lock_guard<std::mutex> lock(session->close_lock);
    last_of_closed = --session->open_streams == 0 && session->closed;
  }
  if (last_of_closed) delete session;
}

int xfv_stream_push(xfv_stream* stream, const float* samples, int64_t count) {
  return guarded("xfv_stream_push", [&] { push(stream_of(stream), samples, count); });
}

int xfv_stream_push_s16(xfv_stream* stream, const int16_t* samples, int64_t count) {
  return guarded("xfv_stream_push_s16", [&] {
    xfv_stream& s = stream_of(stream);
    if (!s.voice) refuse("a vocoder stream takes float32 mel frames, not int16 samples");
    checked_push(count);
    if (count > 0) need(samples, "samples");
    if (s.samples.size() < static_cast<size_t>(count)) s.samples.resize(static_cast<size_t>(count));
    for (int64_t i = 0; i < count; ++i) s.samples[static_cast<size_t>(i)] = static_cast<float>(samples[i]) / 32768.f;
    push(s, s.samples.data(), count);
  });
}

int64_t xfv_stream_available(const xfv_stream* stream) {
  return queried("xfv_stream_available", [&] {
    const xfv_stream& s = stream_of(stream);
    return s.voice ? s.voice->available() : s.vocoder->available();
  });
}

int64_t xfv_stream_pull(xfv_stream* stream, float* out, int64_t capacity) {
  return queried("xfv_stream_pull", [&] {
    xfv_stream& s = stream_of(stream);
    if (capacity < 0) refuse("a capacity of " + std::to_string(capacity));
    if (capacity > 0) need(out, "output");
    return s.voice ? s.voice->pull(out, capacity) : s.vocoder->pull(out, capacity);
  });
}

int xfv_stream_flush(xfv_stream* stream) {
  return guarded("xfv_stream_flush", [&] {
    xfv_stream& s = stream_of(stream);
    s.voice ? s.voice->flush() : s.vocoder->flush();
  });
}

int xfv_stream_reset(xfv_stream* stream) {
  return guarded("xfv_stream_reset", [&] {
    xfv_stream& s = stream_of(stream);
    s.voice ? s.voice->reset() : s.vocoder->reset();
  });
}

int xfv_stream_set_style(xfv_stream* stream, const float* style) {
  return guarded("xfv_stream_set_style", [&] {
    xfv_stream& s = stream_of(stream);
    if (!s.voice) refuse("a vocoder stream has no style");
    need(style, "style");
    HostTensor t(Shape{1, s.voice->style_dim()}, std::vector<float>(style, style + s.voice->style_dim()));
    check_finite(t.data, "styles");
    s.voice->set_style(t);
  });
}

int xfv_stream_rate(const xfv_stream* stream) {
  return queried("xfv_stream_rate", [&] { return stream_of(stream).rate; });
}

int64_t xfv_stream_latency(const xfv_stream* stream) {
  return queried("xfv_stream_latency", [&] {
    const xfv_stream& s = stream_of(stream);
    return s.voice ? s.voice->latency_samples() : s.vocoder->latency_samples();
  });
}

}  // extern "C"
