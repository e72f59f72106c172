// Step graphs: a network along time built for a fixed step of `step` frames, a pure function
// (the step's new frames, the states) -> (its new outputs, the next states). Every layer
// that looks along time keeps its left context as a state (Graph::add_state): its input is
// the kept columns followed by the new ones (a TimeWindow node), it runs unpadded and gives
// exactly as many new columns as came in, later by its right padding; its next state is the
// last columns of the same two. Paths that join a later one are delayed by the same means.
// The windows zero the columns outside the signal (TimeWindowDesc's mask, bound per step by
// Runner::set_stream_position), so the start sees the whole run's left zero padding and a
// flush its right padding. Work per step is proportional to the step; only the contexts
// are copied besides.
#pragma once

#include <string>

#include "engine/models/net_builder.h"

namespace xfv {

// A value of a step graph: `planes` rows of step * rate columns; column j of the step that
// starts at frame f is the whole run's column f * rate - lag + j.
struct Timed {
  ValueId v = kNoValue;
  int planes = 0, rate = 1;
  int64_t lag = 0;
};

// A vocoder's step graph (add_hifigan_step, add_vocoder_step).
struct VocoderStepIO {
  ValueId input = kNoValue;   // (1, bands, 1, step): the step's new frames, band-major
  ValueId output = kNoValue;  // (1, 1, 1, step * hop): the whole run's samples from f * hop - lag on
  int64_t lag = 0;            // in samples: the right-hand receptive field
  // Parallel WaveGAN: its noise node (`<network>.noise`) draws the samples from f * hop -
  // noise_lag on (Runner::set_random_stream; never a negative offset), and the stream feeds
  // lead_frames copies of the first frame before it and of the last after it (its
  // replication padding), with f counted from the first real frame.
  int64_t noise_lag = 0;
  int lead_frames = 0;
};

class StreamBuilder {
 public:
  // exact_tiles: the convs the cpu runs by 1-D Winograd keep a halo of d (m - 1) columns
  // each side beyond their window, so that their edge tiles read the whole run's inputs and
  // round as the whole run does (Conv2dDesc::origin_w); the right one is look-ahead, added to
  // the lag. Without, those tiles round differently near each step's edges.
  StreamBuilder(NetBuilder& b, int step, bool exact_tiles);
  NetBuilder& net() { return b_; }
  int step() const { return step_; }
  int width(const Timed& x) const { return step_ * x.rate; }

  // The network's input (1, planes, 1, step) at the frame rate, lag 0.
  Timed input(const std::string& argument, int planes);

  // A delay line on the new columns [src0, src0 + width) of `src` (planes, src_w), which
  // are `x`'s (x.v is not read): its first `out_cols` columns of [the `context` kept columns,
  // the new ones], whose column 0 is at x's time of column 0 less `context`. Masked to the
  // signal unless `mask` is false (a padded input whose padding is real data).
  ValueId delay_line(const std::string& path, ValueId src, int src_w, int src0, const Timed& x, int context,
                     int out_cols, bool mask = true);
  // x with `context` columns of its past before it: (1, planes, 1, context + width).
  ValueId window(const std::string& path, const Timed& x, int context, bool mask = true) {
    return delay_line(path, x.v, width(x), 0, x, context, context + width(x), mask);
  }
  // x later by `delay` columns, taken from its window of `context` >= delay columns.
  Timed slice(const std::string& path, ValueId window_of_x, const Timed& x, int context, int delay);
  // x later by `delay` columns (a delay line of its own).
  Timed delay(const std::string& path, const Timed& x, int delay);

  // NetBuilder's conv1d / leaky_conv1d (kernel k, dilation, padding `pad` each side) on x's
  // window: the same outputs, later by the conv's right padding. `residual` must be as late
  // as the result.
  // `slope` != 1: LeakyReLU fused on the input (HiFi-GAN's convs); y = alpha * (conv + bias)
  // + beta * residual. A 1x1 conv needs no window.
  Timed conv1d(const std::string& path, const Timed& x, const std::string& key, int cout, int k, int dilation,
               int pad, bool bias, float slope = 1.f, const Timed* residual = nullptr, float alpha = 1.f,
               float beta = 0.f);
  // The same on x's window of conv_context(...) columns, which the caller keeps (a residual
  // may be sliced from it).
  int conv_context(const Timed& x, int cout, int k, int dilation) const {
    return dilation * (k - 1) + 2 * halo(x, cout, k, dilation);
  }
  // The lag of its output.
  int64_t conv_lag(const Timed& x, int cout, int k, int dilation, int pad) const {
    return x.lag + dilation * (k - 1) - pad + halo(x, cout, k, dilation);
  }
  Timed conv1d_on(const std::string& path, ValueId window_of_x, const Timed& x, const std::string& key, int cout, int k,
                  int dilation, int pad, bool bias, float slope, const Timed* residual, float alpha, float beta);
  // NetBuilder's leaky_conv_transpose1d (stride u, kernel k a multiple of u, padding pad) on
  // x's window of k / u - 1 columns: rate * u, later by pad.
  Timed leaky_conv_transpose1d(const std::string& path, const Timed& x, const std::string& key, int cout, int k,
                               int u, int pad, float slope);
  // A value of the same times as x (an elementwise result of it).
  Timed same_time(ValueId v, const Timed& x, int planes) const { return Timed{v, planes, x.rate, x.lag}; }

 private:
  int halo(const Timed& x, int cout, int k, int dilation) const;  // d (m - 1), or 0

  NetBuilder& b_;
  int step_;
  bool exact_tiles_;
};

}  // namespace xfv
