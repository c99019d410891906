// The machine's limits, measured in the same run as the variants so that every result can be
// read as a fraction of them:
//   machine/fma_peak/avx2, machine/fma_peak/avx512  independent FMA chains (bench/fma_peak*.cpp),
//                                                   counter GFLOPS, one chain set per thread;
//   machine/bandwidth/triad                         a[i] = b[i] + s * c[i] over three arrays of
//                                                   128 MiB (far beyond any cache), counted as
//                                                   12 bytes per element (two reads, one write;
//                                                   STREAM's convention, write-allocate traffic
//                                                   not counted), bytes_per_second.
// Every benchmark of the binary sets the same counters (GFLOPS, AI, threads): the CSV reporter
// takes its columns from the first one, these. AI is 0 for the FMA loops (no memory traffic).
#include <omp.h>

#include <cstdint>
#include <memory>

#include "bench/bench_common.hpp"
#include "bench/fma_peak.hpp"
#include "kernels/gemm/gemm.hpp"

namespace convlab::bench {
namespace {

constexpr std::int64_t kPeakIterations = 1 << 20;

template <int Lanes>
void bm_fma_peak(benchmark::State& state, float (*loop)(std::int64_t)) {
  if (Lanes == 16 && !cpu_has_avx512()) {
    state.SkipWithError(gemm_avx512_unsupported_reason().c_str());
    return;
  }
  const int threads = options().threads;
  for (auto _ : state) {
    float sink = 0;
#pragma omp parallel num_threads(threads) reduction(+ : sink)
    sink += loop(kPeakIterations);
    benchmark::DoNotOptimize(sink);
  }
  const double flops = double(kPeakIterations) * kFmaPeakChains * Lanes * 2 * threads;
  state.counters["GFLOPS"] =
      benchmark::Counter(flops * 1e-9 * double(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["AI"] = 0;  // no memory traffic: not applicable
  state.counters["threads"] = threads;
}

constexpr std::int64_t kTriadElements = std::int64_t{1} << 25;  // 128 MiB per float array

void bm_triad(benchmark::State& state) {
  const int threads = options().threads;
  const std::int64_t n = kTriadElements;
  std::unique_ptr<float[]> a(new float[n]), b(new float[n]), c(new float[n]);
  // First touch by the threads that will use each part.
#pragma omp parallel for num_threads(threads) schedule(static)
  for (std::int64_t i = 0; i < n; ++i) {
    a[i] = 0.0f;
    b[i] = 1.0f;
    c[i] = 2.0f;
  }
  const float s = 0.5f;
  float* pa = a.get();
  const float* pb = b.get();
  const float* pc = c.get();
  for (auto _ : state) {
#pragma omp parallel for num_threads(threads) schedule(static)
    for (std::int64_t i = 0; i < n; ++i) pa[i] = pb[i] + s * pc[i];
    benchmark::DoNotOptimize(pa);
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * n * 3 * std::int64_t{sizeof(float)});
  // One multiply-add (2 operations) per 12 bytes.
  state.counters["GFLOPS"] = benchmark::Counter(2.0 * double(n) * 1e-9 * double(state.iterations()),
                                                benchmark::Counter::kIsRate);
  state.counters["AI"] = 2.0 / 12.0;
  state.counters["threads"] = threads;
}

}  // namespace

void register_machine_benchmarks() {
  const bool wall = options().threads > 1;
  auto* avx2 = benchmark::RegisterBenchmark("machine/fma_peak/avx2", bm_fma_peak<8>, fma_peak_avx2);
  auto* avx512 =
      benchmark::RegisterBenchmark("machine/fma_peak/avx512", bm_fma_peak<16>, fma_peak_avx512);
  auto* triad = benchmark::RegisterBenchmark("machine/bandwidth/triad", bm_triad);
  for (auto* b : {avx2, avx512, triad}) {
    b->Unit(benchmark::kMillisecond);
    if (wall) b->UseRealTime();
  }
}

}  // namespace convlab::bench
