// Chapter 14, the GEMM steps (docs/14-gemm-steps.md).
//
// Every step of the GEMM core, from the naive triple loop to the threaded packed kernel, is a
// registered variant of the op gemm, so all of them can run on the same problem: here the
// corpus case gemm/gen_m7_k9_n17, C (7x17) = A (7x9) B (9x17), one row and one column past a
// register tile. Each step sums the same nine products per element in its own order, so the
// float results differ from the double expected values only in their last bits. A step whose
// instructions this CPU lacks (AVX-512) is reported as skipped.
//
// Run from the repository root: build/release/examples/14_gemm_steps fixtures
#include <cstdio>
#include <iostream>

#include "examples/example.hpp"
#include "kernels/registry.hpp"

using namespace convlab;

int main(int argc, char** argv) {
  const auto fixtures = examples::fixtures_dir(argc, argv);
  const Case c = examples::load_example(fixtures, "gemm/gen_m7_k9_n17");
  const Tensor<double>& expected = c.expected.at("c");
  std::cout << "C " << format_shape(expected.shape()) << " = A "
            << format_shape(c.inputs.at("a").shape()) << " B "
            << format_shape(c.inputs.at("b").shape()) << "\n";
  std::printf("expected c[0][0] (double): %.9f\n\n", expected(0, 0));

  examples::Checks checks;
  for (const Variant* v : variants_of("gemm", Direction::forward)) {
    std::cout << v->name << (v->parent.empty() ? "" : " (improves on " + v->parent + ")") << ": "
              << v->description << "\n  ";
    const Outcome o = checks.expect_variant(c, v->name, /*must_run=*/false);
    if (o.status == Status::passed) std::printf("  c[0][0] = %.9f\n", o.outputs.at("c")(0, 0));
  }
  return checks.exit_code();
}
