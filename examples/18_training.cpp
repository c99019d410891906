// Chapter 18, training (docs/18-training.md): learning W18's edge detector.
//
// Chapter 1's edge detector, learned instead of written down: a 1x2 convolution without bias
// starts from the blur [0.5, 0.5] and takes 10 steps of gradient descent (learning rate 0.03)
// on the summed squared error between its output on X and the target Y = corr2d(X, [1, -1]).
// Forward and backward passes are the registry's conv2d reference (train::learn_edge). The
// loss falls and the kernel approaches [1, -1]; every step is checked against the trajectory
// in fixtures/training/w18_learn_edge, computed outside convlab in exact arithmetic.
//
// Run from the repository root: build/release/examples/18_training fixtures
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

#include "examples/example.hpp"
#include "train/learn_edge.hpp"

using namespace convlab;

int main(int argc, char** argv) {
  const auto fixtures = examples::fixtures_dir(argc, argv);
  const std::vector<train::TrajectoryRow> expected = train::read_learn_edge_trajectory(
      fixtures / "training" / "w18_learn_edge" / "trajectory.csv");
  examples::print_tensor("X", train::learn_edge_input());
  examples::print_tensor("Y", train::learn_edge_target());

  const train::LearnEdgeResult run = train::learn_edge(
      10, train::kLearnEdgeLr, train::kInitialKernel, train::VariantMode::reference);
  // Float32 rounds each step a few times at 6e-8 relative; 1e-5 leaves room for 10 steps.
  const auto near = [](double a, double b) {
    return std::fabs(a - b) <= 1e-5 * (1 + std::fabs(b));
  };
  bool same = run.steps.size() == expected.size();
  std::printf("%9s  %11s  %-18s  %12s  %s\n", "iteration", "loss before", "kernel after",
              "fixture loss", "fixture kernel");
  for (std::size_t i = 0; i < std::min(run.steps.size(), expected.size()); ++i) {
    const train::LearnEdgeStep& s = run.steps[i];
    const train::TrajectoryRow& e = expected[i];
    std::printf("%9d  %11.6f  [%7.4f, %7.4f]  %12.6f  [%7.4f, %7.4f]\n", s.iteration, s.loss,
                s.kernel[0], s.kernel[1], e.loss, e.k0, e.k1);
    same = same && s.iteration == e.iteration && near(s.loss, e.loss) && near(s.kernel[0], e.k0) &&
           near(s.kernel[1], e.k1);
  }
  std::printf("learned kernel: [%.4f, %.4f]\n\n", run.kernel[0], run.kernel[1]);

  examples::Checks checks;
  checks.expect(same, "every step matches fixtures/training/w18_learn_edge (relative 1e-5)");
  checks.expect(std::hypot(run.kernel[0] - 1.0, run.kernel[1] + 1.0) < 0.08,
                "the learned kernel is within 0.08 of [1, -1]");
  return checks.exit_code();
}
