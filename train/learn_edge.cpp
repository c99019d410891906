#include "train/learn_edge.hpp"

#include <csv.h>  // fast-cpp-csv-parser; see convlab_fccp in cmake/Dependencies.cmake

#include <stdexcept>
#include <string>

#include "kernels/registry.hpp"

namespace convlab::train {
namespace {

nets::Network edge_network() {
  nets::Network net;
  net.name = "learn-edge";
  net.input = Shape{1, 1, 6, 8};
  nets::Layer conv = nets::conv2d("conv", 1, 1, Conv2dParams{}, "", /*bias=*/false);
  conv.kernel_w = 2;  // a 1x2 kernel
  net.layers = {conv};
  return net;
}

}  // namespace

Tensor<float> learn_edge_input() {
  Tensor<float> x(Shape{1, 1, 6, 8});
  for (std::int64_t i = 0; i < 6; ++i) {
    for (std::int64_t j = 0; j < 8; ++j) x(0, 0, i, j) = (j >= 2 && j <= 5) ? 0.0f : 1.0f;
  }
  return x;
}

Tensor<float> learn_edge_target() {
  const Variant* ref = variants_of("conv2d", Direction::forward).front();
  const TensorMap<float> in{{"x", learn_edge_input()},
                            {"w", Tensor<float>(Shape{1, 1, 1, 2}, {1, -1})}};
  TensorMap<float> out{{"y", Tensor<float>(Shape{1, 1, 6, 7})}};
  ref->run(Conv2dParams{}, in, out);
  return out.at("y");
}

LearnEdgeResult learn_edge(int iterations, double lr, std::array<float, 2> initial,
                           VariantMode variants) {
  RegistryRunner runner(variants);
  Model<float> model(edge_network(), runner.runner());
  Tensor<float>& w = model.layers().front().w;
  w[0] = initial[0];
  w[1] = initial[1];
  const Tensor<float> x = learn_edge_input(), target = learn_edge_target();
  LearnEdgeResult result;
  for (int i = 1; i <= iterations; ++i) {
    const Tensor<float> y = model.forward(x);
    // L = sum (y - Y)^2 summed in double; dL/dy = 2 (y - Y).
    Tensor<float> dy(y.shape());
    double loss = 0;
    for (std::int64_t e = 0; e < y.numel(); ++e) {
      const double r = double(y[e]) - double(target[e]);
      loss += r * r;
      dy[e] = static_cast<float>(2 * r);
    }
    model.backward(dy);
    model.sgd_step(lr);
    result.steps.push_back({i, loss, {w[0], w[1]}});
  }
  result.kernel = {w[0], w[1]};
  return result;
}

std::vector<TrajectoryRow> read_learn_edge_trajectory(const std::filesystem::path& file) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) {
    throw std::invalid_argument(file.string() + ": missing (expected the W18 trajectory.csv)");
  }
  std::vector<TrajectoryRow> rows;
  try {
    io::CSVReader<4, io::trim_chars<' '>, io::no_quote_escape<','>, io::throw_on_overflow> in(
        file.string());
    in.read_header(io::ignore_no_column, "iteration", "loss", "k0", "k1");
    TrajectoryRow r;
    while (in.read_row(r.iteration, r.loss, r.k0, r.k1)) rows.push_back(r);
  } catch (const io::error::base& e) {
    throw std::invalid_argument(file.string() + ": " + e.what());
  }
  return rows;
}

}  // namespace convlab::train
