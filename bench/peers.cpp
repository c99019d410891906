// The peers of bench_variants: which are compiled in, and the OpenBLAS start-up dance.
//
// Peers are variants of other libraries timed on the same problems in the same run, never used
// by the library or the tests:
//   onednn                oneDNN (format_tag::any), the faster of its direct and Winograd
//                         algorithms, reorders from and to NCHW excluded (conv2d; also pooling
//                         and linear, where oneDNN has one algorithm);
//   onednn_with_reorders  the same with the reorders of input, weights and output included;
//   onednn_direct, onednn_winograd   each algorithm on its own (--onednn-algorithms);
//   openblas_im2col       our im2col + OpenBLAS cblas_sgemm (conv2d);
//   openblas_sgemm        OpenBLAS cblas_sgemm alone (gemm, linear).
//
// OpenBLAS picks its kernels when the library is loaded, before main(). Debian's 0.3.21 does
// not recognise recent CPUs and falls back to slow generic kernels unless OPENBLAS_CORETYPE
// names a core; prepare_peers() therefore sets it (SkylakeX with AVX-512, else Haswell with
// AVX2) and re-executes the program once, unless the user set it. The core OpenBLAS reports
// (openblas_get_corename) goes into the context and the label of every OpenBLAS benchmark.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "bench/bench_common.hpp"
#include "kernels/gemm/gemm.hpp"

namespace convlab::bench {

#ifdef CONVLAB_HAVE_DNNL
void register_onednn(const Problem& p);
std::string onednn_version();
#endif
#ifdef CONVLAB_HAVE_OPENBLAS
void register_openblas(const Problem& p);
std::string openblas_core();
void openblas_set_threads(int threads);
#endif

void prepare_peers(char** argv) {
#ifdef CONVLAB_HAVE_OPENBLAS
  if (std::getenv("OPENBLAS_CORETYPE") == nullptr &&
      std::getenv("CONVLAB_BENCH_REEXEC") == nullptr) {
    // __builtin_cpu_supports reads cpuid; no OpenBLAS code runs before the exec.
    const char* core = cpu_has_avx512()                 ? "SkylakeX"
                       : __builtin_cpu_supports("avx2") ? "Haswell"
                                                        : nullptr;
    if (core != nullptr) {
      setenv("OPENBLAS_CORETYPE", core, 1);
      setenv("CONVLAB_BENCH_REEXEC", "1", 1);  // never loop
      execv("/proc/self/exe", argv);
      std::perror("bench_variants: re-executing with OPENBLAS_CORETYPE set failed");
    }
  }
#else
  (void)argv;
#endif
}

void add_peer_context() {
#ifdef CONVLAB_HAVE_OPENBLAS
  openblas_set_threads(options().threads);
  const char* requested = std::getenv("OPENBLAS_CORETYPE");
  benchmark::AddCustomContext("openblas_core", openblas_core() + " (OPENBLAS_CORETYPE=" +
                                                   (requested ? requested : "unset") + ")");
  std::fprintf(stderr, "bench_variants: OpenBLAS runs core %s\n", openblas_core().c_str());
#else
  benchmark::AddCustomContext("openblas_core", "not built (OpenBLAS not found at configure time)");
#endif
#ifdef CONVLAB_HAVE_DNNL
  benchmark::AddCustomContext("onednn", onednn_version());
#else
  benchmark::AddCustomContext("onednn", "not built (oneDNN not found at configure time)");
#endif
}

void register_peer_benchmarks(const Problem& p) {
#ifdef CONVLAB_HAVE_DNNL
  register_onednn(p);
#endif
#ifdef CONVLAB_HAVE_OPENBLAS
  register_openblas(p);
#endif
  (void)p;
}

}  // namespace convlab::bench
