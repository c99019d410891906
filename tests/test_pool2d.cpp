// Reference max, average and global average pooling: the documents' worked examples, edge
// cases computed by hand (ceil_mode, padding, divisors, dilation, ties, NaN), identities on
// random shapes with fixed seeds, and finite differences for the backward passes.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/shape.hpp"
#include "reference/pool2d.hpp"
#include "tests/support.hpp"

namespace convlab {
namespace {

using test::all_equal;
using test::all_near;
using test::random_int_tensor;
using test::random_tensor;
using I64 = Tensor<std::int64_t>;

using test::expect_error;

// first, first + 1, ... in row-major order.
template <class T>
Tensor<T> counting(const Shape& shape, T first = 1) {
  Tensor<T> t(shape);
  for (std::int64_t i = 0; i < t.numel(); ++i) t[i] = first + static_cast<T>(i);
  return t;
}

// Distinct values 0.1 * (a permutation of 0 .. numel-1): every maximum is unique and at least
// 0.1 above the runner-up, far more than a finite-difference step of 1e-6.
Tensor<double> distinct_values(const Shape& shape, std::uint64_t seed) {
  std::vector<std::int64_t> order(static_cast<std::size_t>(shape.numel()));
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(seed);
  std::shuffle(order.begin(), order.end(), rng);
  Tensor<double> t(shape);
  for (std::int64_t i = 0; i < t.numel(); ++i) t[i] = 0.1 * double(order[std::size_t(i)]);
  return t;
}

// ---- worked examples ----

// W4 and W5 (doc:000_3ddde5b97f33cba7.txt#W4, #W5): 1x1x4x4 = 1..16, k=3, stride 1.
// The four windows are the 3x3 blocks starting at (0,0), (0,1), (1,0), (1,1); their maxima are
// the bottom-right elements 11, 12, 15, 16 and their means are the centre elements 6, 7, 10, 11
// (e.g. (1+2+3+5+6+7+9+10+11)/9 = 54/9 = 6). Small integers: exact in float.
TEST(Pool2dWorkedExamples, W4W5Doc000MaxAndAvgK3) {
  const Tensor<float> x = counting<float>(Shape{1, 1, 4, 4});
  const Pool2dParams p{.kernel_h = 3, .kernel_w = 3, .stride_h = 1, .stride_w = 1};
  const ref::MaxPool2dResult<float> m = ref::max_pool2d(x, p);
  EXPECT_TRUE(all_equal(m.output, Tensor<float>(Shape{1, 1, 2, 2}, {11, 12, 15, 16})));
  // 11 is x[2][2] -> 2*4+2 = 10; 12 -> 11; 15 -> 14; 16 -> 15.
  EXPECT_TRUE(all_equal(m.indices, I64(Shape{1, 1, 2, 2}, {10, 11, 14, 15})));
  EXPECT_TRUE(all_equal(ref::avg_pool2d(x, p), Tensor<float>(Shape{1, 1, 2, 2}, {6, 7, 10, 11})));
}

// W25 (doc:003_c7ad4989b7e76a0f.txt#W25): MaxPool2d(kernel_size=2) (stride defaults to 2).
// The document prints only the code; [[4,8],[9,8]] is from WORKED_EXAMPLES.md, checked by hand:
//   {3 4 / 2 4} -> 4, {6 5 / 6 8} -> 8, {1 6 / 9 7} -> 9, {7 8 / 4 6} -> 8.
TEST(Pool2dWorkedExamples, W25Doc003MaxK2WithIndices) {
  const Tensor<double> x(Shape{1, 1, 4, 4}, {3, 4, 6, 5, 2, 4, 6, 8, 1, 6, 7, 8, 9, 7, 4, 6});
  const ref::MaxPool2dResult<double> m = ref::max_pool2d(x, Pool2dParams{});
  EXPECT_TRUE(all_equal(m.output, Tensor<double>(Shape{1, 1, 2, 2}, {4, 8, 9, 8})));
  // Indices h*4 + w: the first window holds 4 twice, at (0,1) = 1 and (1,1) = 5; the first
  // in row-major order wins -> 1. 8 at (1,3) = 7; 9 at (3,0) = 12; 8 at (2,3) = 11.
  EXPECT_TRUE(all_equal(m.indices, I64(Shape{1, 1, 2, 2}, {1, 7, 12, 11})));
}

// W20 (doc:002_cc048f6e0360e15b.txt#W20): pooling works per channel: as many output channels
// as input channels, each the pooling of that channel alone.
TEST(Pool2dWorkedExamples, W20PoolingIsPerChannel) {
  const std::uint64_t seed = 20;
  SCOPED_TRACE("seed " + std::to_string(seed));
  const auto x = random_tensor<double>(Shape{2, 3, 7, 6}, seed);
  const Pool2dParams p{.kernel_h = 3,
                       .kernel_w = 2,
                       .stride_h = 2,
                       .stride_w = 1,
                       .pad_top = 1,
                       .pad_bottom = 1,
                       .pad_right = 1,
                       .ceil_mode = true,
                       .count_include_pad = false};
  const ref::MaxPool2dResult<double> m = ref::max_pool2d(x, p);
  const Tensor<double> a = ref::avg_pool2d(x, p);
  ASSERT_EQ(m.output.dim(1), 3);
  ASSERT_EQ(a.dim(1), 3);
  const std::int64_t plane_out = m.output.dim(2) * m.output.dim(3);
  for (std::int64_t n = 0; n < 2; ++n) {
    for (std::int64_t c = 0; c < 3; ++c) {
      SCOPED_TRACE("n " + std::to_string(n) + ", c " + std::to_string(c));
      // A copy of plane (n, c) alone, as a 1x1xHxW tensor.
      const Tensor<double> plane =
          x.reshape(Shape{6, 7, 6}).slice(n * 3 + c, n * 3 + c + 1).reshape(Shape{1, 1, 7, 6});
      const ref::MaxPool2dResult<double> mp = ref::max_pool2d(plane.clone(), p);
      const Tensor<double> ap = ref::avg_pool2d(plane.clone(), p);
      for (std::int64_t i = 0; i < plane_out; ++i) {
        const std::int64_t flat = (n * 3 + c) * plane_out + i;
        EXPECT_EQ(m.output[flat], mp.output[i]) << "element " << i;
        EXPECT_EQ(m.indices[flat], mp.indices[i]) << "element " << i;
        EXPECT_EQ(a[flat], ap[i]) << "element " << i;
      }
    }
  }
}

// ---- edge cases computed by hand ----
// x = 1..25 on a 5x5 plane: x[i][j] = 5i + j + 1, flat index 5i + j.

// ceil_mode keeps the partial last window: 5 wide, k=2, s=2 -> ceil(3/2) + 1 = 3 windows,
// rows/columns {0,1}, {2,3}, {4}.
TEST(Pool2dEdgeCases, CeilModePartialWindow) {
  const Tensor<double> x = counting<double>(Shape{1, 1, 5, 5});
  Pool2dParams p{.ceil_mode = true};
  const ref::MaxPool2dResult<double> m = ref::max_pool2d(x, p);
  ASSERT_EQ(m.output.shape(), (Shape{1, 1, 3, 3}));
  // The maximum is the bottom-right element of each clipped window: rows 1, 3, 4, cols 1, 3, 4.
  EXPECT_TRUE(
      all_equal(m.output, Tensor<double>(Shape{1, 1, 3, 3}, {7, 9, 10, 17, 19, 20, 22, 24, 25})));
  EXPECT_TRUE(all_equal(m.indices, I64(Shape{1, 1, 3, 3}, {6, 8, 9, 16, 18, 19, 21, 23, 24})));
  // Without padding both divisor rules count the real elements: 4 4 2 / 4 4 2 / 2 2 1.
  //   {1,2,6,7}=16/4=4  {3,4,8,9}=24/4=6  {5,10}=15/2=7.5
  //   {11,12,16,17}=56/4=14  {13,14,18,19}=64/4=16  {15,20}=35/2=17.5
  //   {21,22}=43/2=21.5  {23,24}=47/2=23.5  {25}=25/1=25
  const Tensor<double> expected(Shape{1, 1, 3, 3}, {4, 6, 7.5, 14, 16, 17.5, 21.5, 23.5, 25});
  for (bool include : {true, false}) {
    p.count_include_pad = include;
    EXPECT_TRUE(all_equal(ref::avg_pool2d(x, p), expected)) << "count_include_pad " << include;
  }
}

// ceil_mode with padding 1: padded width 7, ceil((7-2)/2) + 1 = 4 windows would start at
// input index -1, 1, 3, 5; the one at 5 starts in the right padding and is dropped -> 3.
// Kept windows: rows/columns {0} (+ one padded), {1,2}, {3,4}.
TEST(Pool2dEdgeCases, CeilModeDropsWindowStartingInPadding) {
  const Tensor<double> x = counting<double>(Shape{1, 1, 5, 5});
  Pool2dParams p{.pad_top = 1, .pad_bottom = 1, .pad_left = 1, .pad_right = 1, .ceil_mode = true};
  const ref::MaxPool2dResult<double> m = ref::max_pool2d(x, p);
  ASSERT_EQ(m.output.shape(), (Shape{1, 1, 3, 3}));
  // Maxima at rows 0, 2, 4 and columns 0, 2, 4.
  EXPECT_TRUE(
      all_equal(m.output, Tensor<double>(Shape{1, 1, 3, 3}, {1, 3, 5, 11, 13, 15, 21, 23, 25})));
  EXPECT_TRUE(all_equal(m.indices, I64(Shape{1, 1, 3, 3}, {0, 2, 4, 10, 12, 14, 20, 22, 24})));
  // Window sums: {1}=1 {2,3}=5 {4,5}=9 / {6,11}=17 {7,8,12,13}=40 {9,10,14,15}=48 /
  //              {16,21}=37 {17,18,22,23}=80 {19,20,24,25}=88.
  // count_include_pad: every window is 2x2 inside the padded input -> divisor 4.
  p.count_include_pad = true;
  EXPECT_TRUE(
      all_equal(ref::avg_pool2d(x, p),
                Tensor<double>(Shape{1, 1, 3, 3}, {0.25, 1.25, 2.25, 4.25, 10, 12, 9.25, 20, 22})));
  // Without: divisors 1 2 2 / 2 4 4 / 2 4 4.
  p.count_include_pad = false;
  EXPECT_TRUE(
      all_equal(ref::avg_pool2d(x, p),
                Tensor<double>(Shape{1, 1, 3, 3}, {1, 2.5, 4.5, 8.5, 10, 12, 18.5, 20, 22})));
}

// One row [1 2 3 4 5 6], kernel 1x3, stride 2, pad 1 left and right, ceil_mode:
// padded width 8, ceil((8-3)/2) + 1 = 4 windows starting at -1, 1, 3, 5 (5 < 6 + 1: kept).
//   window   covers      real     sum  include_pad divisor           exclude divisor
//   [-1, 2)  pad 1 2     {1,2}     3   3                              2
//   [ 1, 4)  2 3 4       {2,3,4}   9   3                              3
//   [ 3, 6)  4 5 6       {4,5,6}  15   3                              3
//   [ 5, 8)  6 pad over  {6}       6   min(5+3, 6+1) - 5 = 2          1
// The last window hangs one past the padded input (index 7): the overhang is not counted.
TEST(Pool2dEdgeCases, CountIncludePadDivisorsWithCeilOverhang) {
  const Tensor<double> x = counting<double>(Shape{1, 1, 1, 6});
  Pool2dParams p{.kernel_h = 1,
                 .kernel_w = 3,
                 .stride_h = 1,
                 .stride_w = 2,
                 .pad_left = 1,
                 .pad_right = 1,
                 .ceil_mode = true,
                 .count_include_pad = true};
  EXPECT_TRUE(all_equal(ref::avg_pool2d(x, p), Tensor<double>(Shape{1, 1, 1, 4}, {1, 3, 5, 3})));
  p.count_include_pad = false;
  EXPECT_TRUE(all_equal(ref::avg_pool2d(x, p), Tensor<double>(Shape{1, 1, 1, 4}, {1.5, 3, 5, 6})));
  // The backward pass spreads grad / divisor over the real elements of each window; with a
  // gradient of ones, element j receives the sum of 1/divisor over the windows holding it:
  //   include_pad: [1/3, 1/3+1/3, 1/3, 1/3+1/3, 1/3, 1/3+1/2]
  //   exclude:     [1/2, 1/2+1/3, 1/3, 1/3+1/3, 1/3, 1/3+1/1]
  const Tensor<double> ones = Tensor<double>::full(Shape{1, 1, 1, 4}, 1.0);
  p.count_include_pad = true;
  EXPECT_TRUE(all_near(
      ref::avg_pool2d_backward(ones, x.shape(), p),
      Tensor<double>(Shape{1, 1, 1, 6}, {1. / 3, 2. / 3, 1. / 3, 2. / 3, 1. / 3, 1. / 3 + 0.5}),
      1e-15));  // two roundings of numbers below 1
  p.count_include_pad = false;
  EXPECT_TRUE(all_near(
      ref::avg_pool2d_backward(ones, x.shape(), p),
      Tensor<double>(Shape{1, 1, 1, 6}, {0.5, 0.5 + 1. / 3, 1. / 3, 2. / 3, 1. / 3, 4. / 3}),
      1e-15));
}

// Asymmetric padding: x = [[1 2 3] [4 5 6] [7 8 9] [10 11 12]] (4x3), k=2, s=2,
// pad_top 1, pad_bottom 0, pad_left 0, pad_right 1.
//   rows: padded 5 -> (5-2)/2 + 1 = 2 windows [-1,1) = {0} and [1,3) = {1,2} (row 3 unused)
//   cols: padded 4 -> 2 windows [0,2) = {0,1} and [2,4) = {2} + right padding
TEST(Pool2dEdgeCases, AsymmetricPadding) {
  const Tensor<double> x = counting<double>(Shape{1, 1, 4, 3});
  Pool2dParams p{.pad_top = 1, .pad_bottom = 0, .pad_left = 0, .pad_right = 1};
  const ref::MaxPool2dResult<double> m = ref::max_pool2d(x, p);
  ASSERT_EQ(m.output.shape(), (Shape{1, 1, 2, 2}));
  // {1,2} -> 2 at (0,1) = 1; {3} -> 3 at (0,2) = 2; {4,5,7,8} -> 8 at (2,1) = 7;
  // {6,9} -> 9 at (2,2) = 8.
  EXPECT_TRUE(all_equal(m.output, Tensor<double>(Shape{1, 1, 2, 2}, {2, 3, 8, 9})));
  EXPECT_TRUE(all_equal(m.indices, I64(Shape{1, 1, 2, 2}, {1, 2, 7, 8})));
  // Sums 3, 3, 24, 15. include_pad: every window is 2x2 within the padded input (rows
  // [-1,1) and [1,3) inside [-1, 4+0); cols [0,2), [2,4) inside [0, 3+1)) -> divisor 4.
  p.count_include_pad = true;
  EXPECT_TRUE(
      all_equal(ref::avg_pool2d(x, p), Tensor<double>(Shape{1, 1, 2, 2}, {0.75, 0.75, 6, 3.75})));
  // exclude: divisors 2, 1, 4, 2.
  p.count_include_pad = false;
  EXPECT_TRUE(
      all_equal(ref::avg_pool2d(x, p), Tensor<double>(Shape{1, 1, 2, 2}, {1.5, 3, 6, 7.5})));
}

// Dilated max pooling on the W23 input (doc:003_c7ad4989b7e76a0f.txt#W23, values only):
//   3 4 6 5 7 / 2 4 6 8 2 / 1 6 7 8 4 / 9 7 4 6 2 / 3 7 5 4 1
// k=2, dilation 2 (effective 3), stride 1 -> 3x3; window (i, j) reads rows i, i+2 and
// columns j, j+2. By hand:
//   (0,0) 3 6 1 7 -> 7 @12   (0,1) 4 5 6 8 -> 8 @13   (0,2) 6 7 7 4 -> 7 @4 (tie: (0,4) first)
//   (1,0) 2 6 9 4 -> 9 @15   (1,1) 4 8 7 6 -> 8 @8    (1,2) 6 2 4 2 -> 6 @7
//   (2,0) 1 7 3 5 -> 7 @12   (2,1) 6 8 7 4 -> 8 @13   (2,2) 7 4 5 1 -> 7 @12
TEST(Pool2dEdgeCases, DilatedMaxPooling) {
  const Tensor<double> x(Shape{1, 1, 5, 5}, {3, 4, 6, 5, 7, 2, 4, 6, 8, 2, 1, 6, 7,
                                             8, 4, 9, 7, 4, 6, 2, 3, 7, 5, 4, 1});
  const Pool2dParams p{.stride_h = 1, .stride_w = 1, .dilation_h = 2, .dilation_w = 2};
  const ref::MaxPool2dResult<double> m = ref::max_pool2d(x, p);
  EXPECT_TRUE(all_equal(m.output, Tensor<double>(Shape{1, 1, 3, 3}, {7, 8, 7, 9, 8, 6, 7, 8, 7})));
  EXPECT_TRUE(all_equal(m.indices, I64(Shape{1, 1, 3, 3}, {12, 13, 4, 15, 8, 7, 12, 13, 12})));
}

// NaN propagates; the index is the first NaN in row-major window order. Rows (k=2, s=2):
//   NaN 1 3 NaN 7 8
//   5 NaN 5  4  9 6
// window 0 {NaN,1,5,NaN} -> NaN @0 (neither the later 5 nor the later NaN replaces it)
// window 1 {3,NaN,5,4}   -> NaN @3 (a NaN after a number still wins)
// window 2 {7,8,9,6}     -> 9 @10 (unaffected)
TEST(Pool2dEdgeCases, MaxPoolNaNPropagatesFirstNaNIndex) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const Tensor<float> x(Shape{1, 1, 2, 6}, {nan, 1, 3, nan, 7, 8, 5, nan, 5, 4, 9, 6});
  const ref::MaxPool2dResult<float> m = ref::max_pool2d(x, Pool2dParams{});
  EXPECT_TRUE(std::isnan(m.output[0]));
  EXPECT_TRUE(std::isnan(m.output[1]));
  EXPECT_EQ(m.output[2], 9.0f);
  EXPECT_TRUE(all_equal(m.indices, I64(Shape{1, 1, 1, 3}, {0, 3, 10})));
}

// Padding is -inf but never chosen: on an input of -inf every window reports its first real
// element. 2x2, k=2, s=2, pad 1 all round -> windows {(0,0)}, {(0,1)}, {(1,0)}, {(1,1)}.
TEST(Pool2dEdgeCases, MinusInfinityInputStillIndexesARealElement) {
  const double inf = std::numeric_limits<double>::infinity();
  const Tensor<double> x = Tensor<double>::full(Shape{1, 1, 2, 2}, -inf);
  const ref::MaxPool2dResult<double> m = ref::max_pool2d(
      x, Pool2dParams{.pad_top = 1, .pad_bottom = 1, .pad_left = 1, .pad_right = 1});
  // (all_equal computes |a - e|, which is NaN for two infinities: compare with == instead.)
  ASSERT_EQ(m.output.shape(), x.shape());
  for (std::int64_t i = 0; i < 4; ++i) EXPECT_EQ(m.output[i], -inf) << "element " << i;
  EXPECT_TRUE(all_equal(m.indices, I64(Shape{1, 1, 2, 2}, {0, 1, 2, 3})));
}

// Global average pooling: channel 0 = 1..6 -> 21/6 = 3.5; channel 1 = all 7 -> 7.
TEST(Pool2dEdgeCases, GlobalAvgPool) {
  Tensor<float> x(Shape{1, 2, 2, 3});
  for (int i = 0; i < 6; ++i) {
    x[i] = float(i + 1);
    x[6 + i] = 7.0f;
  }
  EXPECT_TRUE(all_equal(ref::global_avg_pool2d(x), Tensor<float>(Shape{1, 2, 1, 1}, {3.5f, 7})));
  // Backward: each element receives grad / 6.
  const Tensor<float> g =
      ref::global_avg_pool2d_backward(Tensor<float>(Shape{1, 2, 1, 1}, {6, 3}), x.shape());
  EXPECT_TRUE(all_equal(
      g, Tensor<float>(Shape{1, 2, 2, 3}, {1, 1, 1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5})));
}

// Max pooling backward by hand: overlapping windows that choose the same maximum add their
// gradients. Row [1 3 2], kernel 1x2, stride 1: both windows pick the 3 at index 1.
TEST(Pool2dEdgeCases, MaxBackwardAddsGradientsOfSharedMaximum) {
  const Tensor<double> x(Shape{1, 1, 1, 3}, {1, 3, 2});
  const Pool2dParams p{.kernel_h = 1, .kernel_w = 2, .stride_h = 1, .stride_w = 1};
  const ref::MaxPool2dResult<double> m = ref::max_pool2d(x, p);
  EXPECT_TRUE(all_equal(m.indices, I64(Shape{1, 1, 1, 2}, {1, 1})));
  const Tensor<double> g =
      ref::max_pool2d_backward(Tensor<double>(Shape{1, 1, 1, 2}, {10, 5}), m.indices, x.shape());
  EXPECT_TRUE(all_equal(g, Tensor<double>(Shape{1, 1, 1, 3}, {0, 15, 0})));
  // W25 indices [1, 7, 12, 11] route the gradients 1..4 to those flat positions.
  const I64 w25_indices(Shape{1, 1, 2, 2}, {1, 7, 12, 11});
  const Tensor<double> g25 = ref::max_pool2d_backward(
      Tensor<double>(Shape{1, 1, 2, 2}, {1, 2, 3, 4}), w25_indices, Shape{1, 1, 4, 4});
  EXPECT_TRUE(all_equal(
      g25, Tensor<double>(Shape{1, 1, 4, 4}, {0, 1, 0, 0, 0, 0, 0, 2, 0, 0, 0, 4, 3, 0, 0, 0})));
}

// ---- identities on random shapes (fixed seeds, printed on failure) ----

struct RandomPool {
  Shape x;
  Pool2dParams p;
};

// Valid pooling problems: odd sizes, asymmetric padding (up to half the kernel), strides larger
// than the kernel, ceil_mode, and dilation when `dilated` (max pooling only).
std::vector<RandomPool> random_pools(std::uint64_t seed, int count, bool dilated) {
  std::mt19937_64 rng(seed);
  auto pick = [&](std::int64_t lo, std::int64_t hi) {
    return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng);
  };
  std::vector<RandomPool> out;
  while (static_cast<int>(out.size()) < count) {
    RandomPool c{Shape{pick(1, 2), pick(1, 3), pick(1, 9), pick(1, 9)}, Pool2dParams{}};
    c.p.kernel_h = pick(1, 4);
    c.p.kernel_w = pick(1, 4);
    c.p.stride_h = pick(1, 3);
    c.p.stride_w = pick(1, 3);
    c.p.pad_top = pick(0, c.p.kernel_h / 2);
    c.p.pad_bottom = pick(0, c.p.kernel_h / 2);
    c.p.pad_left = pick(0, c.p.kernel_w / 2);
    c.p.pad_right = pick(0, c.p.kernel_w / 2);
    c.p.dilation_h = dilated ? pick(1, 3) : 1;
    c.p.dilation_w = dilated ? pick(1, 3) : 1;
    c.p.ceil_mode = pick(0, 1) == 1;
    c.p.count_include_pad = pick(0, 1) == 1;
    try {  // keep only valid combinations
      pool2d_output_shape("max_pool2d", c.x, c.p);
    } catch (const std::invalid_argument&) {
      continue;
    }
    out.push_back(c);
  }
  return out;
}

std::string describe(std::uint64_t seed, int index, const RandomPool& c) {
  const Pool2dParams& p = c.p;
  return "seed " + std::to_string(seed) + ", case " + std::to_string(index) + ": x " + c.x.str() +
         " k " + std::to_string(p.kernel_h) + "x" + std::to_string(p.kernel_w) + " s " +
         std::to_string(p.stride_h) + "," + std::to_string(p.stride_w) + " pad t/b/l/r " +
         std::to_string(p.pad_top) + "/" + std::to_string(p.pad_bottom) + "/" +
         std::to_string(p.pad_left) + "/" + std::to_string(p.pad_right) + " d " +
         std::to_string(p.dilation_h) + "," + std::to_string(p.dilation_w) + " ceil " +
         std::to_string(p.ceil_mode) + " include_pad " + std::to_string(p.count_include_pad);
}

// The row pass (1 x kernel_w along W, with W's stride, padding, dilation) and the column pass
// (kernel_h x 1 along H) of a kh x kw pooling.
Pool2dParams row_pass(const Pool2dParams& p) {
  Pool2dParams r = p;
  r.kernel_h = r.stride_h = r.dilation_h = 1;
  r.pad_top = r.pad_bottom = 0;
  return r;
}
Pool2dParams column_pass(const Pool2dParams& p) {
  Pool2dParams c = p;
  c.kernel_w = c.stride_w = c.dilation_w = 1;
  c.pad_left = c.pad_right = 0;
  return c;
}

// Each window is the product of an H interval and a W interval, so its maximum is the maximum
// over its rows of each row's maximum. Holds with any stride, padding (-inf is never chosen
// while a real element is in the window, and every row window has one), dilation and
// ceil_mode, since the two passes produce the same per-axis windows. Max is exact: ==.
TEST(Pool2dProperties, MaxPoolIsRowPassThenColumnPass) {
  const std::uint64_t seed = 501;
  int index = 0;
  for (const RandomPool& c : random_pools(seed, 80, /*dilated=*/true)) {
    SCOPED_TRACE(describe(seed, index, c));
    const auto x = random_tensor<double>(c.x, seed + 1000 + index++);
    const Tensor<double> direct = ref::max_pool2d(x, c.p).output;
    const Tensor<double> rows = ref::max_pool2d(x, row_pass(c.p)).output;
    EXPECT_TRUE(all_equal(ref::max_pool2d(rows, column_pass(c.p)).output, direct));
  }
}

// For the average the same factorisation holds with and without padding, for both divisor
// rules: the sum over the window factors over rows, and so does the divisor, because it is a
// product of per-axis counts (padded-and-clipped lengths with count_include_pad, real-element
// counts without; every per-axis window holds at least one real element, so no count is 0).
// Tolerance: integer inputs in [-3, 3] give exact window sums; the direct path rounds once
// (a division); the separable path rounds each row mean (<= 0.5 ulp(3) = 2.2e-16 each), adds at
// most 4 of them (sums <= 12: 3 additions, <= 0.5 ulp(12) = 8.9e-16 each) and divides once.
// Total < 4 * 2.2e-16 + 3 * 8.9e-16 + 2 * 2.2e-16 < 5e-15; we allow 1e-14.
TEST(Pool2dProperties, AvgPoolIsRowPassThenColumnPass) {
  const std::uint64_t seed = 502;
  int index = 0;
  for (const RandomPool& c : random_pools(seed, 80, /*dilated=*/false)) {
    SCOPED_TRACE(describe(seed, index, c));
    const auto x = random_int_tensor<double>(c.x, seed + 1000 + index++);
    const Tensor<double> direct = ref::avg_pool2d(x, c.p);
    const Tensor<double> rows = ref::avg_pool2d(x, row_pass(c.p));
    EXPECT_TRUE(all_near(ref::avg_pool2d(rows, column_pass(c.p)), direct, 1e-14));
  }
}

// Every index names a real element of its own window (a tap (kh, kw) of the dilated kernel),
// that element equals the output, and no real element of the window is larger.
TEST(Pool2dProperties, MaxIndicesPointAtTheWindowMaximum) {
  const std::uint64_t seed = 503;
  int index = 0;
  for (const RandomPool& c : random_pools(seed, 80, /*dilated=*/true)) {
    SCOPED_TRACE(describe(seed, index, c));
    const auto x = random_int_tensor<double>(c.x, seed + 1000 + index++);  // many ties
    const ref::MaxPool2dResult<double> m = ref::max_pool2d(x, c.p);
    const Pool2dParams& p = c.p;
    const std::int64_t H = c.x[2], W = c.x[3];
    for (std::int64_t n = 0; n < c.x[0]; ++n)
      for (std::int64_t ch = 0; ch < c.x[1]; ++ch)
        for (std::int64_t oh = 0; oh < m.output.dim(2); ++oh)
          for (std::int64_t ow = 0; ow < m.output.dim(3); ++ow) {
            const std::int64_t i = m.indices(n, ch, oh, ow);
            ASSERT_TRUE(i >= 0 && i < H * W) << "index " << i;
            const std::int64_t dh = i / W - (oh * p.stride_h - p.pad_top);
            const std::int64_t dw = i % W - (ow * p.stride_w - p.pad_left);
            ASSERT_TRUE(dh >= 0 && dh % p.dilation_h == 0 && dh / p.dilation_h < p.kernel_h);
            ASSERT_TRUE(dw >= 0 && dw % p.dilation_w == 0 && dw / p.dilation_w < p.kernel_w);
            const double y = m.output(n, ch, oh, ow);
            ASSERT_EQ(x(n, ch, i / W, i % W), y);
            for (std::int64_t kh = 0; kh < p.kernel_h; ++kh)
              for (std::int64_t kw = 0; kw < p.kernel_w; ++kw) {
                const std::int64_t ih = oh * p.stride_h + kh * p.dilation_h - p.pad_top;
                const std::int64_t iw = ow * p.stride_w + kw * p.dilation_w - p.pad_left;
                if (ih >= 0 && ih < H && iw >= 0 && iw < W) {
                  ASSERT_LE(x(n, ch, ih, iw), y);
                }
              }
          }
  }
}

// Float reference agrees with the double reference rounded once (max is exact; the average
// is accumulated in double and rounded once in both).
TEST(Pool2dProperties, FloatMatchesDoubleWithinOneRounding) {
  const auto x = random_tensor<double>(Shape{2, 3, 9, 8}, 13).cast<float>();
  const Pool2dParams p{.kernel_h = 3,
                       .kernel_w = 3,
                       .pad_top = 1,
                       .pad_left = 1,
                       .pad_right = 1,
                       .ceil_mode = true,
                       .count_include_pad = false};
  const Tensor<double> ad = ref::avg_pool2d(x.cast<double>(), p);
  const Tensor<float> af = ref::avg_pool2d(x, p);
  for (std::int64_t i = 0; i < af.numel(); ++i) {
    EXPECT_EQ(af[i], static_cast<float>(ad[i])) << "element " << i;
  }
  EXPECT_TRUE(all_equal(ref::max_pool2d(x, p).output, ref::max_pool2d(x.cast<double>(), p).output));
}

// ---- backward: central finite differences in double ----
// Every loss below is linear in x, or piecewise linear (max) with the kinks at least 0.1 away,
// so the central difference is exact up to rounding: |L| * eps / h ~ 10 * 1e-16 / 1e-6 = 1e-9.
// Tolerance 1e-7, as in the conv2d tests.

TEST(Pool2dBackward, AvgMatchesFiniteDifferences) {
  const std::uint64_t seed = 601;
  int index = 0;
  for (const RandomPool& c : random_pools(seed, 30, /*dilated=*/false)) {
    SCOPED_TRACE(describe(seed, index, c));
    ++index;
    auto x = random_tensor<double>(c.x, seed + 1000 + index);
    const Shape out = pool2d_output_shape("avg_pool2d", c.x, c.p);
    const auto dy = random_tensor<double>(out, seed + 2000 + index);
    auto loss = [&] { return test::dot(ref::avg_pool2d(x, c.p), dy); };
    EXPECT_TRUE(
        all_near(ref::avg_pool2d_backward(dy, c.x, c.p), test::numerical_gradient(loss, x), 1e-7));
  }
}

TEST(Pool2dBackward, MaxMatchesFiniteDifferences) {
  const std::uint64_t seed = 602;
  int index = 0;
  for (const RandomPool& c : random_pools(seed, 30, /*dilated=*/true)) {
    SCOPED_TRACE(describe(seed, index, c));
    ++index;
    auto x = distinct_values(c.x, seed + 1000 + index);
    const ref::MaxPool2dResult<double> m = ref::max_pool2d(x, c.p);
    const auto dy = random_tensor<double>(m.output.shape(), seed + 2000 + index);
    auto loss = [&] { return test::dot(ref::max_pool2d(x, c.p).output, dy); };
    EXPECT_TRUE(all_near(ref::max_pool2d_backward(dy, m.indices, c.x),
                         test::numerical_gradient(loss, x), 1e-7));
  }
}

TEST(Pool2dBackward, GlobalAvgMatchesFiniteDifferences) {
  auto x = random_tensor<double>(Shape{2, 3, 4, 5}, 603);
  const auto dy = random_tensor<double>(Shape{2, 3, 1, 1}, 604);
  auto loss = [&] { return test::dot(ref::global_avg_pool2d(x), dy); };
  EXPECT_TRUE(all_near(ref::global_avg_pool2d_backward(dy, x.shape()),
                       test::numerical_gradient(loss, x), 1e-7));
}

// ---- invalid inputs: std::invalid_argument naming op, argument and values ----

TEST(Pool2dErrors, PaddingMoreThanHalfTheKernel) {
  const Tensor<double> x(Shape{1, 1, 6, 6});
  expect_error([&] { ref::max_pool2d(x, Pool2dParams{.kernel_w = 3, .pad_left = 2}); },
               {"max_pool2d", "pad_left = 2 must be at most half the kernel_w 3"});
  expect_error([&] { ref::avg_pool2d(x, Pool2dParams{.pad_bottom = 2}); },
               {"avg_pool2d", "pad_bottom = 2 must be at most half the kernel_h 2"});
}

TEST(Pool2dErrors, AvgPoolRejectsDilation) {
  const Tensor<double> x(Shape{1, 1, 6, 6});
  expect_error([&] { ref::avg_pool2d(x, Pool2dParams{.dilation_h = 2}); },
               {"avg_pool2d", "dilation_h must be 1", "got 2"});
  expect_error([&] { ref::avg_pool2d(x, Pool2dParams{.dilation_w = 3}); },
               {"avg_pool2d", "dilation_w must be 1", "got 3"});
  expect_error(
      [&] {
        ref::avg_pool2d_backward(Tensor<double>(Shape{1, 1, 3, 3}), x.shape(),
                                 Pool2dParams{.dilation_w = 2});
      },
      {"avg_pool2d_backward", "dilation_w must be 1", "got 2"});
}

// Height 2, kernel 2, dilation 3, pad_top 1: the only window reads rows -1 and 2, both outside.
TEST(Pool2dErrors, DilatedWindowThatReadsOnlyPadding) {
  const Tensor<double> x(Shape{1, 1, 2, 4});
  expect_error(
      [&] { ref::max_pool2d(x, Pool2dParams{.pad_top = 1, .pad_bottom = 1, .dilation_h = 3}); },
      {"max_pool2d", "window 0 along h reads no input element", "pad_top 1", "dilation_h 3",
       "next tap is at 2, past the input size 2"});
}

TEST(Pool2dErrors, WrongInputRank) {
  expect_error(
      [] {
        ref::max_pool2d(Tensor<float>(Shape{4, 4}), Pool2dParams{});
      },
      {"max_pool2d", "input must have rank 4", "(4, 4)"});
  expect_error(
      [] {
        ref::global_avg_pool2d(Tensor<float>(Shape{1, 4, 4}));
      },
      {"global_avg_pool2d", "input must have rank 4", "(1, 4, 4)"});
}

TEST(Pool2dErrors, WrongGradShapes) {
  const Shape in{1, 1, 4, 4};  // k=2, s=2 -> (1, 1, 2, 2)
  expect_error(
      [&] {
        ref::avg_pool2d_backward(Tensor<double>(Shape{1, 1, 3, 3}), in, Pool2dParams{});
      },
      {"avg_pool2d_backward", "grad_output shape (1, 1, 3, 3)", "expected shape (1, 1, 2, 2)"});
  expect_error(
      [&] {
        ref::max_pool2d_backward(Tensor<double>(Shape{1, 1, 2, 3}), I64(Shape{1, 1, 2, 2}), in);
      },
      {"max_pool2d_backward", "grad_output shape (1, 1, 2, 3)", "expected shape (1, 1, 2, 2)"});
  expect_error(
      [&] {
        ref::max_pool2d_backward(Tensor<double>(Shape{1, 2, 2, 2}), I64(Shape{1, 2, 2, 2}), in);
      },
      {"max_pool2d_backward", "indices shape (1, 2, 2, 2)", "expected shape (1, 1, 2, 2)"});
  expect_error(
      [&] {
        ref::max_pool2d_backward(Tensor<double>(Shape{1, 1, 2, 2}), I64(Shape{1, 1, 2, 2}),
                                 Shape{4, 4});
      },
      {"max_pool2d_backward", "input_shape must have rank 4", "(4, 4)"});
  expect_error(
      [&] {
        ref::global_avg_pool2d_backward(Tensor<double>(Shape{1, 2, 1, 1}), Shape{1, 3, 4, 4});
      },
      {"global_avg_pool2d_backward", "grad_output shape (1, 2, 1, 1)",
       "expected shape (1, 3, 1, 1)"});
}

TEST(Pool2dErrors, MaxBackwardIndexOutsideThePlane) {
  const I64 indices(Shape{1, 1, 2, 2}, {0, 5, 16, 3});
  expect_error(
      [&] {
        ref::max_pool2d_backward(Tensor<double>(Shape{1, 1, 2, 2}), indices, Shape{1, 1, 4, 4});
      },
      {"max_pool2d_backward", "indices[0, 0, 1, 0] = 16", "valid 0 to 15"});
  const I64 negative(Shape{1, 1, 2, 2}, {0, -1, 2, 3});
  expect_error(
      [&] {
        ref::max_pool2d_backward(Tensor<double>(Shape{1, 1, 2, 2}), negative, Shape{1, 1, 4, 4});
      },
      {"max_pool2d_backward", "indices[0, 0, 0, 1] = -1"});
}

}  // namespace
}  // namespace convlab
