// Chapter 15, tiling and SIMD with Vc (docs/15-tiling-and-simd.md): W23 on the direct kernels.
//
// The direct Vc kernels keep a tile of outputs in vector registers for the whole reduction.
// conv2d_direct_vc_ow puts adjacent output columns in a vector, conv2d_direct_vc_oc adjacent
// output channels, and conv2d_direct_vc picks between them. The program runs the three from
// the registry on W23 (a 5x5 input, a 3x3 kernel, padding 1), where a row of 5 outputs fills
// only part of one vector, so the kernels' edge handling is what is exercised; the integers
// of W23 make every float sum exact, so the results must equal the document's.
//
// Run from the repository root: build/release/examples/15_tiling_and_simd fixtures
#include <Vc/Vc>
#include <iostream>

#include "examples/example.hpp"
#include "kernels/registry.hpp"

using namespace convlab;

int main(int argc, char** argv) {
  const auto fixtures = examples::fixtures_dir(argc, argv);
  const Case c = examples::load_example(fixtures, "conv2d/w23_doc003_pad1");
  std::cout << "Vc::float_v holds " << Vc::float_v::size()
            << " floats in this build; a row of W23 has " << c.expected.at("y").dim(3)
            << " outputs\n\n";

  examples::Checks checks;
  Outcome last;
  for (const char* name : {"conv2d_direct_vc_ow", "conv2d_direct_vc_oc", "conv2d_direct_vc"}) {
    const Variant* v = find_variant(name);
    std::cout << name << ": " << (v != nullptr ? v->description : "not registered") << "\n  ";
    last = checks.expect_variant(c, name);
  }
  if (last.status == Status::passed) {
    examples::print_tensor("y from conv2d_direct_vc", last.outputs.at("y"));
  }
  return checks.exit_code();
}
