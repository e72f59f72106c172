// The one op interface that the three backends implement.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "engine/fault_injection.h"
#include "kernels/ops.h"

namespace xfv {

#define XFV_OP_ARGS_TYPE(op) op##Args,
// Any op, as the graph stores it. (The trailing std::monostate keeps the list well-formed.)
using OpArgs = std::variant<XFV_FOR_EACH_OP(XFV_OP_ARGS_TYPE) std::monostate>;
#undef XFV_OP_ARGS_TYPE

// Measures a span on the backend's own clock: device events on cuda, wall clock elsewhere.
class Timer {
 public:
  virtual ~Timer() = default;
  virtual void start() = 0;
  virtual void stop() = 0;
  virtual double elapsed_ms() = 0;  // waits for the span to finish
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string name() const = 0;

  // Memory of the backend (device memory on cuda; host memory elsewhere).
  virtual void* allocate(size_t bytes) = 0;
  virtual void release(void* p) = 0;
  virtual void upload(void* dst, const void* src, size_t bytes) = 0;
  virtual void download(void* dst, const void* src, size_t bytes) = 0;
  virtual void fill_bytes(void* dst, int byte, size_t bytes) = 0;
  virtual void synchronize() = 0;
  // Whether the backend's memory is the host's, so that host data can be read in place
  // (cpu) instead of uploaded: a model's weights are then held once, in the weight file.
  virtual bool runs_on_host_memory() const { return false; }
  virtual std::unique_ptr<Timer> make_timer() = 0;
  // A named range around work on the backend's timeline, as profilers show it: NVTX ranges
  // on cuda (Nsight Systems), nothing elsewhere. The runner brackets every node with one.
  virtual void range_push(const char* /*name*/) {}
  virtual void range_pop() {}

  // A runner's node, bound, whose input slots flagged in `constant` (one per slot of
  // traits_of(op).input_sizes) stay unchanged until forget_constants(op, constant): the
  // backend may derive data from them once instead of in every run (the cpu keeps its
  // vocoder convs' weight transforms). Returns the bytes it newly holds for it.
  virtual size_t keep_constants(const OpArgs& /*op*/, const std::vector<bool>& /*constant*/) { return 0; }
  virtual void forget_constants(const OpArgs& /*op*/, const std::vector<bool>& /*constant*/) {}
  // After a run: where a thread's per-call workspace grew in it, grow every thread's to the
  // largest any has, so that runs of the sizes already seen allocate on no thread (the cpu's
  // thread_scratch; a stream's push must allocate nothing, and which thread meets which
  // piece of work first is up to OpenMP's dynamic schedules). Runner::run calls it.
  virtual void settle_workspaces() {}

#define XFV_DECLARE_RUN(op) virtual void run(const op##Args& args) = 0;
  XFV_FOR_EACH_OP(XFV_DECLARE_RUN)
#undef XFV_DECLARE_RUN

  void run(const OpArgs& op);
};

// The backends built into this binary, by name: "cpu", "sim", "cuda".
std::vector<std::string> compiled_backends();
// Whether a backend can run here (cuda needs a GPU at run time), with the reason if not.
bool backend_available(const std::string& name, std::string* why = nullptr);
// Throws std::invalid_argument naming the backend and the reason when it cannot run here.
std::unique_ptr<Backend> make_backend(const std::string& name);

// The algorithm the named backend runs `op` with, where it chooses among several (the cpu's
// convs: "winograd F(4,3)", "im2col+gemm", ...); empty otherwise. For the profile.
std::string backend_algorithm(const std::string& name, const OpArgs& op);

// A backend's memory, freed on destruction.
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  DeviceBuffer(Backend& b, size_t bytes) : backend_(&b), bytes_(bytes), ptr_(allocate(b, bytes)) {}
  ~DeviceBuffer() { reset(); }
  DeviceBuffer(DeviceBuffer&& o) noexcept { *this = std::move(o); }
  DeviceBuffer& operator=(DeviceBuffer&& o) noexcept;
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;

  float* f32() const { return static_cast<float*>(ptr_); }
  void* get() const { return ptr_; }
  size_t bytes() const { return bytes_; }
  void reset();

 private:
  static void* allocate(Backend& b, size_t bytes) {
    allocation_point();  // a test may make it fail (engine/fault_injection.h)
    return b.allocate(bytes);
  }

  Backend* backend_ = nullptr;
  size_t bytes_ = 0;
  void* ptr_ = nullptr;
};

}  // namespace xfv
