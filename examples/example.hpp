// What every example program of examples/ shares: the data folder named on the command line,
// loading a worked example from the fixtures, printing tensors the way the chapters show them,
// and the checks that make a program exit non-zero when its result disagrees with a fixture.
//
// A program reads like this:
//
//   int main(int argc, char** argv) {
//     const auto fixtures = examples::fixtures_dir(argc, argv);
//     const Case c = examples::load_example(fixtures, "corr2d/w18_doc002_edge_detector");
//     const Tensor<double> y = ref::corr2d(c.inputs.at("x"), c.inputs.at("k"));
//     examples::print_tensor("y", y);
//     examples::Checks checks;
//     checks.expect(c, {{"y", y}});
//     return checks.exit_code();
//   }
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "corpus/corpus.hpp"
#include "tools/verify.hpp"

namespace convlab::examples {

// The folder argv[1] names. It must be a directory holding `probe` (a file or folder that
// every right answer has, e.g. "conv2d" for the fixtures). Otherwise prints what is wrong and
// the usage line `<program> <what>` with `example_arg` as an example, and exits with status 2.
std::filesystem::path data_dir(int argc, char** argv, std::string_view what, std::string_view probe,
                               std::string_view example_arg);
// data_dir for the fixtures/ folder of the source tree (run from the repository root:
// `build/release/examples/<program> fixtures`).
std::filesystem::path fixtures_dir(int argc, char** argv);

// load_case(fixtures / name) (name as "<op>/<case directory>"), printing the case's name,
// provenance and description. A missing or malformed case prints the loader's message and
// exits with status 2.
Case load_example(const std::filesystem::path& fixtures, std::string_view name);

// Prints `t` under a "# label: 1x1x4x4" heading as matrices, one per 2-D slice of the last
// two dimensions ("label[0,1] =" for channel 1 of sample 0), each value rounded to `decimals`
// decimals without trailing zeros (the documents print 4), columns right-aligned.
void print_tensor(std::string_view label, const Tensor<double>& t, int decimals = 4);
void print_tensor(std::string_view label, const Tensor<float>& t, int decimals = 4);

// Counts checks and prints one line per check. exit_code() prints the closing line, "all checks
// passed (N of N)" or "FAILED: M of N checks", and returns 0 or 1 for main.
class Checks {
 public:
  // Compares `actual` (computed in double) with c.expected under the case's own tolerance
  // (corpus compare(): exact cases with ==, the others within their bound, for the double
  // reference factor 1 and double epsilon).
  bool expect(const Case& c, const TensorMap<double>& actual);
  // Runs the registered variant `variant_name` on `c` (run_variant_on_case: float inputs,
  // NaN-filled outputs, the variant's own tolerance factor) and prints its verdict and largest
  // error. An unknown variant fails; one that does not run the case (supports() says no, or
  // this CPU lacks its instructions) fails when `must_run`, else is reported as skipped.
  Outcome expect_variant(const Case& c, std::string_view variant_name, bool must_run = true);
  // Any other condition, described by `what`.
  bool expect(bool ok, std::string_view what);

  int exit_code() const;

 private:
  bool record(bool ok, const std::string& line);
  int checks_ = 0, failed_ = 0;
};

}  // namespace convlab::examples
