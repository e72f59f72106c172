#include <chrono>
#include <cstdlib>
#include <cstring>
#include <new>

#include "engine/cpu/cpu_ops.h"
#include "engine/cpu/prepared_convs.h"
#include "engine/cpu/thread_scratch.h"

namespace xfv {
namespace cpu {
namespace {

class WallTimer : public Timer {
 public:
  void start() override { t0_ = std::chrono::steady_clock::now(); }
  void stop() override { t1_ = std::chrono::steady_clock::now(); }
  double elapsed_ms() override { return std::chrono::duration<double, std::milli>(t1_ - t0_).count(); }

 private:
  std::chrono::steady_clock::time_point t0_, t1_;
};

class CpuBackend : public Backend {
 public:
  std::string name() const override { return "cpu"; }
  void* allocate(size_t bytes) override {
    // 64-byte alignment for vector loads; aligned_alloc wants a multiple of the alignment.
    void* p = std::aligned_alloc(64, (bytes + 63) / 64 * 64 + 64);
    if (!p) throw std::bad_alloc();
    return p;
  }
  void release(void* p) override { std::free(p); }
  void upload(void* dst, const void* src, size_t bytes) override { std::memcpy(dst, src, bytes); }
  void download(void* dst, const void* src, size_t bytes) override { std::memcpy(dst, src, bytes); }
  void fill_bytes(void* dst, int byte, size_t bytes) override { std::memset(dst, byte, bytes); }
  void synchronize() override {}
  bool runs_on_host_memory() const override { return true; }
  std::unique_ptr<Timer> make_timer() override { return std::make_unique<WallTimer>(); }

  // Slot 1 holds the weights of both convs the cpu prepares for (PreparedConvs).
  void settle_workspaces() override { cpu::settle_thread_scratch(); }
  size_t keep_constants(const OpArgs& op, const std::vector<bool>& constant) override {
    return constant.size() > 1 && constant[1] ? prepared_.keep(op) : 0;
  }
  void forget_constants(const OpArgs& op, const std::vector<bool>& constant) override {
    if (constant.size() > 1 && constant[1]) prepared_.forget(op);
  }

#define XFV_FORWARD_RUN(op) \
  void run(const op##Args& args) override { forward(args); }
  XFV_FOR_EACH_OP(XFV_FORWARD_RUN)
#undef XFV_FORWARD_RUN

 private:
  template <class Args>
  void forward(const Args& args) { cpu::run(args); }
  // A reduced precision takes the rounded reference (conv_mma.cpp).
  template <class Args>
  static bool reduced(const Args& args) { return args.d.precision != Precision::Fp32; }
  void forward(const Conv2dArgs& args) { reduced(args) ? cpu::run_rounded(args) : cpu::run(args, &prepared_); }
  void forward(const LinearArgs& args) { reduced(args) ? cpu::run_rounded(args) : cpu::run(args); }
  void forward(const ConvTranspose1dArgs& args) {
    reduced(args) ? cpu::run_rounded(args) : cpu::run(args, &prepared_);
  }

  PreparedConvs prepared_;
};

}  // namespace

std::unique_ptr<Backend> make_backend() { return std::make_unique<CpuBackend>(); }

}  // namespace cpu
}  // namespace xfv
