#include "engine/triton/tasks.h"

#include <climits>
#include <vector>

#include "engine/triton/request_io.h"

namespace xfv_triton {

namespace {

struct TaskName {
  Task task;
  const char* name;
};
constexpr TaskName kTaskNames[] = {
    {Task::kVocode, "vocode"},
    {Task::kTranslateFace, "translate_face"},
    {Task::kStyleFromFace, "style_from_face"},
    {Task::kStyleFromVoice, "style_from_voice"},
    {Task::kConvertVoice, "convert_voice"},
    {Task::kStyleFromLatent, "style_from_latent"},
    {Task::kConvertStream, "convert_stream"},
};

// A model property from the C API: -1 means the file lacks the network that defines it.
int known(int value, const char* call) {
  if (value < 0) engine_failed(call);
  return value;
}

// The one output every task gives.
struct Result {
  const char* name;
  Dims dims;
  std::vector<float> data;
};

// One request of a task that takes no batch dimension: its inputs read, the engine run
// (`*compute_start` marks the call), its output.
Result run_one(Task task, const TaskShapes& t, xfv_session* s, const Request& r, uint64_t* compute_start) {
  const int64_t size = t.image_size, style = t.style_dim;
  std::vector<float> out;
  switch (task) {
    case Task::kVocode: {
      Dims dims;
      const std::vector<float> mel = r.floats("MEL", {t.mel_bands, kAny}, &dims);
      if (dims[1] > INT_MAX / t.hop) fail(TRITONSERVER_ERROR_INVALID_ARG, "MEL: too many frames");
      out.resize(static_cast<size_t>(dims[1] * t.hop));
      *compute_start = now_ns();
      if (xfv_vocode(s, mel.data(), static_cast<int>(dims[1]), out.data()) != 0) engine_failed("xfv_vocode");
      return {"AUDIO", {static_cast<int64_t>(out.size())}, std::move(out)};
    }
    case Task::kStyleFromFace: {
      const std::vector<float> face = r.floats("FACE", {3, size, size});
      const int domain = r.int32_scalar("DOMAIN");
      out.resize(static_cast<size_t>(style));
      *compute_start = now_ns();
      if (xfv_style_from_face(s, face.data(), domain, out.data()) != 0) engine_failed("xfv_style_from_face");
      return {"STYLE", {style}, std::move(out)};
    }
    case Task::kStyleFromVoice: {
      const std::vector<float> voice = r.floats("VOICE", {kAny});
      const int rate = r.int32_scalar("RATE");
      const int domain = r.int32_scalar("DOMAIN");
      out.resize(static_cast<size_t>(style));
      *compute_start = now_ns();
      if (xfv_style_from_voice(s, voice.data(), static_cast<int64_t>(voice.size()), rate, domain, out.data()) != 0)
        engine_failed("xfv_style_from_voice");
      return {"STYLE", {style}, std::move(out)};
    }
    case Task::kConvertVoice: {
      const std::vector<float> voice = r.floats("VOICE", {kAny});
      const int rate = r.int32_scalar("RATE");
      const std::vector<float> target = r.floats("STYLE", {style});
      *compute_start = now_ns();
      float* converted = nullptr;
      int64_t written = 0;
      if (xfv_convert_voice_alloc(s, voice.data(), static_cast<int64_t>(voice.size()), rate, target.data(), &converted,
                                  &written) != 0)
        engine_failed("xfv_convert_voice");
      out.assign(converted, converted + written);
      xfv_free(converted);
      return {"AUDIO", {written}, std::move(out)};
    }
    case Task::kStyleFromLatent: {
      const std::vector<float> latent = r.floats("LATENT", {t.latent_dim});
      const int domain = r.int32_scalar("DOMAIN");
      const float psi = r.floats("PSI", {1})[0];
      out.resize(static_cast<size_t>(style));
      *compute_start = now_ns();
      if (xfv_style_from_latent(s, latent.data(), domain, psi, out.data()) != 0) engine_failed("xfv_style_from_latent");
      return {"STYLE", {style}, std::move(out)};
    }
    case Task::kTranslateFace:  // batched: translate_faces below
    case Task::kConvertStream:  // a sequence: Streams
      break;
  }
  fail(TRITONSERVER_ERROR_INTERNAL, "xfv backend: run_one called for a batched or streamed task");
}

// Answers, reports and releases one request; `error` (deleted here) or `result`.
void finish_result(TRITONBACKEND_ModelInstance* instance, TRITONBACKEND_Request* request, const Result* result,
            TRITONSERVER_Error* error, uint64_t exec_start, uint64_t compute_start, uint64_t compute_end) {
  std::vector<Output> outputs;
  if (result) outputs.push_back({result->name, result->dims, result->data.data()});
  finish(instance, request, outputs, error, exec_start, compute_start, compute_end);
}

// The face translation: every well-formed request's faces as one xfv_translate_faces batch
// (the dynamic batcher's requests, each with its own batch of faces), the rest refused.
void translate_faces(const TaskShapes& t, int64_t max_batch_size, xfv_session* s,
                     TRITONBACKEND_ModelInstance* instance, TRITONBACKEND_Request** requests, uint32_t count,
                     uint64_t exec_start) {
  const int64_t size = t.image_size, style = t.style_dim;
  const int64_t face_floats = 3 * size * size;
  Dims face_dims{3, size, size}, style_dims{style};
  if (max_batch_size > 0) {
    face_dims.insert(face_dims.begin(), kAny);
    style_dims.insert(style_dims.begin(), kAny);
  }
  std::vector<float> sources, styles;
  std::vector<TRITONBACKEND_Request*> taken;
  std::vector<int64_t> faces_of;
  for (uint32_t i = 0; i < count; ++i) {
    Dims source_shape, style_shape;
    std::vector<float> src, sty;
    TRITONSERVER_Error* e = guarded([&] {
      const Request r(requests[i]);
      src = r.floats("SOURCE", face_dims, &source_shape);
      sty = r.floats("STYLE", style_dims, &style_shape);
      if (max_batch_size > 0 && source_shape[0] != style_shape[0])
        fail(TRITONSERVER_ERROR_INVALID_ARG, "SOURCE has " + std::to_string(source_shape[0]) + " faces, STYLE " +
                                                 std::to_string(style_shape[0]) + " styles");
    });
    if (e) {
      finish_result(instance, requests[i], nullptr, e, exec_start, 0, 0);
      continue;
    }
    sources.insert(sources.end(), src.begin(), src.end());
    styles.insert(styles.end(), sty.begin(), sty.end());
    taken.push_back(requests[i]);
    faces_of.push_back(static_cast<int64_t>(src.size()) / face_floats);
  }
  if (taken.empty()) return;
  const int64_t n = static_cast<int64_t>(sources.size()) / face_floats;
  std::vector<float> faces(sources.size());
  const uint64_t compute_start = now_ns();
  TRITONSERVER_Error* error = guarded([&] {
    if (n > INT_MAX) fail(TRITONSERVER_ERROR_INVALID_ARG, "too many faces in one batch");
    if (xfv_translate_faces(s, static_cast<int>(n), sources.data(), styles.data(), faces.data()) != 0)
      engine_failed("xfv_translate_faces");
  });
  const uint64_t compute_end = now_ns();
  int64_t at = 0;
  for (size_t i = 0; i < taken.size(); ++i) {
    Result result{"FACE", {3, size, size}, {}};
    if (max_batch_size > 0) result.dims.insert(result.dims.begin(), faces_of[i]);
    if (!error) result.data.assign(faces.begin() + at * face_floats, faces.begin() + (at + faces_of[i]) * face_floats);
    at += faces_of[i];
    // Each failed request gets its own copy of the engine's error.
    TRITONSERVER_Error* own = error ? TRITONSERVER_ErrorNew(TRITONSERVER_ErrorCode(error), TRITONSERVER_ErrorMessage(error))
                                    : nullptr;
    finish_result(instance, taken[i], error ? nullptr : &result, own, exec_start, compute_start, compute_end);
  }
  if (!error) report_batch(instance, static_cast<uint64_t>(n), exec_start, compute_start, compute_end);
  if (error) TRITONSERVER_ErrorDelete(error);
}

}  // namespace

Task task_named(const std::string& name) {
  std::string names;
  for (const TaskName& t : kTaskNames) {
    if (name == t.name) return t.task;
    names += names.empty() ? t.name : std::string(", ") + t.name;
  }
  fail(TRITONSERVER_ERROR_INVALID_ARG, "xfv backend: task \"" + name + "\" is not one of: " + names);
}

TaskShapes task_shapes(Task task, const xfv_model* m, int64_t max_batch_size) {
  if (task != Task::kTranslateFace && max_batch_size != 0)
    fail(TRITONSERVER_ERROR_INVALID_ARG, "xfv backend: only translate_face batches; set max_batch_size: 0");
  TaskShapes t;
  switch (task) {
    case Task::kVocode:
      t.mel_bands = known(xfv_vocoder_mel_bands(m), "xfv_vocoder_mel_bands");
      t.hop = known(xfv_vocoder_hop(m), "xfv_vocoder_hop");
      break;
    case Task::kTranslateFace:
    case Task::kStyleFromFace:
      t.image_size = known(xfv_image_size(m), "xfv_image_size");
      t.style_dim = known(xfv_style_dim(m), "xfv_style_dim");
      break;
    case Task::kStyleFromVoice:
    case Task::kConvertVoice:
    case Task::kConvertStream:
      known(xfv_voice_rate(m), "xfv_voice_rate");
      t.style_dim = known(xfv_style_dim(m), "xfv_style_dim");
      break;
    case Task::kStyleFromLatent:
      t.latent_dim = known(xfv_latent_dim(m), "xfv_latent_dim");
      t.style_dim = known(xfv_style_dim(m), "xfv_style_dim");
      break;
  }
  return t;
}

void execute(Task task, const TaskShapes& t, int64_t max_batch_size, xfv_session* s,
             TRITONBACKEND_ModelInstance* instance, TRITONBACKEND_Request** requests, uint32_t count) {
  const uint64_t exec_start = now_ns();
  if (task == Task::kTranslateFace) {
    translate_faces(t, max_batch_size, s, instance, requests, count, exec_start);
    return;
  }
  uint64_t done = 0, batch_compute_start = 0, batch_compute_end = 0;
  for (uint32_t i = 0; i < count; ++i) {
    Result result;
    uint64_t compute_start = now_ns();
    TRITONSERVER_Error* e = guarded([&] { result = run_one(task, t, s, Request(requests[i]), &compute_start); });
    const uint64_t compute_end = now_ns();
    if (!e) {
      if (done++ == 0) batch_compute_start = compute_start;
      batch_compute_end = compute_end;
    }
    finish_result(instance, requests[i], e ? nullptr : &result, e, exec_start, compute_start, compute_end);
  }
  report_batch(instance, done, exec_start, batch_compute_start, batch_compute_end);
}

}  // namespace xfv_triton
