// Chapter 10, activation functions (docs/10-activations.md).
//
// relu, sigmoid and tanh applied element by element: first to five chosen values, so their
// shapes can be compared side by side (relu cuts the negatives, sigmoid squashes into (0, 1),
// tanh into (-1, 1)), then to the fixture inputs of the chapter, checked against the
// expected outputs (the first 4x4 or 4x5 plane of each is printed).
//
// Run from the repository root: build/release/examples/10_activations fixtures
#include <functional>
#include <iostream>
#include <utility>

#include "examples/example.hpp"
#include "reference/activation.hpp"

using namespace convlab;

// The first (H, W) plane of an (N, C, H, W) tensor, as a view.
Tensor<double> first_plane(const Tensor<double>& t) {
  const Shape planes{t.dim(0) * t.dim(1), t.dim(2), t.dim(3)};
  return t.reshape(planes).slice(0, 1).reshape(Shape{t.dim(2), t.dim(3)});
}

int main(int argc, char** argv) {
  const auto fixtures = examples::fixtures_dir(argc, argv);
  const Tensor<double> v(Shape{5}, {-2, -0.5, 0, 0.5, 2});
  examples::print_tensor("v", v);
  examples::print_tensor("relu(v)", ref::relu(v));
  examples::print_tensor("sigmoid(v)", ref::sigmoid(v));
  examples::print_tensor("tanh(v)", ref::tanh(v));

  using Activation = std::function<Tensor<double>(const Tensor<double>&)>;
  const std::pair<const char*, Activation> cases[] = {
      {"relu/gen_int_with_zeros", ref::relu<double>},
      {"sigmoid/gen_unit_range", ref::sigmoid<double>},
      {"tanh/gen_unit_range", ref::tanh<double>},
  };
  examples::Checks checks;
  for (const auto& [name, f] : cases) {
    const Case c = examples::load_example(fixtures, name);
    const Tensor<double> y = f(c.inputs.at("x"));
    examples::print_tensor("x", first_plane(c.inputs.at("x")));
    examples::print_tensor(c.spec->name + "(x)", first_plane(y));
    checks.expect(c, {{"y", y}});
    std::cout << "\n";
  }
  return checks.exit_code();
}
