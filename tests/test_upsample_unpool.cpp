// Reference max unpooling and upsampling (nearest, bilinear): hand-computed examples,
// identities on random shapes with fixed seeds, finite differences for the backward passes,
// and rejected inputs.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/shape.hpp"
#include "reference/pool2d.hpp"
#include "reference/unpool2d.hpp"
#include "reference/upsample2d.hpp"
#include "tests/support.hpp"

namespace convlab {
namespace {

using test::all_equal;
using test::all_near;
using test::random_tensor;
using I64 = Tensor<std::int64_t>;

using test::expect_error;

// Distinct non-zero values 1 + permutation of 0 .. numel-1: a zero in the output can only be
// a position nothing was written to.
Tensor<double> distinct_nonzero(const Shape& shape, std::uint64_t seed) {
  std::vector<std::int64_t> order(static_cast<std::size_t>(shape.numel()));
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(seed);
  std::shuffle(order.begin(), order.end(), rng);
  Tensor<double> t(shape);
  for (std::int64_t i = 0; i < t.numel(); ++i) t[i] = 1.0 + double(order[std::size_t(i)]);
  return t;
}

// For each (n, c) plane, `count` distinct flat indices into a plane of `plane` elements.
I64 distinct_indices(const Shape& shape, std::int64_t plane, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  I64 idx(shape);
  const std::int64_t count = shape[2] * shape[3];
  std::vector<std::int64_t> all(static_cast<std::size_t>(plane));
  for (std::int64_t nc = 0; nc < shape[0] * shape[1]; ++nc) {
    std::iota(all.begin(), all.end(), 0);
    std::shuffle(all.begin(), all.end(), rng);
    for (std::int64_t i = 0; i < count; ++i) idx[nc * count + i] = all[std::size_t(i)];
  }
  return idx;
}

// ---- max unpooling ----

// W25 (doc:003_c7ad4989b7e76a0f.txt#W25) pooled, then unpooled: the maxima 4, 8, 9, 8 return
// to (0,1), (1,3), (3,0), (2,3) (indices 1, 7, 12, 11, see test_pool2d), zeros elsewhere.
TEST(MaxUnpool2d, W25RoundTripByHand) {
  const Tensor<double> x(Shape{1, 1, 4, 4}, {3, 4, 6, 5, 2, 4, 6, 8, 1, 6, 7, 8, 9, 7, 4, 6});
  const ref::MaxPool2dResult<double> m = ref::max_pool2d(x, Pool2dParams{});
  const Tensor<double> y = ref::max_unpool2d(m.output, m.indices, Unpool2dParams{});
  EXPECT_TRUE(all_equal(
      y, Tensor<double>(Shape{1, 1, 4, 4}, {0, 4, 0, 0, 0, 0, 0, 8, 0, 0, 0, 8, 9, 0, 0, 0})));
}

// An explicit output size: 2x2 input, k=2, s=2 naturally inverts to 4x4; 5x5 is also a size
// max pooling maps to 2x2 (floor((5-2)/2)+1 = 2), so it is accepted. Indices 0, 6, 18, 24 of
// a 5-wide plane are (0,0), (1,1), (3,3), (4,4).
TEST(MaxUnpool2d, ExplicitOutputSize) {
  const Tensor<double> x(Shape{1, 1, 2, 2}, {1, 2, 3, 4});
  const I64 idx(Shape{1, 1, 2, 2}, {0, 6, 18, 24});
  const Tensor<double> y = ref::max_unpool2d(x, idx, Unpool2dParams{.output_h = 5, .output_w = 5});
  Tensor<double> expected(Shape{1, 1, 5, 5});
  expected(0, 0, 0, 0) = 1;
  expected(0, 0, 1, 1) = 2;
  expected(0, 0, 3, 3) = 3;
  expected(0, 0, 4, 4) = 4;
  EXPECT_TRUE(all_equal(y, expected));
}

// Documented rule: of two elements with the same index, the later in row-major order wins.
TEST(MaxUnpool2d, DuplicateIndexLaterElementWins) {
  const Tensor<double> x(Shape{1, 1, 1, 2}, {5, 7});
  const Tensor<double> y = ref::max_unpool2d(x, I64(Shape{1, 1, 1, 2}, {2, 2}),
                                             Unpool2dParams{.kernel_h = 1, .stride_h = 1});
  EXPECT_TRUE(all_equal(y, Tensor<double>(Shape{1, 1, 1, 4}, {0, 0, 7, 0})));
}

// Unpooling what max pooling returned puts every window maximum back at its position and zero
// everywhere else: y[p] == x[p] when p is the argmax of some window, else 0 (x has no zeros).
// Windows may overlap (stride < kernel) and pad; the output size is the input's.
TEST(MaxUnpool2d, UnpoolOfMaxPoolPlacesEachMaximum) {
  const std::uint64_t seed = 701;
  std::mt19937_64 rng(seed);
  auto pick = [&](std::int64_t lo, std::int64_t hi) {
    return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng);
  };
  int done = 0;
  for (int index = 0; done < 60; ++index) {
    const Shape xs{pick(1, 2), pick(1, 3), pick(1, 9), pick(1, 9)};
    Unpool2dParams u{.kernel_h = pick(1, 4), .kernel_w = pick(1, 4)};
    u.stride_h = pick(1, 3);
    u.stride_w = pick(1, 3);
    u.pad_top = pick(0, u.kernel_h / 2);
    u.pad_bottom = pick(0, u.kernel_h / 2);
    u.pad_left = pick(0, u.kernel_w / 2);
    u.pad_right = pick(0, u.kernel_w / 2);
    u.output_h = xs[2];
    u.output_w = xs[3];
    const Pool2dParams p{.kernel_h = u.kernel_h,
                         .kernel_w = u.kernel_w,
                         .stride_h = u.stride_h,
                         .stride_w = u.stride_w,
                         .pad_top = u.pad_top,
                         .pad_bottom = u.pad_bottom,
                         .pad_left = u.pad_left,
                         .pad_right = u.pad_right};
    try {  // keep only valid combinations
      const Shape pooled = pool2d_output_shape("max_pool2d", xs, p);
      max_unpool2d_output_shape(pooled, pooled, u);
    } catch (const std::invalid_argument&) {
      continue;
    }
    ++done;
    SCOPED_TRACE("seed " + std::to_string(seed) + ", case " + std::to_string(index) + ": x " +
                 xs.str() + " k " + std::to_string(u.kernel_h) + "x" + std::to_string(u.kernel_w) +
                 " s " + std::to_string(u.stride_h) + "," + std::to_string(u.stride_w));
    const Tensor<double> x = distinct_nonzero(xs, seed + 1000 + index);
    const ref::MaxPool2dResult<double> m = ref::max_pool2d(x, p);
    const Tensor<double> y = ref::max_unpool2d(m.output, m.indices, u);
    ASSERT_EQ(y.shape(), xs);
    const std::int64_t plane = xs[2] * xs[3], pooled_plane = m.indices.dim(2) * m.indices.dim(3);
    for (std::int64_t nc = 0; nc < xs[0] * xs[1]; ++nc) {
      std::vector<bool> is_max(static_cast<std::size_t>(plane), false);
      for (std::int64_t o = 0; o < pooled_plane; ++o) {
        is_max[std::size_t(m.indices[nc * pooled_plane + o])] = true;
      }
      for (std::int64_t i = 0; i < plane; ++i) {
        ASSERT_EQ(y[nc * plane + i], is_max[std::size_t(i)] ? x[nc * plane + i] : 0.0)
            << "plane " << nc << ", element " << i;
      }
    }
  }
}

// Backward gathers: grad_x = grad_y[indices]. grad_y = 1..16 on 4x4, indices 1, 7, 12, 11
// -> grad_x = 2, 8, 13, 12.
TEST(MaxUnpool2d, BackwardGathersByHand) {
  Tensor<double> gy(Shape{1, 1, 4, 4});
  for (int i = 0; i < 16; ++i) gy[i] = i + 1;
  const Tensor<double> gx =
      ref::max_unpool2d_backward(gy, I64(Shape{1, 1, 2, 2}, {1, 7, 12, 11}), Unpool2dParams{});
  EXPECT_TRUE(all_equal(gx, Tensor<double>(Shape{1, 1, 2, 2}, {2, 8, 13, 12})));
}

// The loss is linear in x: the central difference is exact up to rounding (~1e-9 here).
TEST(MaxUnpool2d, BackwardMatchesFiniteDifferences) {
  const std::uint64_t seed = 702;
  const struct {
    Shape x;
    Unpool2dParams p;
  } cases[] = {
      {Shape{2, 3, 2, 3}, Unpool2dParams{}},
      {Shape{1, 2, 3, 3},
       Unpool2dParams{.kernel_h = 3, .kernel_w = 2, .stride_h = 2, .stride_w = 3, .pad_top = 1}},
      {Shape{1, 1, 4, 2}, Unpool2dParams{.output_h = 9, .output_w = 5}},
  };
  int index = 0;
  for (const auto& c : cases) {
    SCOPED_TRACE("seed " + std::to_string(seed) + ", case " + std::to_string(index));
    ++index;
    const Shape out = max_unpool2d_output_shape(c.x, c.x, c.p);
    auto x = random_tensor<double>(c.x, seed + index);
    const I64 idx = distinct_indices(c.x, out[2] * out[3], seed + 100 + index);
    const auto dy = random_tensor<double>(out, seed + 200 + index);
    auto loss = [&] { return test::dot(ref::max_unpool2d(x, idx, c.p), dy); };
    EXPECT_TRUE(all_near(ref::max_unpool2d_backward(dy, idx, c.p),
                         test::numerical_gradient(loss, x), 1e-7));
  }
}

TEST(MaxUnpool2d, IndexOutsideTheOutputPlaneIsRejected) {
  const Tensor<double> x(Shape{1, 1, 2, 2}, {1, 2, 3, 4});
  // 4x4 output: valid indices 0 to 15.
  expect_error(
      [&] {
        ref::max_unpool2d(x, I64(Shape{1, 1, 2, 2}, {0, 5, 16, 3}), {});
      },
      {"max_unpool2d", "indices[0, 0, 1, 0] = 16", "4 x 4 = 16", "valid 0 to 15"});
  expect_error(
      [&] {
        ref::max_unpool2d(x, I64(Shape{1, 1, 2, 2}, {0, -1, 2, 3}), {});
      },
      {"max_unpool2d", "indices[0, 0, 0, 1] = -1"});
  expect_error(
      [&] {
        ref::max_unpool2d_backward(Tensor<double>(Shape{1, 1, 4, 4}),
                                   I64(Shape{1, 1, 2, 2}, {0, 1, 2, 99}), {});
      },
      {"max_unpool2d_backward", "indices[0, 0, 1, 1] = 99"});
}

TEST(MaxUnpool2d, WrongShapesAreRejected) {
  expect_error(
      [] {
        ref::max_unpool2d(Tensor<double>(Shape{1, 1, 2, 2}), I64(Shape{1, 1, 2, 3}), {});
      },
      {"max_unpool2d", "indices shape (1, 1, 2, 3)", "input shape (1, 1, 2, 2)"});
  expect_error(
      [] {
        ref::max_unpool2d_backward(Tensor<double>(Shape{1, 1, 5, 4}), I64(Shape{1, 1, 2, 2}), {});
      },
      {"max_unpool2d_backward", "grad_output shape (1, 1, 5, 4)", "expected shape (1, 1, 4, 4)"});
}

// ---- upsampling ----

Upsample2dParams nearest(std::int64_t h, std::int64_t w) {
  return {.mode = UpsampleMode::nearest, .output_h = h, .output_w = w};
}
Upsample2dParams bilinear(std::int64_t h, std::int64_t w, bool align_corners) {
  return {
      .mode = UpsampleMode::bilinear, .output_h = h, .output_w = w, .align_corners = align_corners};
}

// Nearest, by hand: src = floor(dst * in / out).
//   3 -> 5: dst 0..4 -> 0, 3/5=0.6 -> 0, 6/5=1.2 -> 1, 9/5=1.8 -> 1, 12/5=2.4 -> 2
//   5 -> 3: dst 0..2 -> 0, 5/3=1.67 -> 1, 10/3=3.33 -> 3
TEST(Upsample2d, NearestByHand) {
  const Tensor<double> x(Shape{1, 1, 1, 3}, {10, 20, 30});
  EXPECT_TRUE(all_equal(ref::upsample2d(x, nearest(1, 5)),
                        Tensor<double>(Shape{1, 1, 1, 5}, {10, 10, 20, 20, 30})));
  const Tensor<double> x5(Shape{1, 1, 1, 5}, {1, 2, 3, 4, 5});
  EXPECT_TRUE(
      all_equal(ref::upsample2d(x5, nearest(1, 3)), Tensor<double>(Shape{1, 1, 1, 3}, {1, 2, 4})));
  // Backward of 3 -> 5 with ones: input 0 and 1 feed two outputs each, input 2 one.
  EXPECT_TRUE(all_equal(ref::upsample2d_backward(Tensor<double>::full(Shape{1, 1, 1, 5}, 1.0),
                                                 x.shape(), nearest(1, 5)),
                        Tensor<double>(Shape{1, 1, 1, 3}, {2, 2, 1})));
}

// Nearest by integer factors repeats each pixel fh x fw times.
TEST(Upsample2d, NearestIntegerFactorRepeatsPixels) {
  const std::uint64_t seed = 801;
  std::mt19937_64 rng(seed);
  auto pick = [&](std::int64_t lo, std::int64_t hi) {
    return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng);
  };
  for (int index = 0; index < 20; ++index) {
    const Shape xs{pick(1, 2), pick(1, 3), pick(1, 7), pick(1, 7)};
    const std::int64_t fh = pick(1, 4), fw = pick(1, 4);
    SCOPED_TRACE("seed " + std::to_string(seed) + ", case " + std::to_string(index) + ": x " +
                 xs.str() + " factors " + std::to_string(fh) + "," + std::to_string(fw));
    const auto x = random_tensor<float>(xs, seed + index);
    const Tensor<float> y = ref::upsample2d(x, nearest(xs[2] * fh, xs[3] * fw));
    for (std::int64_t n = 0; n < xs[0]; ++n)
      for (std::int64_t c = 0; c < xs[1]; ++c)
        for (std::int64_t i = 0; i < y.dim(2); ++i)
          for (std::int64_t j = 0; j < y.dim(3); ++j)
            ASSERT_EQ(y(n, c, i, j), x(n, c, i / fh, j / fw)) << "(" << i << ", " << j << ")";
  }
}

// Bilinear at out == in is the identity, exactly: with align_corners src = dst * (n-1)/(n-1)
// and without it src = (dst + 0.5) * n / n - 0.5; both are dst exactly in double (small
// integers and halves), so the weights are exactly 1 and 0.
TEST(Upsample2d, BilinearSameSizeIsIdentity) {
  const std::uint64_t seed = 802;
  const Shape shapes[] = {Shape{1, 1, 1, 1}, Shape{2, 3, 5, 7}, Shape{1, 2, 9, 2}};
  int index = 0;
  for (const Shape& xs : shapes) {
    for (bool align : {true, false}) {
      SCOPED_TRACE("seed " + std::to_string(seed) + ", x " + xs.str() + ", align_corners " +
                   std::to_string(align));
      const auto x = random_tensor<double>(xs, seed + index++);
      EXPECT_TRUE(all_equal(ref::upsample2d(x, bilinear(xs[2], xs[3], align)), x));
      const auto xf = x.cast<float>();
      EXPECT_TRUE(all_equal(ref::upsample2d(xf, bilinear(xs[2], xs[3], align)), xf));
    }
  }
}

// x[i][j] = 1 + 2i + j on 2x2 = [[1 2] [3 4]], to 4x4.
// align_corners=false: src = (dst + 0.5) * 2/4 - 0.5 = -0.25 -> 0, 0.25, 0.75, 1.25; the
//   last has i0 = 1 and its +1 neighbour clamped to 1, so it reads 1. Value 1 + 2 sh + sw with
//   s = 0, 0.25, 0.75, 1:
//     1    1.25 1.75 2   / 1.5  1.75 2.25 2.5 / 2.5  2.75 3.25 3.5 / 3  3.25 3.75 4
// align_corners=true: src = dst * 1/3 = 0, 1/3, 2/3, 1:
//     1 4/3 5/3 2 / 5/3 2 7/3 8/3 / 7/3 8/3 3 10/3 / 3 10/3 11/3 4
TEST(Upsample2d, BilinearByHand) {
  const Tensor<double> x(Shape{1, 1, 2, 2}, {1, 2, 3, 4});
  EXPECT_TRUE(
      all_equal(ref::upsample2d(x, bilinear(4, 4, false)),
                Tensor<double>(Shape{1, 1, 4, 4}, {1, 1.25, 1.75, 2, 1.5, 1.75, 2.25, 2.5, 2.5,
                                                   2.75, 3.25, 3.5, 3, 3.25, 3.75, 4})));
  // Thirds are not exact in binary: a few roundings of values <= 4, far below 1e-15.
  EXPECT_TRUE(all_near(
      ref::upsample2d(x, bilinear(4, 4, true)),
      Tensor<double>(Shape{1, 1, 4, 4}, {1, 4. / 3, 5. / 3, 2, 5. / 3, 2, 7. / 3, 8. / 3, 7. / 3,
                                         8. / 3, 3, 10. / 3, 3, 10. / 3, 11. / 3, 4}),
      4e-15));
}

// Bilinear interpolation of a linear ramp x[i][j] = a i + b j + c is exact linear
// interpolation: y[oh][ow] = a sh + b sw + c with s the source coordinate clamped to
// [0, in - 1] (the lower clamp is the formula's; at the upper edge both neighbours are in - 1,
// which reads x[in - 1], the same as clamping s). Tolerance: the weights and the four-term sum
// round a few times on values of magnitude <= 25: 1e-13.
TEST(Upsample2d, BilinearOfLinearRampIsLinear) {
  const double a = 0.75, b = -1.25, c = 2.0;
  const struct {
    std::int64_t h, w, out_h, out_w;
  } sizes[] = {{3, 4, 7, 9}, {5, 5, 2, 3}, {1, 4, 3, 1}, {4, 1, 1, 6}, {6, 7, 6, 13}, {2, 9, 5, 4}};
  for (const auto& s : sizes) {
    for (bool align : {true, false}) {
      SCOPED_TRACE(std::to_string(s.h) + "x" + std::to_string(s.w) + " -> " +
                   std::to_string(s.out_h) + "x" + std::to_string(s.out_w) + ", align_corners " +
                   std::to_string(align));
      Tensor<double> x(Shape{1, 1, s.h, s.w});
      for (std::int64_t i = 0; i < s.h; ++i)
        for (std::int64_t j = 0; j < s.w; ++j) x(0, 0, i, j) = a * double(i) + b * double(j) + c;
      // The hand formula for the source coordinate, clamped to [0, in - 1].
      auto source = [&](std::int64_t dst, std::int64_t in, std::int64_t out) {
        double src;
        if (align) {
          src = out == 1 ? 0.0 : double(dst) * double(in - 1) / double(out - 1);
        } else {
          src = (double(dst) + 0.5) * double(in) / double(out) - 0.5;
        }
        return std::clamp(src, 0.0, double(in - 1));
      };
      Tensor<double> expected(Shape{1, 1, s.out_h, s.out_w});
      for (std::int64_t i = 0; i < s.out_h; ++i)
        for (std::int64_t j = 0; j < s.out_w; ++j)
          expected(0, 0, i, j) = a * source(i, s.h, s.out_h) + b * source(j, s.w, s.out_w) + c;
      EXPECT_TRUE(all_near(ref::upsample2d(x, bilinear(s.out_h, s.out_w, align)), expected, 1e-13));
    }
  }
}

// The loss is linear in x: the central difference is exact up to rounding (~1e-9 here).
TEST(Upsample2d, BackwardMatchesFiniteDifferences) {
  const std::uint64_t seed = 803;
  const struct {
    Shape x;
    std::int64_t out_h, out_w;
  } cases[] = {{Shape{1, 2, 3, 4}, 7, 9},
               {Shape{2, 1, 5, 6}, 3, 2},
               {Shape{1, 1, 4, 3}, 1, 5},
               {Shape{1, 1, 1, 3}, 4, 4},
               {Shape{1, 1, 3, 3}, 3, 3}};
  const Upsample2dParams modes[] = {
      {.mode = UpsampleMode::nearest},
      {.mode = UpsampleMode::bilinear, .align_corners = false},
      {.mode = UpsampleMode::bilinear, .align_corners = true},
  };
  int index = 0;
  for (const auto& c : cases) {
    for (Upsample2dParams p : modes) {
      p.output_h = c.out_h;
      p.output_w = c.out_w;
      SCOPED_TRACE("seed " + std::to_string(seed) + ", x " + c.x.str() + " -> " +
                   std::to_string(c.out_h) + "x" + std::to_string(c.out_w) + ", " +
                   std::string(to_string(p.mode)) + ", align_corners " +
                   std::to_string(p.align_corners));
      ++index;
      auto x = random_tensor<double>(c.x, seed + index);
      const Shape out = upsample2d_output_shape(c.x, p);
      const auto dy = random_tensor<double>(out, seed + 100 + index);
      auto loss = [&] { return test::dot(ref::upsample2d(x, p), dy); };
      EXPECT_TRUE(
          all_near(ref::upsample2d_backward(dy, c.x, p), test::numerical_gradient(loss, x), 1e-7));
    }
  }
}

TEST(Upsample2d, InvalidInputsAreRejected) {
  const Tensor<double> x(Shape{1, 1, 2, 2});
  expect_error([&] { ref::upsample2d(x, nearest(0, 4)); },
               {"upsample2d", "output_h must be >= 1, got 0"});
  expect_error(
      [&] {
        ref::upsample2d(x, Upsample2dParams{.output_h = 4, .output_w = 4, .align_corners = true});
      },
      {"upsample2d", "align_corners = true applies to bilinear mode only", "nearest"});
  expect_error(
      [] {
        ref::upsample2d(Tensor<double>(Shape{2, 2}), nearest(4, 4));
      },
      {"upsample2d", "input must have rank 4", "(2, 2)"});
  expect_error(
      [&] {
        ref::upsample2d_backward(Tensor<double>(Shape{1, 1, 4, 5}), x.shape(),
                                 bilinear(4, 4, false));
      },
      {"upsample2d_backward", "grad_output shape (1, 1, 4, 5)", "expected shape (1, 1, 4, 4)"});
}

}  // namespace
}  // namespace convlab
