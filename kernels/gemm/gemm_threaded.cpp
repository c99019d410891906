// Step 7, gemm_threaded: the fastest packed step, with its row blocks of C shared by threads.
//
//   for jc, pc: pack B panel (panels split over threads) ; barrier
//               omp for over ic: pack own A block, macro-kernel into C[ic.., jc..] ; barrier
//
// Parent: gemm_packed_avx512_14x32 (or gemm_packed_vc_6x16 on a CPU without AVX-512). What it
// adds: OpenMP over independent blocks of C. Each element of C belongs to one row block, so one
// thread computes it, and its sum is taken over the same kc blocks in the same order as in the
// serial step: the result is bit-identical to the serial step and to itself for any thread
// count. The B panel is packed once and shared; each thread packs its own A block.
// When it wins: large M (at least one row block of the micro-kernel height per thread). Kernels
// that already parallelize over a batch or over channel blocks call the serial gemm() instead.
// Cost: one A block of scratch per thread; a barrier per kc x nc panel.
// Threads: omp_get_max_threads() (set by OMP_NUM_THREADS or omp_set_num_threads), one for
// problems under 128^3 multiply-adds.
#include <omp.h>

#include "kernels/gemm/detail.hpp"

namespace convlab {

// [docs:gemm-threaded]
void gemm_threaded(const GemmProblem& p) {
  gemm_detail::check_problem("gemm_threaded", p);
  // Below 128^3 multiply-adds (~40 us on one core) a team's start and barriers cost more than
  // they save, and on a busy machine a descheduled thread stalls every barrier; the result is
  // the same either way.
  const int threads = p.M * p.N * p.K < 128 * 128 * 128 ? 1 : omp_get_max_threads();
  if (cpu_has_avx512()) {
    gemm_detail::packed_avx512_14x32_run(p, threads);
  } else {
    gemm_detail::packed_vc_6x16_run(p, threads);
  }
}
// [docs:end]

}  // namespace convlab
