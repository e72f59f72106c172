// The convert_stream model (docs/serving.md): the voice conversion as a live stream, a
// decoupled model under the sequence batcher. Each correlation id has one xfv stream of the
// instance's session: opened by the request that carries START (its STYLE and RATE), fed
// the VOICE samples of every request, flushed and closed by the one that carries END; each
// request is answered with the samples that became ready.
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/include/xfv.h"
#include "engine/triton/request_io.h"
#include "engine/triton/triton_api.h"

namespace xfv_triton {

// What config.pbtxt sets for every stream of the model.
struct StreamSettings {
  xfv_stream_params params{};  // the policies: gain, statistics, window, step, look-ahead
  int64_t max_streams = 0;     // live streams per instance, the engine's bound
  uint64_t idle_ns = 0;        // a stream idle this long is closed when room is needed
  int style_dim = 0;
};
// From the parameters gain, fixed_gain, stats, window_frames, step_blocks,
// lookahead_blocks, noise_seed, exact_vocoder_tiles and max_streams and the sequence batcher's
// max_sequence_idle_microseconds; a Failure naming what is wrong, and where the model is not
// decoupled under the sequence batcher. `style_dim`: the file's (TaskShapes).
StreamSettings stream_settings(const nlohmann::json& config, int style_dim);

// An instance's streams, by correlation id.
class Streams {
 public:
  Streams(const StreamSettings& settings, xfv_session* session) : settings_(settings), session_(session) {}
  ~Streams();
  Streams(const Streams&) = delete;
  Streams& operator=(const Streams&) = delete;

  // Answers every request (one response each, its AUDIO possibly empty, with the FINAL
  // flag; a failure as the response's error), reports their statistics and releases them.
  void execute(TRITONBACKEND_ModelInstance* instance, TRITONBACKEND_Request** requests, uint32_t count);

 private:
  struct Live {
    xfv_stream* stream;
    int rate;
    uint64_t last_ns;
  };
  // One request of sequence `id`: its samples pushed, what is ready pulled.
  std::vector<float> step(const Request& r, uint64_t id, uint64_t* compute_start);
  Live& open(const Request& r, uint64_t id, int64_t chunk);
  Live& find(uint64_t id);
  void close(uint64_t id);
  void close_idle(uint64_t now);

  StreamSettings settings_;
  xfv_session* session_;
  std::map<uint64_t, Live> live_;
};

}  // namespace xfv_triton
