// Triton's side of libtriton_xfv: failures as TRITONSERVER_Errors, a request's inputs read
// into host vectors with their shapes checked, and its response written (docs/serving.md).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/triton/triton_api.h"

namespace xfv_triton {

// What a backend call or a request failed on: the code and the message the client sees.
struct Failure {
  TRITONSERVER_Error_Code code;
  std::string message;
};

[[noreturn]] void fail(TRITONSERVER_Error_Code code, const std::string& message);
// A server call's error raised as a Failure, its code and message kept (nullptr: nothing).
void check(TRITONSERVER_Error* error);
// The engine's message after `call` failed on this thread (xfv_last_error), as a Failure.
[[noreturn]] void engine_failed(const char* call);
// What `body` raised as a new TRITONSERVER_Error, nullptr when it returned: nothing thrown
// crosses into the server.
TRITONSERVER_Error* to_error(void (*body)(void*), void* context) noexcept;
template <class Body>
TRITONSERVER_Error* guarded(Body&& body) noexcept {
  return to_error([](void* b) { (*static_cast<Body*>(b))(); }, &body);
}

void log(TRITONSERVER_LogLevel level, const std::string& message);
uint64_t now_ns();  // steady clock, as the statistics API asks

// A shape to match: each dim is a length, or kAny (any length of at least 1).
constexpr int64_t kAny = -1;
using Dims = std::vector<int64_t>;
std::string shape_text(const Dims& dims);

// The inputs of one request.
class Request {
 public:
  explicit Request(TRITONBACKEND_Request* request) : request_(request) {}
  // The FP32 input `name` as `expected` shapes it (every value finite); its shape in `*dims`.
  std::vector<float> floats(const char* name, const Dims& expected, Dims* dims = nullptr) const;
  // The INT32 input `name` of shape [1].
  int32_t int32_scalar(const char* name) const;
  // The UINT64 input `name` of shape [1] (the sequence batcher's correlation id).
  uint64_t uint64_scalar(const char* name) const;
  // Whether the request carries the input `name` (an optional input of config.pbtxt).
  bool has(const char* name) const;
  TRITONBACKEND_Request* get() const { return request_; }

 private:
  // The input's bytes in one host buffer, after checking its type and shape.
  std::vector<char> bytes(const char* name, TRITONSERVER_DataType type, const Dims& expected, Dims* dims) const;
  TRITONBACKEND_Request* request_;
};

// An FP32 output of a response.
struct Output {
  const char* name;
  Dims dims;
  const float* data;
};

// Sends the request's one response, through its response factory, with the FINAL flag:
// `outputs` (a dim may be 0), or `error` where it is not null (the response then carries
// the error, whose ownership stays with the caller). A failure to send is logged: the
// request is answered either way.
void respond(TRITONBACKEND_Request* request, const std::vector<Output>& outputs, TRITONSERVER_Error* error);

// respond(), then the request's statistics reported (success where `error` is null) and the
// request released; `error` is deleted here.
void finish(TRITONBACKEND_ModelInstance* instance, TRITONBACKEND_Request* request, const std::vector<Output>& outputs,
            TRITONSERVER_Error* error, uint64_t exec_start, uint64_t compute_start, uint64_t compute_end);

// An execution's statistics: `size` requests (or a batch's items) run; nothing for 0.
void report_batch(TRITONBACKEND_ModelInstance* instance, uint64_t size, uint64_t exec_start, uint64_t compute_start,
                  uint64_t compute_end);

}  // namespace xfv_triton
