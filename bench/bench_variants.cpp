// bench_variants: the speed of every registered variant on every shape of the selected sets,
// beside the machine's limits and the peers (oneDNN, OpenBLAS) in the same run.
//
// At start-up it registers, in this order: machine/fma_peak/avx2, machine/fma_peak/avx512,
// machine/bandwidth/triad; then for each selected set, each problem, each variant of the
// problem's op that supports it (supports() == ""; a variant refusing the values at run time,
// convlab::Unsupported, is reported as an error row with its reason) a benchmark
//   <op>/<variant>/<set>:<layer>      e.g. conv2d/conv2d_winograd_f2x3/resnet50:res2_3x3
// and, for a variant with a prepared form (Variant::prepare: its weights' work done once,
// untimed, as for the `onednn` peer), <op>/<variant>+prepared/<set>:<layer>
// (with --threads=N>1 Google Benchmark appends "/real_time": wall time is measured then)
// followed by the peers. (The gemm op's variants are the steps of the GEMM core.)
//
// Counters: GFLOPS (direct-algorithm operations, bench/shapes.hpp direct_flops, per second,
// / 1e9: a cheaper algorithm shows as a higher rate), bytes_per_second (minimal bytes: inputs
// and outputs once), AI (operations per minimal byte) and threads.
//
// Options, taken out of argv before Google Benchmark sees it (environment variable in
// brackets, the flag wins):
//   --sets=a,b,...        shape sets of bench/shapes (default all)      [CONVLAB_BENCH_SETS]
//   --threads=N           OpenMP (and OpenBLAS) threads (default 1)      [CONVLAB_BENCH_THREADS]
//   --onednn-algorithms   also time oneDNN's direct and Winograd algorithms separately
//   --no-prepared         skip the <variant>+prepared rows
//   --slow-flop-budget=F  references and gemm_naive run one iteration, once (no repetitions),
//                         above F direct operations (default 2e8)
//   --list-sets           print the available sets and exit
// --benchmark_min_time=0.5s (Google Benchmark 1.8's form) is accepted and passed on as 0.5 to
// Debian's 1.7.
// Without --benchmark_out the CSV goes to build/bench-results/speed.csv of the source tree.
// Typical (bench/README.md):
//   bench_variants --sets=resnet50,vgg16 --benchmark_repetitions=5
//     --benchmark_report_aggregates_only=true
#include <omp.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <iostream>
#include <limits>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench/bench_common.hpp"
#include "kernels/registry.hpp"

#ifndef CONVLAB_SOURCE_DIR
#define CONVLAB_SOURCE_DIR "."
#endif

namespace convlab::bench {
namespace {

Options& mutable_options() {
  static Options o;
  return o;
}

Tensor<float> random_tensor(const Shape& s, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  Tensor<float> t(s);
  for (float& v : t.values()) v = dist(rng);
  return t;
}

void register_variants(const Problem& p) {
  for (const Variant* v : variants_of(p.op, p.direction)) {
    if (!v->supports(p.params, p.inputs).empty()) continue;
    const bool slow = v->name.ends_with("_reference") || v->name == "gemm_naive";
    register_problem_benchmark(
        p, v->name,
        [v, &p, slow](benchmark::State& state) -> Body {
          const TensorMap<float>& in = problem_inputs(p);
          auto out = std::make_shared<TensorMap<float>>(problem_outputs(p));
          // One untimed run: a value-dependent refusal becomes a visible error row, and the
          // caches and lazily built tables are warm. Skipped for the slow references, which
          // never refuse.
          if (!slow) {
            try {
              v->run(p.params, in, *out);
            } catch (const Unsupported& e) {
              state.SkipWithError((v->name + " refuses: " + e.what()).c_str());
              return {};
            } catch (const std::exception& e) {
              state.SkipWithError((v->name + " failed: " + e.what()).c_str());
              return {};
            }
          }
          return [v, &p, &in, out] { v->run(p.params, in, *out); };
        },
        slow);
    if (!v->prepare || !options().prepared) continue;
    // The same variant with its weights prepared once, untimed (Variant::prepare): what the
    // `onednn` peer is timed as, on weights already reordered into its layouts.
    register_problem_benchmark(
        p, v->name + "+prepared",
        [v, &p](benchmark::State& state) -> Body {
          const TensorMap<float>& in = problem_inputs(p);
          auto out = std::make_shared<TensorMap<float>>(problem_outputs(p));
          Variant::PreparedRun run;
          try {
            run = v->prepare(p.params, in);
            run(in, *out);
          } catch (const std::exception& e) {
            state.SkipWithError((v->name + "+prepared failed: " + e.what()).c_str());
            return {};
          }
          return [run, &in, out] { run(in, *out); };
        },
        false);
  }
}

// Takes our options out of argv (so Google Benchmark does not reject them).
void parse_options(int& argc, char** argv) {
  Options& o = mutable_options();
  std::string sets;
  if (const char* env = std::getenv("CONVLAB_BENCH_SETS")) sets = env;
  if (const char* env = std::getenv("CONVLAB_BENCH_THREADS")) o.threads = std::atoi(env);
  bool list = false;
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](const char* flag) -> const char* {
      const std::size_t n = std::strlen(flag);
      return a.compare(0, n, flag) == 0 ? argv[i] + n : nullptr;
    };
    if (const char* v = value("--sets=")) {
      sets = v;
    } else if (const char* v = value("--threads=")) {
      o.threads = std::atoi(v);
    } else if (const char* v = value("--slow-flop-budget=")) {
      o.slow_flop_budget = std::atof(v);
    } else if (a == "--onednn-algorithms") {
      o.onednn_algorithms = true;
    } else if (a == "--no-prepared") {
      o.prepared = false;
    } else if (a == "--list-sets") {
      list = true;
    } else if (a.starts_with("--benchmark_min_time=") && a.ends_with("s")) {
      // Google Benchmark 1.8 writes "0.5s"; Debian's 1.7 takes a plain number of seconds.
      static std::deque<std::string> rewritten;  // argv points into it until exit
      rewritten.push_back(a.substr(0, a.size() - 1));
      argv[kept++] = rewritten.back().data();
    } else {
      argv[kept++] = argv[i];
    }
  }
  argc = kept;
  argv[argc] = nullptr;
  if (o.threads < 1) throw std::invalid_argument("--threads must be at least 1");
  const auto dir = default_shapes_dir();
  if (list) {
    for (const std::string& s : available_sets(dir)) std::printf("%s\n", s.c_str());
    std::exit(0);
  }
  o.sets = select_sets(sets, dir);
}

// --benchmark_out defaults to build/bench-results/speed.csv (CSV) of the source tree.
std::vector<char*> with_default_output(int argc, char** argv, std::vector<std::string>& storage) {
  bool has_out = false, has_format = false;
  for (int i = 1; i < argc; ++i) {
    has_out = has_out || std::strncmp(argv[i], "--benchmark_out=", 16) == 0;
    has_format = has_format || std::strncmp(argv[i], "--benchmark_out_format=", 23) == 0;
  }
  std::vector<char*> args(argv, argv + argc);
  if (!has_out) {
    const auto dir = std::filesystem::path(CONVLAB_SOURCE_DIR) / "build" / "bench-results";
    std::filesystem::create_directories(dir);
    storage.push_back("--benchmark_out=" + (dir / "speed.csv").string());
    std::fprintf(stderr, "bench_variants: writing %s\n", (dir / "speed.csv").c_str());
  }
  if (!has_format) storage.push_back("--benchmark_out_format=csv");
  for (std::string& s : storage) args.push_back(s.data());
  args.push_back(nullptr);
  return args;
}

}  // namespace

const Options& options() {
  return mutable_options();
}

const TensorMap<float>& problem_inputs(const Problem& p) {
  static const Problem* cached = nullptr;
  static TensorMap<float> inputs;
  if (cached != &p) {
    inputs.clear();
    std::uint64_t seed = 1;
    for (const auto& [name, shape] : p.inputs) inputs[name] = random_tensor(shape, seed++);
    cached = &p;
  }
  return inputs;
}

TensorMap<float> problem_outputs(const Problem& p) {
  TensorMap<float> out;
  for (const auto& [name, shape] : p.outputs) {
    out[name] = Tensor<float>::full(shape, std::numeric_limits<float>::quiet_NaN());
  }
  return out;
}

void register_problem_benchmark(const Problem& p, const std::string& variant, Setup setup,
                                bool slow) {
  const std::string name = p.op_name() + "/" + variant + "/" + p.name();
  const double flops = direct_flops(p), bytes = minimal_bytes(p);
  auto* b = benchmark::RegisterBenchmark(name.c_str(), [setup = std::move(setup), flops,
                                                        bytes](benchmark::State& state) {
    Body body = setup(state);
    if (!body) return;
    for (auto _ : state) {
      body();
      benchmark::ClobberMemory();
    }
    const double it = double(state.iterations());
    state.counters["GFLOPS"] = benchmark::Counter(flops * 1e-9 * it, benchmark::Counter::kIsRate);
    state.SetBytesProcessed(static_cast<std::int64_t>(bytes * it));
    state.counters["AI"] = flops / bytes;
    state.counters["threads"] = options().threads;
  });
  b->Unit(benchmark::kMillisecond);
  // One thread: CPU time of that thread (robust on a shared machine). Several: wall time.
  if (options().threads > 1) b->UseRealTime();
  // A slow variant above the budget: one timed iteration and one repetition. Each such run is
  // seconds long, so its noise is small beside the others' spread, and it is only the
  // denominator of the speed-ups; repeating it would triple the cost of scripts/figures.
  if (slow && flops > options().slow_flop_budget) b->Iterations(1)->Repetitions(1);
}

}  // namespace convlab::bench

int main(int argc, char** argv) {
  using namespace convlab::bench;
  prepare_peers(argv);  // may re-execute the program once (OpenBLAS reads its core at load time)
  std::vector<std::vector<Problem>> sets;
  try {
    parse_options(argc, argv);
    for (const std::string& set : options().sets) {
      sets.push_back(load_shape_set(default_shapes_dir() / (set + ".txt")));
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_variants: %s\n", e.what());
    return 2;
  }
  omp_set_num_threads(options().threads);

  register_machine_benchmarks();
  for (const auto& problems : sets) {
    for (const Problem& p : problems) {
      register_variants(p);
      register_peer_benchmarks(p);
    }
  }

  std::vector<std::string> storage;
  std::vector<char*> args = with_default_output(argc, argv, storage);
  int n = static_cast<int>(args.size()) - 1;
  benchmark::Initialize(&n, args.data());
  if (benchmark::ReportUnrecognizedArguments(n, args.data())) return 1;
  benchmark::AddCustomContext("convlab_threads", std::to_string(options().threads));
  std::string set_list;
  for (const std::string& s : options().sets) set_list += (set_list.empty() ? "" : ",") + s;
  benchmark::AddCustomContext("convlab_sets", set_list);
  add_peer_context();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
