// A deliberately wrong conv2d ("canary", built only here) must be caught by the same engine
// that `convlab verify` runs: if it passed, the corpus or the comparison would be blind.
#include <gtest/gtest.h>

#include <sstream>

#include "reference/dispatch.hpp"
#include "tools/verify.hpp"

namespace convlab {
namespace {

// The reference conv2d with one classic bug: the kernel read flipped left-right (true
// convolution instead of cross-correlation) for every variant that is not 1 wide.
Variant flipped_kernel_canary() {
  Variant v;
  v.name = "conv2d_canary_flipped_kernel";
  v.op = "conv2d";
  v.direction = Direction::forward;
  v.tolerance_factor = 4;
  v.supports = [](const OpParams&, const ShapeMap&) { return std::string(); };
  v.run = [](const OpParams& params, const TensorMap<float>& inputs, TensorMap<float>& outputs) {
    TensorMap<float> flipped = inputs;
    Tensor<float> w = inputs.at("w").clone();
    const std::int64_t kw = w.dim(3);
    for (std::int64_t i = 0; i < w.numel(); i += kw) std::reverse(&w[i], &w[i] + kw);
    flipped["w"] = w;
    const TensorMap<float> r =
        run_reference<float>(find_op("conv2d", Direction::forward), params, flipped);
    outputs.at("y").assign(r.at("y").values());
  };
  return v;
}

// Writes nothing: the NaN pre-fill must make it fail.
Variant lazy_canary() {
  Variant v = flipped_kernel_canary();
  v.name = "conv2d_canary_writes_nothing";
  v.run = [](const OpParams&, const TensorMap<float>&, TensorMap<float>&) {};
  return v;
}

TEST(Canary, VerifyCatchesAFlippedKernel) {
  const Variant canary = flipped_kernel_canary();
  std::ostringstream out;
  VerifyOptions options;
  options.op = "conv2d";
  const VerifyReport report = verify(options, {&canary}, out);
  EXPECT_GT(report.failed, 0) << out.str();
  EXPECT_NE(out.str().find("FAIL"), std::string::npos);
  EXPECT_NE(out.str().find("conv2d_canary_flipped_kernel"), std::string::npos);
  EXPECT_NE(out.str().find(" failed, "), std::string::npos);
}

TEST(Canary, VerifyCatchesUnwrittenOutputs) {
  const Variant canary = lazy_canary();
  std::ostringstream out;
  VerifyOptions options;
  options.op = "conv2d";
  const VerifyReport report = verify(options, {&canary}, out);
  EXPECT_GT(report.failed, 0);
  EXPECT_EQ(report.passed, 0) << out.str();
}

}  // namespace
}  // namespace convlab
