// Helpers shared by the tests: seeded random tensors, element-wise comparison with a
// tolerance, and central finite differences for gradient checks.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/params.hpp"
#include "core/shape.hpp"
#include "core/tensor.hpp"

namespace convlab::test {

// Uniform values in [lo, hi) from a fixed seed; tests print the seed in their failure message.
template <class T>
Tensor<T> random_tensor(const Shape& shape, std::uint64_t seed, double lo = -1.0, double hi = 1.0) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> dist(lo, hi);
  Tensor<T> t(shape);
  for (auto& v : t.values()) v = static_cast<T>(dist(rng));
  return t;
}

// Small integers in [lo, hi]: sums of their products are exact in float and double.
template <class T>
Tensor<T> random_int_tensor(const Shape& shape, std::uint64_t seed, int lo = -3, int hi = 3) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> dist(lo, hi);
  Tensor<T> t(shape);
  for (auto& v : t.values()) v = static_cast<T>(dist(rng));
  return t;
}

// Every element of `actual` within `tol` of `expected`, shapes equal. Reports the first bad
// element with its flat index.
template <class A, class B>
::testing::AssertionResult all_near(const Tensor<A>& actual, const Tensor<B>& expected,
                                    double tol) {
  if (!(actual.shape() == expected.shape())) {
    return ::testing::AssertionFailure()
           << "shape " << actual.shape().str() << " != expected " << expected.shape().str();
  }
  for (std::int64_t i = 0; i < actual.numel(); ++i) {
    const double a = double(actual[i]), e = double(expected[i]);
    if (!(a == e || std::fabs(a - e) <= tol)) {  // == first: inf - inf is NaN
      return ::testing::AssertionFailure()
             << "element " << i << ": actual " << a << ", expected " << e << ", |diff| "
             << std::fabs(a - e) << " > tolerance " << tol;
    }
  }
  return ::testing::AssertionSuccess();
}

// Exact equality, for small-integer cases.
template <class A, class B>
::testing::AssertionResult all_equal(const Tensor<A>& actual, const Tensor<B>& expected) {
  return all_near(actual, expected, 0.0);
}

// Runs f and expects std::invalid_argument whose message contains every one of `parts`: the
// op, the argument and the values that an error message must name.
template <class F>
void expect_error(F&& f, std::initializer_list<std::string> parts) {
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

// sum_i a[i] * b[i] in double.
template <class T>
double dot(const Tensor<T>& a, const Tensor<T>& b) {
  double s = 0;
  for (std::int64_t i = 0; i < a.numel(); ++i) s += double(a[i]) * double(b[i]);
  return s;
}

// Central finite difference of the scalar function f at x, along every element:
// g[i] = (f(x + h e_i) - f(x - h e_i)) / (2h). x is restored afterwards.
inline Tensor<double> numerical_gradient(const std::function<double()>& f, Tensor<double>& x,
                                         double h = 1e-6) {
  Tensor<double> g(x.shape());
  for (std::int64_t i = 0; i < x.numel(); ++i) {
    const double saved = x[i];
    x[i] = saved + h;
    const double up = f();
    x[i] = saved - h;
    const double down = f();
    x[i] = saved;
    g[i] = (up - down) / (2 * h);
  }
  return g;
}

// A random valid transposed convolution: groups up to 3, spatial sizes 1..max_hw, kernels up to
// 4x4, strides and dilations up to 3 (strides larger than the kernel), padding 0..max_pad (above
// dilation * (k - 1) it crops the full scatter), output_padding below max(stride, dilation)
// (including >= stride when dilation > stride). With `output_padding_max_every_other`, every
// other case takes the largest output_padding, the edge a scatter most easily gets wrong.
struct RandomTranspose {
  std::int64_t n, c_in, c_out, h, w, kh, kw;
  ConvTranspose2dParams p;
};
inline std::vector<RandomTranspose> random_transposes(std::uint64_t seed, int count,
                                                      std::int64_t max_hw, std::int64_t max_pad,
                                                      bool output_padding_max_every_other) {
  std::mt19937_64 rng(seed);
  auto pick = [&](std::int64_t lo, std::int64_t hi) {
    return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng);
  };
  std::vector<RandomTranspose> out;
  while (static_cast<int>(out.size()) < count) {
    RandomTranspose c{};
    const std::int64_t groups = pick(1, 3);
    c.c_in = groups * pick(1, 3);
    c.c_out = groups * pick(1, 3);
    c.n = pick(1, 2);
    c.h = pick(1, max_hw);
    c.w = pick(1, max_hw);
    c.kh = pick(1, 4);
    c.kw = pick(1, 4);
    ConvTranspose2dParams& p = c.p;
    p.groups = groups;
    p.stride_h = pick(1, 3);
    p.stride_w = pick(1, 3);
    p.dilation_h = pick(1, 3);
    p.dilation_w = pick(1, 3);
    p.pad_top = pick(0, max_pad);
    p.pad_bottom = pick(0, max_pad);
    p.pad_left = pick(0, max_pad);
    p.pad_right = pick(0, max_pad);
    const std::int64_t max_op_h = std::max(p.stride_h, p.dilation_h) - 1;
    const std::int64_t max_op_w = std::max(p.stride_w, p.dilation_w) - 1;
    const bool at_max = output_padding_max_every_other && out.size() % 2 == 0;
    p.output_padding_h = at_max ? max_op_h : pick(0, max_op_h);
    p.output_padding_w = at_max ? max_op_w : pick(0, max_op_w);
    try {
      conv_transpose2d_output_shape(Shape{c.n, c.c_in, c.h, c.w},
                                    Shape{c.c_in, c.c_out / groups, c.kh, c.kw}, Shape{}, p);
    } catch (const std::invalid_argument&) {
      continue;
    }
    out.push_back(c);
  }
  return out;
}

// A random valid 2-D convolution: odd sizes, asymmetric padding, strides larger than the kernel,
// dilation and groups. Spatial sizes are 1..max_hw; with `modes` the padding mode cycles
// through all four.
struct RandomConv2d {
  std::int64_t n, c_in, c_out, h, w, kh, kw, groups;
  Conv2dParams p;
};

inline std::vector<RandomConv2d> random_conv2ds(std::uint64_t seed, int count, std::int64_t max_hw,
                                                bool modes) {
  std::mt19937_64 rng(seed);
  auto pick = [&](std::int64_t lo, std::int64_t hi) {
    return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng);
  };
  const PaddingMode all_modes[] = {PaddingMode::zeros, PaddingMode::reflect, PaddingMode::replicate,
                                   PaddingMode::circular};
  std::vector<RandomConv2d> out;
  while (static_cast<int>(out.size()) < count) {
    RandomConv2d c{};
    c.groups = pick(1, 3);
    c.c_in = c.groups * pick(1, 3);
    c.c_out = c.groups * pick(1, 3);
    c.n = pick(1, 2);
    c.h = pick(1, max_hw);
    c.w = pick(1, max_hw);
    c.kh = pick(1, 4);
    c.kw = pick(1, 4);
    c.p = Conv2dParams{.stride_h = pick(1, 3),
                       .stride_w = pick(1, 3),
                       .pad_top = pick(0, 2),
                       .pad_bottom = pick(0, 2),
                       .pad_left = pick(0, 2),
                       .pad_right = pick(0, 2),
                       .dilation_h = pick(1, 3),
                       .dilation_w = pick(1, 3),
                       .groups = c.groups,
                       .padding_mode = modes ? all_modes[out.size() % 4] : PaddingMode::zeros};
    try {  // keep only valid combinations
      conv2d_output_shape(Shape{c.n, c.c_in, c.h, c.w},
                          Shape{c.c_out, c.c_in / c.groups, c.kh, c.kw}, Shape{}, c.p);
    } catch (const std::invalid_argument&) {
      continue;
    }
    out.push_back(c);
  }
  return out;
}

// The conv2d with the height/width parameters of a conv3d.
inline Conv2dParams hw_params(const Conv3dParams& p) {
  return Conv2dParams{.stride_h = p.stride_h,
                      .stride_w = p.stride_w,
                      .pad_top = p.pad_top,
                      .pad_bottom = p.pad_bottom,
                      .pad_left = p.pad_left,
                      .pad_right = p.pad_right,
                      .dilation_h = p.dilation_h,
                      .dilation_w = p.dilation_w,
                      .groups = p.groups};
}

}  // namespace convlab::test
