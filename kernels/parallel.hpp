// One way for every kernel to decide between a team of OpenMP threads and none.
#pragma once

#include <omp.h>

namespace convlab {

// Runs body() once per thread of a new OpenMP team when `parallel`, more than one thread is
// allowed (omp_get_max_threads()) and no region is active already (nested regions get one
// thread), else once, directly on the calling thread. The body may hold
// orphaned work-sharing constructs (`#pragma omp for`): with no team they bind to the calling
// thread alone and cost a few nanoseconds.
//
// Why not `#pragma omp parallel if (parallel)`: with the condition false that is still a
// parallel region of one thread, and once libgomp has a pool of threads (any earlier region
// of two) entering it costs a futex system call: 1.2 us per region measured on the development
// machine (AMD EPYC, a virtual machine), a fifth of LeNet's 6 us c5 layer. Small problems are
// exactly the ones that skip threads, so they paid it every call; and so did every layer run
// with one thread allowed (OMP_NUM_THREADS=1), where a team would be that one thread.
// [docs:parallel-region]
template <class Body>
void parallel_region(bool parallel, Body&& body) {
  if (parallel && omp_get_max_threads() > 1 && !omp_in_parallel()) {
#pragma omp parallel
    body();
  } else {
    body();
  }
}
// [docs:end]

}  // namespace convlab
