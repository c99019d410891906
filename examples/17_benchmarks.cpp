// Chapter 17, benchmarks (docs/17-benchmarks.md): two variants of one layer side by side.
//
// A benchmark asks two questions of a variant on a real layer shape: how fast, and how far
// from the exact result. The program takes LeNet-5's C3 layer from the benchmark shape set
// bench/shapes/lenet.txt (16 filters of 6x5x5 on a 6x14x14 input), fills it with random
// numbers from a fixed seed, and runs the textbook conv2d_reference and conv2d_im2col_gemm on
// it: each is checked against the double-precision reference within its tolerance, then timed
// (the best of 20 runs) and the speed ratio is printed. The times depend on the machine; the
// checks do not. For figures over whole networks run scripts/figures.
//
// Run from the repository root: build/release/examples/17_benchmarks bench/shapes
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <limits>

#include "bench/shapes.hpp"
#include "examples/example.hpp"
#include "kernels/registry.hpp"
#include "reference/dispatch.hpp"
#include "train/random.hpp"

using namespace convlab;

// The best time of `repeats` runs of `v` on the inputs of `c`, in seconds.
double best_seconds(const Variant& v, const Case& c, int repeats) {
  TensorMap<float> inputs, outputs;
  for (const auto& [name, t] : c.inputs) inputs[name] = t.cast<float>();
  for (const auto& [name, t] : c.expected) outputs[name] = Tensor<float>(t.shape());
  double best = std::numeric_limits<double>::infinity();
  for (int r = 0; r < repeats; ++r) {
    const auto start = std::chrono::steady_clock::now();
    v.run(c.params, inputs, outputs);
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
    best = std::min(best, took.count());
  }
  return best;
}

int main(int argc, char** argv) {
  const auto shapes =
      examples::data_dir(argc, argv, "SHAPES_DIR (the bench/shapes/ folder of the convlab sources)",
                         "lenet.txt", "bench/shapes");
  const std::vector<bench::Problem> lenet = bench::load_shape_set(shapes / "lenet.txt");
  const auto layer = std::find_if(lenet.begin(), lenet.end(),
                                  [](const bench::Problem& p) { return p.layer == "c3"; });
  if (layer == lenet.end()) {
    std::cerr << "lenet.txt has no layer c3\n";
    return 2;
  }

  // The layer as a case: random inputs in [-1, 1), expected outputs from the double reference.
  Case c;
  c.name = layer->name();
  c.spec = &find_op(layer->op, layer->direction);
  c.params = layer->params;
  std::mt19937_64 rng(17);
  for (const auto& [name, shape] : layer->inputs) {
    Tensor<double> t(shape);
    for (double& v : t.values()) v = train::uniform(rng, -1, 1);
    c.inputs[name] = t;
  }
  c.expected = run_reference<double>(*c.spec, c.params, c.inputs);
  std::cout << "layer " << c.name << ": conv2d of x " << format_shape(c.inputs.at("x").shape())
            << " with w " << format_shape(c.inputs.at("w").shape()) << " -> y "
            << format_shape(c.expected.at("y").shape()) << ", " << bench::direct_flops(*layer) / 1e6
            << " MFLOP\n\n";

  examples::Checks checks;
  const char* names[] = {"conv2d_reference", "conv2d_im2col_gemm"};
  double seconds[2] = {0, 0};
  for (int i = 0; i < 2; ++i) {
    if (checks.expect_variant(c, names[i]).status != Status::passed) continue;
    seconds[i] = best_seconds(*find_variant(names[i]), c, 20);
    std::printf("  time %.3f ms, %.2f GFLOP/s\n", seconds[i] * 1e3,
                bench::direct_flops(*layer) / seconds[i] / 1e9);
  }
  if (seconds[0] > 0 && seconds[1] > 0) {
    std::printf("\nspeed ratio %s / %s: %.1fx\n", names[1], names[0], seconds[0] / seconds[1]);
  }
  return checks.exit_code();
}
