// The moments of a set of numbers, count, mean and M2 (the sum of squared deviations from
// the mean), and their merge by Chan et al.'s parallel formula: stable where summing squares
// would cancel. The cpu instance norm and the stream's running statistics merge in double,
// the kernel in float.
#pragma once

#include "host_device.h"

namespace xfv {

template <class T>
struct Moments {
  T count = 0, mean = 0, m2 = 0;
};

// An empty side leaves the other's bits as they are (a stream's first window then gives the
// plain instance norm's).
template <class T>
XFV_HD Moments<T> merge(const Moments<T>& a, const Moments<T>& b) {
  if (b.count == 0) return a;
  if (a.count == 0) return b;
  const T n = a.count + b.count, delta = b.mean - a.mean;
  return {n, a.mean + delta * (b.count / n), a.m2 + b.m2 + delta * delta * (a.count * b.count / n)};
}

}  // namespace xfv
