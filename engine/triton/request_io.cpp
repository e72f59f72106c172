#include "engine/triton/request_io.h"

#include <chrono>
#include <cmath>
#include <cstring>
#include <exception>

#include "engine/include/xfv.h"

namespace xfv_triton {

void fail(TRITONSERVER_Error_Code code, const std::string& message) { throw Failure{code, message}; }

void check(TRITONSERVER_Error* error) {
  if (!error) return;
  Failure f{TRITONSERVER_ErrorCode(error), TRITONSERVER_ErrorMessage(error)};
  TRITONSERVER_ErrorDelete(error);
  throw f;
}

void engine_failed(const char* call) {
  // The C API refuses what its arguments cannot give (a voice too short, a domain out of
  // range, a call the file cannot serve): the request's fault far more often than the engine's.
  fail(TRITONSERVER_ERROR_INVALID_ARG, std::string("xfv: ") + call + ": " + xfv_last_error());
}

TRITONSERVER_Error* to_error(void (*body)(void*), void* context) noexcept {
  try {
    body(context);
    return nullptr;
  } catch (const Failure& f) {
    return TRITONSERVER_ErrorNew(f.code, f.message.c_str());
  } catch (const std::exception& e) {
    return TRITONSERVER_ErrorNew(TRITONSERVER_ERROR_INTERNAL, (std::string("xfv backend: ") + e.what()).c_str());
  } catch (...) {
    return TRITONSERVER_ErrorNew(TRITONSERVER_ERROR_INTERNAL, "xfv backend: unknown exception");
  }
}

void log(TRITONSERVER_LogLevel level, const std::string& message) {
  TRITONSERVER_Error* e = TRITONSERVER_LogMessage(level, __FILE__, __LINE__, message.c_str());
  if (e) TRITONSERVER_ErrorDelete(e);
}

uint64_t now_ns() {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
          .count());
}

std::string shape_text(const Dims& dims) {
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i) s += (i ? ", " : "") + std::to_string(dims[i]);
  return s + "]";
}

std::vector<char> Request::bytes(const char* name, TRITONSERVER_DataType type, const Dims& expected,
                                 Dims* dims) const {
  TRITONBACKEND_Input* input = nullptr;
  check(TRITONBACKEND_RequestInput(request_, name, &input));
  const char* input_name = nullptr;
  TRITONSERVER_DataType input_type = TRITONSERVER_TYPE_INVALID;
  const int64_t* shape = nullptr;
  uint32_t rank = 0, buffers = 0;
  uint64_t byte_size = 0;
  check(TRITONBACKEND_InputProperties(input, &input_name, &input_type, &shape, &rank, &byte_size, &buffers));
  const Dims got(shape, shape + rank);
  if (input_type != type)
    fail(TRITONSERVER_ERROR_INVALID_ARG, std::string("input ") + name + ": data type " +
                                             TRITONSERVER_DataTypeString(input_type) + ", expected " +
                                             TRITONSERVER_DataTypeString(type));
  bool matches = got.size() == expected.size();
  for (size_t i = 0; matches && i < got.size(); ++i)
    matches = got[i] >= 1 && (expected[i] == kAny || got[i] == expected[i]);
  if (!matches)
    fail(TRITONSERVER_ERROR_INVALID_ARG, std::string("input ") + name + ": shape " + shape_text(got) +
                                             ", expected " + shape_text(expected) + " (-1: any length)");
  uint64_t count = type == TRITONSERVER_TYPE_UINT64 ? 8 : 4;  // bytes: the types read here are FP32, INT32, UINT64
  for (int64_t d : got) count *= static_cast<uint64_t>(d);
  if (byte_size != count)
    fail(TRITONSERVER_ERROR_INVALID_ARG, std::string("input ") + name + ": " + std::to_string(byte_size) +
                                             " bytes for shape " + shape_text(got));
  // The server may hand an input over in several buffers (the pieces of a client's request).
  std::vector<char> out(byte_size);
  uint64_t at = 0;
  for (uint32_t b = 0; b < buffers; ++b) {
    const void* data = nullptr;
    uint64_t size = 0;
    TRITONSERVER_MemoryType memory = TRITONSERVER_MEMORY_CPU;
    int64_t memory_id = 0;
    check(TRITONBACKEND_InputBuffer(input, b, &data, &size, &memory, &memory_id));
    if (memory == TRITONSERVER_MEMORY_GPU)
      fail(TRITONSERVER_ERROR_UNSUPPORTED, std::string("input ") + name + ": GPU memory is not taken, send host memory");
    if (at + size > byte_size) fail(TRITONSERVER_ERROR_INVALID_ARG, std::string("input ") + name + ": too many bytes");
    std::memcpy(out.data() + at, data, size);
    at += size;
  }
  if (at != byte_size) fail(TRITONSERVER_ERROR_INVALID_ARG, std::string("input ") + name + ": too few bytes");
  if (dims) *dims = got;
  return out;
}

std::vector<float> Request::floats(const char* name, const Dims& expected, Dims* dims) const {
  const std::vector<char> raw = bytes(name, TRITONSERVER_TYPE_FP32, expected, dims);
  std::vector<float> values(raw.size() / sizeof(float));
  std::memcpy(values.data(), raw.data(), raw.size());
  // The engine's calls take any float; a NaN or an infinity would come back as a
  // meaningless output, so the request is refused instead.
  for (size_t i = 0; i < values.size(); ++i)
    if (!std::isfinite(values[i]))
      fail(TRITONSERVER_ERROR_INVALID_ARG,
           std::string("input ") + name + ": value " + std::to_string(i) + " is not finite");
  return values;
}

int32_t Request::int32_scalar(const char* name) const {
  const std::vector<char> raw = bytes(name, TRITONSERVER_TYPE_INT32, {1}, nullptr);
  int32_t value = 0;
  std::memcpy(&value, raw.data(), sizeof value);
  return value;
}

uint64_t Request::uint64_scalar(const char* name) const {
  const std::vector<char> raw = bytes(name, TRITONSERVER_TYPE_UINT64, {1}, nullptr);
  uint64_t value = 0;
  std::memcpy(&value, raw.data(), sizeof value);
  return value;
}

bool Request::has(const char* name) const {
  TRITONBACKEND_Input* input = nullptr;
  TRITONSERVER_Error* e = TRITONBACKEND_RequestInput(request_, name, &input);
  if (e) TRITONSERVER_ErrorDelete(e);
  return e == nullptr;
}

namespace {

void add_output(TRITONBACKEND_Response* response, const Output& o) {
  TRITONBACKEND_Output* output = nullptr;
  check(TRITONBACKEND_ResponseOutput(response, &output, o.name, TRITONSERVER_TYPE_FP32, o.dims.data(),
                                     static_cast<uint32_t>(o.dims.size())));
  uint64_t count = 1;
  for (int64_t d : o.dims) count *= static_cast<uint64_t>(d);
  void* buffer = nullptr;
  TRITONSERVER_MemoryType memory = TRITONSERVER_MEMORY_CPU;
  int64_t memory_id = 0;
  check(TRITONBACKEND_OutputBuffer(output, &buffer, count * sizeof(float), &memory, &memory_id));
  if (memory == TRITONSERVER_MEMORY_GPU)
    fail(TRITONSERVER_ERROR_UNSUPPORTED, std::string("output ") + o.name + ": the server asked for GPU memory");
  if (count > 0) std::memcpy(buffer, o.data, count * sizeof(float));
}

// A response of the request's own factory (a decoupled model's way; the same for the others).
TRITONBACKEND_Response* new_response(TRITONBACKEND_Request* request) {
  TRITONBACKEND_ResponseFactory* factory = nullptr;
  check(TRITONBACKEND_ResponseFactoryNew(&factory, request));
  TRITONBACKEND_Response* response = nullptr;
  TRITONSERVER_Error* e = TRITONBACKEND_ResponseNewFromFactory(&response, factory);
  TRITONSERVER_Error* deleted = TRITONBACKEND_ResponseFactoryDelete(factory);
  if (deleted) TRITONSERVER_ErrorDelete(deleted);
  check(e);
  return response;
}

void report(TRITONBACKEND_ModelInstance* instance, TRITONBACKEND_Request* request, bool success, uint64_t exec_start,
            uint64_t compute_start, uint64_t compute_end, uint64_t exec_end) {
  TRITONSERVER_Error* e = TRITONBACKEND_ModelInstanceReportStatistics(instance, request, success, exec_start,
                                                                      compute_start, compute_end, exec_end);
  if (e) {
    log(TRITONSERVER_LOG_ERROR, std::string("xfv: statistics not reported: ") + TRITONSERVER_ErrorMessage(e));
    TRITONSERVER_ErrorDelete(e);
  }
}

}  // namespace

void respond(TRITONBACKEND_Request* request, const std::vector<Output>& outputs, TRITONSERVER_Error* error) {
  TRITONBACKEND_Response* response = nullptr;
  TRITONSERVER_Error* e = guarded([&] { response = new_response(request); });
  if (e) {
    log(TRITONSERVER_LOG_ERROR, std::string("xfv: no response could be made: ") + TRITONSERVER_ErrorMessage(e));
    TRITONSERVER_ErrorDelete(e);
    return;
  }
  TRITONSERVER_Error* output_error = nullptr;
  if (!error)
    output_error = guarded([&] {
      for (const Output& o : outputs) add_output(response, o);
    });
  e = TRITONBACKEND_ResponseSend(response, TRITONSERVER_RESPONSE_COMPLETE_FINAL, error ? error : output_error);
  if (e) {
    log(TRITONSERVER_LOG_ERROR, std::string("xfv: a response was not sent: ") + TRITONSERVER_ErrorMessage(e));
    TRITONSERVER_ErrorDelete(e);
  }
  if (output_error) TRITONSERVER_ErrorDelete(output_error);
}

void finish(TRITONBACKEND_ModelInstance* instance, TRITONBACKEND_Request* request, const std::vector<Output>& outputs,
            TRITONSERVER_Error* error, uint64_t exec_start, uint64_t compute_start, uint64_t compute_end) {
  respond(request, outputs, error);
  report(instance, request, error == nullptr, exec_start, compute_start, compute_end, now_ns());
  if (error) TRITONSERVER_ErrorDelete(error);
  TRITONSERVER_Error* e = TRITONBACKEND_RequestRelease(request, TRITONSERVER_REQUEST_RELEASE_ALL);
  if (e) {
    log(TRITONSERVER_LOG_ERROR, std::string("xfv: a request was not released: ") + TRITONSERVER_ErrorMessage(e));
    TRITONSERVER_ErrorDelete(e);
  }
}

void report_batch(TRITONBACKEND_ModelInstance* instance, uint64_t size, uint64_t exec_start, uint64_t compute_start,
                  uint64_t compute_end) {
  if (size == 0) return;
  TRITONSERVER_Error* e = TRITONBACKEND_ModelInstanceReportBatchStatistics(instance, size, exec_start, compute_start,
                                                                           compute_end, now_ns());
  if (e) {
    log(TRITONSERVER_LOG_ERROR, std::string("xfv: batch statistics not reported: ") + TRITONSERVER_ErrorMessage(e));
    TRITONSERVER_ErrorDelete(e);
  }
}

}  // namespace xfv_triton
