// The backend over the hand-written kernels. Built twice from this one source: against
// the CUDA runtime (xfv::cuda, a real GPU) and against kernels/sim (xfv::sim, the same
// kernels executed on the CPU).
#include <cstdio>
#include <memory>

#include "engine/device_backend.h"
#include "engine/stored_weights.h"
#include "kernels/launchers.h"

#if !defined(XFV_SIM)
#include <nvtx3/nvToolsExt.h>  // header-only NVTX 3, from the CUDA toolkit
#endif

namespace xfv {
namespace XFV_DEVICE_NS {
namespace {

#if !defined(XFV_SIM)
// One "xfv" domain for the process, created on first use and kept to its end.
nvtxDomainHandle_t nvtx_domain() {
  static const nvtxDomainHandle_t domain = nvtxDomainCreateA("xfv");
  return domain;
}
#endif

class EventTimer : public Timer {
 public:
  explicit EventTimer(cudaStream_t stream) : stream_(stream) {
    XFV_CHECK(cudaEventCreate(&start_));
    XFV_CHECK(cudaEventCreate(&stop_));
  }
  ~EventTimer() override {  // destructors report rather than throw
    for (cudaEvent_t e : {start_, stop_})
      if (cudaEventDestroy(e) != cudaSuccess) std::fprintf(stderr, "xfv: cudaEventDestroy failed\n");
  }
  void start() override { XFV_CHECK(cudaEventRecord(start_, stream_)); }
  void stop() override { XFV_CHECK(cudaEventRecord(stop_, stream_)); }
  double elapsed_ms() override {
    XFV_CHECK(cudaEventSynchronize(stop_));
    float ms = 0;
    XFV_CHECK(cudaEventElapsedTime(&ms, start_, stop_));
    return ms;
  }

 private:
  cudaStream_t stream_;
  cudaEvent_t start_{}, stop_{};
};

class DeviceBackend : public Backend {
 public:
  DeviceBackend() : stored_(*this) { XFV_CHECK(cudaStreamCreate(&stream_)); }
  ~DeviceBackend() override {
    if (cudaStreamDestroy(stream_) != cudaSuccess) std::fprintf(stderr, "xfv: cudaStreamDestroy failed\n");
  }

  std::string name() const override { return XFV_BACKEND_NAME; }
  void* allocate(size_t bytes) override {
    void* p = nullptr;
    XFV_CHECK(cudaMalloc(&p, bytes ? bytes : 1));
    return p;
  }
  // Called from destructors, so a failure is reported rather than thrown.
  void release(void* p) override {
    const cudaError_t e = cudaFree(p);
    if (e != cudaSuccess) std::fprintf(stderr, "xfv: cudaFree failed: %s\n", cudaGetErrorString(e));
  }
  void upload(void* dst, const void* src, size_t bytes) override {
    XFV_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice, stream_));
    XFV_CHECK(cudaStreamSynchronize(stream_));
  }
  void download(void* dst, const void* src, size_t bytes) override {
    XFV_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToHost, stream_));
    XFV_CHECK(cudaStreamSynchronize(stream_));
  }
  void fill_bytes(void* dst, int byte, size_t bytes) override {
    XFV_CHECK(cudaMemsetAsync(dst, byte, bytes, stream_));
  }
  void synchronize() override { XFV_CHECK(cudaStreamSynchronize(stream_)); }
  std::unique_ptr<Timer> make_timer() override { return std::make_unique<EventTimer>(stream_); }
#if !defined(XFV_SIM)
  // NVTX ranges in the "xfv" domain: Nsight Systems shows each node by name, projected onto
  // the GPU's timeline. Without a profiler attached, NVTX calls cost next to nothing.
  void range_push(const char* name) override {
    nvtxEventAttributes_t a{};
    a.version = NVTX_VERSION;
    a.size = NVTX_EVENT_ATTRIB_STRUCT_SIZE;
    a.messageType = NVTX_MESSAGE_TYPE_ASCII;
    a.message.ascii = name;
    nvtxDomainRangePushEx(nvtx_domain(), &a);
  }
  void range_pop() override { nvtxDomainRangePop(nvtx_domain()); }
#endif

  // Slot 1 holds the weights of the tensor-core layers, stored at their precision.
  size_t keep_constants(const OpArgs& op, const std::vector<bool>& constant) override {
    return constant.size() > 1 && constant[1] ? stored_.keep(op) : 0;
  }
  void forget_constants(const OpArgs& op, const std::vector<bool>& constant) override {
    if (constant.size() > 1 && constant[1]) stored_.forget(op);
  }

#define XFV_FORWARD_RUN(op) \
  void run(const op##Args& args) override { forward(args); }
  XFV_FOR_EACH_OP(XFV_FORWARD_RUN)
#undef XFV_FORWARD_RUN

 private:
  template <class Args>
  void forward(const Args& args) { XFV_DEVICE_NS::run(args, stream_); }
  // A reduced precision runs on tensor cores (conv_mma.cu), reading its weights' stored
  // form where a runner keeps one, the fp32 weights otherwise.
  template <class Args>
  void forward_gemm(const Args& args) {
    if (args.d.precision == Precision::Fp32)
      XFV_DEVICE_NS::run(args, stream_);
    else
      XFV_DEVICE_NS::run_mma(args, stored_.find(args.w, args.d.precision), stream_);
  }
  void forward(const Conv2dArgs& args) { forward_gemm(args); }
  void forward(const LinearArgs& args) { forward_gemm(args); }
  void forward(const ConvTranspose1dArgs& args) { forward_gemm(args); }

  cudaStream_t stream_{};
  StoredWeights stored_;  // released through this backend: destroyed before it
};

}  // namespace

// Whether this backend can run here; the reason when not (no GPU, no driver).
bool available(std::string* why) {
  int count = 0;
  const cudaError_t e = cudaGetDeviceCount(&count);
  if (e == cudaSuccess && count > 0) return true;
  if (why) *why = e != cudaSuccess ? cudaGetErrorString(e) : "no CUDA device";
  return false;
}

std::unique_ptr<Backend> make_backend() { return std::make_unique<DeviceBackend>(); }

#if !defined(XFV_SIM)
GpuSpec device_spec() {
  int device = 0;
  XFV_CHECK(cudaGetDevice(&device));
  cudaDeviceProp prop{};
  XFV_CHECK(cudaGetDeviceProperties(&prop, device));
  // The clocks are attributes only: CUDA 13's cudaDeviceProp no longer carries them.
  const auto attribute = [device](cudaDeviceAttr a) {
    int value = 0;
    XFV_CHECK(cudaDeviceGetAttribute(&value, a, device));
    return value;
  };
  GpuSpec s;
  s.name = prop.name;
  s.major = prop.major, s.minor = prop.minor;
  s.sms = prop.multiProcessorCount;
  s.clock_khz = attribute(cudaDevAttrClockRate);
  s.memory_clock_khz = attribute(cudaDevAttrMemoryClockRate);
  s.bus_bits = prop.memoryBusWidth;
  return s;
}
#endif

}  // namespace XFV_DEVICE_NS
}  // namespace xfv
