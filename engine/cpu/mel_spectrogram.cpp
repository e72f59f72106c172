// The mel front end in float: per frame, the window applied as the frame is gathered, the
// rFFT (engine/cpu/real_fft.h), the power or magnitude, and each band's sum over its nonzero
// bins only (a triangle spans a few dozen of the 513 or 1025); then the log over the whole
// output in one vectorized pass. Every frame goes through the same steps in the same order,
// so an output sample has the same bits whatever the batch, length or thread count.
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "engine/cpu/activation.h"
#include "engine/cpu/conv2d_winograd.h"
#include "engine/cpu/cpu_ops.h"
#include "engine/cpu/parallel_for.h"
#include "engine/cpu/real_fft.h"

namespace xfv {
namespace cpu {
namespace {

// The bins [first, end) outside which a filterbank row is zero.
struct BinRange {
  int first, end;
};

BinRange nonzero_range(const float* row, int size) {
  int first = 0, end = size;
  while (first < end && row[first] == 0.f) ++first;
  while (end > first && row[end - 1] == 0.f) --end;
  return {first, end};
}

// sum_k a[k] b[k] in float, in 8 running sums (so that it vectorizes) folded at the end.
float dot(const float* a, const float* b, int size) {
  constexpr int kLanes = 8;
  float lanes[kLanes] = {};
  int k = 0;
  for (; k + kLanes <= size; k += kLanes)
    for (int l = 0; l < kLanes; ++l) lanes[l] += a[k + l] * b[k + l];
  float sum = 0.f;
  for (; k < size; ++k) sum += a[k] * b[k];
  for (float v : lanes) sum += v;
  return sum;
}

}  // namespace

void run(const MelSpectrogramArgs& a) {
  const MelSpectrogramDesc& d = a.d;
  const int bins = d.bins(), frames = d.frames();
  const int64_t total = int64_t{d.n} * frames;
  const BinRange window = nonzero_range(a.window, d.n_fft);  // the rest of each frame is zero
  // What a call needs is kept from one call to the next (the bands' ranges per calling thread,
  // the buffers in the convs' workspace): a stream's step of the front end allocates nothing.
  thread_local std::vector<BinRange> kept_bands;
  kept_bands.clear();
  for (int m = 0; m < d.n_mels; ++m) kept_bands.push_back(nonzero_range(a.fb + int64_t{m} * bins, bins));
  const std::vector<BinRange>& bands = kept_bands;  // the calling thread's, inside the region too
  const RealFft fft(d.n_fft);
  // Per thread: a frame, its transform (n + 2) and its spectrum, each on a 64-byte line
  // (RealFft::kAlignment: the workspace's slices start on one).
  const auto lines = [](int floats) { return static_cast<size_t>(floats + 15) / 16 * 16; };
  const size_t frame_floats = lines(d.n_fft), transform_floats = lines(d.n_fft + 2);
  const ThreadSlices buffers(frame_floats + transform_floats + static_cast<size_t>(bins), omp_get_max_threads());
  parallel_region(buffers.threads(), total * d.n_fft >= kParallelMin, [&] {
    float* frame = buffers.mine();
    float* transform = frame + frame_floats;
    float* spectrum = transform + transform_floats;
#pragma omp for schedule(static)
    for (int64_t f = 0; f < total; ++f) {
      const int64_t n = f / frames;
      const int t = static_cast<int>(f % frames);
      const float* x = a.x + n * d.length;
      // Sample j of frame t is x[start + j], reflected at the ends.
      const int start = t * d.hop - d.padding;
      std::fill(frame, frame + window.first, 0.f);
      std::fill(frame + window.end, frame + d.n_fft, 0.f);
      if (start + window.first >= 0 && start + window.end <= d.length) {
        for (int j = window.first; j < window.end; ++j) frame[j] = a.window[j] * x[start + j];
      } else {
        for (int j = window.first; j < window.end; ++j) {
          int i = start + j;
          i = i < 0 ? -i : (i >= d.length ? 2 * (d.length - 1) - i : i);
          frame[j] = a.window[j] * x[i];
        }
      }
      fft(frame, transform);
      for (int k = 0; k < bins; ++k) {
        const float power = transform[2 * k] * transform[2 * k] + transform[2 * k + 1] * transform[2 * k + 1];
        spectrum[k] = d.spectrum == MelSpectrum::kMagnitude ? std::sqrt(power + 1e-9f) : power;
      }
      // The log's argument, max(mel, 1e-5) or 1e-5 + mel: here, where the loop is scalar
      // anyway, since a float comparison keeps the log's loop below from vectorizing.
      float* y = a.y + n * d.n_mels * frames + t;
      for (int m = 0; m < d.n_mels; ++m) {
        const BinRange& r = bands[static_cast<size_t>(m)];
        const float mel = dot(a.fb + int64_t{m} * bins + r.first, spectrum + r.first, r.end - r.first);
        y[int64_t{m} * frames] = d.log == MelLog::kClampedLn ? std::max(mel, 1e-5f) : 1e-5f + mel;
      }
    }
    const int64_t count = total * d.n_mels;
    float* y = a.y;
    if (d.log == MelLog::kClampedLn) {
#pragma omp for schedule(static)
      for (int64_t i = 0; i < count; ++i) y[i] = log_vectorizable(y[i]);
    } else {
#pragma omp for schedule(static)
      for (int64_t i = 0; i < count; ++i) y[i] = (log_vectorizable(y[i]) + 4.f) * 0.25f;
    }
  });
}

}  // namespace cpu
}  // namespace xfv
