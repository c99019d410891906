// Reference conv_transpose2d (the scatter) and the explicit convolution matrix: the documents'
// worked examples, the adjoint identity and the other identities on random shapes with fixed
// seeds, finite differences for the backward pass, and invalid inputs.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/shape.hpp"
#include "reference/conv2d.hpp"
#include "reference/conv_matrix.hpp"
#include "reference/conv_transpose2d.hpp"
#include "tests/support.hpp"

namespace convlab {
namespace {

using test::all_equal;
using test::all_near;
using test::random_int_tensor;
using test::random_tensor;

using test::expect_error;

// ---- random shapes ----

using test::RandomTranspose;

// Padding up to 2; output_padding at its maximum, max(stride, dilation) - 1, in every other case.
std::vector<RandomTranspose> random_transposes(std::uint64_t seed, int count,
                                               std::int64_t max_size) {
  return test::random_transposes(seed, count, max_size, /*max_pad=*/2,
                                 /*output_padding_max_every_other=*/true);
}

using test::random_conv2ds;
using RandomConv = test::RandomConv2d;

std::string trace(std::uint64_t seed, int index) {
  return "seed " + std::to_string(seed) + ", case " + std::to_string(index);
}

// ---- W3 (doc:000_3ddde5b97f33cba7.txt#W3): ConvTranspose2d 1 -> 1, k = 2, stride 1 ----

// The printed weights, bias and outputs are rounded to 4 decimals (error <= 0.5e-4 each). An
// output element is bias + sum of x * w over the inputs that scatter into it, so its error bound
// is 0.5e-4 (output print) + 0.5e-4 (bias print) + 0.5e-4 * sum |x| over those inputs.
// With x = [[0.1, 0.2], [0.2, 0.1]] and a 2x2 kernel at stride 1, output (i, j) receives the
// inputs x[i - a][j - b] for a, b in {0, 1}, so sum |x| is
//   [[0.1, 0.1+0.2, 0.2], [0.1+0.2, 0.1+0.2+0.2+0.1, 0.2+0.1], [0.2, 0.2+0.1, 0.1]]
//   = [[0.1, 0.3, 0.2], [0.3, 0.6, 0.3], [0.2, 0.3, 0.1]].
TEST(ConvTranspose2dWorkedExamples, W3Doc000) {
  const Tensor<double> x(Shape{1, 1, 2, 2}, {0.1, 0.2, 0.2, 0.1});  // unbatched 1x2x2 in the doc
  const Tensor<double> w(Shape{1, 1, 2, 2}, {0.1511, -0.4327, 0.2216, 0.0240});
  const Tensor<double> b(Shape{1}, {-0.4246});
  const Tensor<double> printed(Shape{1, 1, 3, 3}, {-0.4095, -0.4377, -0.5112,  //
                                                   -0.3722, -0.4493, -0.4631,  //
                                                   -0.3803, -0.3976, -0.4222});
  const double sum_abs_x[9] = {0.1, 0.3, 0.2, 0.3, 0.6, 0.3, 0.2, 0.3, 0.1};
  const ConvTranspose2dParams p{};
  const Tensor<double> y = ref::conv_transpose2d(x, w, b, p);
  const Tensor<double> ym = ref::conv_transpose2d_via_matrix(x, w, b, p);
  ASSERT_EQ(y.shape(), printed.shape());
  for (int i = 0; i < 9; ++i) {
    const double tol = 0.5e-4 * (2.0 + sum_abs_x[i]);
    EXPECT_NEAR(y[i], printed[i], tol) << "element " << i;
    EXPECT_NEAR(ym[i], printed[i], tol) << "element " << i << " (via matrix)";
  }
  // The centre by hand: every input reaches (1, 1), each through the opposite kernel tap:
  //   -0.4246 + 0.1 * 0.0240 + 0.2 * 0.2216 + 0.2 * -0.4327 + 0.1 * 0.1511
  //   = -0.4246 + 0.0024 + 0.04432 - 0.08654 + 0.01511 = -0.44931  (printed -0.4493).
  EXPECT_NEAR(y(0, 0, 1, 1), -0.44931, 1e-12);
  // The top-right corner has only x[0][1] * w[0][1]: -0.4246 + 0.2 * -0.4327 = -0.51114, which
  // the document prints as -0.5112: 0.6e-4 away, more than the print error alone (0.5e-4), less
  // than the bound with the rounded bias and weight (0.5e-4 * (2 + 0.2) = 1.1e-4).
  EXPECT_NEAR(y(0, 0, 0, 2), -0.51114, 1e-12);
}

// ---- W10 (doc:001_a5e5184ddd425933.txt#W10): the 4x16 convolution matrix ----

// The document's figure is missing, so the values are ours: kernel 1..9 row-major, x = 1..16
// row-major, y = [[1, 2], [3, 4]].
TEST(ConvMatrixWorkedExamples, W10FourBySixteen) {
  const Tensor<double> w(Shape{1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  const Tensor<double> c = ref::conv2d_matrix(Shape{1, 4, 4}, w, Conv2dParams{});
  ASSERT_EQ(c.shape(), (Shape{4, 16}));
  // Row 2 * oh + ow: the kernel rows at columns 4 * (oh + kh) + ow .. + 2, zeros elsewhere.
  const Tensor<double> expected(Shape{4, 16},
                                {
                                    1, 2, 3, 0, 4, 5, 6, 0, 7, 8, 9, 0, 0, 0, 0, 0,  //
                                    0, 1, 2, 3, 0, 4, 5, 6, 0, 7, 8, 9, 0, 0, 0, 0,  //
                                    0, 0, 0, 0, 1, 2, 3, 0, 4, 5, 6, 0, 7, 8, 9, 0,  //
                                    0, 0, 0, 0, 0, 1, 2, 3, 0, 4, 5, 6, 0, 7, 8, 9,  //
                                });
  EXPECT_TRUE(all_equal(c, expected));

  // C * vec(x) is conv2d. With x[i][j] = 4i + j + 1, moving the window one column adds
  // sum(w) = 45 and one row adds 4 * 45 = 180, so y = 348 + 45 * (4 oh + ow), where
  // y[0][0] = 1*1 + 2*2 + 3*3 + 4*5 + 5*6 + 6*7 + 7*9 + 8*10 + 9*11 = 348.
  Tensor<double> x(Shape{1, 1, 4, 4});
  for (int i = 0; i < 16; ++i) x[i] = i + 1;
  const Tensor<double> y_hand(Shape{1, 1, 2, 2}, {348, 393, 528, 573});
  Tensor<double> cx(Shape{1, 1, 2, 2});
  for (int r = 0; r < 4; ++r)
    for (int k = 0; k < 16; ++k) cx[r] += c(r, k) * x[k];
  EXPECT_TRUE(all_equal(cx, y_hand));
  EXPECT_TRUE(all_equal(ref::conv2d(x, w, Tensor<double>(), Conv2dParams{}), y_hand));
  EXPECT_TRUE(all_equal(ref::conv2d_via_matrix(x, w, Tensor<double>(), Conv2dParams{}), y_hand));

  // C^T * vec(y) is a 16-vector, i.e. 4x4 like x, and it is conv_transpose2d of y. By hand,
  // out[i][j] = sum_{oh, ow} y[oh][ow] * w[i - oh][j - ow] over the taps that exist, e.g.
  //   out[1][1] = 1*5 + 2*4 + 3*2 + 4*1 = 23,  out[2][2] = 1*9 + 2*8 + 3*6 + 4*5 = 63;
  // the total is sum(y) * sum(w) = 10 * 45 = 450 (row sums 18 + 87 + 177 + 168).
  const Tensor<double> y(Shape{1, 1, 2, 2}, {1, 2, 3, 4});
  const Tensor<double> ct_hand(Shape{1, 1, 4, 4}, {1, 4, 7, 6,      //
                                                   7, 23, 33, 24,   //
                                                   19, 53, 63, 42,  //
                                                   21, 52, 59, 36});
  Tensor<double> cty(Shape{1, 1, 4, 4});
  for (int k = 0; k < 16; ++k)
    for (int r = 0; r < 4; ++r) cty[k] += c(r, k) * y[r];
  EXPECT_TRUE(all_equal(cty, ct_hand));
  const Tensor<double> t = ref::conv_transpose2d(y, w, Tensor<double>(), ConvTranspose2dParams{});
  EXPECT_EQ(t.shape(), (Shape{1, 1, 4, 4}));
  EXPECT_TRUE(all_equal(t, ct_hand));
  EXPECT_TRUE(all_equal(
      ref::conv_transpose2d_via_matrix(y, w, Tensor<double>(), ConvTranspose2dParams{}), ct_hand));
  // Same shape as x, not x: the transpose is not the inverse.
  EXPECT_FALSE(all_equal(t, x));
}

// ---- identities on random shapes (fixed seeds, printed on failure) ----

// <conv2d(z, w), x> == <z, conv_transpose2d(x, w)> with the same stride, padding, dilation and
// groups. When output_padding >= stride (possible when dilation > stride) conv2d of the
// transposed output has more than H x W positions; the scatter never reaches from those, so the
// identity holds with conv2d restricted to the first H x W positions.
TEST(ConvTranspose2dProperties, IsTheAdjointOfConv2d) {
  const std::uint64_t seed = 611;
  int index = 0, at_max = 0, beyond_stride = 0;
  for (const RandomTranspose& c : random_transposes(seed, 80, 7)) {
    SCOPED_TRACE(trace(seed, index));
    ++index;
    const auto x = random_int_tensor<double>(Shape{c.n, c.c_in, c.h, c.w}, seed + index);
    const auto w = random_int_tensor<double>(Shape{c.c_in, c.c_out / c.p.groups, c.kh, c.kw},
                                             seed + 1000 + index);
    const Tensor<double> t = ref::conv_transpose2d(x, w, Tensor<double>(), c.p);
    const auto z = random_int_tensor<double>(t.shape(), seed + 2000 + index);
    const Tensor<double> y = ref::conv2d(z, w, Tensor<double>(), adjoint_conv2d_params(c.p));
    ASSERT_EQ(y.dim(1), c.c_in);
    ASSERT_GE(y.dim(2), c.h);
    ASSERT_GE(y.dim(3), c.w);
    if (c.p.output_padding_h < c.p.stride_h) {
      ASSERT_EQ(y.dim(2), c.h);
    }
    if (c.p.output_padding_w < c.p.stride_w) {
      ASSERT_EQ(y.dim(3), c.w);
    }
    double lhs = 0;
    for (std::int64_t n = 0; n < c.n; ++n)
      for (std::int64_t ch = 0; ch < c.c_in; ++ch)
        for (std::int64_t i = 0; i < c.h; ++i)
          for (std::int64_t j = 0; j < c.w; ++j) lhs += y(n, ch, i, j) * x(n, ch, i, j);
    EXPECT_EQ(lhs, test::dot(z, t));  // small integers: exact
    at_max += c.p.output_padding_h == std::max(c.p.stride_h, c.p.dilation_h) - 1 &&
              c.p.output_padding_w == std::max(c.p.stride_w, c.p.dilation_w) - 1;
    beyond_stride += c.p.output_padding_h >= c.p.stride_h || c.p.output_padding_w >= c.p.stride_w;
  }
  // The cases cover output_padding at its maximum and output_padding >= stride.
  EXPECT_GE(at_max, 40);
  EXPECT_GT(beyond_stride, 0);
}

// Transposed convolution as "fractionally strided" convolution: insert stride - 1 zeros between
// the input elements, pad by dilation * (k - 1) - pad (plus output_padding at the bottom/right),
// and convolve at stride 1 with the kernel flipped and its two channel axes swapped (per group).
// Derivation per axis: the scatter sends x[i] * w[k] to o = i * s + k * d - p_lo; with
// z[i * s] = x[i] and wf[k'] = w[K - 1 - k'], conv reads z[o + k' * d - (d * (K - 1) - p_lo)]
// = z[o - k * d + p_lo] = z[i * s]. Cases with a negative padding are skipped.
TEST(ConvTranspose2dProperties, EqualsConvOfZeroInsertedInput) {
  const std::uint64_t seed = 622;
  int index = 0, checked = 0;
  for (const RandomTranspose& c : random_transposes(seed, 80, 6)) {
    SCOPED_TRACE(trace(seed, index));
    ++index;
    const ConvTranspose2dParams& p = c.p;
    const std::int64_t span_h = p.dilation_h * (c.kh - 1), span_w = p.dilation_w * (c.kw - 1);
    const Conv2dParams q{.pad_top = span_h - p.pad_top,
                         .pad_bottom = span_h - p.pad_bottom + p.output_padding_h,
                         .pad_left = span_w - p.pad_left,
                         .pad_right = span_w - p.pad_right + p.output_padding_w,
                         .dilation_h = p.dilation_h,
                         .dilation_w = p.dilation_w,
                         .groups = p.groups};
    if (q.pad_top < 0 || q.pad_bottom < 0 || q.pad_left < 0 || q.pad_right < 0) continue;
    ++checked;
    const auto x = random_int_tensor<double>(Shape{c.n, c.c_in, c.h, c.w}, seed + index);
    const std::int64_t cig = c.c_in / p.groups, cog = c.c_out / p.groups;
    const auto w = random_int_tensor<double>(Shape{c.c_in, cog, c.kh, c.kw}, seed + 1000 + index);
    const auto b = random_int_tensor<double>(Shape{c.c_out}, seed + 2000 + index);

    Tensor<double> xz(Shape{c.n, c.c_in, (c.h - 1) * p.stride_h + 1, (c.w - 1) * p.stride_w + 1});
    for (std::int64_t n = 0; n < c.n; ++n)
      for (std::int64_t ch = 0; ch < c.c_in; ++ch)
        for (std::int64_t i = 0; i < c.h; ++i)
          for (std::int64_t j = 0; j < c.w; ++j)
            xz(n, ch, i * p.stride_h, j * p.stride_w) = x(n, ch, i, j);
    Tensor<double> wf(Shape{c.c_out, cig, c.kh, c.kw});
    for (std::int64_t g = 0; g < p.groups; ++g)
      for (std::int64_t oc = 0; oc < cog; ++oc)
        for (std::int64_t ic = 0; ic < cig; ++ic)
          for (std::int64_t a = 0; a < c.kh; ++a)
            for (std::int64_t e = 0; e < c.kw; ++e)
              wf(g * cog + oc, ic, a, e) = w(g * cig + ic, oc, c.kh - 1 - a, c.kw - 1 - e);
    EXPECT_TRUE(all_equal(ref::conv_transpose2d(x, w, b, p), ref::conv2d(xz, wf, b, q)));
  }
  EXPECT_GE(checked, 20);
}

// The explicit matrix agrees with the loop, for every padding mode.
TEST(ConvMatrixProperties, Conv2dViaMatrixEqualsConv2d) {
  const std::uint64_t seed = 633;
  int index = 0;
  for (const RandomConv& c : random_conv2ds(seed, 60, 8, true)) {
    SCOPED_TRACE(trace(seed, index) + ", mode " + std::string(to_string(c.p.padding_mode)));
    ++index;
    const auto x = random_int_tensor<double>(Shape{c.n, c.c_in, c.h, c.w}, seed + index);
    const auto w = random_int_tensor<double>(Shape{c.c_out, c.c_in / c.p.groups, c.kh, c.kw},
                                             seed + 1000 + index);
    const auto b = random_int_tensor<double>(Shape{c.c_out}, seed + 2000 + index);
    const Tensor<double> y = ref::conv2d(x, w, b, c.p);
    EXPECT_TRUE(all_equal(ref::conv2d_via_matrix(x, w, b, c.p), y));
    const Tensor<double> m = ref::conv2d_matrix(x.shape(), w, c.p);
    EXPECT_EQ(m.shape(), (Shape{c.c_out * y.dim(2) * y.dim(3), c.c_in * c.h * c.w}));
  }
}

// C^T of the adjoint convolution agrees with the scatter (in float: small integers are exact).
TEST(ConvMatrixProperties, ConvTranspose2dViaMatrixEqualsScatter) {
  const std::uint64_t seed = 644;
  int index = 0;
  for (const RandomTranspose& c : random_transposes(seed, 40, 5)) {
    SCOPED_TRACE(trace(seed, index));
    ++index;
    const auto x = random_int_tensor<float>(Shape{c.n, c.c_in, c.h, c.w}, seed + index);
    const auto w = random_int_tensor<float>(Shape{c.c_in, c.c_out / c.p.groups, c.kh, c.kw},
                                            seed + 1000 + index);
    const auto b = random_int_tensor<float>(Shape{c.c_out}, seed + 2000 + index);
    EXPECT_TRUE(all_equal(ref::conv_transpose2d_via_matrix(x, w, b, c.p),
                          ref::conv_transpose2d(x, w, b, c.p)));
  }
}

// DESIGN.md: conv backward-data equals the transposed convolution of grad_output with the same
// weight, stride, padding, dilation and groups; output_padding is whatever makes the size H x W.
TEST(ConvTranspose2dProperties, Conv2dBackwardDataEqualsConvTranspose2d) {
  const std::uint64_t seed = 655;
  int index = 0;
  for (const RandomConv& c : random_conv2ds(seed, 60, 8, false)) {
    SCOPED_TRACE(trace(seed, index));
    ++index;
    const auto x = random_int_tensor<double>(Shape{c.n, c.c_in, c.h, c.w}, seed + index);
    const auto w = random_int_tensor<double>(Shape{c.c_out, c.c_in / c.p.groups, c.kh, c.kw},
                                             seed + 1000 + index);
    const Shape out = conv2d_output_shape(x.shape(), w.shape(), Shape{}, c.p);
    const auto dy = random_int_tensor<double>(out, seed + 2000 + index);
    // The rows the convolution's floor division dropped are the output_padding.
    const std::int64_t op_h = c.h + c.p.pad_top + c.p.pad_bottom -
                              (c.p.dilation_h * (c.kh - 1) + 1) - (out[2] - 1) * c.p.stride_h;
    const std::int64_t op_w = c.w + c.p.pad_left + c.p.pad_right -
                              (c.p.dilation_w * (c.kw - 1) + 1) - (out[3] - 1) * c.p.stride_w;
    const ConvTranspose2dParams tp{.stride_h = c.p.stride_h,
                                   .stride_w = c.p.stride_w,
                                   .pad_top = c.p.pad_top,
                                   .pad_bottom = c.p.pad_bottom,
                                   .pad_left = c.p.pad_left,
                                   .pad_right = c.p.pad_right,
                                   .output_padding_h = op_h,
                                   .output_padding_w = op_w,
                                   .dilation_h = c.p.dilation_h,
                                   .dilation_w = c.p.dilation_w,
                                   .groups = c.p.groups};
    const ref::Conv2dGrads<double> g = ref::conv2d_backward(dy, x, w, false, c.p);
    EXPECT_TRUE(all_equal(g.grad_input, ref::conv_transpose2d(dy, w, Tensor<double>(), tp)));
  }
}

// ---- backward: central finite differences in double ----

// L = <conv_transpose2d(x, w, b), dy> is linear in each argument, so the central difference is
// exact up to rounding (~ eps * |L| / h ~ 1e-9), well below 1e-7.
TEST(ConvTranspose2dBackward, MatchesFiniteDifferences) {
  const std::uint64_t seed = 666;
  int index = 0;
  std::vector<RandomTranspose> cases = random_transposes(seed, 20, 4);
  // Every feature at once: stride, asymmetric padding, dilation, groups, output_padding.
  cases.push_back(RandomTranspose{2, 4, 6, 3, 4, 3, 2,
                                  ConvTranspose2dParams{.stride_h = 2,
                                                        .stride_w = 3,
                                                        .pad_top = 1,
                                                        .pad_bottom = 2,
                                                        .pad_right = 1,
                                                        .output_padding_h = 1,
                                                        .output_padding_w = 2,
                                                        .dilation_h = 2,
                                                        .groups = 2}});
  // output_padding >= stride, allowed because it is below the dilation: rows only the bias reaches.
  cases.push_back(RandomTranspose{1, 2, 2, 3, 3, 2, 2,
                                  ConvTranspose2dParams{.pad_left = 1,
                                                        .output_padding_h = 2,
                                                        .output_padding_w = 1,
                                                        .dilation_h = 3,
                                                        .dilation_w = 2}});
  for (const RandomTranspose& c : cases) {
    SCOPED_TRACE(trace(seed, index));
    ++index;
    auto x = random_tensor<double>(Shape{c.n, c.c_in, c.h, c.w}, seed + index);
    auto w =
        random_tensor<double>(Shape{c.c_in, c.c_out / c.p.groups, c.kh, c.kw}, seed + 1000 + index);
    auto b = random_tensor<double>(Shape{c.c_out}, seed + 2000 + index);
    const Shape out = conv_transpose2d_output_shape(x.shape(), w.shape(), b.shape(), c.p);
    const auto dy = random_tensor<double>(out, seed + 3000 + index);
    auto loss = [&] { return test::dot(ref::conv_transpose2d(x, w, b, c.p), dy); };
    const ref::ConvTranspose2dGrads<double> g = ref::conv_transpose2d_backward(dy, x, w, true, c.p);
    EXPECT_TRUE(all_near(g.grad_input, test::numerical_gradient(loss, x), 1e-7));
    EXPECT_TRUE(all_near(g.grad_weight, test::numerical_gradient(loss, w), 1e-7));
    EXPECT_TRUE(all_near(g.grad_bias, test::numerical_gradient(loss, b), 1e-7));
    EXPECT_TRUE(ref::conv_transpose2d_backward(dy, x, w, false, c.p).grad_bias.empty());
  }
}

// ---- invalid inputs: each class of error propagates from the shape module, naming the
// operation, the argument and the values ----

const Tensor<double> kNone;
Tensor<double> zeros(std::initializer_list<std::int64_t> dims) {
  return Tensor<double>(Shape(dims));
}

TEST(ConvTranspose2dErrors, InputRank) {
  expect_error(
      [] {
        ref::conv_transpose2d(zeros({1, 2, 3}), zeros({2, 1, 1, 1}), kNone, {});
      },
      {"conv_transpose2d", "input", "rank 4", "(1, 2, 3)"});
}

TEST(ConvTranspose2dErrors, WeightRank) {
  expect_error(
      [] {
        ref::conv_transpose2d(zeros({1, 2, 3, 3}), zeros({2, 1, 1}), kNone, {});
      },
      {"conv_transpose2d", "weight", "rank 4", "(2, 1, 1)"});
}

TEST(ConvTranspose2dErrors, GroupsNotPositive) {
  expect_error(
      [] {
        ref::conv_transpose2d(zeros({1, 2, 3, 3}), zeros({2, 1, 1, 1}), kNone, {.groups = 0});
      },
      {"conv_transpose2d", "groups must be >= 1, got 0"});
}

TEST(ConvTranspose2dErrors, InputChannelsNotDivisibleByGroups) {
  expect_error(
      [] {
        ref::conv_transpose2d(zeros({1, 3, 3, 3}), zeros({3, 1, 1, 1}), kNone, {.groups = 2});
      },
      {"conv_transpose2d", "input channels 3", "groups 2"});
}

TEST(ConvTranspose2dErrors, WeightInputChannelsMismatch) {
  expect_error(
      [] {
        ref::conv_transpose2d(zeros({1, 2, 3, 3}), zeros({3, 1, 1, 1}), kNone, {});
      },
      {"conv_transpose2d", "weight shape (3, 1, 1, 1)", "input channels 2", "got 3"});
}

TEST(ConvTranspose2dErrors, BiasShape) {
  // C_out = weight dimension 1 * groups = 3 * 2 = 6.
  expect_error(
      [] {
        ref::conv_transpose2d(zeros({1, 2, 3, 3}), zeros({2, 3, 1, 1}), zeros({3}), {.groups = 2});
      },
      {"conv_transpose2d", "bias shape (3)", "expected (6)"});
}

TEST(ConvTranspose2dErrors, StrideNotPositive) {
  expect_error(
      [] {
        ref::conv_transpose2d(zeros({1, 2, 3, 3}), zeros({2, 1, 1, 1}), kNone, {.stride_w = 0});
      },
      {"conv_transpose2d", "stride_w must be >= 1, got 0"});
}

TEST(ConvTranspose2dErrors, DilationNotPositive) {
  expect_error(
      [] {
        ref::conv_transpose2d(zeros({1, 2, 3, 3}), zeros({2, 1, 1, 1}), kNone, {.dilation_h = 0});
      },
      {"conv_transpose2d", "dilation_h must be >= 1, got 0"});
}

TEST(ConvTranspose2dErrors, NegativePadding) {
  expect_error(
      [] {
        ref::conv_transpose2d(zeros({1, 2, 3, 3}), zeros({2, 1, 1, 1}), kNone, {.pad_bottom = -1});
      },
      {"conv_transpose2d", "pad_bottom must be >= 0, got -1"});
}

TEST(ConvTranspose2dErrors, NegativeOutputPadding) {
  expect_error(
      [] {
        ref::conv_transpose2d(zeros({1, 2, 3, 3}), zeros({2, 1, 1, 1}), kNone,
                              {.output_padding_w = -1});
      },
      {"conv_transpose2d", "output_padding_w must be >= 0, got -1"});
}

TEST(ConvTranspose2dErrors, OutputPaddingNotBelowStrideOrDilation) {
  expect_error(
      [] {
        ref::conv_transpose2d(zeros({1, 2, 3, 3}), zeros({2, 1, 2, 2}), kNone,
                              {.stride_h = 2, .output_padding_h = 2, .dilation_h = 2});
      },
      {"conv_transpose2d", "output_padding_h = 2", "stride_h = 2", "dilation_h = 2"});
}

TEST(ConvTranspose2dErrors, OutputSizeNotPositive) {
  // (1 - 1) * 1 - 1 - 1 + (2 - 1) + 1 + 0 = 0
  expect_error(
      [] {
        ref::conv_transpose2d(zeros({1, 2, 1, 3}), zeros({2, 1, 2, 1}), kNone,
                              {.pad_top = 1, .pad_bottom = 1});
      },
      {"conv_transpose2d", "output size along h is 0", "pad_top 1", "pad_bottom 1"});
}

TEST(ConvTranspose2dErrors, BackwardGradOutputShape) {
  expect_error(
      [] {
        ref::conv_transpose2d_backward(zeros({1, 2, 3, 3}), zeros({1, 2, 2, 2}),
                                       zeros({2, 1, 2, 2}), false, {});
      },
      {"conv_transpose2d_backward", "grad_output", "(1, 2, 3, 3)", "(1, 1, 3, 3)"});
}

TEST(ConvMatrixErrors, InputShapeRank) {
  expect_error(
      [] {
        ref::conv2d_matrix(Shape{4, 4}, zeros({1, 1, 3, 3}), Conv2dParams{});
      },
      {"conv2d_matrix", "input_shape", "(4, 4)"});
}

TEST(ConvMatrixErrors, ShapeErrorsPropagate) {
  expect_error(
      [] {
        ref::conv2d_matrix(Shape{2, 4, 4}, zeros({1, 1, 3, 3}), Conv2dParams{});
      },
      {"conv2d", "weight shape (1, 1, 3, 3)", "got 1"});
  expect_error(
      [] {
        ref::conv2d_via_matrix(zeros({1, 1, 2, 2}), zeros({1, 1, 3, 3}), kNone, Conv2dParams{});
      },
      {"conv2d", "kernel_h 3", "larger than the padded input"});
  expect_error(
      [] {
        ref::conv_transpose2d_via_matrix(zeros({1, 2, 3, 3}), zeros({2, 1, 1, 1}), kNone,
                                         {.stride_h = 1, .output_padding_h = 1});
      },
      {"conv_transpose2d", "output_padding_h = 1", "stride_h = 1"});
}

}  // namespace
}  // namespace convlab
