// Reference conv1d and conv3d: small examples worked by hand, identities with conv2d on random
// shapes with fixed seeds, finite differences for the backward passes, and invalid inputs.
#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/shape.hpp"
#include "reference/conv1d.hpp"
#include "reference/conv2d.hpp"
#include "reference/conv3d.hpp"
#include "tests/support.hpp"

namespace convlab {
namespace {

using test::all_equal;
using test::all_near;
using test::random_int_tensor;
using test::random_tensor;

using test::expect_error;

// ---- random shapes ----

struct RandomConv1d {
  std::int64_t n, c_in, c_out, l, k;
  Conv1dParams p;
};

// Valid conv1d problems: odd lengths, asymmetric padding, stride above the kernel, dilation,
// groups.
std::vector<RandomConv1d> random_conv1ds(std::uint64_t seed, int count) {
  std::mt19937_64 rng(seed);
  auto pick = [&](std::int64_t lo, std::int64_t hi) {
    return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng);
  };
  std::vector<RandomConv1d> out;
  while (static_cast<int>(out.size()) < count) {
    RandomConv1d c{};
    const std::int64_t groups = pick(1, 3);
    c.c_in = groups * pick(1, 3);
    c.c_out = groups * pick(1, 3);
    c.n = pick(1, 2);
    c.l = pick(1, 12);
    c.k = pick(1, 4);
    c.p = Conv1dParams{.stride = pick(1, 3),
                       .pad_left = pick(0, 2),
                       .pad_right = pick(0, 2),
                       .dilation = pick(1, 3),
                       .groups = groups};
    try {
      conv1d_output_shape(Shape{c.n, c.c_in, c.l}, Shape{c.c_out, c.c_in / groups, c.k}, Shape{},
                          c.p);
    } catch (const std::invalid_argument&) {
      continue;
    }
    out.push_back(c);
  }
  return out;
}

struct RandomConv3d {
  std::int64_t n, c_in, c_out, d, h, w, kd, kh, kw;
  Conv3dParams p;
};

std::vector<RandomConv3d> random_conv3ds(std::uint64_t seed, int count, std::int64_t max_size) {
  std::mt19937_64 rng(seed);
  auto pick = [&](std::int64_t lo, std::int64_t hi) {
    return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng);
  };
  std::vector<RandomConv3d> out;
  while (static_cast<int>(out.size()) < count) {
    RandomConv3d c{};
    const std::int64_t groups = pick(1, 2);
    c.c_in = groups * pick(1, 2);
    c.c_out = groups * pick(1, 2);
    c.n = pick(1, 2);
    c.d = pick(1, max_size);
    c.h = pick(1, max_size);
    c.w = pick(1, max_size);
    c.kd = pick(1, 3);
    c.kh = pick(1, 3);
    c.kw = pick(1, 3);
    c.p = Conv3dParams{.stride_d = pick(1, 2),
                       .stride_h = pick(1, 2),
                       .stride_w = pick(1, 3),
                       .pad_front = pick(0, 2),
                       .pad_back = pick(0, 1),
                       .pad_top = pick(0, 1),
                       .pad_bottom = pick(0, 2),
                       .pad_left = pick(0, 2),
                       .pad_right = pick(0, 1),
                       .dilation_d = pick(1, 2),
                       .dilation_h = pick(1, 2),
                       .dilation_w = pick(1, 2),
                       .groups = groups};
    try {
      conv3d_output_shape(Shape{c.n, c.c_in, c.d, c.h, c.w},
                          Shape{c.c_out, c.c_in / groups, c.kd, c.kh, c.kw}, Shape{}, c.p);
    } catch (const std::invalid_argument&) {
      continue;
    }
    out.push_back(c);
  }
  return out;
}

// x: (N, C, D, H, W) -> x[:, :, d]: (N, C, H, W), copied element by element.
Tensor<double> depth_slice(const Tensor<double>& x, std::int64_t d) {
  Tensor<double> s(Shape{x.dim(0), x.dim(1), x.dim(3), x.dim(4)});
  for (std::int64_t a = 0; a < x.dim(0); ++a)
    for (std::int64_t b = 0; b < x.dim(1); ++b)
      for (std::int64_t i = 0; i < x.dim(3); ++i)
        for (std::int64_t j = 0; j < x.dim(4); ++j) s(a, b, i, j) = x(a, b, d, i, j);
  return s;
}

// ---- worked examples ----

// W15 (doc:001_a5e5184ddd425933.txt#W15): a 3-D filter shallower than the input slides along
// depth too. Values chosen by us: x (D=3, H=2, W=2) = 1..12, kernel (KD=2, KH=1, KW=1) = [1, 10],
// so y[od][i][j] = x[od][i][j] + 10 * x[od + 1][i][j]:
//   od = 0: 1 + 10*5 = 51, 2 + 10*6 = 62, 3 + 10*7 = 73,  4 + 10*8 = 84
//   od = 1: 5 + 10*9 = 95, 6 + 10*10 = 106, 7 + 10*11 = 117, 8 + 10*12 = 128
TEST(Conv3dWorkedExamples, W15KernelSlidesAlongDepth) {
  const Tensor<double> x(Shape{1, 1, 3, 2, 2}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
  const Tensor<double> w(Shape{1, 1, 2, 1, 1}, {1, 10});
  const Tensor<double> y = ref::conv3d(x, w, Tensor<double>(), Conv3dParams{});
  EXPECT_TRUE(
      all_equal(y, Tensor<double>(Shape{1, 1, 2, 2, 2}, {51, 62, 73, 84, 95, 106, 117, 128})));
}

// A strided, padded, dilated 1-D case by hand (values chosen by us): x = [1 2 3 4 5],
// w = [1 -1] with dilation 2, stride 2, pad_left 1, pad_right 0. Padded x = [0 1 2 3 4 5],
// L_out = floor((5 + 1 - 3) / 2) + 1 = 2; y[ol] = xp[2 ol] - xp[2 ol + 2] + bias 10:
//   y[0] = 0 - 2 + 10 = 8, y[1] = 2 - 4 + 10 = 8.  With pad_right 1 a third output appears:
//   y[2] = xp[4] - xp[6] = 4 - 0 + 10 = 14.
TEST(Conv1dWorkedExamples, StridedDilatedPaddedByHand) {
  const Tensor<double> x(Shape{1, 1, 5}, {1, 2, 3, 4, 5});
  const Tensor<double> w(Shape{1, 1, 2}, {1, -1});
  const Tensor<double> b(Shape{1}, {10});
  const Conv1dParams p{.stride = 2, .pad_left = 1, .dilation = 2};
  EXPECT_TRUE(all_equal(ref::conv1d(x, w, b, p), Tensor<double>(Shape{1, 1, 2}, {8, 8})));
  Conv1dParams q = p;
  q.pad_right = 1;
  EXPECT_TRUE(all_equal(ref::conv1d(x, w, b, q), Tensor<double>(Shape{1, 1, 3}, {8, 8, 14})));
}

// W27 (doc:004_a789a249ec90b2a4.txt#W27): with kernel 3 (padding 1), h2 depends on x1..x3 and
// g3, two layers up, on all of x1..x5. Backpropagating a one-hot gradient through conv1d with
// all-ones weights counts the paths from each x_i to the output (values chosen by us):
//   dh2/dx = [1 1 1 0 0];  dg3/dh = [0 1 1 1 0] (h2, h3, h4), so
//   dg3/dx = [1 1 1 0 0] + [0 1 1 1 0] + [0 0 1 1 1] = [1 2 3 2 1].
TEST(Conv1dWorkedExamples, W27ReceptiveFieldGrowsWithDepth) {
  const Tensor<double> ones(Shape{1, 1, 3}, {1, 1, 1});
  const Conv1dParams p{.pad_left = 1, .pad_right = 1};
  const Tensor<double> x(Shape{1, 1, 5});  // values do not matter for the input gradient
  const Tensor<double> h = ref::conv1d(x, ones, Tensor<double>(), p);

  const Tensor<double> at_h2(Shape{1, 1, 5}, {0, 1, 0, 0, 0});  // x1..x5 are indices 0..4
  EXPECT_TRUE(all_equal(ref::conv1d_backward(at_h2, x, ones, false, p).grad_input,
                        Tensor<double>(Shape{1, 1, 5}, {1, 1, 1, 0, 0})));

  const Tensor<double> at_g3(Shape{1, 1, 5}, {0, 0, 1, 0, 0});
  const Tensor<double> d_h = ref::conv1d_backward(at_g3, h, ones, false, p).grad_input;
  EXPECT_TRUE(all_equal(d_h, Tensor<double>(Shape{1, 1, 5}, {0, 1, 1, 1, 0})));
  EXPECT_TRUE(all_equal(ref::conv1d_backward(d_h, x, ones, false, p).grad_input,
                        Tensor<double>(Shape{1, 1, 5}, {1, 2, 3, 2, 1})));
}

// ---- identities on random shapes (fixed seeds, printed on failure) ----

// conv1d is conv2d with H = 1 and KH = 1 (forward and backward, exact on small integers).
TEST(Conv1dProperties, EqualsConv2dWithHeightOne) {
  const std::uint64_t seed = 511;
  int index = 0;
  for (const RandomConv1d& c : random_conv1ds(seed, 60)) {
    SCOPED_TRACE("seed " + std::to_string(seed) + ", case " + std::to_string(index));
    ++index;
    const auto x = random_int_tensor<double>(Shape{c.n, c.c_in, c.l}, seed + index);
    const auto w =
        random_int_tensor<double>(Shape{c.c_out, c.c_in / c.p.groups, c.k}, seed + 1000 + index);
    const auto b = random_int_tensor<double>(Shape{c.c_out}, seed + 2000 + index);
    const Conv2dParams p2{.stride_w = c.p.stride,
                          .pad_left = c.p.pad_left,
                          .pad_right = c.p.pad_right,
                          .dilation_w = c.p.dilation,
                          .groups = c.p.groups};
    const Tensor<double> x2 = x.reshape(Shape{c.n, c.c_in, 1, c.l});
    const Tensor<double> w2 = w.reshape(Shape{c.c_out, c.c_in / c.p.groups, 1, c.k});
    const Tensor<double> y1 = ref::conv1d(x, w, b, c.p);
    const Tensor<double> y2 = ref::conv2d(x2, w2, b, p2);
    ASSERT_EQ(y2.dim(2), 1);
    ASSERT_TRUE(all_equal(y1, y2.reshape(y1.shape())));

    const auto dy = random_int_tensor<double>(y1.shape(), seed + 3000 + index);
    const ref::Conv1dGrads<double> g1 = ref::conv1d_backward(dy, x, w, true, c.p);
    const ref::Conv2dGrads<double> g2 =
        ref::conv2d_backward(dy.reshape(y2.shape()), x2, w2, true, p2);
    EXPECT_TRUE(all_equal(g1.grad_input, g2.grad_input.reshape(x.shape())));
    EXPECT_TRUE(all_equal(g1.grad_weight, g2.grad_weight.reshape(w.shape())));
    EXPECT_TRUE(all_equal(g1.grad_bias, g2.grad_bias));
  }
}

// A depth-1 kernel on a depth-1 input makes conv3d a conv2d, whatever stride_d and dilation_d.
TEST(Conv3dProperties, DepthOneEqualsConv2d) {
  const std::uint64_t seed = 522;
  int index = 0;
  for (RandomConv3d c : random_conv3ds(seed, 40, 7)) {
    SCOPED_TRACE("seed " + std::to_string(seed) + ", case " + std::to_string(index));
    ++index;
    c.d = 1;
    c.kd = 1;
    c.p.pad_front = c.p.pad_back = 0;
    const auto x = random_int_tensor<double>(Shape{c.n, c.c_in, 1, c.h, c.w}, seed + index);
    const auto w = random_int_tensor<double>(Shape{c.c_out, c.c_in / c.p.groups, 1, c.kh, c.kw},
                                             seed + 1000 + index);
    const auto b = random_int_tensor<double>(Shape{c.c_out}, seed + 2000 + index);
    const Tensor<double> y3 = ref::conv3d(x, w, b, c.p);
    const Tensor<double> y2 = ref::conv2d(
        x.reshape(Shape{c.n, c.c_in, c.h, c.w}),
        w.reshape(Shape{c.c_out, c.c_in / c.p.groups, c.kh, c.kw}), b, test::hw_params(c.p));
    ASSERT_EQ(y3.dim(2), 1);
    EXPECT_TRUE(all_equal(y3.reshape(y2.shape()), y2));
  }
}

// conv3d = bias + sum over the kernel's depth slices kd of conv2d(x[:, :, id], w[:, :, kd]) with
// id = od * stride_d + kd * dilation_d - pad_front, skipping id outside [0, D) (zero padding).
TEST(Conv3dProperties, EqualsSumOfConv2dOverKernelDepth) {
  const std::uint64_t seed = 533;
  int index = 0;
  for (const RandomConv3d& c : random_conv3ds(seed, 40, 6)) {
    SCOPED_TRACE("seed " + std::to_string(seed) + ", case " + std::to_string(index));
    ++index;
    const std::int64_t cig = c.c_in / c.p.groups;
    const auto x = random_int_tensor<double>(Shape{c.n, c.c_in, c.d, c.h, c.w}, seed + index);
    const auto w =
        random_int_tensor<double>(Shape{c.c_out, cig, c.kd, c.kh, c.kw}, seed + 1000 + index);
    const auto b = random_int_tensor<double>(Shape{c.c_out}, seed + 2000 + index);
    const Tensor<double> y = ref::conv3d(x, w, b, c.p);
    const std::int64_t d_out = y.dim(2);

    Tensor<double> expected(y.shape());
    for (std::int64_t n = 0; n < c.n; ++n)
      for (std::int64_t oc = 0; oc < c.c_out; ++oc)
        for (std::int64_t od = 0; od < d_out; ++od)
          for (std::int64_t i = 0; i < y.dim(3); ++i)
            for (std::int64_t j = 0; j < y.dim(4); ++j) expected(n, oc, od, i, j) = b(oc);
    for (std::int64_t kd = 0; kd < c.kd; ++kd) {
      Tensor<double> wk(Shape{c.c_out, cig, c.kh, c.kw});
      for (std::int64_t o = 0; o < c.c_out; ++o)
        for (std::int64_t i = 0; i < cig; ++i)
          for (std::int64_t a = 0; a < c.kh; ++a)
            for (std::int64_t e = 0; e < c.kw; ++e) wk(o, i, a, e) = w(o, i, kd, a, e);
      for (std::int64_t od = 0; od < d_out; ++od) {
        const std::int64_t id = od * c.p.stride_d + kd * c.p.dilation_d - c.p.pad_front;
        if (id < 0 || id >= c.d) continue;
        const Tensor<double> part =
            ref::conv2d(depth_slice(x, id), wk, Tensor<double>(), test::hw_params(c.p));
        ASSERT_EQ(part.dim(2), y.dim(3));
        ASSERT_EQ(part.dim(3), y.dim(4));
        for (std::int64_t n = 0; n < c.n; ++n)
          for (std::int64_t oc = 0; oc < c.c_out; ++oc)
            for (std::int64_t i = 0; i < y.dim(3); ++i)
              for (std::int64_t j = 0; j < y.dim(4); ++j)
                expected(n, oc, od, i, j) += part(n, oc, i, j);
      }
    }
    EXPECT_TRUE(all_equal(y, expected));
  }
}

// Float reference agrees with the double reference (same double accumulation, one rounding).
TEST(Conv3dProperties, FloatMatchesDoubleWithinOneRounding) {
  const auto x = random_tensor<double>(Shape{2, 4, 5, 6, 7}, 21);
  const auto w = random_tensor<double>(Shape{4, 2, 3, 2, 3}, 22);
  const Conv3dParams p{.stride_d = 2, .pad_front = 1, .pad_right = 2, .dilation_h = 2, .groups = 2};
  const Tensor<double> yd = ref::conv3d(x.cast<float>().cast<double>(),
                                        w.cast<float>().cast<double>(), Tensor<double>(), p);
  const Tensor<float> yf = ref::conv3d(x.cast<float>(), w.cast<float>(), Tensor<float>(), p);
  for (std::int64_t i = 0; i < yf.numel(); ++i) {
    EXPECT_EQ(yf[i], static_cast<float>(yd[i])) << "element " << i;
  }
}

// ---- backward: central finite differences in double ----

// L = <conv(x, w, b), dy> is linear in each argument, so the central difference is exact up to
// rounding: |error| ~ eps * |L| / h ~ 1e-16 * 10 / 1e-6 = 1e-9, well below 1e-7.
TEST(Conv1dBackward, MatchesFiniteDifferences) {
  const std::uint64_t seed = 544;
  int index = 0;
  for (const RandomConv1d& c : random_conv1ds(seed, 25)) {
    SCOPED_TRACE("seed " + std::to_string(seed) + ", case " + std::to_string(index));
    ++index;
    auto x = random_tensor<double>(Shape{c.n, c.c_in, c.l}, seed + index);
    auto w = random_tensor<double>(Shape{c.c_out, c.c_in / c.p.groups, c.k}, seed + 1000 + index);
    auto b = random_tensor<double>(Shape{c.c_out}, seed + 2000 + index);
    const Shape out = conv1d_output_shape(x.shape(), w.shape(), b.shape(), c.p);
    const auto dy = random_tensor<double>(out, seed + 3000 + index);
    auto loss = [&] { return test::dot(ref::conv1d(x, w, b, c.p), dy); };
    const ref::Conv1dGrads<double> g = ref::conv1d_backward(dy, x, w, true, c.p);
    EXPECT_TRUE(all_near(g.grad_input, test::numerical_gradient(loss, x), 1e-7));
    EXPECT_TRUE(all_near(g.grad_weight, test::numerical_gradient(loss, w), 1e-7));
    EXPECT_TRUE(all_near(g.grad_bias, test::numerical_gradient(loss, b), 1e-7));
    EXPECT_TRUE(ref::conv1d_backward(dy, x, w, false, c.p).grad_bias.empty());
  }
}

TEST(Conv3dBackward, MatchesFiniteDifferences) {
  const std::uint64_t seed = 555;
  int index = 0;
  std::vector<RandomConv3d> cases = random_conv3ds(seed, 10, 4);
  // Every feature at once: stride, asymmetric padding on all axes, dilation, groups.
  cases.push_back(RandomConv3d{1, 4, 2, 4, 3, 5, 2, 2, 2,
                               Conv3dParams{.stride_d = 2,
                                            .stride_w = 2,
                                            .pad_front = 1,
                                            .pad_top = 2,
                                            .pad_bottom = 1,
                                            .pad_right = 1,
                                            .dilation_d = 2,
                                            .dilation_w = 2,
                                            .groups = 2}});
  for (const RandomConv3d& c : cases) {
    SCOPED_TRACE("seed " + std::to_string(seed) + ", case " + std::to_string(index));
    ++index;
    auto x = random_tensor<double>(Shape{c.n, c.c_in, c.d, c.h, c.w}, seed + index);
    auto w = random_tensor<double>(Shape{c.c_out, c.c_in / c.p.groups, c.kd, c.kh, c.kw},
                                   seed + 1000 + index);
    auto b = random_tensor<double>(Shape{c.c_out}, seed + 2000 + index);
    const Shape out = conv3d_output_shape(x.shape(), w.shape(), b.shape(), c.p);
    const auto dy = random_tensor<double>(out, seed + 3000 + index);
    auto loss = [&] { return test::dot(ref::conv3d(x, w, b, c.p), dy); };
    const ref::Conv3dGrads<double> g = ref::conv3d_backward(dy, x, w, true, c.p);
    EXPECT_TRUE(all_near(g.grad_input, test::numerical_gradient(loss, x), 1e-7));
    EXPECT_TRUE(all_near(g.grad_weight, test::numerical_gradient(loss, w), 1e-7));
    EXPECT_TRUE(all_near(g.grad_bias, test::numerical_gradient(loss, b), 1e-7));
  }
}

// ---- invalid inputs: each class of error propagates from the shape module, naming the
// operation, the argument and the values ----

const Tensor<double> kNone;

TEST(Conv1d3dErrors, InputRank) {
  expect_error(
      [] {
        ref::conv1d(Tensor<double>(Shape{1, 2, 3, 4}), Tensor<double>(Shape{1, 2, 1}), kNone, {});
      },
      {"conv1d", "input", "rank 3", "(1, 2, 3, 4)"});
  expect_error(
      [] {
        ref::conv3d(Tensor<double>(Shape{1, 2, 3, 4}), Tensor<double>(Shape{1, 2, 1, 1, 1}), kNone,
                    {});
      },
      {"conv3d", "input", "rank 5", "(1, 2, 3, 4)"});
}

TEST(Conv1d3dErrors, WeightRank) {
  expect_error(
      [] {
        ref::conv1d(Tensor<double>(Shape{1, 2, 5}), Tensor<double>(Shape{1, 2, 1, 1}), kNone, {});
      },
      {"conv1d", "weight", "rank 3", "(1, 2, 1, 1)"});
  expect_error(
      [] {
        ref::conv3d(Tensor<double>(Shape{1, 2, 3, 3, 3}), Tensor<double>(Shape{1, 2, 1, 1}), kNone,
                    {});
      },
      {"conv3d", "weight", "rank 5", "(1, 2, 1, 1)"});
}

TEST(Conv1d3dErrors, ZeroSizedDimension) {
  expect_error(
      [] {
        ref::conv1d(Tensor<double>(Shape{1, 2, 0}), Tensor<double>(Shape{1, 2, 1}), kNone, {});
      },
      {"conv1d", "input", "(1, 2, 0)", "zero-sized dimension 2"});
  expect_error(
      [] {
        ref::conv3d(Tensor<double>(Shape{1, 2, 3, 3, 3}), Tensor<double>(Shape{1, 2, 1, 0, 1}),
                    kNone, {});
      },
      {"conv3d", "weight", "(1, 2, 1, 0, 1)", "zero-sized dimension 3"});
}

TEST(Conv1d3dErrors, GroupsNotPositive) {
  expect_error(
      [] {
        ref::conv1d(Tensor<double>(Shape{1, 2, 5}), Tensor<double>(Shape{1, 2, 1}), kNone,
                    Conv1dParams{.groups = 0});
      },
      {"conv1d", "groups must be >= 1, got 0"});
  expect_error(
      [] {
        ref::conv3d(Tensor<double>(Shape{1, 2, 3, 3, 3}), Tensor<double>(Shape{1, 2, 1, 1, 1}),
                    kNone, Conv3dParams{.groups = -1});
      },
      {"conv3d", "groups must be >= 1, got -1"});
}

TEST(Conv1d3dErrors, ChannelsNotDivisibleByGroups) {
  expect_error(
      [] {
        ref::conv1d(Tensor<double>(Shape{1, 3, 5}), Tensor<double>(Shape{2, 1, 1}), kNone,
                    Conv1dParams{.groups = 2});
      },
      {"conv1d", "input channels 3", "groups 2"});
  expect_error(
      [] {
        ref::conv3d(Tensor<double>(Shape{1, 4, 3, 3, 3}), Tensor<double>(Shape{3, 2, 1, 1, 1}),
                    kNone, Conv3dParams{.groups = 2});
      },
      {"conv3d", "output channels 3", "groups 2"});
}

TEST(Conv1d3dErrors, WeightChannelsMismatch) {
  expect_error(
      [] {
        ref::conv1d(Tensor<double>(Shape{1, 4, 5}), Tensor<double>(Shape{2, 4, 1}), kNone,
                    Conv1dParams{.groups = 2});
      },
      {"conv1d", "weight shape (2, 4, 1)", "4 / 2 = 2", "got 4"});
  expect_error(
      [] {
        ref::conv3d(Tensor<double>(Shape{1, 2, 3, 3, 3}), Tensor<double>(Shape{1, 3, 1, 1, 1}),
                    kNone, {});
      },
      {"conv3d", "weight shape (1, 3, 1, 1, 1)", "got 3"});
}

TEST(Conv1d3dErrors, BiasShape) {
  expect_error(
      [] {
        ref::conv1d(Tensor<double>(Shape{1, 2, 5}), Tensor<double>(Shape{3, 2, 1}),
                    Tensor<double>(Shape{2}), {});
      },
      {"conv1d", "bias shape (2)", "expected (3)"});
  expect_error(
      [] {
        ref::conv3d(Tensor<double>(Shape{1, 2, 3, 3, 3}), Tensor<double>(Shape{3, 2, 1, 1, 1}),
                    Tensor<double>(Shape{3, 1}), {});
      },
      {"conv3d", "bias shape (3, 1)", "expected (3)"});
}

TEST(Conv1d3dErrors, StrideNotPositive) {
  expect_error(
      [] {
        ref::conv1d(Tensor<double>(Shape{1, 2, 5}), Tensor<double>(Shape{1, 2, 1}), kNone,
                    Conv1dParams{.stride = 0});
      },
      {"conv1d", "stride must be >= 1, got 0"});
  expect_error(
      [] {
        ref::conv3d(Tensor<double>(Shape{1, 2, 3, 3, 3}), Tensor<double>(Shape{1, 2, 1, 1, 1}),
                    kNone, Conv3dParams{.stride_d = 0});
      },
      {"conv3d", "stride_d must be >= 1, got 0"});
}

TEST(Conv1d3dErrors, DilationNotPositive) {
  expect_error(
      [] {
        ref::conv1d(Tensor<double>(Shape{1, 2, 5}), Tensor<double>(Shape{1, 2, 1}), kNone,
                    Conv1dParams{.dilation = 0});
      },
      {"conv1d", "dilation must be >= 1, got 0"});
  expect_error(
      [] {
        ref::conv3d(Tensor<double>(Shape{1, 2, 3, 3, 3}), Tensor<double>(Shape{1, 2, 1, 1, 1}),
                    kNone, Conv3dParams{.dilation_w = -2});
      },
      {"conv3d", "dilation_w must be >= 1, got -2"});
}

TEST(Conv1d3dErrors, NegativePadding) {
  expect_error(
      [] {
        ref::conv1d(Tensor<double>(Shape{1, 2, 5}), Tensor<double>(Shape{1, 2, 1}), kNone,
                    Conv1dParams{.pad_right = -1});
      },
      {"conv1d", "pad_right must be >= 0, got -1"});
  expect_error(
      [] {
        ref::conv3d(Tensor<double>(Shape{1, 2, 3, 3, 3}), Tensor<double>(Shape{1, 2, 1, 1, 1}),
                    kNone, Conv3dParams{.pad_front = -1});
      },
      {"conv3d", "pad_front must be >= 0, got -1"});
}

TEST(Conv1d3dErrors, KernelLargerThanPaddedInput) {
  expect_error(
      [] {
        ref::conv1d(Tensor<double>(Shape{1, 2, 3}), Tensor<double>(Shape{1, 2, 5}), kNone,
                    Conv1dParams{.pad_right = 1});
      },
      {"conv1d", "kernel 5", "3 + pad_left 0 + pad_right 1 = 4"});
  expect_error(
      [] {
        ref::conv3d(Tensor<double>(Shape{1, 2, 3, 3, 3}), Tensor<double>(Shape{1, 2, 2, 1, 1}),
                    kNone, Conv3dParams{.dilation_d = 3});
      },
      {"conv3d", "kernel_d 2", "effective 4 with dilation 3", "3 + pad_front 0 + pad_back 0 = 3"});
}

TEST(Conv1d3dErrors, BackwardGradOutputShape) {
  expect_error(
      [] {
        ref::conv1d_backward(Tensor<double>(Shape{1, 1, 4}), Tensor<double>(Shape{1, 2, 5}),
                             Tensor<double>(Shape{1, 2, 3}), false, {});
      },
      {"conv1d_backward", "grad_output", "(1, 1, 4)", "(1, 1, 3)"});
  expect_error(
      [] {
        ref::conv3d_backward(Tensor<double>(Shape{1, 1, 3, 3, 3}),
                             Tensor<double>(Shape{1, 2, 3, 3, 3}),
                             Tensor<double>(Shape{1, 2, 2, 1, 1}), false, {});
      },
      {"conv3d_backward", "grad_output", "(1, 1, 3, 3, 3)", "(1, 1, 2, 3, 3)"});
}

}  // namespace
}  // namespace convlab
