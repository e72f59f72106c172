#include "engine/models/stream_builder.h"

#include <algorithm>
#include <stdexcept>

#include "engine/cpu/conv2d_winograd.h"

namespace xfv {

StreamBuilder::StreamBuilder(NetBuilder& b, int step, bool exact_tiles) : b_(b), step_(step), exact_tiles_(exact_tiles) {
  if (step < 1) throw std::invalid_argument(b.network() + ": a stream's step needs at least one frame");
}

Timed StreamBuilder::input(const std::string& argument, int planes) {
  return Timed{b_.input(argument, Shape{1, planes, 1, step_}), planes, 1, 0};
}

ValueId StreamBuilder::delay_line(const std::string& path, ValueId src, int src_w, int src0, const Timed& x,
                                  int context, int out_cols, bool mask) {
  const int w = width(x), planes = x.planes;
  if (context < 0 || out_cols < 1 || out_cols > context + w)
    throw std::logic_error(b_.name(path) + ": a window of " + std::to_string(out_cols) + " columns from " +
                           std::to_string(context) + " kept and " + std::to_string(w) + " new");
  // Column 0 of [kept, new] is at x's time less `context`: time0 = f * rate - lag - context.
  TimeWindowDesc d{planes};
  d.per_frame = mask ? x.rate : 0;
  const int64_t time0 = mask ? -x.lag - context : 0;
  d.b_w = src_w;
  if (context == 0) {
    d.b0 = src0, d.wb = out_cols, d.time0 = time0;
    return b_.node(path + ".window", TimeWindowArgs{d}, {kNoValue, src}, Shape{1, planes, 1, out_cols});
  }
  const ValueId kept = b_.graph().add_input(b_.name(path + ".state"), Shape{1, planes, 1, context});
  d.a_w = context;
  TimeWindowDesc out = d;  // [kept, new][0, out_cols)
  out.time0 = time0;
  out.wa = std::min(out_cols, context), out.b0 = src0, out.wb = out_cols - out.wa;
  const ValueId y = b_.node(path + ".window", TimeWindowArgs{out}, {kept, src}, Shape{1, planes, 1, out_cols});
  TimeWindowDesc next = d;  // [kept, new][w, w + context)
  next.time0 = mask ? time0 + w : 0;
  next.a0 = std::min(w, context), next.wa = context - next.a0;
  next.b0 = src0 + std::max(0, w - context), next.wb = std::min(w, context);
  const ValueId state = b_.node(path + ".state.next", TimeWindowArgs{next}, {next.wa ? kept : kNoValue, src},
                                Shape{1, planes, 1, context});
  b_.graph().add_state(kept, state);
  return y;
}

Timed StreamBuilder::slice(const std::string& path, ValueId window_of_x, const Timed& x, int context, int delay) {
  if (delay < 0 || delay > context) throw std::logic_error(b_.name(path) + ": a delay past the window");
  const int w = width(x);
  TimeWindowDesc d{x.planes};
  d.b_w = context + w, d.b0 = context - delay, d.wb = w;
  d.time0 = -x.lag - delay, d.per_frame = x.rate;
  const ValueId y = b_.node(path, TimeWindowArgs{d}, {kNoValue, window_of_x}, Shape{1, x.planes, 1, w});
  return Timed{y, x.planes, x.rate, x.lag + delay};
}

Timed StreamBuilder::delay(const std::string& path, const Timed& x, int delay) {
  if (delay == 0) return x;
  return Timed{delay_line(path, x.v, width(x), 0, x, delay, width(x)), x.planes, x.rate, x.lag + delay};
}

int StreamBuilder::halo(const Timed& x, int cout, int k, int dilation) const {
  if (!exact_tiles_) return 0;
  Conv2dDesc d{1, x.planes, 1, 1, cout, 1, k};
  d.dil_w = dilation;
  const cpu::Winograd1dScheme scheme = cpu::winograd1d_scheme(d);
  return scheme ? dilation * scheme.overhang : 0;
}

Timed StreamBuilder::conv1d_on(const std::string& path, ValueId window_of_x, const Timed& x, const std::string& key,
                               int cout, int k, int dilation, int pad, bool bias, float slope, const Timed* residual,
                               float alpha, float beta) {
  // Output j reads the window's columns halo + j + dilation * i: outputs come as late as
  // the conv's right padding and the halo.
  const int halo_w = halo(x, cout, k, dilation), w = width(x);
  const int64_t lag = conv_lag(x, cout, k, dilation, pad);
  if (residual && (residual->lag != lag || residual->rate != x.rate))
    throw std::logic_error(b_.name(path) + ": its residual is not as late as its output");
  Conv2dArgs a;
  a.d = {1, x.planes, 1, conv_context(x, cout, k, dilation) + w, cout, 1, k};
  a.d.dil_w = dilation, a.d.pad_w = -halo_w;
  a.d.alpha = alpha, a.d.beta = residual ? beta : 0.f, a.d.input_slope = slope;
  a.d.origin_w = -lag, a.d.origin_per_frame = x.rate;
  const ValueId wt = b_.weight(key + ".weight", Shape{cout, x.planes, 1, k});
  const ValueId b = bias ? b_.weight(key + ".bias", Shape{cout}) : kNoValue;
  const ValueId y = b_.node(path, a, {window_of_x, wt, b, residual ? residual->v : kNoValue}, Shape{1, cout, 1, w});
  return Timed{y, cout, x.rate, lag};
}

Timed StreamBuilder::conv1d(const std::string& path, const Timed& x, const std::string& key, int cout, int k,
                            int dilation, int pad, bool bias, float slope, const Timed* residual, float alpha,
                            float beta) {
  const int context = conv_context(x, cout, k, dilation);
  const ValueId win = context ? window(path, x, context) : x.v;
  return conv1d_on(path, win, x, key, cout, k, dilation, pad, bias, slope, residual, alpha, beta);
}

Timed StreamBuilder::leaky_conv_transpose1d(const std::string& path, const Timed& x, const std::string& key, int cout,
                                            int k, int u, int pad, float slope) {
  if (k % u != 0)
    throw std::invalid_argument(b_.name(path) + ": a transposed conv of kernel " + std::to_string(k) + " and stride " +
                                std::to_string(u) + " does not stream (the kernel must be a multiple of the stride)");
  // Output o of the window (unpadded) reads inputs floor(o / u) - k / u + 1 ... floor(o / u):
  // cropping k - u outputs each side keeps those whose inputs all lie in the window.
  const int context = k / u - 1;
  const ValueId win = window(path, x, context);
  const ValueId y = b_.leaky_conv_transpose1d(path, win, key, cout, k, u, k - u, slope);
  return Timed{y, cout, x.rate * u, x.lag * u + pad};
}

}  // namespace xfv
