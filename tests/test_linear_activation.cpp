// Reference linear (fully connected), flatten and the activations relu, sigmoid, tanh: the
// documents' worked examples, hand values, identities, and finite differences of every
// backward pass on small shapes with fixed seeds.
#include <gtest/gtest.h>

#include <cfenv>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/shape.hpp"
#include "reference/activation.hpp"
#include "reference/conv2d.hpp"
#include "reference/flatten.hpp"
#include "reference/linear.hpp"
#include "tests/support.hpp"

namespace convlab {
namespace {

using test::all_equal;
using test::all_near;
using test::random_int_tensor;
using test::random_tensor;

// Runs f and expects std::invalid_argument whose message contains each of `parts`.
template <class F>
void expect_invalid(F&& f, std::initializer_list<std::string> parts) {
  try {
    f();
    ADD_FAILURE() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    const std::string what = e.what();
    for (const auto& part : parts) {
      EXPECT_NE(what.find(part), std::string::npos) << "message: " << what << "\nmissing: " << part;
    }
  }
}

// ---- linear: worked examples ----

// W6 (doc:000_3ddde5b97f33cba7.txt#W6): nn.Linear(4, 2) applied to x = [0.1, 0.2, 0.2, 0.1].
// The document applies it to an unbatched vector; here it is a batch of one, (1, 4).
TEST(LinearWorkedExamples, W6Doc000FullyConnected4To2) {
  const Tensor<double> x(Shape{1, 4}, {0.1, 0.2, 0.2, 0.1});
  const Tensor<double> w(Shape{2, 4}, {-0.4654, 0.0059, 0.2813, -0.2186,  //
                                       0.4194, 0.0747, 0.2652, 0.0923});
  const Tensor<double> b(Shape{2}, {-0.3949, -0.1806});
  const Tensor<double> y = ref::linear(x, w, b);
  ASSERT_EQ(y.shape(), (Shape{1, 2}));

  // The printed weights, bias and outputs are rounded to 4 decimals (error <= 0.5e-4 each; x is
  // typed in by the document, so exact). The true output differs from ours by at most
  //   0.5e-4 (bias print) + 0.5e-4 * sum_i |x_i| (weight prints),
  // and the printed output from the true one by 0.5e-4 (output print):
  //   tolerance = 0.5e-4 * (2 + 0.6) = 1.3e-4.
  // (PyTorch computed in float32: an error near 1e-7, negligible here.)
  const double sum_abs_x = 0.1 + 0.2 + 0.2 + 0.1;
  const double tol = 0.5e-4 * (2.0 + sum_abs_x);
  EXPECT_NEAR(y(0, 0), -0.4059, tol);
  EXPECT_NEAR(y(0, 1), -0.0615, tol);

  // The document's hand computation of the first output, exact from the printed weights:
  //   -0.4654 * 0.1 + 0.0059 * 0.2 + 0.2813 * 0.2 + (-0.2186) * 0.1 + (-0.3949)
  //   = -0.04654 + 0.00118 + 0.05626 - 0.02186 - 0.3949
  //   = -0.01096 - 0.3949 = -0.40586
  EXPECT_NEAR(y(0, 0), -0.40586, 1e-12);
  // The second output by the same arithmetic:
  //   0.4194 * 0.1 + 0.0747 * 0.2 + 0.2652 * 0.2 + 0.0923 * 0.1 + (-0.1806)
  //   = 0.04194 + 0.01494 + 0.05304 + 0.00923 - 0.1806 = 0.11915 - 0.1806 = -0.06145
  // which sits exactly on the rounding tie between the printed -0.0615 and -0.0614: the
  // unrounded weights must push it slightly below -0.06145.
  EXPECT_NEAR(y(0, 1), -0.06145, 1e-12);

  // The float reference (what PyTorch ran) agrees within the same print tolerance.
  const Tensor<float> yf = ref::linear(x.cast<float>(), w.cast<float>(), b.cast<float>());
  EXPECT_NEAR(yf(0, 0), -0.4059, tol);
  EXPECT_NEAR(yf(0, 1), -0.0615, tol);
}

// W9 (doc:001_a5e5184ddd425933.txt#W9): a 1x1 convolution with N filters of 1x1xD over an HxWxD
// input is a fully connected layer D -> N applied to every pixel's channel vector. Small
// integers (chosen by us; the document has no values) keep every sum exact, so we compare with ==.
TEST(LinearWorkedExamples, W9OneByOneConvIsPerPixelLinear) {
  struct Case {
    std::int64_t n, c_in, c_out, h, w;
  };
  const Case cases[] = {
      {1, 3, 128, 5, 5},  // W13's pointwise step: 5x5x3 -> 5x5x128
      {1, 1, 1, 1, 1},    // smallest
      {2, 7, 9, 8, 9},    // channel counts straddling a SIMD width of 8
      {3, 16, 8, 1, 17},
  };
  std::uint64_t seed = 900;
  for (const Case& c : cases) {
    ++seed;
    SCOPED_TRACE("seed " + std::to_string(seed) + ", x (" + std::to_string(c.n) + ", " +
                 std::to_string(c.c_in) + ", " + std::to_string(c.h) + ", " + std::to_string(c.w) +
                 "), c_out " + std::to_string(c.c_out));
    const auto x = random_int_tensor<float>(Shape{c.n, c.c_in, c.h, c.w}, seed);
    const auto w = random_int_tensor<float>(Shape{c.c_out, c.c_in, 1, 1}, seed + 1000);
    const auto b = random_int_tensor<float>(Shape{c.c_out}, seed + 2000);
    const Tensor<float> y = ref::conv2d(x, w, b, Conv2dParams{});
    ASSERT_EQ(y.shape(), (Shape{c.n, c.c_out, c.h, c.w}));
    const Tensor<float> fc_weight = w.reshape(Shape{c.c_out, c.c_in});
    for (std::int64_t n = 0; n < c.n; ++n) {
      for (std::int64_t i = 0; i < c.h; ++i) {
        for (std::int64_t j = 0; j < c.w; ++j) {
          Tensor<float> pixel(Shape{1, c.c_in});
          for (std::int64_t ic = 0; ic < c.c_in; ++ic) pixel(0, ic) = x(n, ic, i, j);
          const Tensor<float> fc = ref::linear(pixel, fc_weight, b);
          for (std::int64_t oc = 0; oc < c.c_out; ++oc) {
            ASSERT_EQ(y(n, oc, i, j), fc(0, oc))
                << "n " << n << ", oc " << oc << ", pixel (" << i << ", " << j << ")";
          }
        }
      }
    }
  }
}

// ---- flatten: worked example ----

// W21 (doc:002_cc048f6e0360e15b.txt#W21): in LeNet the second pooling gives (N, 16, 5, 5),
// Flatten turns it into (N, 400), which feeds Linear(16 * 5 * 5 = 400 -> 120).
TEST(FlattenWorkedExamples, W21LeNetFlattenFeedsLinear400To120) {
  const std::int64_t N = 2;
  const std::uint64_t seed = 2100;
  SCOPED_TRACE("seed " + std::to_string(seed));
  const auto x = random_int_tensor<float>(Shape{N, 16, 5, 5}, seed);
  const Tensor<float> flat = ref::flatten(x, FlattenParams{});
  ASSERT_EQ(flat.shape(), (Shape{N, 400}));
  EXPECT_TRUE(flat.shares_storage_with(x));  // a view, as documented
  // Row-major order is kept: element (n, c, h, w) lands in column (c * 5 + h) * 5 + w.
  for (std::int64_t n = 0; n < N; ++n)
    for (std::int64_t c = 0; c < 16; ++c)
      for (std::int64_t h = 0; h < 5; ++h)
        for (std::int64_t w = 0; w < 5; ++w)
          ASSERT_EQ(flat(n, (c * 5 + h) * 5 + w), x(n, c, h, w)) << n << c << h << w;

  EXPECT_EQ(linear_output_shape(flat.shape(), Shape{120, 400}, Shape{120}), (Shape{N, 120}));
  const auto w = random_int_tensor<float>(Shape{120, 400}, seed + 1);
  const auto b = random_int_tensor<float>(Shape{120}, seed + 2);
  const Tensor<float> y = ref::linear(flat, w, b);
  ASSERT_EQ(y.shape(), (Shape{N, 120}));
  // With this order, Linear(400 -> 120) on the flattened map is LeNet-5's C5 layer (W28,
  // doc:004_a789a249ec90b2a4.txt): 120 filters of 5x5x16 covering the whole 5x5 map, the weight
  // row read as (16, 5, 5). Small integers: exact.
  const Tensor<float> conv = ref::conv2d(x, w.reshape(Shape{120, 16, 5, 5}), b, Conv2dParams{});
  ASSERT_EQ(conv.shape(), (Shape{N, 120, 1, 1}));
  EXPECT_TRUE(all_equal(y, conv.reshape(Shape{N, 120})));
}

// flatten on other start_dims and ranks, against the row-major offset written out.
TEST(Flatten, StartDimsAndRanks) {
  const auto x = random_tensor<double>(Shape{2, 3, 4, 5, 6}, 31);
  const Tensor<double> all = ref::flatten(x, FlattenParams{.start_dim = 0});
  ASSERT_EQ(all.shape(), (Shape{720}));
  const Tensor<double> tail = ref::flatten(x, FlattenParams{.start_dim = 2});
  ASSERT_EQ(tail.shape(), (Shape{2, 3, 120}));
  const Tensor<double> last = ref::flatten(x, FlattenParams{.start_dim = 4});
  EXPECT_EQ(last.shape(), x.shape());  // flattening one dimension changes nothing
  for (std::int64_t a = 0; a < 2; ++a)
    for (std::int64_t b = 0; b < 3; ++b)
      for (std::int64_t c = 0; c < 4; ++c)
        for (std::int64_t d = 0; d < 5; ++d)
          for (std::int64_t e = 0; e < 6; ++e) {
            ASSERT_EQ(all((((a * 3 + b) * 4 + c) * 5 + d) * 6 + e), x(a, b, c, d, e));
            ASSERT_EQ(tail(a, b, (c * 5 + d) * 6 + e), x(a, b, c, d, e));
          }
  const Tensor<double> v(Shape{7}, {1, 2, 3, 4, 5, 6, 7});
  EXPECT_TRUE(all_equal(ref::flatten(v, FlattenParams{.start_dim = 0}), v));
}

// ---- activations: hand values ----

TEST(ActivationValues, ReluByHand) {
  const Tensor<double> x(Shape{4}, {-2.0, -0.0, 0.0, 3.0});
  const Tensor<double> y = ref::relu(x);
  EXPECT_TRUE(all_equal(y, Tensor<double>(Shape{4}, {0, 0, 0, 3})));
  EXPECT_FALSE(std::signbit(y[1])) << "relu(-0) is +0, as documented";
  // relu'(x) = 1 for x > 0 and 0 for x <= 0: relu'(0) = 0 (PyTorch's choice), for both zeros.
  const Tensor<double> g = ref::relu_backward(Tensor<double>(Shape{4}, {5, 6, 7, 8}), x);
  EXPECT_TRUE(all_equal(g, Tensor<double>(Shape{4}, {0, 0, 0, 8})));
  const Tensor<float> yf = ref::relu(x.cast<float>());
  EXPECT_TRUE(all_equal(yf, Tensor<float>(Shape{4}, {0, 0, 0, 3})));
}

template <class T>
void check_sigmoid_values() {
  const Tensor<T> x(Shape{5}, {T(0), T(-0.0), T(1000), T(-1000), T(std::log(3.0))});
  const Tensor<T> y = ref::sigmoid(x);
  EXPECT_EQ(y[0], T(0.5));  // 1 / (1 + e^0) = 1 / 2, exact
  EXPECT_EQ(y[1], T(0.5));
  // 1 / (1 + e^-1000): e^-1000 underflows to 0, so exactly 1; e^-1000 / (1 + e^-1000) = 0.
  EXPECT_TRUE(std::isfinite(y[2]) && std::isfinite(y[3]));
  EXPECT_EQ(y[2], T(1));
  EXPECT_EQ(y[3], T(0));
  // sigmoid(ln 3) = 1 / (1 + 1/3) = 3/4; ln 3 itself is rounded to T, and sigmoid' <= 1/4,
  // so the error is below one unit of T's precision at 3/4.
  EXPECT_NEAR(y[4], T(0.75), std::numeric_limits<T>::epsilon());
}

TEST(ActivationValues, SigmoidZeroAndExtremes) {
  check_sigmoid_values<double>();
  check_sigmoid_values<float>();
}

// The stable form exponentiates only non-positive numbers, so even +-1000 raise no overflow
// (1 / (1 + e^1000) would be 0 too, but only after e^1000 overflowed to inf; e^1000 / (1 +
// e^1000) would be inf / inf = NaN). sigmoid lives in another translation unit, so the compiler
// cannot move its exp calls across the flag tests.
TEST(ActivationValues, SigmoidRaisesNoOverflow) {
  const Tensor<double> x(Shape{4}, {-1000.0, 1000.0, -745.0, 710.0});
  std::feclearexcept(FE_ALL_EXCEPT);
  const Tensor<double> y = ref::sigmoid(x);
  EXPECT_FALSE(std::fetestexcept(FE_OVERFLOW | FE_INVALID));
  EXPECT_EQ(y[0], 0.0);
  EXPECT_EQ(y[1], 1.0);
  // e^-745 / (1 + e^-745) rounds to the smallest subnormal double, 2^-1074 ~ 4.9e-324, not 0.
  EXPECT_EQ(y[2], std::numeric_limits<double>::denorm_min());
  EXPECT_EQ(y[3], 1.0);  // 1 / (1 + e^-710), e^-710 ~ 4.5e-309 is far below eps / 2
}

// sigmoid(x) + sigmoid(-x) = 1. The two values share e = exp(-|x|) and d = fl(1 + e):
// 1/d and e/d are each rounded once, and d carries one rounding, so the sum is 1 within about
// three rounding units u = eps/2, plus one for the addition: tolerance 4 * eps.
TEST(ActivationProperties, SigmoidSymmetry) {
  const std::uint64_t seed = 41;
  SCOPED_TRACE("seed " + std::to_string(seed));
  const auto x = random_tensor<double>(Shape{200}, seed, -40.0, 40.0);
  Tensor<double> minus_x = x.clone();
  for (auto& v : minus_x.values()) v = -v;
  const Tensor<double> a = ref::sigmoid(x), b = ref::sigmoid(minus_x);
  for (std::int64_t i = 0; i < x.numel(); ++i) {
    EXPECT_NEAR(a[i] + b[i], 1.0, 4 * DBL_EPSILON) << "x = " << x[i];
  }
}

// tanh(x) = 2 * sigmoid(2x) - 1: multiplying numerator and denominator of tanh by e^-x gives
// (1 - e^-2x) / (1 + e^-2x) = 2 / (1 + e^-2x) - 1. Absolute error, with u = eps/2: sigmoid
// <= ~3u, doubled -> 6u, the subtraction <= 1u, std::tanh <= 1u; in all 8u = 4 eps.
TEST(ActivationProperties, TanhIsScaledSigmoid) {
  const std::uint64_t seed = 42;
  SCOPED_TRACE("seed " + std::to_string(seed));
  const auto x = random_tensor<double>(Shape{200}, seed, -20.0, 20.0);
  Tensor<double> two_x = x.clone();
  for (auto& v : two_x.values()) v = 2 * v;
  const Tensor<double> t = ref::tanh(x), s = ref::sigmoid(two_x);
  for (std::int64_t i = 0; i < x.numel(); ++i) {
    EXPECT_NEAR(t[i], 2 * s[i] - 1, 4 * DBL_EPSILON) << "x = " << x[i];
  }
}

// tanh is odd; std::tanh works on |x| and restores the sign, so the identity holds exactly.
TEST(ActivationProperties, TanhIsOdd) {
  const std::uint64_t seed = 43;
  SCOPED_TRACE("seed " + std::to_string(seed));
  const auto x = random_tensor<double>(Shape{3, 50}, seed, -10.0, 10.0);
  Tensor<double> minus_x = x.clone();
  for (auto& v : minus_x.values()) v = -v;
  const Tensor<double> a = ref::tanh(x), b = ref::tanh(minus_x);
  for (std::int64_t i = 0; i < x.numel(); ++i) EXPECT_EQ(b[i], -a[i]) << "x = " << x[i];
  const Tensor<double> ends = ref::tanh(Tensor<double>(Shape{3}, {0.0, 1000.0, -1000.0}));
  EXPECT_TRUE(all_equal(ends, Tensor<double>(Shape{3}, {0.0, 1.0, -1.0})));
}

template <class T>
void check_nan_propagates() {
  const T nan = std::numeric_limits<T>::quiet_NaN();
  const Tensor<T> x(Shape{2}, {nan, T(1)});
  EXPECT_TRUE(std::isnan(ref::relu(x)[0]));
  EXPECT_TRUE(std::isnan(ref::sigmoid(x)[0]));
  EXPECT_TRUE(std::isnan(ref::tanh(x)[0]));
  EXPECT_EQ(ref::relu(x)[1], T(1));  // neighbours unaffected
  const Tensor<T> ones = Tensor<T>::full(Shape{2}, T(1));
  EXPECT_TRUE(std::isnan(ref::relu_backward(ones, x)[0]));
  EXPECT_TRUE(std::isnan(ref::sigmoid_backward(ones, x)[0]));  // y = NaN
  EXPECT_TRUE(std::isnan(ref::tanh_backward(ones, x)[0]));
}

TEST(ActivationValues, NanPropagates) {
  check_nan_propagates<double>();
  check_nan_propagates<float>();
}

// Element-wise on every rank; the absent tensor maps to the absent tensor.
TEST(ActivationValues, AnyRank) {
  const std::vector<Shape> shapes = {Shape{7}, Shape{3, 5}, Shape{2, 3, 4}, Shape{1, 2, 3, 4},
                                     Shape{1, 2, 1, 3, 2}};
  for (const Shape& s : shapes) {
    SCOPED_TRACE(s.str());
    const auto x = random_tensor<double>(s, 44);
    const Tensor<double> r = ref::relu(x), t = ref::tanh(x);
    ASSERT_EQ(r.shape(), s);
    ASSERT_EQ(t.shape(), s);
    ASSERT_EQ(ref::sigmoid(x).shape(), s);
    for (std::int64_t i = 0; i < x.numel(); ++i) {
      EXPECT_EQ(r[i], x[i] > 0 ? x[i] : 0.0);
      EXPECT_EQ(t[i], std::tanh(x[i]));
    }
  }
  EXPECT_TRUE(ref::relu(Tensor<double>()).empty());
  EXPECT_TRUE(ref::sigmoid(Tensor<float>()).empty());
}

// ---- backward passes: central finite differences in double ----
//
// Tolerance 1e-7: with h = 1e-6 the truncation error of a central difference is O(h^2) ~ 1e-12
// for these smooth (or, for linear and flatten, linear) functions, and the rounding error is
// about eps * |L| / h ~ 2e-16 * 10 / 1e-6 = 2e-9 for losses |L| of order 10.

TEST(LinearBackward, MatchesFiniteDifferences) {
  struct Case {
    std::int64_t n, in, out;
  };
  const Case cases[] = {{1, 1, 1}, {3, 7, 5}, {2, 9, 8}, {4, 17, 3}};
  std::uint64_t seed = 500;
  for (const Case& c : cases) {
    for (bool has_bias : {true, false}) {
      ++seed;
      SCOPED_TRACE("seed " + std::to_string(seed) + ", (" + std::to_string(c.n) + ", " +
                   std::to_string(c.in) + ") -> " + std::to_string(c.out) +
                   (has_bias ? ", bias" : ", no bias"));
      auto x = random_tensor<double>(Shape{c.n, c.in}, seed);
      auto w = random_tensor<double>(Shape{c.out, c.in}, seed + 1000);
      auto b = has_bias ? random_tensor<double>(Shape{c.out}, seed + 2000) : Tensor<double>();
      const auto dy = random_tensor<double>(Shape{c.n, c.out}, seed + 3000);
      // L = <linear(x, w, b), dy>, so dL/dy = dy.
      auto loss = [&] { return test::dot(ref::linear(x, w, b), dy); };
      const ref::LinearGrads<double> g = ref::linear_backward(dy, x, w, has_bias);
      EXPECT_TRUE(all_near(g.grad_input, test::numerical_gradient(loss, x), 1e-7));
      EXPECT_TRUE(all_near(g.grad_weight, test::numerical_gradient(loss, w), 1e-7));
      if (has_bias) {
        EXPECT_TRUE(all_near(g.grad_bias, test::numerical_gradient(loss, b), 1e-7));
      } else {
        EXPECT_TRUE(g.grad_bias.empty());
      }
    }
  }
}

// An activation's backward pass against finite differences on every rank. `from_output` says
// whether the backward takes y (sigmoid, tanh) or x (relu); `away_from_zero` keeps x off relu's
// kink.
template <class Forward, class Backward>
void check_activation_gradient(const char* name, Forward forward, Backward backward,
                               bool from_output, bool away_from_zero) {
  const std::vector<Shape> shapes = {Shape{7}, Shape{3, 5}, Shape{2, 3, 4}, Shape{1, 2, 3, 4},
                                     Shape{1, 2, 1, 3, 2}};
  std::uint64_t seed = 600;
  for (const Shape& s : shapes) {
    ++seed;
    SCOPED_TRACE(std::string(name) + ", seed " + std::to_string(seed) + ", shape " + s.str());
    auto x = random_tensor<double>(s, seed, -3.0, 3.0);
    if (away_from_zero) {
      // relu has a kink at 0: keep every point at least 0.1 away so x +- h stays on one side.
      for (auto& v : x.values()) {
        if (std::fabs(v) < 0.1) v += v < 0 ? -0.1 : 0.1;
      }
    }
    const auto dy = random_tensor<double>(s, seed + 1000);
    auto loss = [&] { return test::dot(forward(x), dy); };
    const Tensor<double> g = backward(dy, from_output ? forward(x) : x);
    EXPECT_TRUE(all_near(g, test::numerical_gradient(loss, x), 1e-7));
  }
}

TEST(ActivationBackward, MatchesFiniteDifferences) {
  check_activation_gradient(
      "relu", [](const Tensor<double>& x) { return ref::relu(x); },
      [](const Tensor<double>& dy, const Tensor<double>& x) { return ref::relu_backward(dy, x); },
      false, true);
  check_activation_gradient(
      "sigmoid", [](const Tensor<double>& x) { return ref::sigmoid(x); },
      [](const Tensor<double>& dy, const Tensor<double>& y) {
        return ref::sigmoid_backward(dy, y);
      },
      true, false);
  check_activation_gradient(
      "tanh", [](const Tensor<double>& x) { return ref::tanh(x); },
      [](const Tensor<double>& dy, const Tensor<double>& y) { return ref::tanh_backward(dy, y); },
      true, false);
}

TEST(FlattenBackward, MatchesFiniteDifferences) {
  std::uint64_t seed = 700;
  for (int start_dim : {0, 1, 2, 3}) {
    ++seed;
    SCOPED_TRACE("seed " + std::to_string(seed) + ", start_dim " + std::to_string(start_dim));
    const FlattenParams p{.start_dim = start_dim};
    auto x = random_tensor<double>(Shape{2, 3, 4, 5}, seed);
    const auto dy = random_tensor<double>(flatten_output_shape(x.shape(), p), seed + 1000);
    auto loss = [&] { return test::dot(ref::flatten(x, p), dy); };
    const Tensor<double> g = ref::flatten_backward(dy, x.shape(), p);
    ASSERT_EQ(g.shape(), x.shape());
    EXPECT_TRUE(all_near(g, test::numerical_gradient(loss, x), 1e-7));
  }
}

// ---- invalid inputs: std::invalid_argument naming op, argument and values ----

TEST(LinearErrors, MismatchedInFeatures) {
  expect_invalid(
      [] {
        ref::linear(Tensor<float>(Shape{2, 4}), Tensor<float>(Shape{3, 5}), Tensor<float>());
      },
      {"linear", "in_features is 4", "weight dimension 1 is 5"});
}

TEST(LinearErrors, WrongBiasShape) {
  expect_invalid(
      [] {
        ref::linear(Tensor<float>(Shape{2, 4}), Tensor<float>(Shape{3, 4}),
                    Tensor<float>(Shape{2}));
      },
      {"linear", "bias shape (2)", "expected (3)"});
  expect_invalid(
      [] {
        ref::linear(Tensor<double>(Shape{2, 4}), Tensor<double>(Shape{3, 4}),
                    Tensor<double>(Shape{1, 3}));
      },
      {"linear", "bias shape (1, 3)", "expected (3)"});
}

TEST(LinearErrors, WrongInputRank) {
  // A (N, C, H, W) map must be flattened first.
  expect_invalid(
      [] {
        ref::linear(Tensor<float>(Shape{2, 16, 5, 5}), Tensor<float>(Shape{120, 400}),
                    Tensor<float>());
      },
      {"linear", "input", "rank 2", "(2, 16, 5, 5)"});
}

TEST(LinearErrors, WrongGradShape) {
  const Tensor<double> x(Shape{2, 4}), w(Shape{3, 4});
  expect_invalid(
      [&] {
        ref::linear_backward(Tensor<double>(Shape{2, 4}), x, w, true);
      },
      {"linear_backward", "grad_output", "(2, 4)", "(2, 3)"});
  expect_invalid(
      [&] {
        ref::linear_backward(Tensor<double>(Shape{2, 3}), x, Tensor<double>(Shape{3, 5}), true);
      },
      {"linear", "in_features is 4", "weight dimension 1 is 5"});
}

TEST(ActivationErrors, WrongGradShape) {
  const Tensor<float> x(Shape{2, 3}), g(Shape{3, 2});
  expect_invalid([&] { ref::relu_backward(g, x); },
                 {"relu_backward", "grad_output", "(3, 2)", "(2, 3)"});
  expect_invalid([&] { ref::sigmoid_backward(g, x); },
                 {"sigmoid_backward", "grad_output", "(3, 2)", "(2, 3)"});
  expect_invalid([&] { ref::tanh_backward(g, x); },
                 {"tanh_backward", "grad_output", "(3, 2)", "(2, 3)"});
  expect_invalid([&] { ref::relu_backward(Tensor<float>(Shape{6}), x); },
                 {"relu_backward", "grad_output", "(6)", "(2, 3)"});
}

TEST(FlattenErrors, StartDimAndGradShape) {
  expect_invalid(
      [] {
        ref::flatten(Tensor<float>(Shape{2, 16, 5, 5}), FlattenParams{.start_dim = 4});
      },
      {"flatten", "start_dim 4", "(2, 16, 5, 5)"});
  expect_invalid([] { ref::flatten(Tensor<float>(), FlattenParams{}); }, {"flatten", "()"});
  expect_invalid(
      [] {
        ref::flatten_backward(Tensor<float>(Shape{2, 399}), Shape{2, 16, 5, 5}, FlattenParams{});
      },
      {"flatten_backward", "grad_output", "(2, 399)", "(2, 400)"});
  // Right element count, wrong shape: still rejected (it would be a silent misreading).
  expect_invalid(
      [] {
        ref::flatten_backward(Tensor<float>(Shape{800}), Shape{2, 16, 5, 5}, FlattenParams{});
      },
      {"flatten_backward", "grad_output", "(800)", "(2, 400)"});
}

}  // namespace
}  // namespace convlab
