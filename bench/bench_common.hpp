// Shared by the pieces of bench_variants: options, problem data, and the one function that
// registers a timed benchmark of a problem with the counters every plot reads.
#pragma once

#include <benchmark/benchmark.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "bench/shapes.hpp"
#include "core/ops.hpp"

namespace convlab::bench {

struct Options {
  std::vector<std::string> sets;  // shape sets to run
  int threads = 1;                // OpenMP threads (and OpenBLAS threads)
  // Also time oneDNN's direct and Winograd algorithms on their own (onednn_direct,
  // onednn_winograd), besides `onednn`, the faster of the two.
  bool onednn_algorithms = false;
  // Also time each variant's prepared form (Variant::prepare) as <variant>+prepared.
  bool prepared = true;
  // Slow variants (the references, gemm_naive) run one iteration per repetition on problems
  // above this many direct-algorithm operations.
  double slow_flop_budget = 2e8;
};
const Options& options();

// Random inputs of a problem, uniform in [-1, 1), the same for every variant (fixed seeds, one
// per tensor name). Cached for the last problem asked for, so the variants of one layer share
// them without regenerating.
const TensorMap<float>& problem_inputs(const Problem& p);
// The outputs of a problem, filled with NaN.
TensorMap<float> problem_outputs(const Problem& p);

// What a benchmark times: setup runs once per benchmark run (untimed) and returns the body timed
// once per iteration, or an empty function after calling state.SkipWithError.
using Body = std::function<void()>;
using Setup = std::function<Body(benchmark::State&)>;

// Registers `<op>/<variant>/<set>:<layer>` with the counters GFLOPS (direct-algorithm
// operations per second / 1e9), bytes_per_second (minimal bytes), AI and threads. `slow`
// variants run one iteration per repetition above the FLOP budget.
void register_problem_benchmark(const Problem& p, const std::string& variant, Setup setup,
                                bool slow);

// The machine's limits (machine.cpp): FMA peak per ISA and STREAM-like triad bandwidth.
void register_machine_benchmarks();

// The peers (peers.cpp, peer_onednn.cpp, peer_openblas.cpp), when compiled in.
void register_peer_benchmarks(const Problem& p);
// Before anything else in main: lets OpenBLAS pick the right kernels (may re-execute the
// program with OPENBLAS_CORETYPE set) and records what the peers report into the context.
void prepare_peers(char** argv);
void add_peer_context();

}  // namespace convlab::bench
