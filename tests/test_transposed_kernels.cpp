// The kernels of kernels/transposed (conv_transpose2d forward, conv2d and conv_transpose2d
// backward) and col2im: col2im is the exact adjoint of im2col; every variant agrees with the
// scatter/loop reference in double AND with the explicit convolution matrix
// (reference/conv_matrix.hpp) on random shapes with fixed, printed seeds, within the tolerance
// policy of DESIGN.md, and exactly on small integers; the worked examples W3 and W10 from the
// corpus; results do not depend on the number of OpenMP threads; wrong shapes are rejected with
// messages naming the variant, the tensor and the values. Outputs are NaN-filled before every
// run, so an element a kernel forgets to write fails.
#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <iostream>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/ops.hpp"
#include "core/shape.hpp"
#include "corpus/corpus.hpp"
#include "kernels/conv2d/im2col.hpp"
#include "kernels/registry.hpp"
#include "kernels/transposed/transposed_common.hpp"
#include "kernels/transposed/transposed_kernels.hpp"
#include "reference/conv2d.hpp"
#include "reference/conv_matrix.hpp"
#include "reference/conv_transpose2d.hpp"
#include "reference/dispatch.hpp"
#include "tests/support.hpp"

namespace convlab {
namespace {

using test::all_equal;
using test::dot;
using test::expect_error;
using test::random_int_tensor;
using test::random_tensor;

constexpr double kEps = std::numeric_limits<float>::epsilon();

Tensor<float> nan_tensor(const Shape& s) {
  return Tensor<float>::full(s, std::numeric_limits<float>::quiet_NaN());
}

// |actual - expected| <= factor * eps(float) * scale element-wise (scale = K * M of the
// reference), with a NaN never passing; reports the worst element.
::testing::AssertionResult within_bound(const Tensor<float>& actual, const Tensor<double>& expected,
                                        const Tensor<double>& scale, double factor) {
  if (!(actual.shape() == expected.shape())) {
    return ::testing::AssertionFailure()
           << "shape " << actual.shape().str() << " != " << expected.shape().str();
  }
  for (std::int64_t i = 0; i < actual.numel(); ++i) {
    const double err = std::fabs(double(actual[i]) - expected[i]);
    const double allowed = factor * kEps * scale[i];
    if (!(err <= allowed)) {  // NaN fails
      return ::testing::AssertionFailure()
             << "element " << i << ": actual " << actual[i] << ", expected " << expected[i]
             << ", |diff| " << err << " > allowed " << allowed;
    }
  }
  return ::testing::AssertionSuccess();
}

// Random values in [-1, 1) that are floats, held in double: the kernels get exactly the values
// the double reference gets, so the comparison measures the kernels' arithmetic only (rounding
// double inputs to float would perturb each product by up to eps |x w| on its own, as much as
// the whole bound of a one-term sum).
Tensor<double> float_values(const Shape& shape, std::uint64_t seed) {
  return random_tensor<float>(shape, seed).cast<double>();
}

// With float-valued inputs only the kernels' own rounding remains: a nested float sum of K
// terms with FMA, at most K * u * M = 0.5 eps K M (transposed_kernels.hpp). The random tests
// hold the kernels to factor 1, half the declared factor 2 (which also covers the rounding of
// double corpus inputs to float).
constexpr double kArithmeticFactor = 1;

// ---- random shapes ----

using test::RandomTranspose;

// Awkward sizes: padding up to 4, so it can exceed dilation * (k - 1) and crop the full scatter
// (the negative padding of zero insertion).
std::vector<RandomTranspose> random_transposes(std::uint64_t seed, int count, std::int64_t max_hw) {
  return test::random_transposes(seed, count, max_hw, /*max_pad=*/4,
                                 /*output_padding_max_every_other=*/false);
}

std::string describe(const RandomTranspose& c) {
  const auto& p = c.p;
  return "x " + Shape{c.n, c.c_in, c.h, c.w}.str() + " k " + std::to_string(c.kh) + "x" +
         std::to_string(c.kw) + " c_out " + std::to_string(c.c_out) + " s " +
         std::to_string(p.stride_h) + "," + std::to_string(p.stride_w) + " pad " +
         std::to_string(p.pad_top) + "," + std::to_string(p.pad_bottom) + "," +
         std::to_string(p.pad_left) + "," + std::to_string(p.pad_right) + " op " +
         std::to_string(p.output_padding_h) + "," + std::to_string(p.output_padding_w) + " d " +
         std::to_string(p.dilation_h) + "," + std::to_string(p.dilation_w) + " g " +
         std::to_string(p.groups);
}

std::string describe(const test::RandomConv2d& c) {
  const auto& p = c.p;
  return "x " + Shape{c.n, c.c_in, c.h, c.w}.str() + " k " + std::to_string(c.kh) + "x" +
         std::to_string(c.kw) + " c_out " + std::to_string(c.c_out) + " s " +
         std::to_string(p.stride_h) + "," + std::to_string(p.stride_w) + " pad " +
         std::to_string(p.pad_top) + "," + std::to_string(p.pad_bottom) + "," +
         std::to_string(p.pad_left) + "," + std::to_string(p.pad_right) + " d " +
         std::to_string(p.dilation_h) + "," + std::to_string(p.dilation_w) + " g " +
         std::to_string(p.groups) + " mode " + std::string(to_string(p.padding_mode));
}

// ---- col2im is the adjoint of im2col ----

// <im2col(x), c> == <x, col2im(c)> for every geometry and padding mode. With small-integer x and
// c every product and sum is an integer far below 2^24, exact in float and in double, so the
// identity holds with ==: a pixel that col2im misses, adds twice or adds to the wrong place
// changes <x, col2im(c)> (x and c are random, so no cancellation survives many cases).
TEST(Col2im, IsTheAdjointOfIm2col) {
  const std::uint64_t seed = 0x7c01;
  int checked = 0;
  for (const test::RandomConv2d& c : test::random_conv2ds(seed, 200, 9, /*modes=*/true)) {
    SCOPED_TRACE("seed " + std::to_string(seed) + " case " + std::to_string(checked) + ": " +
                 describe(c));
    const Tensor<float> x = random_int_tensor<float>(Shape{c.n, c.c_in, c.h, c.w}, seed + checked);
    const Tensor<float> w(Shape{c.c_out, c.c_in / c.groups, c.kh, c.kw});
    const Shape y_shape = conv2d_output_shape(x.shape(), w.shape(), Shape{}, c.p);
    const Tensor<float> y(y_shape);
    const conv2d_detail::Geometry g =
        conv2d_detail::geometry("col2im test", x, w, Tensor<float>(), c.p, y, "");
    const std::int64_t K = g.C_in_g * g.KH * g.KW, P = g.H_out * g.W_out;
    // One group's slice of sample 0, with a row stride ld > P so the padding of each row must
    // be ignored by col2im (it holds NaN).
    const std::int64_t ld = P + 3;
    const Tensor<float> cols = random_int_tensor<float>(Shape{K, ld}, seed + 1000 + checked);
    Tensor<float> col_nan = cols.clone();
    for (std::int64_t r = 0; r < K; ++r) {
      for (std::int64_t j = P; j < ld; ++j) col_nan[r * ld + j] = std::nanf("");
    }
    const Tensor<float> xg = x.slice(0, 1).reshape(Shape{c.c_in, c.h, c.w}).clone();
    Tensor<float> im(Shape{K, ld});  // zeros beyond P
    conv2d_detail::im2col(g, xg.data(), im.data(), ld);
    Tensor<float> back(Shape{g.C_in_g, c.h, c.w});  // col2im adds: zero-filled
    conv2d_detail::col2im(g, col_nan.data(), ld, back.data());
    const Tensor<float> xg0 = xg.slice(0, g.C_in_g).clone();
    EXPECT_EQ(dot(im, cols), dot(xg0, back));
    ++checked;
  }
  EXPECT_EQ(checked, 200);
}

// The same identity through the geometry of a transposed convolution (y's grid as the conv
// input, x's grid as its output; positions the scatter crops away, output_padding beyond the
// stride).
TEST(Col2im, IsTheAdjointOfIm2colForTransposedGeometries) {
  const std::uint64_t seed = 0x7c02;
  int i = 0;
  for (const RandomTranspose& c : random_transposes(seed, 200, 7)) {
    SCOPED_TRACE("seed " + std::to_string(seed) + " case " + std::to_string(i) + ": " +
                 describe(c));
    const Shape x{c.n, c.c_in, c.h, c.w}, w{c.c_in, c.c_out / c.p.groups, c.kh, c.kw};
    const Shape y = conv_transpose2d_output_shape(x, w, Shape{}, c.p);
    const conv2d_detail::Geometry g =
        transposed_detail::adjoint_geometry("col2im test", x, w, Shape{}, c.p, y, "y", "");
    const std::int64_t K = g.C_in_g * g.KH * g.KW, P = g.H_out * g.W_out;
    const Tensor<float> yg =
        random_int_tensor<float>(Shape{g.C_in_g, g.H, g.W}, seed + static_cast<std::uint64_t>(i));
    const Tensor<float> cols =
        random_int_tensor<float>(Shape{K, P}, seed + 1000 + static_cast<std::uint64_t>(i));
    Tensor<float> im(Shape{K, P}), back(Shape{g.C_in_g, g.H, g.W});
    conv2d_detail::im2col(g, yg.data(), im.data(), P);
    conv2d_detail::col2im(g, cols.data(), P, back.data());
    EXPECT_EQ(dot(im, cols), dot(yg, back));
    ++i;
  }
}

// ---- conv_transpose2d forward ----

using TransposedKernel = void (*)(const Tensor<float>&, const Tensor<float>&, const Tensor<float>&,
                                  const ConvTranspose2dParams&, Tensor<float>&);
struct ForwardVariant {
  std::string name;
  TransposedKernel run;
  double factor;
};
const std::vector<ForwardVariant> kForward = {
    {"conv_transpose2d_gemm_col2im", conv_transpose2d_gemm_col2im,
     kConvTranspose2dGemmCol2imToleranceFactor},
    {"conv_transpose2d_zero_insertion", conv_transpose2d_zero_insertion,
     kConvTranspose2dZeroInsertionToleranceFactor},
};

Tensor<float> run_forward(const ForwardVariant& v, const Tensor<float>& x, const Tensor<float>& w,
                          const Tensor<float>& b, const ConvTranspose2dParams& p) {
  Tensor<float> y = nan_tensor(conv_transpose2d_output_shape(x.shape(), w.shape(), b.shape(), p));
  v.run(x, w, b, p, y);
  return y;
}

// Random values: within the bound against the scatter reference in double, and against C^T
// vec(x) from the explicit matrix (an independent construction: the reference conv2d's
// matrix, transposed).
TEST(ConvTranspose2dKernels, MatchScatterAndMatrixReferences) {
  const std::uint64_t seed = 0x7d01;
  const OpSpec& spec = find_op("conv_transpose2d", Direction::forward);
  int i = 0;
  for (const RandomTranspose& c : random_transposes(seed, 120, 7)) {
    SCOPED_TRACE("seed " + std::to_string(seed) + " case " + std::to_string(i) + ": " +
                 describe(c));
    const auto s = seed + 10 * static_cast<std::uint64_t>(i);
    const Tensor<double> x = float_values(Shape{c.n, c.c_in, c.h, c.w}, s);
    const Tensor<double> w = float_values(Shape{c.c_in, c.c_out / c.p.groups, c.kh, c.kw}, s + 1);
    const Tensor<double> b = i % 2 == 0 ? float_values(Shape{c.c_out}, s + 2) : Tensor<double>();
    const Tensor<double> scatter = ref::conv_transpose2d(x, w, b, c.p);
    const Tensor<double> matrix = ref::conv_transpose2d_via_matrix(x, w, b, c.p);
    TensorMap<double> in{{"x", x}, {"w", w}};
    if (!b.empty()) in["b"] = b;
    const Tensor<double> scale = error_scale(spec, c.p, in).at("y");
    for (const ForwardVariant& v : kForward) {
      SCOPED_TRACE(v.name);
      const Tensor<float> y =
          run_forward(v, x.cast<float>(), w.cast<float>(), b.cast<float>(), c.p);
      EXPECT_TRUE(within_bound(y, scatter, scale, kArithmeticFactor));
      EXPECT_TRUE(within_bound(y, matrix, scale, kArithmeticFactor));
    }
    ++i;
  }
}

// Small integers: every product and partial sum is exact, so each variant equals both
// references exactly (an off-by-one landing position cannot hide in a tolerance).
TEST(ConvTranspose2dKernels, ExactOnSmallIntegers) {
  const std::uint64_t seed = 0x7d02;
  int i = 0;
  for (const RandomTranspose& c : random_transposes(seed, 120, 7)) {
    SCOPED_TRACE("seed " + std::to_string(seed) + " case " + std::to_string(i) + ": " +
                 describe(c));
    const auto s = seed + 10 * static_cast<std::uint64_t>(i);
    const Tensor<double> x = random_int_tensor<double>(Shape{c.n, c.c_in, c.h, c.w}, s);
    const Tensor<double> w =
        random_int_tensor<double>(Shape{c.c_in, c.c_out / c.p.groups, c.kh, c.kw}, s + 1);
    const Tensor<double> b = random_int_tensor<double>(Shape{c.c_out}, s + 2);
    const Tensor<double> scatter = ref::conv_transpose2d(x, w, b, c.p);
    const Tensor<double> matrix = ref::conv_transpose2d_via_matrix(x, w, b, c.p);
    for (const ForwardVariant& v : kForward) {
      SCOPED_TRACE(v.name);
      const Tensor<float> y =
          run_forward(v, x.cast<float>(), w.cast<float>(), b.cast<float>(), c.p);
      EXPECT_TRUE(all_equal(y, scatter));
      EXPECT_TRUE(all_equal(y, matrix));
    }
    ++i;
  }
}

// The corpus's worked examples through both forward variants, compared by the corpus's own
// rule (compare(): exact for W10, the print-precision bound of the manifest for W3).
//  - W3 (doc:000_3ddde5b97f33cba7.txt#W3): 2x2 input, 2x2 kernel, stride 1 -> 3x3, printed
//    to 4 decimals; tolerance 0.00013 from the print precision (see its manifest).
//  - W10 (doc:001_a5e5184ddd425933.txt#W10): the 2x2 conv result sent back through the 3x3
//    kernel, C^T vec(y) -> 4x4, small integers, exact.
TEST(ConvTranspose2dKernels, WorkedExamplesW3AndW10) {
  for (const char* name : {"w3_doc000_transpose_k2", "w10_doc001_transpose_2x2_to_4x4"}) {
    const Case c = load_case(bundled_corpus_dir() / "conv_transpose2d" / name);
    const auto& p = std::get<ConvTranspose2dParams>(c.params);
    const auto b = c.inputs.find("b");
    for (const ForwardVariant& v : kForward) {
      SCOPED_TRACE(std::string(name) + " " + v.name);
      const Tensor<float> y =
          run_forward(v, c.inputs.at("x").cast<float>(), c.inputs.at("w").cast<float>(),
                      b == c.inputs.end() ? Tensor<float>() : b->second.cast<float>(), p);
      const CompareResult r = compare(c, TensorMap<double>{{"y", y.cast<double>()}}, v.factor);
      EXPECT_TRUE(r.passed) << r.message;
    }
  }
}

// conv2d's input gradient is the transposed convolution of dy: W10's transposed input (the 2x2
// conv result [[1, 9], [6, 4]]) as dy of the 4x4, 3x3 convolution must give W10's 4x4 result
// as dx. Worked by hand for one element: dx[1][2] receives dy[0][0] * w[1][2] + dy[0][1] *
// w[1][1] + dy[1][0] * w[0][2] + dy[1][1] * w[0][1] = 1*0 + 9*2 + 6*1 + 4*0 = 24, the fixture's
// y[1][2].
TEST(Conv2dBackwardGemm, W10InputGradientIsTheTransposedConvolution) {
  const Case c =
      load_case(bundled_corpus_dir() / "conv_transpose2d" / "w10_doc001_transpose_2x2_to_4x4");
  const Tensor<float> dy = c.inputs.at("x").cast<float>();
  const Tensor<float> w = c.inputs.at("w").cast<float>();  // 1x1 channels: same array as conv2d's
  const Tensor<float> x = random_int_tensor<float>(Shape{1, 1, 4, 4}, 0x7d03);
  Tensor<float> dx = nan_tensor(x.shape()), dw = nan_tensor(w.shape()), db;
  conv2d_backward_gemm(x, w, dy, Conv2dParams{}, dx, dw, db);
  EXPECT_EQ(dx(0, 0, 1, 2), 24.0f);
  EXPECT_TRUE(all_equal(dx, c.expected.at("y")));
}

// ---- conv2d backward ----

struct Grads {
  Tensor<float> dx, dw, db;
};

Grads run_conv2d_backward(const Tensor<float>& x, const Tensor<float>& w, const Tensor<float>& dy,
                          bool has_bias, const Conv2dParams& p) {
  Grads g{nan_tensor(x.shape()), nan_tensor(w.shape()),
          has_bias ? nan_tensor(Shape{w.dim(0)}) : Tensor<float>()};
  conv2d_backward_gemm(x, w, dy, p, g.dx, g.dw, g.db);
  return g;
}

// dx[n] = C^T vec(dy[n]) with C the explicit conv2d matrix (any padding mode: a padded read
// adds its weight to the column of the pixel it reads).
Tensor<double> conv2d_dx_via_matrix(const Tensor<double>& dy, const Tensor<double>& w,
                                    const Shape& x_shape, const Conv2dParams& p) {
  const Tensor<double> C = ref::conv2d_matrix(x_shape, w, p);
  const std::int64_t rows = C.dim(0), cols = C.dim(1);
  Tensor<double> dx(x_shape);
  for (std::int64_t n = 0; n < x_shape[0]; ++n) {
    for (std::int64_t r = 0; r < rows; ++r) {
      const double v = dy[n * rows + r];
      for (std::int64_t k = 0; k < cols; ++k) dx[n * cols + k] += C[r * cols + k] * v;
    }
  }
  return dx;
}

// Random values, every padding mode, with and without bias: dx, dw, db within the bound
// against ref::conv2d_backward, and dx against C^T dy from the explicit matrix.
TEST(Conv2dBackwardGemm, MatchesLoopAndMatrixReferences) {
  const std::uint64_t seed = 0x7e01;
  const OpSpec& spec = find_op("conv2d", Direction::backward);
  int i = 0;
  for (const test::RandomConv2d& c : test::random_conv2ds(seed, 120, 8, /*modes=*/true)) {
    SCOPED_TRACE("seed " + std::to_string(seed) + " case " + std::to_string(i) + ": " +
                 describe(c));
    const auto s = seed + 10 * static_cast<std::uint64_t>(i);
    const bool has_bias = i % 2 == 0;
    const Tensor<double> x = float_values(Shape{c.n, c.c_in, c.h, c.w}, s);
    const Tensor<double> w = float_values(Shape{c.c_out, c.c_in / c.groups, c.kh, c.kw}, s + 1);
    const Tensor<double> dy =
        float_values(conv2d_output_shape(x.shape(), w.shape(), Shape{}, c.p), s + 2);
    const ref::Conv2dGrads<double> r = ref::conv2d_backward(dy, x, w, has_bias, c.p);
    TensorMap<double> in{{"x", x}, {"w", w}, {"dy", dy}};
    if (has_bias) in["b"] = Tensor<double>(Shape{c.c_out});
    const TensorMap<double> scale = error_scale(spec, c.p, in);
    const Grads g =
        run_conv2d_backward(x.cast<float>(), w.cast<float>(), dy.cast<float>(), has_bias, c.p);
    const double f = kArithmeticFactor;
    EXPECT_TRUE(within_bound(g.dx, r.grad_input, scale.at("dx"), f));
    EXPECT_TRUE(within_bound(g.dx, conv2d_dx_via_matrix(dy, w, x.shape(), c.p), scale.at("dx"), f));
    EXPECT_TRUE(within_bound(g.dw, r.grad_weight, scale.at("dw"), f));
    if (has_bias) {
      EXPECT_TRUE(within_bound(g.db, r.grad_bias, scale.at("db"), f));
    }
    ++i;
  }
}

// Small integers: exact against the loop reference.
TEST(Conv2dBackwardGemm, ExactOnSmallIntegers) {
  const std::uint64_t seed = 0x7e02;
  int i = 0;
  for (const test::RandomConv2d& c : test::random_conv2ds(seed, 120, 8, /*modes=*/true)) {
    SCOPED_TRACE("seed " + std::to_string(seed) + " case " + std::to_string(i) + ": " +
                 describe(c));
    const auto s = seed + 10 * static_cast<std::uint64_t>(i);
    const Tensor<double> x = random_int_tensor<double>(Shape{c.n, c.c_in, c.h, c.w}, s);
    const Tensor<double> w =
        random_int_tensor<double>(Shape{c.c_out, c.c_in / c.groups, c.kh, c.kw}, s + 1);
    const Tensor<double> dy =
        random_int_tensor<double>(conv2d_output_shape(x.shape(), w.shape(), Shape{}, c.p), s + 2);
    const ref::Conv2dGrads<double> r = ref::conv2d_backward(dy, x, w, true, c.p);
    const Grads g =
        run_conv2d_backward(x.cast<float>(), w.cast<float>(), dy.cast<float>(), true, c.p);
    EXPECT_TRUE(all_equal(g.dx, r.grad_input));
    EXPECT_TRUE(all_equal(g.dw, r.grad_weight));
    EXPECT_TRUE(all_equal(g.db, r.grad_bias));
    ++i;
  }
}

// ---- conv_transpose2d backward ----

Grads run_transpose_backward(const Tensor<float>& x, const Tensor<float>& w,
                             const Tensor<float>& dy, bool has_bias,
                             const ConvTranspose2dParams& p) {
  Grads g{nan_tensor(x.shape()), nan_tensor(w.shape()),
          has_bias ? nan_tensor(Shape{dy.dim(1)}) : Tensor<float>()};
  conv_transpose2d_backward_gemm(x, w, dy, p, g.dx, g.dw, g.db);
  return g;
}

// dx[n] = C vec(dy[n]) restricted to x's H x W grid, C the matrix of the adjoint convolution
// (from y's size; with output_padding >= stride it has more positions than x, which the scatter
// never reaches).
Tensor<double> transpose_dx_via_matrix(const Tensor<double>& dy, const Tensor<double>& w,
                                       const Shape& x_shape, const ConvTranspose2dParams& p) {
  const Conv2dParams cp = adjoint_conv2d_params(p);
  const Shape y_shape = dy.shape();
  const Shape full = conv2d_output_shape(y_shape, w.shape(), Shape{}, cp);
  const Tensor<double> C = ref::conv2d_matrix(y_shape, w, cp);
  const std::int64_t rows = C.dim(0), cols = C.dim(1);
  Tensor<double> dx(x_shape);
  for (std::int64_t n = 0; n < x_shape[0]; ++n) {
    for (std::int64_t c = 0; c < x_shape[1]; ++c) {
      for (std::int64_t h = 0; h < x_shape[2]; ++h) {
        for (std::int64_t ww = 0; ww < x_shape[3]; ++ww) {
          const std::int64_t r = (c * full[2] + h) * full[3] + ww;
          double s = 0;
          for (std::int64_t k = 0; k < cols; ++k) s += C[r * cols + k] * dy[n * cols + k];
          dx(n, c, h, ww) = s;
        }
      }
    }
  }
  (void)rows;
  return dx;
}

TEST(ConvTranspose2dBackwardGemm, MatchesScatterAndMatrixReferences) {
  const std::uint64_t seed = 0x7f01;
  const OpSpec& spec = find_op("conv_transpose2d", Direction::backward);
  int i = 0;
  for (const RandomTranspose& c : random_transposes(seed, 120, 7)) {
    SCOPED_TRACE("seed " + std::to_string(seed) + " case " + std::to_string(i) + ": " +
                 describe(c));
    const auto s = seed + 10 * static_cast<std::uint64_t>(i);
    const bool has_bias = i % 2 == 0;
    const Tensor<double> x = float_values(Shape{c.n, c.c_in, c.h, c.w}, s);
    const Tensor<double> w = float_values(Shape{c.c_in, c.c_out / c.p.groups, c.kh, c.kw}, s + 1);
    const Tensor<double> dy =
        float_values(conv_transpose2d_output_shape(x.shape(), w.shape(), Shape{}, c.p), s + 2);
    const ref::ConvTranspose2dGrads<double> r =
        ref::conv_transpose2d_backward(dy, x, w, has_bias, c.p);
    TensorMap<double> in{{"x", x}, {"w", w}, {"dy", dy}};
    if (has_bias) in["b"] = Tensor<double>(Shape{c.c_out});
    const TensorMap<double> scale = error_scale(spec, c.p, in);
    const Grads g =
        run_transpose_backward(x.cast<float>(), w.cast<float>(), dy.cast<float>(), has_bias, c.p);
    const double f = kArithmeticFactor;
    EXPECT_TRUE(within_bound(g.dx, r.grad_input, scale.at("dx"), f));
    EXPECT_TRUE(
        within_bound(g.dx, transpose_dx_via_matrix(dy, w, x.shape(), c.p), scale.at("dx"), f));
    EXPECT_TRUE(within_bound(g.dw, r.grad_weight, scale.at("dw"), f));
    if (has_bias) {
      EXPECT_TRUE(within_bound(g.db, r.grad_bias, scale.at("db"), f));
    }
    ++i;
  }
}

TEST(ConvTranspose2dBackwardGemm, ExactOnSmallIntegers) {
  const std::uint64_t seed = 0x7f02;
  int i = 0;
  for (const RandomTranspose& c : random_transposes(seed, 120, 7)) {
    SCOPED_TRACE("seed " + std::to_string(seed) + " case " + std::to_string(i) + ": " +
                 describe(c));
    const auto s = seed + 10 * static_cast<std::uint64_t>(i);
    const Tensor<double> x = random_int_tensor<double>(Shape{c.n, c.c_in, c.h, c.w}, s);
    const Tensor<double> w =
        random_int_tensor<double>(Shape{c.c_in, c.c_out / c.p.groups, c.kh, c.kw}, s + 1);
    const Tensor<double> dy = random_int_tensor<double>(
        conv_transpose2d_output_shape(x.shape(), w.shape(), Shape{}, c.p), s + 2);
    const ref::ConvTranspose2dGrads<double> r = ref::conv_transpose2d_backward(dy, x, w, true, c.p);
    const Grads g =
        run_transpose_backward(x.cast<float>(), w.cast<float>(), dy.cast<float>(), true, c.p);
    EXPECT_TRUE(all_equal(g.dx, r.grad_input));
    EXPECT_TRUE(all_equal(g.dw, r.grad_weight));
    EXPECT_TRUE(all_equal(g.db, r.grad_bias));
    ++i;
  }
}

// ---- threads ----

// OpenMP runs only over independent outputs (samples/groups, channel planes, channels of db):
// 1 and 2 threads give bit-identical results, on problems with several samples and groups.
TEST(TransposedKernels, BitIdenticalForOneAndTwoThreads) {
  const int saved = omp_get_max_threads();
  const ConvTranspose2dParams tp{.stride_h = 2,
                                 .stride_w = 2,
                                 .pad_top = 1,
                                 .pad_bottom = 1,
                                 .pad_left = 1,
                                 .pad_right = 1,
                                 .groups = 2};
  const Tensor<float> x = random_tensor<float>(Shape{3, 4, 9, 7}, 0x7f10);
  const Tensor<float> w = random_tensor<float>(Shape{4, 3, 4, 4}, 0x7f11);
  const Tensor<float> b = random_tensor<float>(Shape{6}, 0x7f12);
  const Shape ys = conv_transpose2d_output_shape(x.shape(), w.shape(), b.shape(), tp);
  const Tensor<float> dyt = random_tensor<float>(ys, 0x7f13);
  const Conv2dParams cp{.pad_top = 1, .pad_bottom = 1, .pad_left = 1, .pad_right = 1, .groups = 2};
  const Tensor<float> wc = random_tensor<float>(Shape{6, 2, 3, 3}, 0x7f14);
  const Tensor<float> dyc =
      random_tensor<float>(conv2d_output_shape(x.shape(), wc.shape(), Shape{}, cp), 0x7f15);
  std::vector<std::vector<Tensor<float>>> results;
  for (int threads : {1, 2}) {
    omp_set_num_threads(threads);
    std::vector<Tensor<float>> r;
    for (const ForwardVariant& v : kForward) r.push_back(run_forward(v, x, w, b, tp));
    const Grads gc = run_conv2d_backward(x, wc, dyc, true, cp);
    const Grads gt = run_transpose_backward(x, w, dyt, true, tp);
    for (const Tensor<float>& t : {gc.dx, gc.dw, gc.db, gt.dx, gt.dw, gt.db}) r.push_back(t);
    results.push_back(r);
  }
  omp_set_num_threads(saved);
  for (std::size_t k = 0; k < results[0].size(); ++k) {
    SCOPED_TRACE("output " + std::to_string(k));
    EXPECT_TRUE(all_equal(results[1][k], results[0][k]));
  }
}

// ---- registration and rejected inputs ----

// Every variant of this folder is in the registry with its op, direction, an existing parent,
// a tolerance reason, and accepts every problem of its op (padding modes included): there is no
// problem these kernels refuse, so supports() answers "" and nothing is skipped.
TEST(TransposedKernels, RegisteredWithParentsAndReasons) {
  struct Expected {
    const char* name;
    const char* op;
    Direction direction;
  };
  for (const Expected& e :
       {Expected{"conv_transpose2d_gemm_col2im", "conv_transpose2d", Direction::forward},
        Expected{"conv_transpose2d_zero_insertion", "conv_transpose2d", Direction::forward},
        Expected{"conv2d_backward_gemm", "conv2d", Direction::backward},
        Expected{"conv_transpose2d_backward_gemm", "conv_transpose2d", Direction::backward}}) {
    SCOPED_TRACE(e.name);
    const Variant* v = find_variant(e.name);
    ASSERT_NE(v, nullptr);
    EXPECT_EQ(v->op, e.op);
    EXPECT_EQ(v->direction, e.direction);
    EXPECT_NE(find_variant(v->parent), nullptr) << v->parent;
    EXPECT_FALSE(v->tolerance_reason.empty());
    EXPECT_EQ(v->tolerance_factor, kDotProductToleranceFactor);  // each is a float dot product
  }
  const Variant* v = find_variant("conv2d_backward_gemm");
  ASSERT_NE(v, nullptr);
  const ShapeMap shapes{{"x", Shape{1, 2, 5, 5}}, {"w", Shape{3, 2, 3, 3}}};
  EXPECT_EQ(v->supports(Conv2dParams{.pad_top = 1, .padding_mode = PaddingMode::reflect}, shapes),
            "");
}

TEST(TransposedKernels, WrongOutputShapesAreRejected) {
  const Tensor<float> x(Shape{1, 2, 3, 3}), w(Shape{2, 3, 2, 2});
  const ConvTranspose2dParams tp{.stride_h = 2, .stride_w = 2};
  // (3 - 1) * 2 + 2 = 6: the output is (1, 3, 6, 6); give 5 x 6.
  for (const ForwardVariant& v : kForward) {
    Tensor<float> y(Shape{1, 3, 5, 6});
    expect_error([&] { v.run(x, w, Tensor<float>(), tp, y); },
                 {v.name, "y", "(1, 3, 5, 6)", "(1, 3, 6, 6)"});
  }
  Tensor<float> dx(x.shape()), dw(w.shape()), db(Shape{4});
  const Tensor<float> dy(Shape{1, 3, 6, 6});
  expect_error([&] { conv_transpose2d_backward_gemm(x, w, dy, tp, dx, dw, db); },
               {"conv_transpose2d_backward_gemm", "db", "(4)", "(3)"});
  const Tensor<float> wc(Shape{4, 2, 3, 3}), dyc(Shape{1, 4, 1, 1});
  Tensor<float> dwc(Shape{4, 2, 3, 1}), dbc;
  expect_error([&] { conv2d_backward_gemm(x, wc, dyc, Conv2dParams{}, dx, dwc, dbc); },
               {"conv2d_backward_gemm", "dw", "(4, 2, 3, 1)", "(4, 2, 3, 3)"});
  // Invalid parameters reach the shape module's message.
  Tensor<float> y(Shape{1, 3, 6, 6});
  expect_error([&] { conv_transpose2d_gemm_col2im(x, w, Tensor<float>(), {.groups = 4}, y); },
               {"conv_transpose2d", "groups", "4"});
}

}  // namespace
}  // namespace convlab
