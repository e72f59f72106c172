// ResamplerStream and resampled_length (engine/io/audio.h), in every build: the same rate
// passes samples through, which needs no library, so that a stream at the models' rate runs
// where libsoxr is absent (the bare GPU profile); other rates resample through libsoxr, or
// fail naming it where the build has none.
#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "engine/io/audio.h"
#ifdef XFV_HAVE_SOXR
#include <soxr.h>
#else
#include "engine/io/absent.h"
#endif

namespace xfv {
namespace {

#ifdef XFV_HAVE_SOXR
void check(soxr_error_t error) {
  if (error) throw std::runtime_error(std::string("resample: libsoxr: ") + error);
}
// resample()'s filter (SOXR_HQ) as a stream.
void* create_resampler(int from, int to) {
  const soxr_io_spec_t io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I);
  const soxr_quality_spec_t quality = soxr_quality_spec(SOXR_HQ, 0);
  soxr_error_t error = nullptr;
  soxr_t s = soxr_create(from, to, 1, &error, &io, &quality, nullptr);
  check(error);
  if (!s) throw std::runtime_error("resample: libsoxr: no resampler");
  return s;
}
void delete_resampler(void* s) { soxr_delete(static_cast<soxr_t>(s)); }
// Samples given for `count` more (none: the end, the filter drained), at most `room`.
size_t run_resampler(void* s, const float* in, size_t count, float* out, size_t room) {
  size_t used = 0, done = 0;
  check(soxr_process(static_cast<soxr_t>(s), in, count, in ? &used : nullptr, out, room, &done));
  return done;
}
double resampler_delay(void* s) { return soxr_delay(static_cast<soxr_t>(s)); }
#else
void* create_resampler(int from, int to) {
  codec_absent("resampling " + std::to_string(from) + " Hz to " + std::to_string(to) + " Hz", "libsoxr");
}
void delete_resampler(void*) {}
size_t run_resampler(void*, const float*, size_t, float*, size_t) { return 0; }  // never made
double resampler_delay(void*) { return 0; }
#endif

}  // namespace

ResamplerStream::ResamplerStream(int from_rate, int to_rate) : from_(from_rate), to_(to_rate) {
  if (from_rate < 1 || to_rate < 1)
    throw std::invalid_argument("resample: bad rates " + std::to_string(from_rate) + " -> " + std::to_string(to_rate));
  reset();
}

ResamplerStream::~ResamplerStream() {
  if (soxr_) delete_resampler(soxr_);
}

void ResamplerStream::reset() {
  if (soxr_) delete_resampler(soxr_);
  soxr_ = nullptr;
  pushed_ = given_ = 0;
  flushed_ = false;
  if (from_ != to_) soxr_ = create_resampler(from_, to_);
}

void ResamplerStream::push(const float* samples, int64_t count, std::vector<float>& out) {
  if (flushed_) throw std::logic_error("resample: a push after the input's end: reset() starts a new one");
  pushed_ += count;
  if (!soxr_) {
    out.insert(out.end(), samples, samples + count);
    given_ += count;
    return;
  }
  // Room for what `count` samples give, and what the filter still holds.
  const size_t room = static_cast<size_t>(std::ceil(static_cast<double>(count) * to_ / from_)) + 64;
  const size_t at = out.size();
  out.resize(at + room);
  const size_t done = run_resampler(soxr_, samples, static_cast<size_t>(count), out.data() + at, room);
  out.resize(at + done);
  given_ += static_cast<int64_t>(done);
}

void ResamplerStream::flush(std::vector<float>& out) {
  if (flushed_) return;
  flushed_ = true;
  const int64_t total = resampled_length(pushed_, from_, to_);
  if (soxr_) {
    // Drain the filter (a null input ends it), then cut or zero-fill to resample()'s length.
    for (;;) {
      float tail[4096];
      const size_t done = run_resampler(soxr_, nullptr, 0, tail, 4096);
      const int64_t keep = std::min<int64_t>(static_cast<int64_t>(done), total - given_);
      if (keep > 0) out.insert(out.end(), tail, tail + keep), given_ += keep;
      if (done == 0) break;
    }
  }
  if (given_ > total) throw std::logic_error("resample: the stream gave more samples than resample() would");
  out.insert(out.end(), static_cast<size_t>(total - given_), 0.f);
  given_ = total;
}

double ResamplerStream::delay_samples() const { return soxr_ ? resampler_delay(soxr_) : 0.0; }

int64_t resampled_length(int64_t size, int from_rate, int to_rate) {
  if (from_rate == to_rate) return size;
  return static_cast<int64_t>(std::ceil(static_cast<double>(size) * to_rate / static_cast<double>(from_rate)));
}

}  // namespace xfv
