#include "engine/triton/stream_model.h"

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <string>

#include "engine/triton/model_config.h"

namespace xfv_triton {

namespace {

// A uint64 of the configuration's JSON: protobuf's JSON gives 64-bit integers as strings.
uint64_t json_uint64(const nlohmann::json& value) {
  if (value.is_number_unsigned()) return value.get<uint64_t>();
  if (value.is_string()) return std::strtoull(value.get<std::string>().c_str(), nullptr, 10);
  return 0;
}

}  // namespace

StreamSettings stream_settings(const nlohmann::json& config, int style_dim) {
  const auto policy = config.find("model_transaction_policy");
  const bool decoupled = policy != config.end() && policy->value("decoupled", false);
  if (!decoupled || !config.contains("sequence_batching"))
    fail(TRITONSERVER_ERROR_INVALID_ARG,
         "xfv backend: convert_stream needs model_transaction_policy { decoupled: true } and sequence_batching "
         "with the controls START, END and CORRID (tools/triton_repository.py writes them)");
  StreamSettings s;
  s.params = xfv_stream_default_params();
  xfv_stream_params& p = s.params;
  const std::string gain = parameter(config, "gain", "fixed");
  if (gain != "fixed" && gain != "running")
    fail(TRITONSERVER_ERROR_INVALID_ARG, "xfv backend: parameter gain \"" + gain + "\": fixed or running");
  p.running_peak_gain = gain == "running";
  const std::string fixed_gain = parameter(config, "fixed_gain", "1");
  char* end = nullptr;
  p.fixed_gain = std::strtof(fixed_gain.c_str(), &end);
  if (fixed_gain.empty() || *end != '\0' || !(p.fixed_gain > 0))
    fail(TRITONSERVER_ERROR_INVALID_ARG, "xfv backend: parameter fixed_gain \"" + fixed_gain + "\": a positive number");
  // `fixed` statistics take a calibration recording, which a configuration cannot carry yet.
  const std::string stats = parameter(config, "stats", "window");
  if (stats != "window" && stats != "running")
    fail(TRITONSERVER_ERROR_INVALID_ARG, "xfv backend: parameter stats \"" + stats + "\": window or running");
  p.stats = stats == "running" ? XFV_STATS_RUNNING : XFV_STATS_WINDOW;
  p.window_frames = static_cast<int>(int_parameter(config, "window_frames", p.window_frames, 1, INT_MAX));
  p.step_blocks = static_cast<int>(int_parameter(config, "step_blocks", p.step_blocks, 1, INT_MAX));
  p.lookahead_blocks = static_cast<int>(int_parameter(config, "lookahead_blocks", p.lookahead_blocks, 0, INT_MAX));
  p.noise_seed = static_cast<uint64_t>(int_parameter(config, "noise_seed", 0, 0, INT64_MAX));
  p.exact_vocoder_tiles = static_cast<int>(int_parameter(config, "exact_vocoder_tiles", 0, 0, 1));
  s.max_streams = int_parameter(config, "max_streams", 4, 1, 1 << 20);
  const nlohmann::json& batcher = config.at("sequence_batching");
  s.idle_ns = batcher.contains("max_sequence_idle_microseconds")
                  ? json_uint64(batcher.at("max_sequence_idle_microseconds")) * 1000
                  : 0;
  s.style_dim = style_dim;
  return s;
}

Streams::~Streams() {
  for (auto& [id, live] : live_) xfv_stream_close(live.stream);
}

void Streams::close(uint64_t id) {
  const auto it = live_.find(id);
  if (it == live_.end()) return;
  xfv_stream_close(it->second.stream);
  live_.erase(it);
}

// The sequence batcher drops a sequence idle past its timeout without telling the backend:
// such streams are closed here, when a new one needs the room.
void Streams::close_idle(uint64_t now) {
  for (auto it = live_.begin(); it != live_.end();) {
    if (settings_.idle_ns > 0 && now - it->second.last_ns > settings_.idle_ns) {
      xfv_stream_close(it->second.stream);
      it = live_.erase(it);
    } else {
      ++it;
    }
  }
}

Streams::Live& Streams::open(const Request& r, uint64_t id, int64_t chunk) {
  if (!r.has("STYLE") || !r.has("RATE"))
    fail(TRITONSERVER_ERROR_INVALID_ARG, "xfv: convert_stream: the request with START takes STYLE and RATE");
  const std::vector<float> style = r.floats("STYLE", {settings_.style_dim});
  const int rate = r.int32_scalar("RATE");
  close(id);  // a START on a live id begins its sequence anew
  const uint64_t now = now_ns();
  close_idle(now);
  if (static_cast<int64_t>(live_.size()) >= settings_.max_streams)
    fail(TRITONSERVER_ERROR_UNAVAILABLE, "xfv: convert_stream: this instance has max_streams (" +
                                             std::to_string(live_.size()) +
                                             ") streams live; end one (END) or raise max_streams");
  xfv_stream_params p = settings_.params;
  p.input_rate = rate;
  p.chunk_samples = static_cast<int>(std::min<int64_t>(chunk, INT_MAX));
  xfv_stream* stream = xfv_stream_open(session_, style.data(), &p);
  if (!stream) engine_failed("xfv_stream_open");
  return live_[id] = Live{stream, rate, now};
}

Streams::Live& Streams::find(uint64_t id) {
  const auto it = live_.find(id);
  if (it == live_.end())
    fail(TRITONSERVER_ERROR_INVALID_ARG, "xfv: convert_stream: no stream for correlation id " + std::to_string(id) +
                                             ": a sequence begins with START (or it ended, or was idle longer than "
                                             "max_sequence_idle_microseconds)");
  return it->second;
}

std::vector<float> Streams::step(const Request& r, uint64_t id, uint64_t* compute_start) {
  const bool start = r.int32_scalar("START") != 0, end = r.int32_scalar("END") != 0;
  const std::vector<float> voice = r.floats("VOICE", {kAny});  // read first: a bad chunk opens nothing
  Live& live = start ? open(r, id, static_cast<int64_t>(voice.size())) : find(id);
  if (!start && r.has("STYLE")) {
    const std::vector<float> style = r.floats("STYLE", {settings_.style_dim});
    if (xfv_stream_set_style(live.stream, style.data()) != 0) engine_failed("xfv_stream_set_style");
  }
  if (!start && r.has("RATE") && r.int32_scalar("RATE") != live.rate)
    fail(TRITONSERVER_ERROR_INVALID_ARG, "xfv: convert_stream: RATE " + std::to_string(r.int32_scalar("RATE")) +
                                             " differs from the sequence's " + std::to_string(live.rate));
  live.last_ns = *compute_start = now_ns();
  if (xfv_stream_push(live.stream, voice.data(), static_cast<int64_t>(voice.size())) != 0)
    engine_failed("xfv_stream_push");
  if (end && xfv_stream_flush(live.stream) != 0) engine_failed("xfv_stream_flush");
  const int64_t ready = xfv_stream_available(live.stream);
  if (ready < 0) engine_failed("xfv_stream_available");
  std::vector<float> audio(static_cast<size_t>(ready));
  if (xfv_stream_pull(live.stream, audio.data(), ready) != ready) engine_failed("xfv_stream_pull");
  return audio;
}

void Streams::execute(TRITONBACKEND_ModelInstance* instance, TRITONBACKEND_Request** requests, uint32_t count) {
  const uint64_t exec_start = now_ns();
  uint64_t done = 0, batch_compute_start = 0, batch_compute_end = 0;
  for (uint32_t i = 0; i < count; ++i) {
    uint64_t id = 0, compute_start = now_ns();
    bool end = false;
    std::vector<float> audio;
    TRITONSERVER_Error* e = guarded([&] {
      const Request r(requests[i]);
      id = r.uint64_scalar("CORRID");
      end = r.int32_scalar("END") != 0;
      audio = step(r, id, &compute_start);
    });
    const uint64_t compute_end = now_ns();
    if (end) close(id);  // the sequence batcher ends the sequence with this request, failed or not
    if (!e) {
      if (done++ == 0) batch_compute_start = compute_start;
      batch_compute_end = compute_end;
    }
    const std::vector<Output> outputs{{"AUDIO", {static_cast<int64_t>(audio.size())}, audio.data()}};
    finish(instance, requests[i], e ? std::vector<Output>{} : outputs, e, exec_start, compute_start, compute_end);
  }
  report_batch(instance, done, exec_start, batch_compute_start, batch_compute_end);
}

}  // namespace xfv_triton
