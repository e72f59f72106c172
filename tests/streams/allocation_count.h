// Heap allocations counted while a test asks (operator new is replaced for the stream tests'
// binary, in allocation_count.cpp): a stream's push and pull must make none once it runs.
#pragma once

#include <cstdint>

namespace xfv {

void start_counting_allocations();
// The allocations since start_counting_allocations(); counting stops.
int64_t stop_counting_allocations();

}  // namespace xfv
