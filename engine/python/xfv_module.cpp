// xfv._xfv: the C API (engine/include/xfv.h) as Python classes (docs/python.md).
//
// Model wraps an xfv_model, Session an xfv_session; each task method is one C API call.
// Arrays come in as numpy arrays or CPU tensors with DLPack, float32: read in place when
// C-contiguous, copied once otherwise; any other dtype or a wrong shape is an xfv.Error
// naming the argument. Outputs are new numpy arrays the call writes into (poisoned with NaN
// first, so a value the engine failed to write shows). The GIL is released while the engine
// runs; a session's calls are serialized by its own mutex, so two Python threads sharing a
// session take turns instead of breaking the C API's one-thread-per-session rule. A failing
// call raises xfv.Error with xfv_last_error()'s message.
#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>
#include <nanobind/stl/map.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/tuple.h>
#include <nanobind/stl/vector.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "engine/include/xfv.h"
#include "engine/python/arrays.h"
#include "engine/tasks/validate.h"

namespace nb = nanobind;

namespace {

using namespace xfv_python;

constexpr const char* kStyleNetworks[] = {"image_style_encoder", "audio_style_encoder", "mapping_network"};

class Session;

class Model {
 public:
  Model(const std::string& path, const std::string& backend) : path_(path), backend_(backend) {
    nb::gil_scoped_release unlocked;  // opening reads the file's header and checks its parts
    model_ = xfv_model_open(path.c_str(), backend.c_str());
    if (!model_) fail(xfv_last_error());
  }
  ~Model() {
    if (model_) xfv_model_close(model_);  // sessions hold their model: none is open now
  }
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;

  xfv_model* get(const char* call) const {
    if (!model_) fail(std::string(call) + ": the model of " + path_ + " is closed");
    return model_;
  }
  void close() {
    if (model_) check(xfv_model_close(model_));
    model_ = nullptr;
  }
  bool closed() const { return model_ == nullptr; }
  const std::string& path() const { return path_; }
  const std::string& backend() const { return backend_; }

  std::optional<int> image_size() const { return known(xfv_image_size(get("image_size"))); }
  std::optional<int> style_dim() const { return known(xfv_style_dim(get("style_dim"))); }
  std::optional<int> latent_dim() const { return known(xfv_latent_dim(get("latent_dim"))); }
  std::optional<int> voice_rate() const { return known(xfv_voice_rate(get("voice_rate"))); }
  std::optional<int> vocoder_rate() const { return known(xfv_vocoder_rate(get("vocoder_rate"))); }
  std::optional<int> vocoder_hop() const { return known(xfv_vocoder_hop(get("vocoder_hop"))); }
  std::optional<int> vocoder_mel_bands() const { return known(xfv_vocoder_mel_bands(get("vocoder_mel_bands"))); }

  // The domain names of each style network the file holds.
  std::map<std::string, std::vector<std::string>> domains() const {
    std::map<std::string, std::vector<std::string>> all;
    for (const char* network : kStyleNetworks) {
      const int n = xfv_domain_count(get("domains"), network);
      if (n < 0) continue;
      std::vector<std::string>& names = all[network];
      for (int d = 0; d < n; ++d) names.push_back(xfv_domain_name(model_, network, d));
    }
    return all;
  }

  int domain(const std::string& network, const std::string& name) const {
    const int d = xfv_domain(get("domain"), network.c_str(), name.c_str());
    if (d < 0) fail(xfv_last_error());
    return d;
  }

  // A domain given as an index (passed on, the call checks it) or a name of `network`'s.
  int domain_of(const char* call, const char* network, nb::handle domain) const {
    if (nb::isinstance<nb::str>(domain)) return this->domain(network, nb::cast<std::string>(domain));
    if (nb::isinstance<nb::int_>(domain) && !nb::isinstance<nb::bool_>(domain))
      return int_arg(call, "domain", nb::cast<int64_t>(domain));
    fail(std::string(call) + ": domain must be an int (an index) or a str (a name of '" + network + "'), not " +
         nb::cast<std::string>(nb::type_name(domain.type())));
  }

  int64_t host_bytes(std::optional<std::string> network) const {
    const int64_t b = xfv_model_host_bytes(get("host_bytes"), network ? network->c_str() : nullptr);
    if (b < 0) fail(xfv_last_error());
    return b;
  }
  int64_t backend_bytes(std::optional<std::string> network) const {
    const int64_t b = xfv_model_backend_bytes(get("backend_bytes"), network ? network->c_str() : nullptr);
    if (b < 0) fail(xfv_last_error());
    return b;
  }

  int64_t converted_samples(int64_t count, int64_t rate) const {
    const int64_t n = xfv_converted_samples(get("converted_samples"), count, int_arg("converted_samples", "rate", rate));
    if (n < 0) fail(xfv_last_error());
    return n;
  }

  nb::ndarray<nb::numpy, float> latent_from_seed(uint64_t seed) const {
    xfv_model* m = get("latent_from_seed");
    const int dim = xfv_latent_dim(m);
    if (dim < 0) fail(xfv_last_error());
    Output<float> out({static_cast<size_t>(dim)});
    check(xfv_latent_from_seed(m, seed, out.data.get()));
    return out.release();
  }

  int required_image_size(const char* call) const {
    const int s = xfv_image_size(get(call));
    if (s < 0) fail(std::string(call) + ": " + xfv_last_error());
    return s;
  }
  int required_style_dim(const char* call) const {
    const int d = xfv_style_dim(get(call));
    if (d < 0) fail(std::string(call) + ": " + xfv_last_error());
    return d;
  }

  nb::ndarray<nb::numpy, float> face_from_rgb8(nb::handle rgb) const {
    const int s = required_image_size("face_from_rgb8");
    const Input<uint8_t> in = input<uint8_t>("face_from_rgb8", "rgb", rgb, {-1, -1, 3});
    Output<float> out({3, size_t(s), size_t(s)});
    const int height = int_arg("face_from_rgb8", "height", in.shape[0]);
    const int width = int_arg("face_from_rgb8", "width", in.shape[1]);
    {
      nb::gil_scoped_release unlocked;
      check(xfv_face_from_rgb8(model_, in.data(), width, height, out.data.get()));
    }
    return out.release();
  }

  nb::ndarray<nb::numpy, uint8_t> face_to_rgb8(nb::handle face) const {
    const int s = required_image_size("face_to_rgb8");
    const Input<float> in = input<float>("face_to_rgb8", "face", face, {3, s, s});
    Output<uint8_t> out({size_t(s), size_t(s), 3});
    check(xfv_face_to_rgb8(model_, in.data(), out.data.get()));
    return out.release();
  }

 private:
  std::string path_, backend_;
  xfv_model* model_ = nullptr;
};

class Session {
 public:
  Session(nb::object owner, int64_t byte_budget, uint64_t noise_seed, bool profiling, int vocoder_frames)
      : owner_(std::move(owner)), model_(nb::cast<Model&>(owner_)), noise_seed_(noise_seed), profiling_(profiling) {
    xfv_session_params p = xfv_session_default_params();
    p.byte_budget = byte_budget;
    p.noise_seed = noise_seed;
    p.profiling = profiling ? 1 : 0;
    p.vocoder_frames = vocoder_frames;
    session_ = xfv_session_open(model_.get("session"), &p);
    if (!session_) fail(xfv_last_error());
    byte_budget_ = byte_budget;
  }
  ~Session() { xfv_session_close(session_); }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void close() {
    if (open_streams_ > 0)
      fail("close: " + std::to_string(open_streams_) + " stream(s) of the session are open; close them first");
    nb::gil_scoped_release unlocked;  // a call of another thread may be running on it
    std::lock_guard<std::mutex> lock(mutex_);
    xfv_session_close(session_);
    session_ = nullptr;
  }
  // Streams run on the session: it may not close under them (Stream keeps the count).
  void stream_opened() { ++open_streams_; }
  void stream_closed() { --open_streams_; }
  Model& model_of() const { return model_; }
  bool closed() const { return session_ == nullptr; }
  nb::object model() const { return owner_; }

  // Runs `call` on the session without the GIL, one thread at a time; xfv.Error on failure.
  template <class Call>
  void run(const char* name, Call call) {
    int status;
    {
      nb::gil_scoped_release unlocked;
      std::lock_guard<std::mutex> lock(mutex_);
      status = session_ ? call(session_) : -2;
    }
    if (status == -2) fail(std::string(name) + ": the session is closed");
    check(status);
  }
  xfv_session* live(const char* call) const {
    if (!session_) fail(std::string(call) + ": the session is closed");
    return session_;
  }

  nb::ndarray<nb::numpy, float> style_from_face(nb::handle face, nb::handle domain) {
    const char* call = "style_from_face";
    live(call);
    const int s = model_.required_image_size(call);
    const Input<float> f = input<float>(call, "face", face, {3, s, s});
    const int d = model_.domain_of(call, "image_style_encoder", domain);
    Output<float> out({size_t(model_.required_style_dim(call))});
    run(call, [&](xfv_session* x) { return xfv_style_from_face(x, f.data(), d, out.data.get()); });
    return out.release();
  }

  nb::ndarray<nb::numpy, float> style_from_voice(nb::handle samples, int64_t rate, nb::handle domain) {
    const char* call = "style_from_voice";
    live(call);
    const Input<float> v = input<float>(call, "samples", samples, {-1});
    const int r = int_arg(call, "rate", rate);
    const int d = model_.domain_of(call, "audio_style_encoder", domain);
    Output<float> out({size_t(model_.required_style_dim(call))});
    run(call, [&](xfv_session* x) { return xfv_style_from_voice(x, v.data(), v.size(), r, d, out.data.get()); });
    return out.release();
  }

  nb::ndarray<nb::numpy, float> styles_from_latents(nb::handle latents, nb::handle domain, float psi) {
    const char* call = "styles_from_latents";
    live(call);
    const int dim = latent_dim(call);
    const Input<float> z = input<float>(call, "latents", latents, {-1, dim});
    const int d = model_.domain_of(call, "mapping_network", domain);
    const int n = int_arg(call, "count", z.shape[0]);
    Output<float> out({size_t(n), size_t(model_.required_style_dim(call))});
    run(call, [&](xfv_session* x) { return xfv_styles_from_latents(x, z.data(), n, d, psi, out.data.get()); });
    return out.release();
  }

  nb::ndarray<nb::numpy, float> style_from_latent(nb::handle latent, nb::handle domain, float psi) {
    const char* call = "style_from_latent";
    live(call);
    const Input<float> z = input<float>(call, "latent", latent, {latent_dim(call)});
    const int d = model_.domain_of(call, "mapping_network", domain);
    Output<float> out({size_t(model_.required_style_dim(call))});
    run(call, [&](xfv_session* x) { return xfv_style_from_latent(x, z.data(), d, psi, out.data.get()); });
    return out.release();
  }

  nb::ndarray<nb::numpy, float> translate_face(nb::handle source, nb::handle style) {
    const char* call = "translate_face";
    live(call);
    const int s = model_.required_image_size(call);
    const Input<float> f = input<float>(call, "source", source, {3, s, s});
    const Input<float> st = input<float>(call, "style", style, {model_.required_style_dim(call)});
    Output<float> out({3, size_t(s), size_t(s)});
    run(call, [&](xfv_session* x) { return xfv_translate_face(x, f.data(), st.data(), out.data.get()); });
    return out.release();
  }

  nb::ndarray<nb::numpy, float> translate_faces(nb::handle sources, nb::handle styles) {
    const char* call = "translate_faces";
    live(call);
    const int s = model_.required_image_size(call);
    const Input<float> f = input<float>(call, "sources", sources, {-1, 3, s, s});
    const Input<float> st = input<float>(call, "styles", styles, {f.shape[0], model_.required_style_dim(call)});
    const int n = int_arg(call, "count", f.shape[0]);
    Output<float> out({size_t(n), 3, size_t(s), size_t(s)});
    run(call, [&](xfv_session* x) { return xfv_translate_faces(x, n, f.data(), st.data(), out.data.get()); });
    return out.release();
  }

  nb::ndarray<nb::numpy, float> convert_voice(nb::handle samples, int64_t rate, nb::handle style) {
    const char* call = "convert_voice";
    live(call);
    const Input<float> v = input<float>(call, "samples", samples, {-1});
    const Input<float> st = input<float>(call, "style", style, {model_.required_style_dim(call)});
    const int64_t n = model_.converted_samples(v.size(), rate);
    Output<float> out({size_t(n)});
    int64_t written = 0;
    run(call, [&](xfv_session* x) {
      return xfv_convert_voice(x, v.data(), v.size(), static_cast<int>(rate), st.data(), out.data.get(), n, &written);
    });
    return out.release();
  }

  nb::ndarray<nb::numpy, float> mel_from_audio(nb::handle audio) {
    const char* call = "mel_from_audio";
    live(call);
    const Input<float> a = input<float>(call, "audio", audio, {-1});
    const int bands = vocoder_query(call, xfv_vocoder_mel_bands);
    const int hop = vocoder_query(call, xfv_vocoder_hop);
    Output<float> out({size_t(bands), size_t(a.size() / hop)});
    run(call, [&](xfv_session* x) { return xfv_mel_from_audio(x, a.data(), a.size(), out.data.get()); });
    return out.release();
  }

  nb::ndarray<nb::numpy, float> vocode(nb::handle mel) {
    const char* call = "vocode";
    live(call);
    const int bands = vocoder_query(call, xfv_vocoder_mel_bands);
    const Input<float> m = input<float>(call, "mel", mel, {bands, -1});
    const int frames = int_arg(call, "frames", m.shape[1]);
    Output<float> out({size_t(frames) * size_t(vocoder_query(call, xfv_vocoder_hop))});
    run(call, [&](xfv_session* x) { return xfv_vocode(x, m.data(), frames, out.data.get()); });
    return out.release();
  }

  uint64_t noise_seed() const { return noise_seed_; }
  void set_noise_seed(uint64_t seed) {
    run("noise_seed", [&](xfv_session* x) { return xfv_set_noise_seed(x, seed); });
    noise_seed_ = seed;
  }
  bool profiling() const { return profiling_; }
  void set_profiling(bool on) {
    run("profiling", [&](xfv_session* x) { return xfv_set_profiling(x, on ? 1 : 0); });
    profiling_ = on;
  }
  int64_t byte_budget() const { return byte_budget_; }
  void set_byte_budget(int64_t bytes) {
    run("byte_budget", [&](xfv_session* x) { return xfv_session_set_byte_budget(x, bytes); });
    byte_budget_ = bytes;
  }
  int64_t bytes(std::optional<std::string> network) {
    int64_t b = -1;
    run("bytes", [&](xfv_session* x) {
      b = xfv_session_bytes(x, network ? network->c_str() : nullptr);
      return b < 0 ? -1 : 0;
    });
    return b;
  }

  std::string last_profile_json() {
    std::string json;
    run("last_profile_json", [&](xfv_session* x) {
      const char* j = xfv_last_profile_json(x);
      if (!j) return -1;
      json = j;
      return 0;
    });
    return json;
  }
  nb::object last_profile() {
    const std::string json = last_profile_json();
    if (json.empty()) return nb::none();
    return nb::module_::import_("xfv._profile").attr("Profile").attr("from_json")(json);
  }

 private:
  int latent_dim(const char* call) const {
    const int d = xfv_latent_dim(model_.get(call));
    if (d < 0) fail(std::string(call) + ": " + xfv_last_error());
    return d;
  }
  int vocoder_query(const char* call, int (*query)(const xfv_model*)) const {
    const int v = query(model_.get(call));
    if (v < 0) fail(std::string(call) + ": " + xfv_last_error());
    return v;
  }

  nb::object owner_;  // the Python Model: alive while the session is
  Model& model_;
  xfv_session* session_ = nullptr;
  std::mutex mutex_;
  uint64_t noise_seed_;
  bool profiling_;
  int64_t byte_budget_ = 0;
  int open_streams_ = 0;
};

// A stream on a session (xfv_stream): a voice conversion (samples in) or a vocoder alone
// (mel frames in); samples out. Its calls run on the session, serialized with the session's
// other calls, without the GIL.
class Stream {
 public:
  Stream(nb::object session, xfv_stream* stream, bool vocoder)
      : owner_(std::move(session)), session_(nb::cast<Session&>(owner_)), stream_(stream), vocoder_(vocoder) {
    session_.stream_opened();
  }
  ~Stream() { close(); }
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;

  void close() {
    if (!stream_) return;
    xfv_stream_close(stream_);
    stream_ = nullptr;
    session_.stream_closed();
  }
  bool closed() const { return stream_ == nullptr; }

  // Samples (1-D, float32 or int16) into a voice stream; frames (frames, bands) of float32
  // into a vocoder stream.
  void push(nb::handle data) {
    const char* call = "push";
    xfv_stream* s = live(call);
    if (vocoder_) {
      const int bands = xfv_vocoder_mel_bands(session_.model_of().get(call));
      const Input<float> frames = input<float>(call, "frames", data, {-1, bands});
      session_.run(call, [&](xfv_session*) { return xfv_stream_push(s, frames.data(), frames.shape[0]); });
      return;
    }
    AnyArray probe;
    if (nb::try_cast(data, probe, false) && probe.dtype() == nb::dtype<int16_t>()) {
      const Input<int16_t> samples = input<int16_t>(call, "samples", data, {-1});
      session_.run(call, [&](xfv_session*) { return xfv_stream_push_s16(s, samples.data(), samples.size()); });
      return;
    }
    const Input<float> samples = input<float>(call, "samples", data, {-1});
    session_.run(call, [&](xfv_session*) { return xfv_stream_push(s, samples.data(), samples.size()); });
  }

  int64_t available() {
    xfv_stream* s = live("available");
    int64_t n = 0;
    session_.run("available", [&](xfv_session*) {
      n = xfv_stream_available(s);
      return n < 0 ? -1 : 0;
    });
    return n;
  }

  // What is ready, or at most `max` samples of it.
  nb::ndarray<nb::numpy, float> pull(std::optional<int64_t> max) {
    xfv_stream* s = live("pull");
    if (max && *max < 0) fail("pull: max must be at least 0, not " + std::to_string(*max));
    std::optional<Output<float>> out;
    session_.run("pull", [&](xfv_session*) {  // what is ready, counted and taken under one lock
      const int64_t ready = xfv_stream_available(s), n = max ? std::min(*max, ready) : ready;
      out.emplace(std::vector<size_t>{size_t(n)});
      return xfv_stream_pull(s, out->data.get(), n) == n ? 0 : -1;
    });
    return out->release();
  }

  void flush() {
    xfv_stream* s = live("flush");
    session_.run("flush", [&](xfv_session*) { return xfv_stream_flush(s); });
  }
  void reset() {
    xfv_stream* s = live("reset");
    session_.run("reset", [&](xfv_session*) { return xfv_stream_reset(s); });
  }
  void set_style(nb::handle style) {
    const char* call = "set_style";
    xfv_stream* s = live(call);
    const Input<float> st = input<float>(call, "style", style, {session_.model_of().required_style_dim(call)});
    session_.run(call, [&](xfv_session*) { return xfv_stream_set_style(s, st.data()); });
  }
  int rate() { return xfv_stream_rate(live("rate")); }
  int64_t latency() { return xfv_stream_latency(live("latency")); }

 private:
  xfv_stream* live(const char* call) const {
    if (!stream_) fail(std::string(call) + ": the stream is closed");
    return stream_;
  }

  nb::object owner_;  // the Python Session: alive, and open, while the stream is
  Session& session_;
  xfv_stream* stream_;
  bool vocoder_;
};

Stream* open_voice_stream(nb::object self, nb::handle style, int input_rate, int chunk_samples, const std::string& gain,
                          float fixed_gain, int step_blocks, int lookahead_blocks, int window_frames,
                          uint64_t noise_seed, const std::string& stats, nb::handle calibration, int calibration_rate,
                          bool exact_vocoder_tiles) {
  const char* call = "stream";
  Session& session = nb::cast<Session&>(self);
  session.live(call);
  const Input<float> st = input<float>(call, "style", style, {session.model_of().required_style_dim(call)});
  if (gain != "fixed" && gain != "running") fail(std::string(call) + ": gain must be 'fixed' or 'running', not '" + gain + "'");
  static const std::map<std::string, int> kStats = {
      {"window", XFV_STATS_WINDOW}, {"running", XFV_STATS_RUNNING}, {"fixed", XFV_STATS_FIXED}};
  const auto policy = kStats.find(stats);
  if (policy == kStats.end()) fail(std::string(call) + ": stats must be 'window', 'running' or 'fixed', not '" + stats + "'");
  if ((policy->second == XFV_STATS_FIXED) == calibration.is_none())
    fail(std::string(call) + ": a calibration recording is what stats='fixed' takes, and only it");
  std::optional<Input<float>> calib;
  if (!calibration.is_none()) calib = input<float>(call, "calibration", calibration, {-1});
  xfv_stream_params p = xfv_stream_default_params();
  p.input_rate = input_rate, p.chunk_samples = chunk_samples, p.running_peak_gain = gain == "running";
  p.fixed_gain = fixed_gain, p.step_blocks = step_blocks, p.lookahead_blocks = lookahead_blocks;
  p.window_frames = window_frames, p.noise_seed = noise_seed, p.stats = policy->second;
  p.exact_vocoder_tiles = exact_vocoder_tiles;
  if (calib) p.calibration = calib->data(), p.calibration_samples = calib->size(), p.calibration_rate = calibration_rate;
  xfv_stream* stream = nullptr;
  session.run(call, [&](xfv_session* x) {
    stream = xfv_stream_open(x, st.data(), &p);
    return stream ? 0 : -1;
  });
  return new Stream(self, stream, false);
}

Stream* open_vocoder_stream(nb::object self, int step_frames) {
  Session& session = nb::cast<Session&>(self);
  xfv_stream* stream = nullptr;
  session.run("vocoder_stream", [&](xfv_session* x) {
    stream = xfv_vocoder_stream_open(x, step_frames);
    return stream ? 0 : -1;
  });
  return new Stream(self, stream, true);
}

using PointRow = std::tuple<std::string, double, double, bool, double>;

// xfv::validate_dump: the network, its tolerance, and (name, max_abs, rel_l2, ok, tolerance)
// per dump point in execution order.
std::tuple<std::string, double, std::vector<PointRow>> validate(const std::string& dump, const std::string& weights,
                                                                 const std::string& backend, bool isolate) {
  xfv::ValidationReport report;
  try {
    nb::gil_scoped_release unlocked;
    report = xfv::validate_dump(dump, weights, backend, isolate);
  } catch (const std::exception& e) {
    fail(std::string("validate: ") + e.what());
  }
  std::vector<PointRow> rows;
  for (const xfv::PointReport& p : report.points) rows.emplace_back(p.name, p.max_abs, p.rel_l2, p.ok, p.tolerance);
  return {report.network, report.tolerance, rows};
}

}  // namespace

NB_MODULE(_xfv, m) {
  m.doc() = "xfv's C API as Python classes; import xfv, not this module (docs/python.md)";
  nb::exception<Failure>(m, "Error");

  nb::class_<Model>(m, "Model", "A weight file loaded on a backend, shared by threads (xfv_model)")
      .def(nb::init<const std::string&, const std::string&>(), nb::arg("path"), nb::arg("backend") = "cpu")
      .def("close", &Model::close, "Frees the model; an error while a session of it is open")
      .def_prop_ro("closed", &Model::closed)
      .def_prop_ro("path", &Model::path)
      .def_prop_ro("backend", &Model::backend)
      .def_prop_ro("image_size", &Model::image_size, "S of the faces (3 x S x S); None without image networks")
      .def_prop_ro("style_dim", &Model::style_dim)
      .def_prop_ro("latent_dim", &Model::latent_dim, "the mapping network's latent; None without one")
      .def_prop_ro("voice_rate", &Model::voice_rate, "the voice networks' rate, Hz; None without them")
      .def_prop_ro("vocoder_rate", &Model::vocoder_rate, "a HiFi-GAN vocoder's rate, Hz; None without one")
      .def_prop_ro("vocoder_hop", &Model::vocoder_hop, "a HiFi-GAN vocoder's samples per mel frame")
      .def_prop_ro("vocoder_mel_bands", &Model::vocoder_mel_bands, "a HiFi-GAN vocoder's mel bands")
      .def_prop_ro("domains", &Model::domains, "domain names per style network the file holds")
      .def("domain", &Model::domain, nb::arg("network"), nb::arg("name"), "the index of a domain name")
      .def("host_bytes", &Model::host_bytes, nb::arg("network") = nb::none(),
           "weights read into host memory so far (xfv_model_host_bytes)")
      .def("backend_bytes", &Model::backend_bytes, nb::arg("network") = nb::none(),
           "weights uploaded to the backend so far (xfv_model_backend_bytes)")
      .def("converted_samples", &Model::converted_samples, nb::arg("count"), nb::arg("rate"))
      .def("latent_from_seed", &Model::latent_from_seed, nb::arg("seed"))
      .def("face_from_rgb8", &Model::face_from_rgb8, nb::arg("rgb"), "(H, W, 3) uint8 to a (3, S, S) face")
      .def("face_to_rgb8", &Model::face_to_rgb8, nb::arg("face"), "a (3, S, S) face to (S, S, 3) uint8")
      .def(
          "session",
          [](nb::object self, int64_t byte_budget, uint64_t noise_seed, bool profiling, int vocoder_frames) {
            return new Session(self, byte_budget, noise_seed, profiling, vocoder_frames);
          },
          nb::arg("byte_budget") = xfv_session_default_params().byte_budget, nb::arg("noise_seed") = 0,
          nb::arg("profiling") = false, nb::arg("vocoder_frames") = 0, "a session of this model, for one thread")
      .def("__enter__", [](nb::object self) { return self; })
      .def("__exit__", [](Model& self, nb::args) { self.close(); });

  nb::class_<Session>(m, "Session", "One thread's use of a model (xfv_session)")
      .def("close", &Session::close)
      .def_prop_ro("closed", &Session::closed)
      .def_prop_ro("model", &Session::model)
      .def("style_from_face", &Session::style_from_face, nb::arg("face"), nb::arg("domain"))
      .def("style_from_voice", &Session::style_from_voice, nb::arg("samples"), nb::arg("rate"), nb::arg("domain"))
      .def("styles_from_latents", &Session::styles_from_latents, nb::arg("latents"), nb::arg("domain"),
           nb::arg("psi") = 1.0f)
      .def("style_from_latent", &Session::style_from_latent, nb::arg("latent"), nb::arg("domain"),
           nb::arg("psi") = 1.0f)
      .def("translate_face", &Session::translate_face, nb::arg("source"), nb::arg("style"))
      .def("translate_faces", &Session::translate_faces, nb::arg("sources"), nb::arg("styles"))
      .def("convert_voice", &Session::convert_voice, nb::arg("samples"), nb::arg("rate"), nb::arg("style"))
      .def("mel_from_audio", &Session::mel_from_audio, nb::arg("audio"))
      .def("vocode", &Session::vocode, nb::arg("mel"))
      .def_prop_rw("noise_seed", &Session::noise_seed, &Session::set_noise_seed)
      .def_prop_rw("profiling", &Session::profiling, &Session::set_profiling)
      .def_prop_rw("byte_budget", &Session::byte_budget, &Session::set_byte_budget)
      .def("bytes", &Session::bytes, nb::arg("network") = nb::none(), "compiled graphs kept now (xfv_session_bytes)")
      .def("last_profile_json", &Session::last_profile_json, "the last call's profile as JSON; '' while off")
      .def("last_profile", &Session::last_profile,
           nb::sig("def last_profile(self) -> typing.Optional[xfv._profile.Profile]"),
           "the nodes the last call ran (xfv.Profile); None while profiling is off")
      .def("stream", &open_voice_stream, nb::arg("style"), nb::arg("input_rate") = 24000,
           nb::arg("chunk_samples") = 480, nb::arg("gain") = "fixed", nb::arg("fixed_gain") = 1.0f,
           nb::arg("step_blocks") = 1, nb::arg("lookahead_blocks") = 4, nb::arg("window_frames") = 192,
           nb::arg("noise_seed") = 0, nb::arg("stats") = "window", nb::arg("calibration") = nb::none(),
           nb::arg("calibration_rate") = 0, nb::arg("exact_vocoder_tiles") = false,
           "a voice-conversion stream to `style` (xfv_stream_open, docs/streaming.md); stats 'window', 'running' "
           "or 'fixed' (with a calibration recording, float32 at calibration_rate, 0: input_rate)")
      .def("vocoder_stream", &open_vocoder_stream, nb::arg("step_frames") = 1,
           "a stream of the vocoder alone: mel frames (frames, bands) in (xfv_vocoder_stream_open)")
      .def("__enter__", [](nb::object self) { return self; })
      .def("__exit__", [](Session& self, nb::args) { self.close(); });

  nb::class_<Stream>(m, "Stream", "A live conversion or vocoding on a session (xfv_stream)")
      .def("push", &Stream::push, nb::arg("data"),
           "samples (1-D float32 or int16) at the input rate; a vocoder stream's frames (frames, bands) float32")
      .def_prop_ro("available", &Stream::available, "samples ready to pull")
      .def("pull", &Stream::pull, nb::arg("max") = nb::none(), "the samples ready (at most `max`), float32")
      .def("flush", &Stream::flush, "the input has ended: the rest becomes ready")
      .def("reset", &Stream::reset, "a new utterance, the same style")
      .def("set_style", &Stream::set_style, nb::arg("style"), "a new style for the steps to come")
      .def_prop_ro("rate", &Stream::rate, "the output rate, Hz")
      .def_prop_ro("latency", &Stream::latency, "the algorithmic latency, in output samples")
      .def("close", &Stream::close)
      .def_prop_ro("closed", &Stream::closed)
      .def("__enter__", [](nb::object self) { return self; })
      .def("__exit__", [](Stream& self, nb::args) { self.close(); });

  m.def("_validate", &validate, nb::arg("dump"), nb::arg("weights"), nb::arg("backend"), nb::arg("isolate"));
}
