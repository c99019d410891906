// Chapter 2, padding and stride (docs/02-padding-and-stride.md): W23 and W24.
//
// One 5x5 input and one 3x3 kernel, twice: with padding 1 the output keeps the 5x5 size (W23);
// without padding and with stride 2 the window visits every second position and the output
// shrinks to 2x2 (W24). The output shape comes from the shape module, the values from
// ref::conv2d, and both are checked against the fixtures.
//
// Run from the repository root: build/release/examples/02_padding_and_stride fixtures
#include <iostream>
#include <string>

#include "core/shape.hpp"
#include "examples/example.hpp"
#include "reference/conv2d.hpp"

using namespace convlab;

int main(int argc, char** argv) {
  const auto fixtures = examples::fixtures_dir(argc, argv);
  examples::Checks checks;
  for (const std::string name : {"conv2d/w23_doc003_pad1", "conv2d/w24_doc003_stride2"}) {
    const Case c = examples::load_example(fixtures, name);
    const Tensor<double>& x = c.inputs.at("x");
    const Tensor<double>& w = c.inputs.at("w");
    const Conv2dParams& p = std::get<Conv2dParams>(c.params);
    if (name == "conv2d/w23_doc003_pad1") {
      examples::print_tensor("x", x);
      examples::print_tensor("w", w);
    }

    // H_out = floor((H + p_top + p_bottom - KH) / stride) + 1, computed by the shape module.
    const Shape out = conv2d_output_shape(x.shape(), w.shape(), Shape{}, p);
    std::cout << "padding " << p.pad_top << ", stride " << p.stride_h << ": H_out = floor(("
              << x.dim(2) << " + " << p.pad_top << " + " << p.pad_bottom << " - " << w.dim(2)
              << ") / " << p.stride_h << ") + 1 = " << out[2] << ", output " << format_shape(out)
              << "\n";

    const Tensor<double> y = ref::conv2d(x, w, Tensor<double>{}, p);
    examples::print_tensor("y", y);
    checks.expect(y.shape() == out, "ref::conv2d's output has the shape module's shape");
    checks.expect(c, {{"y", y}});
    std::cout << "\n";
  }
  return checks.exit_code();
}
