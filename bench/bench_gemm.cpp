// Benchmarks of the GEMM core: every step of kernels/gemm/gemm_steps() on square problems
// C (n x n) = A (n x n) * B (n x n), n = 64 .. 1024 (gemm_naive up to 256), counted as 2 n^3
// floating-point operations, beside the measured FMA peak of each ISA (fma_peak_avx2,
// fma_peak_avx512). At the end a table gives each result as a fraction of the peak of its ISA
// (the AVX2 peak for the scalar steps and the Vc step, the AVX-512 peak for the AVX-512 step)
// and as a speedup over its parent step at the same size.
//
// Two rates per benchmark: FLOPS, the usual average over the timed loop, and best_FLOPS, from
// the fastest single iteration (thread CPU time; wall time with several threads). On a shared
// machine the average also measures the neighbours (their cache traffic, our descheduling);
// the fastest iteration is the closest estimate of what the code does alone, and the summary
// gives both, each against the peak measured the same way.
//
// Run single-threaded (gemm_threaded is also run with every core, as "threads:N"):
//   OMP_NUM_THREADS=1 bench_gemm --benchmark_min_time=0.2 [--benchmark_repetitions=3]
#include <benchmark/benchmark.h>
#include <omp.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "bench/fma_peak.hpp"
#include "kernels/gemm/gemm.hpp"

namespace convlab::bench {
namespace {

const std::int64_t kSizes[] = {64, 128, 256, 512, 768, 1024};
constexpr std::int64_t kNaiveMax = 256;  // the naive loop takes seconds beyond this

// Counted operations per iteration of each registered benchmark, and what to compare it with.
struct Entry {
  std::string step;    // "" for a peak
  std::string isa;     // "avx2", "avx512" (whose peak), or "scalar"
  std::string parent;  // the parent step's benchmark name at the same size ("" if none)
  std::int64_t n = 0;
  int threads = 1;
};
std::map<std::string, Entry>& entries() {
  static std::map<std::string, Entry> e;
  return e;
}

// The fastest iteration: thread CPU time when one thread works, wall time otherwise.
class BestIteration {
 public:
  explicit BestIteration(bool wall) : wall_(wall) {}
  void start() { t0_ = now(); }
  void stop() {
    const double t = now() - t0_;
    if (t > 0 && t < best_) best_ = t;
  }
  double seconds() const { return best_; }

 private:
  double now() const {
    if (wall_) {
      return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
          .count();
    }
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return double(ts.tv_sec) + 1e-9 * double(ts.tv_nsec);
  }
  bool wall_;
  double t0_ = 0, best_ = 1e300;
};

void set_flops(benchmark::State& state, double flops_per_iteration, const BestIteration& best) {
  state.counters["FLOPS"] = benchmark::Counter(
      flops_per_iteration * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["best_FLOPS"] = benchmark::Counter(flops_per_iteration / best.seconds());
}

void bm_gemm(benchmark::State& state, const GemmStep* step, std::int64_t n, int threads) {
  if (!step->available()) {
    state.SkipWithError((std::string(step->name) + ": " + step->unsupported_reason()).c_str());
    return;
  }
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> a(static_cast<std::size_t>(n * n)), b(a.size()), c(a.size());
  for (float& v : a) v = dist(rng);
  for (float& v : b) v = dist(rng);
  const GemmProblem p{.M = n,
                      .N = n,
                      .K = n,
                      .A = a.data(),
                      .lda = n,
                      .B = b.data(),
                      .ldb = n,
                      .C = c.data(),
                      .ldc = n};
  const int saved = omp_get_max_threads();
  omp_set_num_threads(threads);
  BestIteration best(threads > 1);
  for (auto _ : state) {
    best.start();
    step->run(p);
    benchmark::DoNotOptimize(c.data());
    benchmark::ClobberMemory();
    best.stop();
  }
  omp_set_num_threads(saved);
  set_flops(state, 2.0 * double(n) * double(n) * double(n), best);
}

constexpr std::int64_t kPeakIterations = 1 << 20;

void bm_peak_avx2(benchmark::State& state) {
  BestIteration best(false);
  for (auto _ : state) {
    best.start();
    benchmark::DoNotOptimize(fma_peak_avx2(kPeakIterations));
    best.stop();
  }
  set_flops(state, double(kPeakIterations) * kFmaPeakChains * 8 * 2, best);
}

void bm_peak_avx512(benchmark::State& state) {
  if (!cpu_has_avx512()) {
    state.SkipWithError(gemm_avx512_unsupported_reason().c_str());
    return;
  }
  BestIteration best(false);
  for (auto _ : state) {
    best.start();
    benchmark::DoNotOptimize(fma_peak_avx512(kPeakIterations));
    best.stop();
  }
  set_flops(state, double(kPeakIterations) * kFmaPeakChains * 16 * 2, best);
}

std::string name_of(std::string_view step, std::int64_t n, int threads) {
  std::string s = std::string(step) + "/n:" + std::to_string(n);
  if (threads > 1) s += "/threads:" + std::to_string(threads);
  return s;
}

void register_all() {
  // Single-threaded runs are timed in CPU time, which a shared, busy machine distorts less than
  // wall time; runs with several threads need wall time.
  benchmark::RegisterBenchmark("fma_peak_avx2", bm_peak_avx2);
  benchmark::RegisterBenchmark("fma_peak_avx512", bm_peak_avx512);
  entries()["fma_peak_avx2"] = Entry{"", "avx2", "", 0, 1};
  entries()["fma_peak_avx512"] = Entry{"", "avx512", "", 0, 1};
  const int cores = omp_get_num_procs();
  for (const GemmStep& step : gemm_steps()) {
    const bool threaded = step.name == "gemm_threaded";
    for (std::int64_t n : kSizes) {
      if (step.name == "gemm_naive" && n > kNaiveMax) continue;
      std::vector<int> thread_counts = {1};
      if (threaded && cores > 1) thread_counts.push_back(cores);
      for (int threads : thread_counts) {
        const std::string name = name_of(step.name, n, threads);
        auto* b = benchmark::RegisterBenchmark(name.c_str(), bm_gemm, &step, n, threads);
        b->Unit(benchmark::kMillisecond);
        if (threads > 1) b->UseRealTime();
        entries()[name] = Entry{std::string(step.name), std::string(step.isa),
                                name_of(step.parent, n, 1), n, threads};
      }
    }
  }
}

// The console output, then a summary: GFLOP/s, fraction of the ISA's measured peak, speedup over
// the parent step, each from the average rate and from the fastest iteration.
class SummaryReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& r : runs) {
      if (r.run_type != Run::RT_Iteration || r.error_occurred) continue;
      // With --benchmark_repetitions the best repetition counts.
      for (const auto& [counter, table] : {std::pair{"FLOPS", &mean_}, {"best_FLOPS", &best_}}) {
        const auto it = r.counters.find(counter);
        if (it == r.counters.end()) continue;
        double& v = (*table)[r.run_name.function_name];
        if (it->second.value > v) v = it->second.value;
      }
    }
  }

  void Finalize() override {
    ConsoleReporter::Finalize();
    auto get = [](const std::map<std::string, double>& t, const std::string& name) {
      const auto it = t.find(name);
      return it == t.end() ? 0.0 : it->second;
    };
    auto peak_name = [](const std::string& isa) {
      return std::string(isa == "avx512" ? "fma_peak_avx512" : "fma_peak_avx2");
    };
    std::printf("\nMeasured FMA peak, one thread (average / fastest iteration), GFLOP/s:\n");
    std::printf("  AVX2 (256-bit)    %7.1f / %7.1f\n", get(mean_, "fma_peak_avx2") * 1e-9,
                get(best_, "fma_peak_avx2") * 1e-9);
    std::printf("  AVX-512 (512-bit) %7.1f / %7.1f\n", get(mean_, "fma_peak_avx512") * 1e-9,
                get(best_, "fma_peak_avx512") * 1e-9);
    std::printf("\n%-38s %-6s %9s %8s %9s %9s %8s %9s\n", "benchmark", "peak", "GFLOP/s", "of peak",
                "vs parent", "best GF/s", "of peak", "vs parent");
    for (const auto& [name, e] : entries()) {
      if (e.step.empty() || get(mean_, name) == 0) continue;
      std::printf("%-38s %-6s", name.c_str(), e.isa == "avx512" ? "avx512" : "avx2");
      for (const auto* t : {&mean_, &best_}) {
        const double v = get(*t, name), peak = get(*t, peak_name(e.isa)) * e.threads;
        const double parent = get(*t, e.parent);
        std::printf(" %9.1f %7.1f%%", v * 1e-9, peak > 0 ? 100.0 * v / peak : 0.0);
        if (parent > 0) {
          std::printf(" %8.2fx", v / parent);
        } else {
          std::printf(" %9s", "");
        }
      }
      std::printf("\n");
    }
  }

 private:
  std::map<std::string, double> mean_, best_;
};

}  // namespace
}  // namespace convlab::bench

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  convlab::bench::register_all();
  convlab::bench::SummaryReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}
