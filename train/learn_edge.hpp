// Learning the edge-detector kernel (W18, doc 002 section 6.2.3).
//
// X is a 6x8 image of ones whose columns 2..5 are zero; Y = corr2d(X, [[1, -1]]) is +1 where
// white turns black (column 1), -1 where black turns white (column 5), 0 elsewhere (6x7). A
// 1x2 convolution without bias, k = [k0, k1], starts from the fixed kernel kInitialKernel and
// takes `iterations` steps of gradient descent on the summed squared error
//   L(k) = sum_{i, j} (k0 X[i][j] + k1 X[i][j+1] - Y[i][j])^2,   k <- k - lr * dL/dk,
// lr = 3e-2, the forward and backward passes running as conv2d through the registry. As in the
// document, the loss of iteration i is the one computed before that iteration's update.
//
// The closed form (for the fixture and the tests): only the columns 0, 1, 5, 6 of a row give a
// non-zero residual, k0 + k1, k0 - 1, k1 + 1, k0 + k1, so with u = k0 + k1 and v = k0 - k1
//   L = 6 (2 u^2 + (k0 - 1)^2 + (k1 + 1)^2) = 15 u^2 + 3 (v - 2)^2.
// The Hessian [[36, 24], [24, 36]] has eigenvalues 60 along u and 12 along v, so each step
// multiplies u by 1 - 60 lr = -0.8 and v - 2 by 1 - 12 lr = 0.64:
//   L_i = 15 * 0.64^(i-1) * u_0^2 + 3 * 0.4096^(i-1) * (v_0 - 2)^2,
// which tends to 0 as k tends to [1, -1].
#pragma once

#include <array>
#include <filesystem>
#include <vector>

#include "train/model.hpp"

namespace convlab::train {

// The initial kernel: the 2-tap average [0.5, 0.5] (a blur), so the run shows a smoothing
// kernel turning into the edge detector; u_0 = 1, v_0 = 0, L_1 = 27.
inline constexpr std::array<float, 2> kInitialKernel = {0.5f, 0.5f};
inline constexpr float kLearnEdgeLr = 3e-2f;

struct LearnEdgeStep {
  int iteration = 0;              // 1-based
  double loss = 0;                // before this iteration's update
  std::array<float, 2> kernel{};  // after this iteration's update
};

struct LearnEdgeResult {
  std::vector<LearnEdgeStep> steps;
  std::array<float, 2> kernel{};  // the learned kernel
};

// The input X (1, 1, 6, 8) and target Y (1, 1, 6, 7) of W18 (Y through the registry's conv2d
// reference with the kernel [1, -1]).
Tensor<float> learn_edge_input();
Tensor<float> learn_edge_target();

LearnEdgeResult learn_edge(int iterations = 10, double lr = kLearnEdgeLr,
                           std::array<float, 2> initial = kInitialKernel,
                           VariantMode variants = VariantMode::reference);

// One row of fixtures/training/w18_learn_edge/trajectory.csv: the loss before iteration
// `iteration`'s update and the kernel [k0, k1] after it, in double.
struct TrajectoryRow {
  int iteration = 0;
  double loss = 0, k0 = 0, k1 = 0;
};
// Reads a trajectory.csv (header "iteration,loss,k0,k1") with fast-cpp-csv-parser. Throws
// std::invalid_argument naming the file (and the line, from the parser) when it is missing or
// malformed.
std::vector<TrajectoryRow> read_learn_edge_trajectory(const std::filesystem::path& file);

}  // namespace convlab::train
