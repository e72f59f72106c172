// The xfv calls that libtriton_xfv serves, one per model of a repository: their tensors
// (docs/serving.md) and how a batch of requests runs on a session.
#pragma once

#include <cstdint>
#include <string>

#include "engine/include/xfv.h"
#include "engine/triton/triton_api.h"

namespace xfv_triton {

enum class Task {
  kVocode,
  kTranslateFace,
  kStyleFromFace,
  kStyleFromVoice,
  kConvertVoice,
  kStyleFromLatent,
  kConvertStream  // served by Streams (stream_model.h), not by execute()
};

// The task a model's `task` parameter names; a Failure listing the names otherwise.
Task task_named(const std::string& name);

// What the weights give the task's tensors; checked once when the model loads.
struct TaskShapes {
  int mel_bands = -1;   // vocode
  int hop = -1;
  int image_size = -1;  // faces
  int style_dim = -1;
  int latent_dim = -1;
};
// Fails with the engine's message where the file lacks what the task needs, and where the
// configuration's batching is not the task's (only translate_face batches).
TaskShapes task_shapes(Task task, const xfv_model* model, int64_t max_batch_size);

// Answers every request (each one response), reports each request's statistics and the
// batch's, and releases the requests. A request's failure is its response's error; the
// others run.
void execute(Task task, const TaskShapes& shapes, int64_t max_batch_size, xfv_session* session,
             TRITONBACKEND_ModelInstance* instance, TRITONBACKEND_Request** requests, uint32_t count);

}  // namespace xfv_triton
