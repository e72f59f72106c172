// The p-quantile of timings, as the stream reports and the stream benches give them: the
// element at rank floor(p * n) of the sorted values (the last for p = 1), 0 when there are none.
#pragma once

#include <algorithm>
#include <cstddef>
#include <vector>

namespace xfv {

inline double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

}  // namespace xfv
