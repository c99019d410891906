// `convlab plot`: the benchmark results (Google Benchmark's CSV output of bench/bench_variants,
// and the accuracy CSV of bench/bench_accuracy) turned into the figures of docs/figures and a
// summary table of the headline ratios, summary.csv, from which the docs quote every number.
//
// Speed CSV: Google Benchmark's own `--benchmark_out_format=csv` file (its context lines first,
// then the header `name,iterations,real_time,cpu_time,time_unit,...,error_message,` and the
// user counters). Benchmarks are named `<op>/<variant>/<set>:<layer>`; with repetitions the
// aggregate rows end in _median, _mean, _stddev, _cv. Counters read: GFLOPS (direct-algorithm
// FLOPs per second, the same scale for every variant of a layer; a file whose GFLOPS column is
// in FLOP/s is recognised and scaled), AI (FLOPs per minimal byte) and threads. The machine's
// limits are the rows `machine/fma_peak/avx2`, `machine/fma_peak/avx512` (GFLOPS) and
// `machine/bandwidth/triad` (bytes_per_second). bench/bench_gemm's own names (`gemm_naive/n:64`,
// `fma_peak_avx2`, counter FLOPS) are read too, as op gemm, set gemm, layer n64.
//
// Accuracy CSV: header `op,variant,set,layer,max_abs_error,max_rel_error,error_over_bound,
// tolerance_factor`.
//
// Errors (a missing file or column, a malformed number, a truncated row) are PlotErrors naming
// the file and the line. Benchmarks that reported an error (a skip) are noted, never fatal.
#pragma once

#include <cmath>
#include <filesystem>
#include <iosfwd>
#include <limits>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "tools/commands.hpp"

namespace convlab::plot {

class PlotError : public std::runtime_error {
 public:
  // "FILE, line N: what" (no line when line is 0).
  PlotError(const std::filesystem::path& file, long line, const std::string& what);
};

inline constexpr double kAbsent = std::numeric_limits<double>::quiet_NaN();
inline bool present(double v) {
  return !std::isnan(v);
}

// The median of the repetitions and their standard deviation (kAbsent when not reported).
struct Stat {
  double median = kAbsent;
  double stddev = kAbsent;
};

// One benchmark: a variant of an op on one layer of a shape set, at one thread count.
struct SpeedResult {
  std::string op, variant, set, layer;
  int threads = 1;
  Stat gflops;          // GFLOP/s of the direct algorithm
  Stat seconds;         // per iteration: CPU time at one thread, wall time with several
  double ai = kAbsent;  // FLOPs per minimal byte
  long line = 0;        // where its median (or single) row is
};

struct MachineLimits {
  double peak_avx2_gflops = kAbsent;
  double peak_avx512_gflops = kAbsent;
  double bandwidth_gbs = kAbsent;  // GB/s (1e9 bytes), the triad
  // The AVX-512 peak when measured, else the AVX2 one (kAbsent when neither).
  double peak_gflops() const;
  std::string peak_name() const;  // "AVX-512 FMA" or "AVX2 FMA"
};

struct SpeedData {
  std::string file;
  std::vector<SpeedResult> results;  // in the order of the file
  MachineLimits machine;
  std::vector<std::string> notes;  // skipped benchmarks, unit conversions
};

// Throws PlotError (missing file, missing column, malformed number, truncated row).
SpeedData read_speed_csv(const std::filesystem::path& file);

struct AccuracyRow {
  std::string op, variant, set, layer;
  double max_abs_error = 0, max_rel_error = 0, error_over_bound = 0, tolerance_factor = 0;
  long line = 0;
};
std::vector<AccuracyRow> read_accuracy_csv(const std::filesystem::path& file);

// The other libraries' results in the same run: onednn, onednn_with_reorders, onednn_<algorithm>,
// openblas_im2col, openblas_sgemm (every name starting with onednn or openblas).
bool is_peer(std::string_view variant);
// A variant's parent: the registry's, else the GEMM step chain's ("" when none or unknown).
std::string parent_of(std::string_view variant);
// The number at the end of a layer name ("ih64" -> 64, "n:256" -> 256); kAbsent if none.
double trailing_number(std::string_view layer);

// One line of summary.csv. `kind` says what the row holds:
//   machine_peak       variant = ISA, value = measured FMA peak (GFLOP/s)
//   machine_bandwidth  variant = triad, value = GB/s
//   layer_best         set, op, layer: variant = the fastest convlab variant, value = its GFLOP/s,
//                      versus = onednn, versus_value = onednn's GFLOP/s, ratio = value/versus
//   op_speedup         op: variant = the best geometric-mean speed-up over the reference,
//                      layer = "geomean of N layers", ratio = that speed-up
//   op_max_speedup     op: the single (set, layer, variant) fastest relative to the reference,
//                      value = its GFLOP/s, versus_value = the reference's, ratio = speed-up
//   gemm_peak_fraction op gemm, layer = size: variant = the fastest step, value = its GFLOP/s,
//                      versus = the peak used, ratio = fraction of it
//   gemm_best          the largest gemm_peak_fraction row
struct SummaryRow {
  std::string kind, op, set, layer, variant;
  double value = kAbsent, value_stddev = kAbsent;
  std::string unit, versus;
  double versus_value = kAbsent, ratio = kAbsent;
};

// Only results at `threads` threads count.
std::vector<SummaryRow> summarize(const SpeedData& speed, int threads = 1);
void write_summary_csv(const std::filesystem::path& file, const std::vector<SummaryRow>& rows);
void print_summary(std::ostream& os, const std::vector<SummaryRow>& rows);

// Draws every figure into `out` (stems without extension), notes what it skipped on `log`,
// returns the stems written. Throws std::runtime_error when gnuplot is missing.
std::vector<std::filesystem::path> draw_figures(const SpeedData& speed,
                                                const std::vector<AccuracyRow>& accuracy,
                                                const std::filesystem::path& out, int threads,
                                                std::ostream& log);

// The network sets that get a speed_<set> figure even when absent (noted as skipped).
const std::vector<std::string>& network_sets();

}  // namespace convlab::plot
