// Every op, on every backend, against the cpu backend, on random inputs of many shapes
// (in the manner of ggml's test-backend-ops). Shared by the tests and `xfv ops`.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/backend.h"

namespace xfv {

struct OpCase {
  OpArgs op;                               // the desc; pointers are bound when it runs
  std::vector<std::vector<float>> inputs;  // in bind order; empty for an absent optional input
  double tolerance = 1e-5;                 // relative L2 error allowed against cpu
};

// The cases: each op family at awkward shapes (1, 3, 17, odd and non-square), small
// enough for sim. Inputs are drawn afresh from `seed`.
std::vector<OpCase> op_cases(uint64_t seed);

// An op with its inputs uploaded to a backend and its output allocated there, bound and
// ready to run: the op checker runs it once, the benches many times.
class BoundOp {
 public:
  // `inputs` in bind order; an empty one leaves that optional input unbound. In place: the
  // output buffer starts as the op's in-place input (OpTraits::in_place_input), bound to both,
  // as the runner's planner may place them.
  BoundOp(OpArgs op, const std::vector<std::vector<float>>& inputs, Backend& backend, bool in_place = false);
  void poison_output();  // NaN bytes: an element the op leaves unwritten shows
  void run() { backend_.run(op_); }
  double timed_run_ms();  // one run, on the backend's clock
  std::vector<float> output();
  double flops() const { return flops_; }
  double bytes() const { return bytes_; }  // inputs read and output written

 private:
  OpArgs op_;
  Backend& backend_;
  std::vector<DeviceBuffer> inputs_;
  DeviceBuffer output_;
  double flops_ = 0, bytes_ = 0;
};

struct OpRun {
  std::vector<float> output;
  double ms = 0;  // the op alone, on the backend's clock
};
// Uploads the inputs, poisons the output with NaN, runs the op once, downloads the result.
OpRun run_case(const OpCase& c, Backend& backend);
// Whether the case binds its op's in-place input; if so, the op run in place over it.
bool has_in_place_input(const OpCase& c);
OpRun run_case_in_place(const OpCase& c, Backend& backend);

// sqrt(sum (got - want)^2 / sum want^2); 0 for two equal all-zero vectors, +inf for a size
// mismatch, NaN when `got` holds a NaN.
double relative_l2(const std::vector<float>& got, const std::vector<float>& want);
double max_abs_diff(const std::vector<float>& got, const std::vector<float>& want);

}  // namespace xfv
