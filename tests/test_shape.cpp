// The shape module: the documents' output-size formulas, and every class of invalid
// parameters rejected with a message that names the culprit.
#include <gtest/gtest.h>

#include <limits>
#include <stdexcept>
#include <string>

#include "core/shape.hpp"
#include "tests/support.hpp"

namespace convlab {
namespace {

using test::expect_error;

// W16 (doc:002_cc048f6e0360e15b.txt#W16): out = floor((n - k + p + s) / s) with total padding p.
TEST(ShapeFormulas, TextbookFormulaW16) {
  for (std::int64_t n = 1; n <= 12; ++n) {
    for (std::int64_t k = 1; k <= n; ++k) {
      for (std::int64_t s = 1; s <= 4; ++s) {
        for (std::int64_t p = 0; p <= 4; ++p) {
          const std::int64_t lo = p / 2, hi = p - lo;
          const Shape out = conv2d_output_shape(Shape{1, 1, n, n}, Shape{1, 1, k, k}, Shape{},
                                                Conv2dParams{.stride_h = s,
                                                             .stride_w = s,
                                                             .pad_top = lo,
                                                             .pad_bottom = hi,
                                                             .pad_left = lo,
                                                             .pad_right = hi});
          EXPECT_EQ(out[2], (n - k + p + s) / s) << "n=" << n << " k=" << k << " s=" << s;
        }
      }
    }
  }
}

// W16: odd kernels with total padding k - 1 keep the size.
TEST(ShapeFormulas, OddKernelSamePadding) {
  for (std::int64_t k : {1, 3, 5, 7}) {
    const std::int64_t p = (k - 1) / 2;
    const Shape out = conv2d_output_shape(
        Shape{1, 1, 9, 9}, Shape{1, 1, k, k}, Shape{},
        Conv2dParams{.pad_top = p, .pad_bottom = p, .pad_left = p, .pad_right = p});
    EXPECT_EQ(out, (Shape{1, 1, 9, 9})) << "k=" << k;
  }
}

// W22 (doc:003_c7ad4989b7e76a0f.txt#W22): 1x5x100x100, conv 5->10, k=3 -> 1x10x98x98.
TEST(ShapeFormulas, W22ConvShape) {
  EXPECT_EQ(
      conv2d_output_shape(Shape{1, 5, 100, 100}, Shape{10, 5, 3, 3}, Shape{10}, Conv2dParams{}),
      (Shape{1, 10, 98, 98}));
}

// W28/W29 first layers (doc:004_a789a249ec90b2a4.txt): LeNet-5 32->28->14, AlexNet 227->55->27.
TEST(ShapeFormulas, LeNetAndAlexNetFirstLayers) {
  EXPECT_EQ(conv2d_output_shape(Shape{1, 1, 32, 32}, Shape{6, 1, 5, 5}, Shape{}, Conv2dParams{}),
            (Shape{1, 6, 28, 28}));
  EXPECT_EQ(pool2d_output_shape("avg_pool2d", Shape{1, 6, 28, 28}, Pool2dParams{}),
            (Shape{1, 6, 14, 14}));
  EXPECT_EQ(conv2d_output_shape(Shape{1, 3, 227, 227}, Shape{96, 3, 11, 11}, Shape{},
                                Conv2dParams{.stride_h = 4, .stride_w = 4}),
            (Shape{1, 96, 55, 55}));
  EXPECT_EQ(pool2d_output_shape("max_pool2d", Shape{1, 96, 55, 55},
                                Pool2dParams{.kernel_h = 3, .kernel_w = 3}),
            (Shape{1, 96, 27, 27}));
}

TEST(ShapeFormulas, DilationAndAsymmetricPadding) {
  // W2: k=3, dilation 2, padding 2 keeps 6x6.
  EXPECT_EQ(conv2d_output_shape(Shape{1, 1, 6, 6}, Shape{1, 1, 3, 3}, Shape{},
                                Conv2dParams{.pad_top = 2,
                                             .pad_bottom = 2,
                                             .pad_left = 2,
                                             .pad_right = 2,
                                             .dilation_h = 2,
                                             .dilation_w = 2}),
            (Shape{1, 1, 6, 6}));
  // 'same' padding for an even kernel is asymmetric: k=4 needs 3 = 1 + 2.
  EXPECT_EQ(conv2d_output_shape(
                Shape{1, 1, 8, 8}, Shape{1, 1, 4, 4}, Shape{},
                Conv2dParams{.pad_top = 1, .pad_bottom = 2, .pad_left = 1, .pad_right = 2}),
            (Shape{1, 1, 8, 8}));
}

TEST(ShapeFormulas, TransposedConvInvertsConv) {
  // Every input size that a stride-3 conv maps to 4 is reachable with output_padding 0..2.
  for (std::int64_t op = 0; op < 3; ++op) {
    const Shape t = conv_transpose2d_output_shape(Shape{1, 2, 4, 4}, Shape{2, 3, 3, 3}, Shape{},
                                                  ConvTranspose2dParams{.stride_h = 3,
                                                                        .stride_w = 3,
                                                                        .pad_top = 1,
                                                                        .pad_bottom = 1,
                                                                        .pad_left = 1,
                                                                        .pad_right = 1,
                                                                        .output_padding_h = op,
                                                                        .output_padding_w = op});
    EXPECT_EQ(t, (Shape{1, 3, 10 + op, 10 + op}));
    const Shape back = conv2d_output_shape(Shape{1, 3, t[2], t[3]}, Shape{2, 3, 3, 3}, Shape{},
                                           Conv2dParams{.stride_h = 3,
                                                        .stride_w = 3,
                                                        .pad_top = 1,
                                                        .pad_bottom = 1,
                                                        .pad_left = 1,
                                                        .pad_right = 1});
    EXPECT_EQ(back, (Shape{1, 2, 4, 4}));
  }
}

TEST(ShapeFormulas, PoolCeilModeDropsWindowStartingInPadding) {
  // 5 wide, k=2, s=2, pad 1 each side: ceil((5+2-2)/2)+1 = 4 windows would start at padded
  // 0, 2, 4, 6; the one at 6 starts at input index 5 >= 5, inside the right padding: dropped.
  const Pool2dParams p{.kernel_h = 2,
                       .kernel_w = 2,
                       .stride_h = 2,
                       .stride_w = 2,
                       .pad_top = 1,
                       .pad_bottom = 1,
                       .pad_left = 1,
                       .pad_right = 1,
                       .ceil_mode = true};
  EXPECT_EQ(pool2d_output_shape("max_pool2d", Shape{1, 1, 5, 5}, p), (Shape{1, 1, 3, 3}));
  // Without padding, ceil mode keeps the partial last window: 5 wide, k=2, s=2 -> 3 (floor: 2).
  Pool2dParams q{.kernel_h = 2, .kernel_w = 2, .stride_h = 2, .stride_w = 2, .ceil_mode = true};
  EXPECT_EQ(pool2d_output_shape("max_pool2d", Shape{1, 1, 5, 5}, q), (Shape{1, 1, 3, 3}));
  q.ceil_mode = false;
  EXPECT_EQ(pool2d_output_shape("max_pool2d", Shape{1, 1, 5, 5}, q), (Shape{1, 1, 2, 2}));
}

TEST(ShapeFormulas, LinearAndFlatten) {
  EXPECT_EQ(linear_output_shape(Shape{8, 400}, Shape{120, 400}, Shape{120}), (Shape{8, 120}));
  EXPECT_EQ(flatten_output_shape(Shape{8, 16, 5, 5}, FlattenParams{}), (Shape{8, 400}));
  EXPECT_EQ(flatten_output_shape(Shape{8, 16, 5, 5}, FlattenParams{.start_dim = 0}), (Shape{3200}));
}

// ---- every invalid-parameter class names its culprit ----

TEST(ShapeErrors, KernelLargerThanPaddedInput) {
  expect_error(
      [] {
        conv2d_output_shape(Shape{1, 1, 4, 4}, Shape{1, 1, 5, 3}, Shape{}, {});
      },
      {"conv2d", "kernel_h 5", "larger than the padded input", "4 + pad_top 0"});
  expect_error(
      [] {
        conv2d_output_shape(Shape{1, 1, 4, 4}, Shape{1, 1, 3, 3}, Shape{},
                            Conv2dParams{.dilation_w = 2});
      },
      {"kernel_w 3 (effective 5 with dilation 2)", "pad_left 0 + pad_right 0 = 4"});
}

TEST(ShapeErrors, ChannelsNotDivisibleByGroups) {
  expect_error(
      [] {
        conv2d_output_shape(Shape{1, 6, 8, 8}, Shape{4, 2, 3, 3}, Shape{},
                            Conv2dParams{.groups = 4});
      },
      {"input channels 6", "not divisible by groups 4"});
  expect_error(
      [] {
        conv2d_output_shape(Shape{1, 6, 8, 8}, Shape{4, 3, 3, 3}, Shape{},
                            Conv2dParams{.groups = 3});
      },
      {"output channels 4", "not divisible by groups 3"});
}

TEST(ShapeErrors, MismatchedWeightAndBias) {
  expect_error(
      [] {
        conv2d_output_shape(Shape{1, 3, 8, 8}, Shape{4, 2, 3, 3}, Shape{}, Conv2dParams{});
      },
      {"weight shape (4, 2, 3, 3)", "input channels / groups = 3 / 1 = 3", "got 2"});
  expect_error(
      [] {
        conv2d_output_shape(Shape{1, 3, 8, 8}, Shape{4, 3, 3, 3}, Shape{5}, Conv2dParams{});
      },
      {"bias shape (5)", "expected (4)"});
  expect_error(
      [] {
        linear_output_shape(Shape{2, 4}, Shape{3, 5}, Shape{});
      },
      {"linear", "in_features is 4", "weight dimension 1 is 5"});
  expect_error(
      [] {
        conv2d_output_shape(Shape{3, 8, 8}, Shape{4, 3, 3, 3}, Shape{}, {});
      },
      {"input must have rank 4", "(3, 8, 8)"});
}

TEST(ShapeErrors, ZeroOrNegativeSizes) {
  expect_error(
      [] {
        conv2d_output_shape(Shape{1, 1, 8, 8}, Shape{1, 1, 3, 3}, Shape{},
                            Conv2dParams{.stride_w = 0});
      },
      {"stride_w must be >= 1, got 0"});
  expect_error(
      [] {
        conv2d_output_shape(Shape{1, 1, 8, 8}, Shape{1, 1, 3, 3}, Shape{},
                            Conv2dParams{.pad_bottom = -1});
      },
      {"pad_bottom must be >= 0, got -1"});
  expect_error(
      [] {
        conv2d_output_shape(Shape{1, 1, 8, 8}, Shape{1, 1, 3, 3}, Shape{},
                            Conv2dParams{.dilation_h = 0});
      },
      {"dilation_h must be >= 1, got 0"});
  expect_error(
      [] {
        conv2d_output_shape(Shape{1, 1, 8, 8}, Shape{1, 1, 3, 3}, Shape{},
                            Conv2dParams{.groups = 0});
      },
      {"groups must be >= 1, got 0"});
  expect_error(
      [] {
        conv2d_output_shape(Shape{0, 1, 8, 8}, Shape{1, 1, 3, 3}, Shape{}, {});
      },
      {"input shape (0, 1, 8, 8) has a zero-sized dimension 0"});
  expect_error(
      [] {
        upsample2d_output_shape(Shape{1, 1, 2, 2}, Upsample2dParams{});
      },
      {"output_h must be >= 1, got 0"});
}

TEST(ShapeErrors, OutputPaddingMustBeSmallerThanStrideOrDilation) {
  expect_error(
      [] {
        conv_transpose2d_output_shape(
            Shape{1, 1, 3, 3}, Shape{1, 1, 3, 3}, Shape{},
            ConvTranspose2dParams{.stride_h = 2, .stride_w = 2, .output_padding_w = 2});
      },
      {"output_padding_w = 2", "smaller than stride_w = 2 or dilation_w = 1"});
  // output_padding 1 < dilation 2 is allowed even with stride 1.
  EXPECT_NO_THROW(
      conv_transpose2d_output_shape(Shape{1, 1, 3, 3}, Shape{1, 1, 3, 3}, Shape{},
                                    ConvTranspose2dParams{.output_padding_h = 1, .dilation_h = 2}));
}

TEST(ShapeErrors, TransposedConvWeightAndSize) {
  expect_error(
      [] {
        conv_transpose2d_output_shape(Shape{1, 4, 3, 3}, Shape{2, 1, 3, 3}, Shape{},
                                      ConvTranspose2dParams{});
      },
      {"conv_transpose2d", "weight dimension 0 must be the input channels 4, got 2"});
  expect_error(
      [] {
        conv_transpose2d_output_shape(Shape{1, 1, 1, 1}, Shape{1, 1, 1, 1}, Shape{},
                                      ConvTranspose2dParams{.pad_top = 1, .pad_bottom = 0});
      },
      {"output size along h is 0"});
}

TEST(ShapeErrors, PoolingPaddingAtMostHalfKernel) {
  expect_error(
      [] {
        pool2d_output_shape("max_pool2d", Shape{1, 1, 8, 8},
                            Pool2dParams{.kernel_h = 3, .kernel_w = 3, .pad_top = 2});
      },
      {"max_pool2d", "pad_top = 2 must be at most half the kernel_h 3"});
}

TEST(ShapeErrors, ReflectPaddingMustBeSmallerThanInput) {
  expect_error(
      [] {
        conv2d_output_shape(Shape{1, 1, 3, 3}, Shape{1, 1, 3, 3}, Shape{},
                            Conv2dParams{.pad_left = 3, .padding_mode = PaddingMode::reflect});
      },
      {"reflect padding pad_left = 3", "smaller than the input size 3"});
}

TEST(ShapeErrors, UnpoolOutputSizeMustBeReachable) {
  expect_error(
      [] {
        max_unpool2d_output_shape(Shape{1, 1, 2, 2}, Shape{1, 1, 2, 2},
                                  Unpool2dParams{.output_h = 7});
      },
      {"output_h = 7", "expected 3 to 5"});
  expect_error(
      [] {
        max_unpool2d_output_shape(Shape{1, 1, 2, 2}, Shape{1, 1, 2, 3}, Unpool2dParams{});
      },
      {"indices shape (1, 1, 2, 3)"});
}

TEST(ShapeErrors, FlattenStartDim) {
  expect_error(
      [] {
        flatten_output_shape(Shape{2, 3}, FlattenParams{.start_dim = 2});
      },
      {"start_dim 2 is out of range"});
}

TEST(ShapeErrors, HugeParametersAreRejectedNotOverflowed) {
  expect_error(
      [] {
        conv2d_output_shape(Shape{1, 1, 8, 8}, Shape{1, 1, 3, 3}, Shape{},
                            Conv2dParams{.pad_top = std::numeric_limits<std::int64_t>::max()});
      },
      {"pad_top = 9223372036854775807 is too large (at most 16777216)"});
  expect_error(
      [] {
        conv_transpose2d_output_shape(Shape{1, 1, std::int64_t{1} << 40, 1}, Shape{1, 1, 1, 1},
                                      Shape{},
                                      ConvTranspose2dParams{.stride_h = std::int64_t{1} << 24});
      },
      {"overflows int64"});
}

TEST(ShapeErrors, AveragePoolingHasNoDilation) {
  expect_error(
      [] {
        pool2d_output_shape("avg_pool2d", Shape{1, 1, 8, 8}, Pool2dParams{.dilation_w = 2});
      },
      {"avg_pool2d", "dilation_w = 2", "no dilation"});
}

}  // namespace
}  // namespace convlab
