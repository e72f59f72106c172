// libtriton_xfv: xfv's tasks as the models of a Triton Inference Server repository
// (docs/serving.md). A model's state is one xfv_model (its weights, loaded once and shared
// by its instances), an instance's state one xfv_session on it (its compiled graphs), so
// instances run side by side as the C API's threads do.
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/include/xfv.h"
#include "engine/triton/model_config.h"
#include "engine/triton/request_io.h"
#include "engine/triton/stream_model.h"
#include "engine/triton/tasks.h"
#include "engine/triton/triton_api.h"

namespace xfv_triton {
namespace {

struct ModelState {
  std::string name;
  Task task = Task::kVocode;
  TaskShapes shapes;
  int64_t max_batch_size = 0;
  std::string device;
  StreamSettings stream;  // convert_stream
  xfv_model* model = nullptr;
  ~ModelState() { xfv_model_close(model); }  // after every instance's session is closed
};

struct InstanceState {
  ModelState* model = nullptr;
  xfv_session* session = nullptr;
  std::unique_ptr<Streams> streams;  // convert_stream: closed before the session
  ~InstanceState() {
    streams.reset();
    xfv_session_close(session);
  }
};

// The weight file: `weights` as given where absolute, else in the model's version folder.
std::string weights_path(TRITONBACKEND_Model* model, const nlohmann::json& config) {
  const std::string weights = parameter(config, "weights", "model.safetensors");
  if (!weights.empty() && weights[0] == '/') return weights;
  TRITONBACKEND_ArtifactType type = TRITONBACKEND_ARTIFACT_FILESYSTEM;
  const char* location = nullptr;
  uint64_t version = 0;
  check(TRITONBACKEND_ModelRepository(model, &type, &location));
  check(TRITONBACKEND_ModelVersion(model, &version));
  return std::string(location) + "/" + std::to_string(version) + "/" + weights;
}

std::unique_ptr<ModelState> load_model(TRITONBACKEND_Model* model) {
  auto state = std::make_unique<ModelState>();
  const char* name = nullptr;
  check(TRITONBACKEND_ModelName(model, &name));
  state->name = name;
  const nlohmann::json config = model_config(model);
  state->task = task_named(parameter(config, "task", ""));
  state->max_batch_size = config.value("max_batch_size", int64_t{0});
  state->device = parameter(config, "device", "cpu");
  const std::string path = weights_path(model, config);
  state->model = xfv_model_open(path.c_str(), state->device.c_str());
  if (!state->model) engine_failed("xfv_model_open");
  state->shapes = task_shapes(state->task, state->model, state->max_batch_size);
  if (state->task == Task::kConvertStream) state->stream = stream_settings(config, state->shapes.style_dim);
  log(TRITONSERVER_LOG_INFO, "xfv: model " + state->name + ": task " + parameter(config, "task", "") + ", " + path +
                                 " on " + state->device);
  return state;
}

std::unique_ptr<InstanceState> open_instance(TRITONBACKEND_ModelInstance* instance) {
  TRITONBACKEND_Model* model = nullptr;
  void* model_state = nullptr;
  check(TRITONBACKEND_ModelInstanceModel(instance, &model));
  check(TRITONBACKEND_ModelState(model, &model_state));
  auto state = std::make_unique<InstanceState>();
  state->model = static_cast<ModelState*>(model_state);
  TRITONSERVER_InstanceGroupKind kind = TRITONSERVER_INSTANCEGROUPKIND_CPU;
  int32_t device_id = 0;
  check(TRITONBACKEND_ModelInstanceKind(instance, &kind));
  check(TRITONBACKEND_ModelInstanceDeviceId(instance, &device_id));
  // xfv's cuda backend runs on the process's current (first visible) GPU: an instance placed
  // on another would silently share it, so it is refused (docs/serving.md: a server per GPU).
  if (kind == TRITONSERVER_INSTANCEGROUPKIND_GPU && device_id != 0)
    fail(TRITONSERVER_ERROR_UNSUPPORTED, "xfv backend: instances run on GPU 0 only (got GPU " +
                                             std::to_string(device_id) +
                                             "); run one server per GPU with CUDA_VISIBLE_DEVICES");
  state->session = xfv_session_open(state->model->model, nullptr);
  if (!state->session) engine_failed("xfv_session_open");
  if (state->model->task == Task::kConvertStream)
    state->streams = std::make_unique<Streams>(state->model->stream, state->session);
  return state;
}

template <class State, class Owner, class Get>
State* state_of(Owner* owner, Get get) {
  void* state = nullptr;
  check(get(owner, &state));
  return static_cast<State*>(state);
}

}  // namespace
}  // namespace xfv_triton

using namespace xfv_triton;

extern "C" {

TRITONSERVER_Error* TRITONBACKEND_Initialize(TRITONBACKEND_Backend*) {
  return guarded([] {
    uint32_t major = 0, minor = 0;
    check(TRITONBACKEND_ApiVersion(&major, &minor));
    if (major != TRITONBACKEND_API_VERSION_MAJOR || minor < TRITONBACKEND_API_VERSION_MINOR)
      fail(TRITONSERVER_ERROR_UNSUPPORTED,
           "xfv backend: built for the TRITONBACKEND API " + std::to_string(TRITONBACKEND_API_VERSION_MAJOR) + "." +
               std::to_string(TRITONBACKEND_API_VERSION_MINOR) + ", the server has " + std::to_string(major) + "." +
               std::to_string(minor));
    log(TRITONSERVER_LOG_INFO, "xfv backend: TRITONBACKEND API " + std::to_string(major) + "." +
                                   std::to_string(minor) + " (built for 1.19)");
  });
}

TRITONSERVER_Error* TRITONBACKEND_ModelInitialize(TRITONBACKEND_Model* model) {
  return guarded([&] {
    std::unique_ptr<ModelState> state = load_model(model);
    check(TRITONBACKEND_ModelSetState(model, state.get()));
    state.release();
  });
}

TRITONSERVER_Error* TRITONBACKEND_ModelFinalize(TRITONBACKEND_Model* model) {
  return guarded([&] { delete state_of<ModelState>(model, TRITONBACKEND_ModelState); });
}

TRITONSERVER_Error* TRITONBACKEND_ModelInstanceInitialize(TRITONBACKEND_ModelInstance* instance) {
  return guarded([&] {
    std::unique_ptr<InstanceState> state = open_instance(instance);
    check(TRITONBACKEND_ModelInstanceSetState(instance, state.get()));
    state.release();
  });
}

TRITONSERVER_Error* TRITONBACKEND_ModelInstanceFinalize(TRITONBACKEND_ModelInstance* instance) {
  return guarded([&] { delete state_of<InstanceState>(instance, TRITONBACKEND_ModelInstanceState); });
}

// Success always once the state is found: every request is then answered and released
// by execute(), its failures in its own response.
TRITONSERVER_Error* TRITONBACKEND_ModelInstanceExecute(TRITONBACKEND_ModelInstance* instance,
                                                       TRITONBACKEND_Request** requests, const uint32_t count) {
  InstanceState* state = nullptr;
  TRITONSERVER_Error* e =
      guarded([&] { state = state_of<InstanceState>(instance, TRITONBACKEND_ModelInstanceState); });
  if (e) return e;
  const ModelState& m = *state->model;
  // Requests answered before a failure here are released already: the error can only be logged.
  e = guarded([&] {
    if (state->streams)
      state->streams->execute(instance, requests, count);
    else
      execute(m.task, m.shapes, m.max_batch_size, state->session, instance, requests, count);
  });
  if (e) {
    log(TRITONSERVER_LOG_ERROR, std::string("xfv: ") + TRITONSERVER_ErrorMessage(e));
    TRITONSERVER_ErrorDelete(e);
  }
  return nullptr;
}

}  // extern "C"
