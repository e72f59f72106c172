// A loop over [0, n) on the OpenMP team, or on the calling thread without entering a parallel
// region where the loop does not earn one (`parallel` false), where it already runs inside one,
// or where the team is a single thread. Not `#pragma omp parallel for if (...)`: libgomp
// allocates a team for every region it enters, one of a single thread included (and frees it
// at the region's end), so a region whose `if` is false still calls malloc, and a stream's
// push, made of small ops, would allocate (tools/debug/c_allocations.gdb counted 1,860 such
// teams in VoiceStreams.PushAndPullAllocateNothing's pushes).
#pragma once

#include <omp.h>

#include <cstdint>

namespace xfv {
namespace cpu {

inline bool team_pays(bool parallel, int threads) { return parallel && threads > 1 && !omp_in_parallel(); }

// body(i) for each i, in static blocks on a team of omp_get_max_threads().
template <class Body>
void parallel_for(int64_t n, bool parallel, const Body& body) {
  if (team_pays(parallel, omp_get_max_threads())) {
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < n; ++i) body(i);
  } else {
    for (int64_t i = 0; i < n; ++i) body(i);
  }
}

// The same, each i taken by the next free thread of a team of `threads` (jobs of uneven cost).
template <class Body>
void parallel_for_dynamic(int64_t n, int threads, bool parallel, const Body& body) {
  if (team_pays(parallel, threads)) {
#pragma omp parallel for schedule(dynamic) num_threads(threads)
    for (int64_t i = 0; i < n; ++i) body(i);
  } else {
    for (int64_t i = 0; i < n; ++i) body(i);
  }
}

// body() on a team of `threads`, or once on the calling thread. Its loops are shared out by
// `#pragma omp for schedule(static)`, which a thread outside any region runs whole without
// calling libgomp (a dynamic schedule there would allocate a work share).
template <class Body>
void parallel_region(int threads, bool parallel, const Body& body) {
  if (team_pays(parallel, threads)) {
#pragma omp parallel num_threads(threads)
    body();
  } else {
    body();
  }
}

}  // namespace cpu
}  // namespace xfv
