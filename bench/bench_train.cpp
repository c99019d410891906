// Training speed of the W21 LeNet (issue: training with our own kernels): examples per second
// of one SGD step (forward, softmax cross-entropy, backward, update) on a batch of 256, with
// every op run by the reference variant or by the fastest registered variant, on 1 and 2
// OpenMP threads. All four run in one process, so their ratios are the result:
//
//   OMP_WAIT_POLICY=passive build/release/bench/bench_train --benchmark_repetitions=3
//
// Benchmarks are named train/lenet/<reference|fastest>/threads:<n>; the counter
// examples_per_second is items per second. The images are uniform random values in [0, 1) and
// the labels random classes: a step costs the same whatever the pixels are, so the benchmark
// does not need the data set (`convlab train lenet` prints the same rate on the real data).
#include <benchmark/benchmark.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "train/model.hpp"
#include "train/trainer.hpp"

namespace {

using namespace convlab;
using namespace convlab::train;

constexpr std::int64_t kBatch = 256;  // W21's batch size
constexpr double kLearningRate = 0.9;

void train_step(benchmark::State& state, VariantMode mode, int threads) {
  set_threads(threads);
  RegistryRunner runner(mode);
  Model<float> model(lenet_for_training("sigmoid", "avg"), runner.runner());
  std::mt19937_64 rng(1);
  model.init(rng);

  Tensor<float> x(Shape{kBatch, 1, 28, 28});
  std::uniform_real_distribution<float> pixel(0.0f, 1.0f);
  for (float& v : x.values()) v = pixel(rng);
  std::vector<int> labels(static_cast<std::size_t>(kBatch));
  std::uniform_int_distribution<int> label(0, 9);
  for (int& t : labels) t = label(rng);

  // The fastest variants are chosen (timed) on the first step: keep that out of the timing.
  auto step = [&] {
    const Tensor<float> z = model.forward(x);
    const LossResult<float> loss = softmax_cross_entropy(z, labels);
    model.backward(loss.grad);
    model.sgd_step(kLearningRate);
    benchmark::DoNotOptimize(loss.loss);
  };
  step();
  for (auto _ : state) step();
  state.SetItemsProcessed(state.iterations() * kBatch);
  state.counters["threads"] = threads;
  set_threads(1);
}

void register_all() {
  for (const VariantMode mode : {VariantMode::reference, VariantMode::fastest}) {
    for (const int threads : {1, 2}) {
      const std::string name =
          "train/lenet/" + std::string(to_string(mode)) + "/threads:" + std::to_string(threads);
      benchmark::RegisterBenchmark(name.c_str(), train_step, mode, threads)
          ->Unit(benchmark::kMillisecond)
          ->UseRealTime();
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  register_all();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
