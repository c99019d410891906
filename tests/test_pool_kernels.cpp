// The optimized pooling, unpooling and upsampling variants (kernels/pool) against hand-computed
// values, the documents' worked examples and the reference: exact equality for selections and
// copies (max pooling with its indices, ties included; max unpooling and its gradient; nearest
// upsampling; the broadcast of global average pooling's gradient) and for sums of small
// integers (nearest upsampling's gradient included); the tolerance of DESIGN.md otherwise, and the
// running sum's own bound on a long row; refusals and invalid indices with their reasons;
// bit-identical results for 1 and 2 OpenMP threads.
#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <iostream>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "corpus/corpus.hpp"
#include "kernels/pool/pool_kernels.hpp"
#include "kernels/registry.hpp"
#include "reference/dispatch.hpp"
#include "reference/pool2d.hpp"
#include "reference/unpool2d.hpp"
#include "reference/upsample2d.hpp"
#include "tests/support.hpp"
#include "tools/verify.hpp"

namespace convlab {
namespace {

using test::all_equal;
using test::expect_error;
using test::random_int_tensor;
using test::random_tensor;

constexpr double kEps = std::numeric_limits<float>::epsilon();

using MaxFn = void (*)(const Tensor<float>&, const Pool2dParams&, Tensor<float>&, Tensor<float>&);
using AvgFn = void (*)(const Tensor<float>&, const Pool2dParams&, Tensor<float>&);

struct MaxKernel {
  const char* name;
  MaxFn run;
};
struct AvgKernel {
  const char* name;
  AvgFn run;
};
// The AVX-512 variants join where the CPU runs them (their supports() refuses elsewhere).
const std::vector<MaxKernel> kMaxKernels = [] {
  std::vector<MaxKernel> k{{"max_pool2d_separable", max_pool2d_separable},
                           {"max_pool2d_vc", max_pool2d_vc}};
  if (max_pool2d_avx512_supports(Pool2dParams{}, Shape{1, 1, 1, 1}).empty()) {
    k.push_back({"max_pool2d_avx512", max_pool2d_avx512});
  }
  return k;
}();
const std::vector<AvgKernel> kAvgKernels = [] {
  std::vector<AvgKernel> k{{"avg_pool2d_separable", avg_pool2d_separable},
                           {"avg_pool2d_vc", avg_pool2d_vc},
                           {"avg_pool2d_running_sum", avg_pool2d_running_sum}};
  if (avg_pool2d_avx512_supports(Pool2dParams{}, Shape{1, 1, 1, 1}).empty()) {
    k.push_back({"avg_pool2d_avx512", avg_pool2d_avx512});
  }
  return k;
}();

struct MaxOut {
  Tensor<float> y, indices;
};
MaxOut run_max(const MaxKernel& k, const Tensor<float>& x, const Pool2dParams& p) {
  const Shape out = pool2d_output_shape("max_pool2d", x.shape(), p);
  MaxOut r{Tensor<float>::full(out, std::numeric_limits<float>::quiet_NaN()),
           Tensor<float>::full(out, std::numeric_limits<float>::quiet_NaN())};
  k.run(x, p, r.y, r.indices);
  return r;
}
// r's values have the reference's bits (signed zeros, NaN payloads) and its indices exactly;
// the first difference fails with its element.
void expect_reference_bits(const MaxOut& r, const ref::MaxPool2dResult<float>& want) {
  for (std::int64_t i = 0; i < r.y.numel(); ++i) {
    std::uint32_t got_bits = 0, want_bits = 0;
    std::memcpy(&got_bits, &r.y[i], 4);
    std::memcpy(&want_bits, &want.output[i], 4);
    ASSERT_EQ(got_bits, want_bits) << "element " << i;
    ASSERT_EQ(r.indices[i], static_cast<float>(want.indices[i])) << "element " << i;
  }
}
Tensor<float> run_avg(const AvgKernel& k, const Tensor<float>& x, const Pool2dParams& p) {
  Tensor<float> y = Tensor<float>::full(pool2d_output_shape("avg_pool2d", x.shape(), p),
                                        std::numeric_limits<float>::quiet_NaN());
  k.run(x, p, y);
  return y;
}
Tensor<float> values(const Shape& shape, std::initializer_list<float> v) {
  Tensor<float> t(shape);
  std::copy(v.begin(), v.end(), t.values().begin());
  return t;
}
Tensor<float> one_to_sixteen() {
  Tensor<float> x(Shape{1, 1, 4, 4});
  for (std::int64_t i = 0; i < 16; ++i) x[i] = static_cast<float>(i + 1);
  return x;
}

// ---- the documents' worked examples, through every registered variant of the op ----

// doc:000#W4 (max, 3x3 stride 1 on 1..16), doc:000#W5 (avg), doc:002#W20 (2 channels, max and
// avg), doc:003#W25 (2x2 max with a tie in the first window). The fixtures hold the printed
// values (or hand-computed ones, see each manifest's note); run_variant_on_case compares with
// them under the case's policy (exact for the max cases).
TEST(PoolKernelsWorkedExamples, EveryVariantOnTheDocumentCases) {
  const char* cases[] = {"max_pool2d/w4_doc000_k3_s1", "max_pool2d/w20_doc002_max_2ch",
                         "max_pool2d/w25_doc003_k2_s2", "avg_pool2d/w5_doc000_k3_s1",
                         "avg_pool2d/w20_doc002_avg_2ch"};
  for (const char* name : cases) {
    const Case c = load_case(bundled_corpus_dir() / name);
    int optimized = 0;
    for (const Variant* v : variants_of(c.spec->name, Direction::forward)) {
      SCOPED_TRACE(std::string(name) + " [" + v->name + "]");
      const Outcome o = run_variant_on_case(*v, c);
      EXPECT_EQ(o.status, Status::passed) << o.reason;
      optimized += v->parent.empty() ? 0 : 1;
    }
    EXPECT_GE(optimized, c.spec->name == "max_pool2d" ? 2 : 3) << name;
  }
}

// doc:000#W4 by hand: every 3x3 window of 1..16 ends at its bottom-right corner, its maximum:
// windows (0,0),(0,1),(1,0),(1,1) -> x[2][2] = 11, x[2][3] = 12, x[3][2] = 15, x[3][3] = 16 at
// flat indices 10, 11, 14, 15. W5: the window sums 54, 63, 90, 99 (e.g. 1+2+3+5+6+7+9+10+11 =
// 54) over 9 -> 6, 7, 10, 11, exact.
TEST(PoolKernelsWorkedExamples, W4W5ByHand) {
  const Tensor<float> x = one_to_sixteen();
  const Pool2dParams p{.kernel_h = 3, .kernel_w = 3, .stride_h = 1, .stride_w = 1};
  for (const MaxKernel& k : kMaxKernels) {
    SCOPED_TRACE(k.name);
    const MaxOut r = run_max(k, x, p);
    EXPECT_TRUE(all_equal(r.y, values(Shape{1, 1, 2, 2}, {11, 12, 15, 16})));
    EXPECT_TRUE(all_equal(r.indices, values(Shape{1, 1, 2, 2}, {10, 11, 14, 15})));
  }
  for (const AvgKernel& k : kAvgKernels) {
    SCOPED_TRACE(k.name);
    EXPECT_TRUE(all_equal(run_avg(k, x, p), values(Shape{1, 1, 2, 2}, {6, 7, 10, 11})));
  }
}

// ---- ceil_mode and padding ----

// x = 1..16 (x[i][j] = 4i + j + 1), kernel 3, stride 2, padding 1 on every side, ceil_mode.
// Per axis: span 4 + 2 - 3 = 3, ceil(3 / 2) + 1 = 3 windows starting at -1, 1, 3 (the last
// starts inside the input, 3 < 4 + 1, so it is kept). Window -1 starts in the padding and reads
// real positions 0, 1; window 1 reads 1, 2, 3; window 3 reads 3 only, then the padding (4) and
// the ceil_mode overhang (5). Divisors per axis: count_include_pad 3, 3, 2 (min(3 + 3, 4 + 1) -
// 3: the overhang does not count); otherwise 2, 3, 1.
// Sums: (0,0) rows 0-1 x cols 0-1: 1+2+5+6 = 14; (0,1) rows 0-1 x cols 1-3: 2+3+4+6+7+8 = 30;
// (0,2) rows 0-1 x col 3: 4+8 = 12; (1,0) rows 1-3 x cols 0-1: 5+6+9+10+13+14 = 57; (1,1) rows
// 1-3 x cols 1-3: 6+7+8+10+11+12+14+15+16 = 99; (1,2): 8+12+16 = 36; (2,0) row 3 x cols 0-1:
// 13+14 = 27; (2,1): 14+15+16 = 45; (2,2): 16.
// Maxima: the bottom-right real element of each window: 6, 8, 8, 14, 16, 16, 14, 16, 16 at
// flat indices 5, 7, 7, 13, 15, 15, 13, 15, 15.
TEST(PoolKernelsCeilMode, WindowsStartingInThePaddingAndHangingPastIt) {
  const Tensor<float> x = one_to_sixteen();
  Pool2dParams p{.kernel_h = 3,
                 .kernel_w = 3,
                 .stride_h = 2,
                 .stride_w = 2,
                 .pad_top = 1,
                 .pad_bottom = 1,
                 .pad_left = 1,
                 .pad_right = 1,
                 .ceil_mode = true};
  const Shape s{1, 1, 3, 3};
  for (const MaxKernel& k : kMaxKernels) {
    SCOPED_TRACE(k.name);
    const MaxOut r = run_max(k, x, p);
    EXPECT_TRUE(all_equal(r.y, values(s, {6, 8, 8, 14, 16, 16, 14, 16, 16})));
    EXPECT_TRUE(all_equal(r.indices, values(s, {5, 7, 7, 13, 15, 15, 13, 15, 15})));
  }
  const float sums[9] = {14, 30, 12, 57, 99, 36, 27, 45, 16};
  for (bool include : {true, false}) {
    p.count_include_pad = include;
    const float d[3] = {include ? 3.0f : 2.0f, 3.0f, include ? 2.0f : 1.0f};
    Tensor<float> expected(s);
    for (int i = 0; i < 3; ++i) {
      for (int j = 0; j < 3; ++j) expected[i * 3 + j] = sums[i * 3 + j] / (d[i] * d[j]);
    }
    for (const AvgKernel& k : kAvgKernels) {
      SCOPED_TRACE(std::string(k.name) + (include ? " count_include_pad" : " exclude pad"));
      EXPECT_TRUE(all_equal(run_avg(k, x, p), expected));
    }
  }
}

// ---- ties, NaN and -inf in max pooling ----

// A constant plane: every window is one big tie, so each index must be the window's first real
// element in row-major order. kernel 3, stride 2, pad 1, ceil_mode on 5 x 6: windows start at
// -1, 1, 3 (rows) and -1, 1, 3, 5 (columns, the last reads column 5 only): first real elements
// at rows 0, 1, 3 and columns 0, 1, 3, 5.
TEST(PoolKernelsMaxTies, ConstantPlaneGivesTheFirstRealElement) {
  const Tensor<float> x = Tensor<float>::full(Shape{1, 1, 5, 6}, 7.0f);
  const Pool2dParams p{.kernel_h = 3,
                       .kernel_w = 3,
                       .stride_h = 2,
                       .stride_w = 2,
                       .pad_top = 1,
                       .pad_bottom = 1,
                       .pad_left = 1,
                       .pad_right = 1,
                       .ceil_mode = true};
  const int rows[] = {0, 1, 3}, cols[] = {0, 1, 3, 5};
  Tensor<float> expected(Shape{1, 1, 3, 4});
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 4; ++j) expected[i * 4 + j] = static_cast<float>(rows[i] * 6 + cols[j]);
  }
  for (const MaxKernel& k : kMaxKernels) {
    SCOPED_TRACE(k.name);
    const MaxOut r = run_max(k, x, p);
    EXPECT_TRUE(all_equal(r.y, Tensor<float>::full(Shape{1, 1, 3, 4}, 7.0f)));
    EXPECT_TRUE(all_equal(r.indices, expected));
  }
}

// Values from {-1, 0, 1} make ties in almost every window; every variant must give the
// reference's values and indices exactly, over random shapes and every parameter (widths
// around the vector width, strides 1-4 for the three load paths, dilation, asymmetric padding,
// ceil_mode).
TEST(PoolKernelsMaxTies, RandomTiesMatchTheReferenceExactly) {
  std::mt19937_64 rng(20261123);
  const auto pick = [&](std::int64_t lo, std::int64_t hi) {
    return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng);
  };
  int tested = 0;
  for (int trial = 0; trial < 400; ++trial) {
    const std::int64_t kh = pick(1, 4), kw = pick(1, 4);
    Pool2dParams p{.kernel_h = kh,
                   .kernel_w = kw,
                   .stride_h = pick(1, 4),
                   .stride_w = pick(1, 4),
                   .pad_top = pick(0, kh / 2),
                   .pad_bottom = pick(0, kh / 2),
                   .pad_left = pick(0, kw / 2),
                   .pad_right = pick(0, kw / 2),
                   .dilation_h = pick(1, 3),
                   .dilation_w = pick(1, 3),
                   .ceil_mode = pick(0, 1) == 1};
    const Shape xs{pick(1, 2), pick(1, 3), pick(1, 12), pick(1, 40)};
    try {
      pool2d_output_shape("max_pool2d", xs, p);
    } catch (const std::invalid_argument&) {
      continue;
    }
    ++tested;
    const std::uint64_t seed = 1000 + trial;
    SCOPED_TRACE("seed " + std::to_string(seed) + " x " + xs.str());
    const Tensor<float> x = random_int_tensor<float>(xs, seed, -1, 1);
    const ref::MaxPool2dResult<float> want = ref::max_pool2d(x, p);
    Tensor<float> want_indices(want.indices.shape());
    for (std::int64_t i = 0; i < want_indices.numel(); ++i) {
      want_indices[i] = static_cast<float>(want.indices[i]);
    }
    for (const MaxKernel& k : kMaxKernels) {
      SCOPED_TRACE(k.name);
      const MaxOut r = run_max(k, x, p);
      ASSERT_TRUE(all_equal(r.y, want.output));
      ASSERT_TRUE(all_equal(r.indices, want_indices));
    }
  }
  EXPECT_GT(tested, 150);
}

// NaN propagates and the first NaN in row-major window order is the index; a window of -inf
// reports its first real element. 2x2 windows, stride 2, on one 2 x 4 plane:
//   [ 1    NaN | -inf -inf ]
//   [ NaN  5   | -inf -inf ]
// window 0: first NaN at (0,1) -> index 1; window 1: all -inf -> first element (0,2), index 2.
TEST(PoolKernelsMaxTies, NanAndMinusInfinity) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  const Tensor<float> x = values(Shape{1, 1, 2, 4}, {1, nan, -inf, -inf, nan, 5, -inf, -inf});
  for (const MaxKernel& k : kMaxKernels) {
    SCOPED_TRACE(k.name);
    const MaxOut r = run_max(k, x, Pool2dParams{});
    EXPECT_TRUE(std::isnan(r.y[0]));
    EXPECT_EQ(r.indices[0], 1.0f);
    EXPECT_EQ(r.y[1], -inf);
    EXPECT_EQ(r.indices[1], 2.0f);
  }
}

// Uniform integers in [lo, hi]; and widths around the 16 lanes of an AVX-512 vector.
struct Pick {
  std::mt19937_64 rng;
  std::int64_t operator()(std::int64_t lo, std::int64_t hi) {
    return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng);
  }
};
constexpr std::int64_t kEdgeWidths[] = {1, 7, 15, 16, 17, 33};

// Widths around the vector widths (1, 7, 15, 16, 17, 33), strides 1-3 (every load path),
// ceil_mode, asymmetric padding and dilation, on values from {-1, 0, 1, -inf} with NaN in every
// other trial (max_pool2d_avx512 takes another path for planes without NaN): windows of only
// -inf, only padding and -inf, several NaNs. Values equal the reference's (NaN where it has
// NaN) and indices exactly.
TEST(PoolKernelsMaxTies, NanAndMinusInfinityAtVectorEdges) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  const float pool[] = {-1, 0, 1, -inf, -inf, nan};
  Pick pick{std::mt19937_64(20261207)};
  int tested = 0;
  for (int trial = 0; trial < 400; ++trial) {
    const std::int64_t kh = pick(1, 3), kw = pick(1, 3);
    const std::int64_t values_from = trial % 2 == 0 ? 5 : 4;  // with NaN, without
    const Pool2dParams p{.kernel_h = kh,
                         .kernel_w = kw,
                         .stride_h = pick(1, 2),
                         .stride_w = pick(1, 3),
                         .pad_top = pick(0, kh / 2),
                         .pad_bottom = pick(0, kh / 2),
                         .pad_left = pick(0, kw / 2),
                         .pad_right = pick(0, kw / 2),
                         .dilation_h = pick(1, 2),
                         .dilation_w = pick(1, 2),
                         .ceil_mode = pick(0, 1) == 1};
    const Shape xs{1, 2, pick(1, 7), kEdgeWidths[pick(0, 5)]};
    try {
      pool2d_output_shape("max_pool2d", xs, p);
    } catch (const std::invalid_argument&) {
      continue;
    }
    ++tested;
    Tensor<float> x(xs);
    for (float& v : x.values()) v = pool[pick(0, values_from)];
    const ref::MaxPool2dResult<float> want = ref::max_pool2d(x, p);
    for (const MaxKernel& k : kMaxKernels) {
      SCOPED_TRACE(std::string(k.name) + " trial " + std::to_string(trial) + " x " + xs.str());
      const MaxOut r = run_max(k, x, p);
      for (std::int64_t i = 0; i < r.y.numel(); ++i) {
        const float w = want.output[i];
        ASSERT_TRUE(std::isnan(w) ? std::isnan(r.y[i]) : r.y[i] == w) << "element " << i;
        ASSERT_EQ(r.indices[i], static_cast<float>(want.indices[i])) << "element " << i;
      }
    }
  }
  EXPECT_GT(tested, 200);
}

// The channel-blocked AVX-512 form's tests: skipped without AVX-512F. pool holds the values
// whose maximum has rules of its own: ties, zeros of both signs (the first in the window is
// kept) and -inf; nan is mixed in by the tests.
class PoolKernelsAvx512Blocks : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!max_pool2d_avx512_supports(Pool2dParams{}, Shape{1, 1, 1, 1}).empty()) {
      GTEST_SKIP() << "no AVX-512F";
    }
  }
  static constexpr float nan = std::numeric_limits<float>::quiet_NaN();
  static constexpr float pool[] = {-1.0f, -0.0f, 0.0f, 1.0f,
                                   -std::numeric_limits<float>::infinity()};
};

// max_pool2d_avx512 and avg_pool2d_avx512 compute 16 (n, c) planes at a time, channel-minor
// (pool_avx512_block.cpp), where the other tests' 1 to 6 planes of at most 12 x 40 hardly go:
// here 1 to 66 planes (whole blocks, a last block of 1 to 15 planes that takes that form or
// the per-plane one), planes larger than the form's 32 KiB ring (so rows wrap around it),
// kernels up to 5 x 5 with strides 1-3, dilation, padding and ceil_mode. Max: values from
// {-1, -0, +0, 1, -inf} (ties, zeros of both signs: the first in the window is kept), with NaN
// in a third of the trials, scattered or in a single late pixel (the form switches to the NaN
// rule from there): values bit for bit and indices exactly as the reference (and so as
// max_pool2d_vc). Average: small integers, exact.
TEST_F(PoolKernelsAvx512Blocks, ManyPlanesLargePlanesNanAndSignedZeros) {
  const std::int64_t channels[] = {1, 3, 11, 12, 15, 16, 17, 28, 33};
  Pick pick{std::mt19937_64(20261212)};
  int tested = 0, large = 0;
  for (int trial = 0; trial < 240; ++trial) {
    const std::int64_t kh = pick(1, 5), kw = pick(1, 5);
    const bool dilated = trial % 4 == 3;
    const Pool2dParams p{.kernel_h = kh,
                         .kernel_w = kw,
                         .stride_h = pick(1, 3),
                         .stride_w = pick(1, 3),
                         .pad_top = pick(0, kh / 2),
                         .pad_bottom = pick(0, kh / 2),
                         .pad_left = pick(0, kw / 2),
                         .pad_right = pick(0, kw / 2),
                         .dilation_h = dilated ? pick(1, 3) : 1,
                         .dilation_w = dilated ? pick(1, 3) : 1,
                         .ceil_mode = pick(0, 1) == 1};
    const bool big = trial % 3 == 0;
    const Shape xs{pick(1, 2), channels[pick(0, 8)], big ? pick(20, 40) : pick(1, 16),
                   big ? pick(24, 45) : pick(1, 20)};
    try {
      pool2d_output_shape("max_pool2d", xs, p);
    } catch (const std::invalid_argument&) {
      continue;
    }
    ++tested;
    large += big ? 1 : 0;
    Tensor<float> x(xs);
    for (float& v : x.values()) v = pool[pick(0, 4)];
    if (trial % 3 == 1) {
      for (float& v : x.values()) v = pick(0, 200) == 0 ? nan : v;
    } else if (trial % 3 == 2) {
      x[pick(x.numel() * 3 / 4, x.numel() - 1)] = nan;
    }
    SCOPED_TRACE("trial " + std::to_string(trial) + " x " + xs.str() + " kernel " +
                 std::to_string(kh) + "x" + std::to_string(kw) + " stride " +
                 std::to_string(p.stride_h) + "," + std::to_string(p.stride_w) + " dilation " +
                 std::to_string(p.dilation_h) + "," + std::to_string(p.dilation_w));
    const ref::MaxPool2dResult<float> want = ref::max_pool2d(x, p);
    const MaxOut r = run_max({"max_pool2d_avx512", max_pool2d_avx512}, x, p);
    ASSERT_NO_FATAL_FAILURE(expect_reference_bits(r, want));
    if (p.dilation_h == 1 && p.dilation_w == 1) {
      Pool2dParams pa = p;
      pa.count_include_pad = pick(0, 1) == 1;
      const Tensor<float> xi = random_int_tensor<float>(xs, 1300 + trial, -9, 9);
      ASSERT_TRUE(all_equal(run_avg({"avg_pool2d_avx512", avg_pool2d_avx512}, xi, pa),
                            ref::avg_pool2d(xi, pa)));
    }
  }
  EXPECT_GT(tested, 150);
  EXPECT_GT(large, 50);
}

// Max outputs of at least 1 MiB on planes of a multiple of 16 outputs leave the channel-blocked
// form by non-temporal stores (pool_avx512_plan.hpp, stream_outputs): output rows of 1, 7, 15,
// 17 and 33 pixels over 16 or 32 rows, odd (one-sided) padding, ceil_mode, strides 1 and 2,
// whole blocks of 16 planes and a last one of 13 (masked stores) or 5 (per-plane form), on
// 1 and 2 threads; values from {-1, -0, +0, 1, -inf} (ties, signed zeros) with NaN in every
// other trial: values bit for bit and indices exactly as the reference.
TEST_F(PoolKernelsAvx512Blocks, StreamedOutputs) {
  const std::int64_t widths[] = {1, 7, 15, 17, 33}, extra_planes[] = {0, 13, 5};
  Pick pick{std::mt19937_64(20261207)};
  const int saved = omp_get_max_threads();
  for (int trial = 0; trial < 10; ++trial) {
    const std::int64_t s = 1 + trial % 2, H_out = trial % 4 < 2 ? 16 : 32;
    const std::int64_t W_out = widths[trial % 5];
    const Pool2dParams p{.kernel_h = 3,
                         .kernel_w = 3,
                         .stride_h = s,
                         .stride_w = s,
                         .pad_top = 1,
                         .pad_bottom = 0,
                         .pad_left = trial % 3 == 0 ? 0 : 1,
                         .pad_right = 0,
                         .ceil_mode = trial % 3 == 1};
    // The smallest input of H_out x W_out outputs.
    const auto input = [&](std::int64_t out, bool rows) {
      for (std::int64_t n = 1;; ++n) {
        try {
          const Shape o = pool2d_output_shape("max_pool2d", Shape{1, 1, n, n}, p);
          if (o[rows ? 2 : 3] == out) return n;
        } catch (const std::invalid_argument&) {
        }
      }
    };
    const std::int64_t planes =
        ((std::int64_t{1} << 17) / (H_out * W_out) + 16) / 16 * 16 + extra_planes[trial % 3];
    const Shape xs{1, planes, input(H_out, true), input(W_out, false)};
    Tensor<float> x(xs);
    for (float& v : x.values()) v = pool[pick(0, 4)];
    if (trial % 2 == 1) {
      for (float& v : x.values()) v = pick(0, 300) == 0 ? nan : v;
    }
    const ref::MaxPool2dResult<float> want = ref::max_pool2d(x, p);
    omp_set_num_threads(1 + trial % 2);
    const MaxOut r = run_max({"max_pool2d_avx512", max_pool2d_avx512}, x, p);
    omp_set_num_threads(saved);
    SCOPED_TRACE("trial " + std::to_string(trial) + " x " + xs.str());
    ASSERT_GE(2 * r.y.numel() * 4, std::int64_t{1} << 20);
    ASSERT_NO_FATAL_FAILURE(expect_reference_bits(r, want));
  }
}

// The channel-blocked form's 3x3 windows with strides 1 and 2 along w outside the row-maxima
// path (stride_h 2, 3; dilation_h 2), the rows of three real rows with the taps' loops unrolled
// whole (pool_avx512_block.cpp, row_for), with 4x3 windows beside them (not unrolled). Output
// widths 1, 7, 15, 17, 33, odd padding, ceil_mode, 16 to 33 planes; values from {-1, -0, +0,
// 1, -inf} (ties, signed zeros, windows of -inf), with a single late NaN in every third trial
// (the rows before it take this path): values bit for bit and indices exactly as the
// reference.
TEST_F(PoolKernelsAvx512Blocks, ThreeWholeRowsUnrolled) {
  const std::int64_t widths[] = {1, 7, 15, 17, 33};
  Pick pick{std::mt19937_64(20261208)};
  int tested = 0;
  for (int trial = 0; trial < 60; ++trial) {
    const std::int64_t sh = 2 + trial % 2, sw = 1 + trial / 2 % 2;
    const bool dilated = trial % 5 == 4;
    const Pool2dParams p{.kernel_h = trial % 7 == 6 ? 4 : 3,
                         .kernel_w = 3,
                         .stride_h = dilated ? 1 : sh,
                         .stride_w = sw,
                         .pad_top = pick(0, 1),
                         .pad_bottom = pick(0, 1),
                         .pad_left = pick(0, 1),
                         .pad_right = 0,
                         .dilation_h = dilated ? 2 : 1,
                         .ceil_mode = trial % 3 == 1};
    const std::int64_t W_out = widths[trial % 5];
    const std::int64_t W = (W_out - 1) * sw + 3 - p.pad_left + pick(0, sw - 1);
    const Shape xs{1, pick(16, 33), pick(7, 20), std::max<std::int64_t>(W, 1)};
    try {
      pool2d_output_shape("max_pool2d", xs, p);
    } catch (const std::invalid_argument&) {
      continue;
    }
    ++tested;
    Tensor<float> x(xs);
    for (float& v : x.values()) v = pool[pick(0, 4)];
    if (trial % 3 == 2) x[pick(x.numel() * 3 / 4, x.numel() - 1)] = nan;
    SCOPED_TRACE("trial " + std::to_string(trial) + " x " + xs.str());
    const ref::MaxPool2dResult<float> want = ref::max_pool2d(x, p);
    const MaxOut r = run_max({"max_pool2d_avx512", max_pool2d_avx512}, x, p);
    ASSERT_NO_FATAL_FAILURE(expect_reference_bits(r, want));
  }
  EXPECT_GT(tested, 50);
}

// ---- average pooling on random problems ----

Pool2dParams random_avg_params(std::mt19937_64& rng) {
  const auto pick = [&](std::int64_t lo, std::int64_t hi) {
    return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng);
  };
  const std::int64_t kh = pick(1, 7), kw = pick(1, 7);
  return Pool2dParams{.kernel_h = kh,
                      .kernel_w = kw,
                      .stride_h = pick(1, 4),
                      .stride_w = pick(1, 4),
                      .pad_top = pick(0, kh / 2),
                      .pad_bottom = pick(0, kh / 2),
                      .pad_left = pick(0, kw / 2),
                      .pad_right = pick(0, kw / 2),
                      .ceil_mode = pick(0, 1) == 1,
                      .count_include_pad = pick(0, 1) == 1};
}

// Valid average-pooling problems among `trials` random draws (random_avg_params and an input of
// 1 x 2 x 1..14 x 1..40), each with the number of its draw (for per-trial seeds).
struct AvgProblem {
  int trial;
  Pool2dParams p;
  Shape x;
};
std::vector<AvgProblem> random_avg_problems(std::uint64_t seed, int trials) {
  std::mt19937_64 rng(seed);
  std::vector<AvgProblem> out;
  for (int trial = 0; trial < trials; ++trial) {
    const Pool2dParams p = random_avg_params(rng);
    const Shape xs{1, 2, std::uniform_int_distribution<std::int64_t>(1, 14)(rng),
                   std::uniform_int_distribution<std::int64_t>(1, 40)(rng)};
    try {
      pool2d_output_shape("avg_pool2d", xs, p);
    } catch (const std::invalid_argument&) {
      continue;
    }
    out.push_back({trial, p, xs});
  }
  return out;
}

// Small integers: every partial sum is exact in float, and a correctly rounded float division
// of the exact sum equals the reference's double division rounded to float (the quotient of
// two integers below 2^24 is never within 2^-53 of a float rounding boundary unless it is on
// it), so every variant equals the reference exactly.
TEST(PoolKernelsAvg, SmallIntegersEqualTheReference) {
  const std::vector<AvgProblem> problems = random_avg_problems(7, 300);
  for (const auto& [trial, p, xs] : problems) {
    const Tensor<float> x = random_int_tensor<float>(xs, 500 + trial, -9, 9);
    const Tensor<float> want = ref::avg_pool2d(x, p);
    for (const AvgKernel& k : kAvgKernels) {
      SCOPED_TRACE(std::string(k.name) + " seed " + std::to_string(500 + trial));
      ASSERT_TRUE(all_equal(run_avg(k, x, p), want));
    }
  }
  EXPECT_GT(problems.size(), 100u);
}

// Real values: |y - y_ref| <= factor * eps * K * M with the reference's K * M for the two
// separable variants, and the running sum's own scale (pool_kernels.hpp) for it.
TEST(PoolKernelsAvg, RandomValuesWithinTheirBounds) {
  const OpSpec& spec = find_op("avg_pool2d", Direction::forward);
  const std::vector<AvgProblem> problems = random_avg_problems(8, 200);
  for (const auto& [trial, p, xs] : problems) {
    const Tensor<float> x = random_tensor<float>(xs, 900 + trial, -1, 3);
    const Tensor<double> xd = x.cast<double>();
    const Tensor<double> want = ref::avg_pool2d(xd, p);
    const Tensor<double> km = error_scale(spec, p, {{"x", xd}}).at("y");
    const Tensor<double> run_scale = avg_pool2d_running_sum_error_scale(
        xd, p, avg_pool2d_running_sum_restart(p.kernel_h, p.stride_h),
        avg_pool2d_running_sum_restart(p.kernel_w, p.stride_w));
    for (const AvgKernel& k : kAvgKernels) {
      const bool running = std::string(k.name) == "avg_pool2d_running_sum";
      SCOPED_TRACE(std::string(k.name) + " seed " + std::to_string(900 + trial));
      const Tensor<float> y = run_avg(k, x, p);
      for (std::int64_t i = 0; i < y.numel(); ++i) {
        const double bound = kEps * (running ? run_scale[i] : km[i]);
        ASSERT_LE(std::fabs(y[i] - want[i]), bound) << "element " << i;
      }
    }
  }
  EXPECT_GT(problems.size(), 80u);
}

// The widths around the vector width for the shapes avg_pool2d_avx512 treats apart: stride 1
// with kernel_w 2 or 3 (row sums shifted across lanes), ceil_mode, asymmetric padding, padding
// counted or not; and windows as wide as the input (W_out == 1: whole rows summed as one run).
// Small integers, so every variant equals the reference exactly.
TEST(PoolKernelsAvg, AwkwardWidthsShiftedRowSumsAndWholeRows) {
  Pick pick{std::mt19937_64(20261208)};
  int tested = 0;
  for (int trial = 0; trial < 300; ++trial) {
    const std::int64_t W = kEdgeWidths[pick(0, 5)], kh = pick(1, 3);
    const bool whole_rows = trial % 3 == 0;
    const std::int64_t kw = whole_rows ? W : pick(2, 3);
    const Pool2dParams p{.kernel_h = kh,
                         .kernel_w = kw,
                         .stride_h = pick(1, 2),
                         .stride_w = whole_rows ? pick(1, 2) : 1,
                         .pad_top = pick(0, kh / 2),
                         .pad_bottom = pick(0, kh / 2),
                         .pad_left = whole_rows ? 0 : pick(0, kw / 2),
                         .pad_right = whole_rows ? 0 : pick(0, kw / 2),
                         .ceil_mode = pick(0, 1) == 1,
                         .count_include_pad = pick(0, 1) == 1};
    const Shape xs{1, 3, pick(1, 7), W};
    try {
      pool2d_output_shape("avg_pool2d", xs, p);
    } catch (const std::invalid_argument&) {
      continue;
    }
    ++tested;
    const Tensor<float> x = random_int_tensor<float>(xs, 700 + trial, -9, 9);
    const Tensor<float> want = ref::avg_pool2d(x, p);
    for (const AvgKernel& k : kAvgKernels) {
      SCOPED_TRACE(std::string(k.name) + " trial " + std::to_string(trial) + " x " + xs.str());
      ASSERT_TRUE(all_equal(run_avg(k, x, p), want));
    }
  }
  EXPECT_GT(tested, 200);
}

// ---- the running sum on a long row ----

// One row of 4096 values 1000 + U[0, 1), a 1 x 7 window, stride 1: a plain running sum (no
// restart) carries every rounding since the start of the row, each about u * 7000, so its
// error grows with the row; restarting every 7 outputs keeps it within the stated bound,
// which does not grow with the row. Both are checked against the bound of their own restart
// interval (the model holds for any interval); the restarted one also against the reference's
// K * M, which it meets here because all values have one sign.
TEST(PoolKernelsRunningSum, LongRowWithALargeMean) {
  const Shape xs{1, 1, 3, 4096};
  const Tensor<float> x = random_tensor<float>(xs, 4096, 1000.0, 1001.0);
  const Tensor<double> xd = x.cast<double>();
  const Pool2dParams p{.kernel_h = 3, .kernel_w = 7, .stride_h = 1, .stride_w = 1};
  const Tensor<double> want = ref::avg_pool2d(xd, p);
  const Tensor<double> km =
      error_scale(find_op("avg_pool2d", Direction::forward), p, {{"x", xd}}).at("y");
  const Shape ys = pool2d_output_shape("avg_pool2d", xs, p);
  double worst[2] = {0, 0};
  for (int plain = 0; plain < 2; ++plain) {
    const std::int64_t restart_w = plain ? ys[3] : avg_pool2d_running_sum_restart(7, 1);
    Tensor<float> y(ys);
    avg_pool2d_running_sum_with_restart(x, p, y, 3, restart_w);
    const Tensor<double> scale = avg_pool2d_running_sum_error_scale(xd, p, 3, restart_w);
    for (std::int64_t i = 0; i < y.numel(); ++i) {
      const double err = std::fabs(y[i] - want[i]);
      ASSERT_LE(err, kEps * scale[i]) << (plain ? "plain" : "restarted") << " element " << i;
      if (!plain) {
        ASSERT_LE(err, kEps * km[i]) << "restarted, element " << i;
      }
      worst[plain] = std::max(worst[plain], err / (kEps * km[i]));
    }
  }
  std::cout << "running sum, 4096 values around 1000, max |err| / (eps K M): restarted every 7 "
            << worst[0] << ", never restarted " << worst[1] << '\n';
  // The reason for the restarts, measured: the plain running sum's error is many times larger.
  EXPECT_GT(worst[1], 4 * worst[0]);
}

// ---- refusals and invalid inputs ----

TEST(PoolKernelsRefusals, ReasonsAndErrors) {
  // Dilation: refused by the running sum with a reason (the shape module rejects dilated
  // average pooling before any kernel runs).
  const Pool2dParams dilated{.kernel_h = 3, .kernel_w = 3, .dilation_h = 2};
  const std::string why = avg_pool2d_running_sum_supports(dilated, Shape{1, 1, 8, 8});
  EXPECT_NE(why.find("dilation"), std::string::npos) << why;
  EXPECT_NE(why.find("dilation_h 2"), std::string::npos) << why;
  EXPECT_EQ(avg_pool2d_running_sum_supports(Pool2dParams{}, Shape{1, 1, 8, 8}), "");
  const Tensor<float> x = random_tensor<float>(Shape{1, 1, 8, 8}, 1);
  Tensor<float> y(Shape{1, 1, 3, 3});
  expect_error([&] { avg_pool2d_running_sum(x, dilated, y); }, {"avg_pool2d", "dilation"});
  // Planes beyond 2^24 elements: float indices would not be exact.
  const std::string big = max_pool2d_indices_supports(Pool2dParams{}, Shape{1, 1, 4097, 4097});
  EXPECT_NE(big.find("16777216"), std::string::npos) << big;
  EXPECT_NE(big.find("4097 x 4097"), std::string::npos) << big;
  EXPECT_EQ(max_pool2d_indices_supports(Pool2dParams{}, Shape{1, 1, 4096, 4096}), "");
  // The AVX-512 variants refuse only CPUs without AVX-512F, naming the variant that runs there.
  const std::string cpu = max_pool2d_avx512_supports(Pool2dParams{}, Shape{1, 1, 8, 8});
  EXPECT_TRUE(cpu.empty() || cpu.find("max_pool2d_vc") != std::string::npos) << cpu;
  EXPECT_EQ(cpu.empty(), avg_pool2d_avx512_supports(Pool2dParams{}, Shape{1, 1, 8, 8}).empty());
  EXPECT_NE(max_pool2d_avx512_supports(Pool2dParams{}, Shape{1, 1, 4097, 4097}), "");
  // A wrong output shape names the variant and the tensor.
  Tensor<float> wrong(Shape{1, 1, 4, 3}), idx(Shape{1, 1, 4, 4});
  expect_error([&] { max_pool2d_vc(x, Pool2dParams{}, wrong, idx); }, {"max_pool2d_vc", "y"});
  expect_error([&] { avg_pool2d_vc(x, Pool2dParams{}, wrong); }, {"avg_pool2d_vc", "y"});
  // An invalid pooling problem gives the shape module's message.
  expect_error([&] { avg_pool2d_separable(x, Pool2dParams{.kernel_h = 9}, y); },
               {"avg_pool2d", "kernel_h"});
  // The registry entries: every one of this folder's variants is registered under its op.
  for (const char* name :
       {"max_pool2d_separable", "max_pool2d_vc", "avg_pool2d_separable", "avg_pool2d_vc",
        "avg_pool2d_running_sum", "global_avg_pool2d_vc", "max_unpool2d_scatter", "upsample2d_vc",
        "global_avg_pool2d_backward_vc", "max_unpool2d_backward_gather", "upsample2d_backward_vc",
        "max_pool2d_avx512", "avg_pool2d_avx512"}) {
    const Variant* v = find_variant(name);
    ASSERT_NE(v, nullptr) << name;
    EXPECT_FALSE(v->tolerance_reason.empty()) << name;
  }
}

// ---- global average pooling ----

TEST(PoolKernelsGlobalAvg, IntegersExactAndRealValuesWithinTheBound) {
  for (const Shape& xs : {Shape{2, 3, 1, 1}, Shape{1, 5, 7, 9}, Shape{2, 2, 17, 33}}) {
    SCOPED_TRACE(xs.str());
    const Tensor<float> xi = random_int_tensor<float>(xs, 11, -5, 5);
    Tensor<float> y(Shape{xs[0], xs[1], 1, 1});
    global_avg_pool2d_vc(xi, y);
    EXPECT_TRUE(all_equal(y, ref::global_avg_pool2d(xi)));
    const Tensor<float> x = random_tensor<float>(xs, 12, -1, 2);
    const Tensor<double> xd = x.cast<double>();
    global_avg_pool2d_vc(x, y);
    const Tensor<double> want = ref::global_avg_pool2d(xd);
    const Tensor<double> km =
        error_scale(find_op("global_avg_pool2d", Direction::forward), NoParams{}, {{"x", xd}})
            .at("y");
    for (std::int64_t i = 0; i < y.numel(); ++i) {
      EXPECT_LE(std::fabs(y[i] - want[i]), kGlobalAvgPool2dVcToleranceFactor * kEps * km[i]);
    }
  }
}

// ---- max unpooling ----

// Round trip: pooling's indices scattered back equal the reference's unpooling exactly.
// Duplicates by hand: indices {3, 3} on a 1 x 2 input into a 2 x 2 output: the later element
// (value 8) wins, the other positions are 0.
TEST(PoolKernelsUnpool, RoundTripDuplicatesAndInvalidIndices) {
  const Tensor<float> x = random_tensor<float>(Shape{2, 3, 9, 13}, 21);
  const Pool2dParams pp{.kernel_h = 3, .kernel_w = 3, .stride_h = 2, .stride_w = 2};
  MaxOut pooled = run_max(kMaxKernels[1], x, pp);
  const Unpool2dParams up{
      .kernel_h = 3, .kernel_w = 3, .stride_h = 2, .stride_w = 2, .output_h = 9, .output_w = 13};
  Tensor<float> y =
      Tensor<float>::full(Shape{2, 3, 9, 13}, std::numeric_limits<float>::quiet_NaN());
  max_unpool2d_scatter(pooled.y, pooled.indices, up, y);
  Tensor<std::int64_t> idx(pooled.indices.shape());
  for (std::int64_t i = 0; i < idx.numel(); ++i)
    idx[i] = static_cast<std::int64_t>(pooled.indices[i]);
  EXPECT_TRUE(all_equal(y, ref::max_unpool2d(pooled.y, idx, up)));

  const Unpool2dParams small{
      .kernel_h = 1, .kernel_w = 1, .stride_h = 2, .stride_w = 1, .output_h = 2, .output_w = 2};
  // Natural sizes (in - 1) * stride + kernel: h (1 - 1) * 2 + 1 = 1, and output_h 2 is allowed
  // (up to 1 + 2 - 1); w (2 - 1) * 1 + 1 = 2.
  Tensor<float> y2(Shape{1, 1, 2, 2});
  max_unpool2d_scatter(values(Shape{1, 1, 1, 2}, {5, 8}), values(Shape{1, 1, 1, 2}, {3, 3}), small,
                       y2);
  EXPECT_TRUE(all_equal(y2, values(Shape{1, 1, 2, 2}, {0, 0, 0, 8})));
  for (float bad : {4.0f, -1.0f, 2.5f, std::numeric_limits<float>::quiet_NaN()}) {
    expect_error(
        [&] {
          max_unpool2d_scatter(values(Shape{1, 1, 1, 2}, {5, 8}),
                               values(Shape{1, 1, 1, 2}, {0, bad}), small, y2);
        },
        {"max_unpool2d", "indices[0, 0, 0, 1]", "valid 0 to 3"});
  }
}

// ---- upsampling ----

TEST(PoolKernelsUpsample, NearestExactBilinearWithinTheBound) {
  const Tensor<float> x = random_tensor<float>(Shape{2, 3, 7, 11}, 31, -2, 2);
  const Tensor<double> xd = x.cast<double>();
  const OpSpec& spec = find_op("upsample2d", Direction::forward);
  for (auto [oh, ow] : {std::pair{14, 22}, {7, 11}, {20, 37}, {3, 5}, {1, 1}, {15, 8}}) {
    for (int m = 0; m < 3; ++m) {
      const Upsample2dParams p{.mode = m == 0 ? UpsampleMode::nearest : UpsampleMode::bilinear,
                               .output_h = oh,
                               .output_w = ow,
                               .align_corners = m == 2};
      SCOPED_TRACE(std::to_string(oh) + "x" + std::to_string(ow) + " mode " + std::to_string(m));
      Tensor<float> y =
          Tensor<float>::full(Shape{2, 3, oh, ow}, std::numeric_limits<float>::quiet_NaN());
      upsample2d_vc(x, p, y);
      if (m == 0) {
        EXPECT_TRUE(all_equal(y, ref::upsample2d(x, p)));
        continue;
      }
      const Tensor<double> want = ref::upsample2d(xd, p);
      const Tensor<double> km = error_scale(spec, p, {{"x", xd}}).at("y");
      for (std::int64_t i = 0; i < y.numel(); ++i) {
        ASSERT_LE(std::fabs(y[i] - want[i]), kUpsample2dVcToleranceFactor * kEps * km[i]) << i;
      }
    }
  }
}

// ---- backward passes ----

// Random problems: each backward variant against the reference within factor * eps * K * M
// (the reference's K * M for the backward op), and the identity <y, dy> = <x, dx> that both
// pooling gradients satisfy (average pooling is linear, so dx is its adjoint applied to dy;
// max pooling is positively homogeneous, y_o = x[idx_o], so sum_o y_o dy_o = sum_i x_i dx_i).
TEST(PoolKernelsBackward, AgreeWithTheReferenceAndTheAdjointIdentity) {
  std::mt19937_64 rng(51);
  int tested = 0;
  for (int trial = 0; trial < 150; ++trial) {
    Pool2dParams p = random_avg_params(rng);
    const bool max = trial % 2 == 0;
    if (max) p.dilation_w = 1 + trial % 3;
    const Shape xs{1, 2, std::uniform_int_distribution<std::int64_t>(1, 12)(rng),
                   std::uniform_int_distribution<std::int64_t>(1, 30)(rng)};
    Shape ys;
    try {
      ys = pool2d_output_shape(max ? "max_pool2d" : "avg_pool2d", xs, p);
    } catch (const std::invalid_argument&) {
      continue;
    }
    ++tested;
    SCOPED_TRACE(std::string(max ? "max" : "avg") + " seed " + std::to_string(2000 + trial));
    const Tensor<float> x = random_tensor<float>(xs, 2000 + trial);
    const Tensor<float> dy = random_tensor<float>(ys, 3000 + trial);
    Tensor<float> dx = Tensor<float>::full(xs, std::numeric_limits<float>::quiet_NaN());
    Tensor<float> y(ys), idx(ys);
    if (max) {
      max_pool2d_backward_scatter(x, dy, p, dx);
      max_pool2d_vc(x, p, y, idx);
    } else {
      avg_pool2d_backward_separable(x, dy, p, dx);
      avg_pool2d_vc(x, p, y);
    }
    const OpSpec& spec = find_op(max ? "max_pool2d" : "avg_pool2d", Direction::backward);
    const TensorMap<double> in{{"x", x.cast<double>()}, {"dy", dy.cast<double>()}};
    const Tensor<double> want = run_reference(spec, p, in).at("dx");
    const Tensor<double> km = error_scale(spec, p, in).at("dx");
    for (std::int64_t i = 0; i < dx.numel(); ++i) {
      ASSERT_LE(std::fabs(dx[i] - want[i]), kEps * km[i]) << "element " << i;
    }
    const double lhs = test::dot(y.cast<double>(), dy.cast<double>());
    const double rhs = test::dot(x.cast<double>(), dx.cast<double>());
    EXPECT_NEAR(lhs, rhs, 1e-5 * (1 + std::fabs(lhs)));
  }
  EXPECT_GT(tested, 60);
}

// ---- backward passes of global average pooling, max unpooling and upsampling ----

// One division per plane, the reference's own: bit-identical to the float reference on real
// values, for planes whose size is not a power of two and widths around the vector width.
TEST(PoolKernelsGlobalAvgBackward, EqualsTheFloatReferenceBitForBit) {
  for (const Shape& xs : {Shape{2, 3, 1, 1}, Shape{1, 5, 7, 9}, Shape{2, 2, 17, 33},
                          Shape{1, 3, 1, 15}, Shape{1, 1, 3, 7}}) {
    SCOPED_TRACE(xs.str());
    const Tensor<float> x(xs);
    const Tensor<float> dy = random_tensor<float>(Shape{xs[0], xs[1], 1, 1}, 61, -3, 3);
    Tensor<float> dx = Tensor<float>::full(xs, std::numeric_limits<float>::quiet_NaN());
    global_avg_pool2d_backward_vc(x, dy, dx);
    EXPECT_TRUE(all_equal(dx, ref::global_avg_pool2d_backward(dy, xs)));
  }
  Tensor<float> dx(Shape{1, 2, 3, 3});
  expect_error(
      [&] {
        global_avg_pool2d_backward_vc(Tensor<float>(Shape{1, 2, 3, 3}), Tensor<float>(Shape{1, 2}),
                                      dx);
      },
      {"global_avg_pool2d_backward_vc", "dy"});
  Tensor<float> wrong(Shape{1, 2, 3, 4});
  expect_error(
      [&] {
        global_avg_pool2d_backward_vc(Tensor<float>(Shape{1, 2, 3, 3}),
                                      Tensor<float>(Shape{1, 2, 1, 1}), wrong);
      },
      {"global_avg_pool2d_backward_vc", "dx"});
}

// The indices of max pooling on sources of awkward widths (overlapping windows give duplicate
// indices), so that planes hold whole vectors, tails, and planes shorter than one vector.
TEST(PoolKernelsUnpoolBackward, GatherEqualsTheReferenceAndIsTheScattersAdjoint) {
  int seed = 70;
  for (std::int64_t w : {1, 7, 15, 17, 33}) {
    for (std::int64_t k : {1, 2, 3}) {
      const std::int64_t s = k == 3 ? 2 : std::max<std::int64_t>(k, 1);
      SCOPED_TRACE("w " + std::to_string(w) + " k " + std::to_string(k));
      const Shape source{2, 3, 9, w};
      const Pool2dParams pp{.kernel_h = k, .kernel_w = k, .stride_h = s, .stride_w = s};
      Shape pooled_shape;
      try {
        pooled_shape = pool2d_output_shape("max_pool2d", source, pp);
      } catch (const std::invalid_argument&) {
        continue;  // a window wider than a narrow source
      }
      MaxOut pooled = run_max(kMaxKernels[1], random_tensor<float>(source, ++seed), pp);
      const Unpool2dParams up{.kernel_h = k,
                              .kernel_w = k,
                              .stride_h = s,
                              .stride_w = s,
                              .output_h = source[2],
                              .output_w = source[3]};
      const Tensor<float> dy = random_int_tensor<float>(source, ++seed, -9, 9);
      Tensor<float> dx = Tensor<float>::full(pooled_shape, std::numeric_limits<float>::quiet_NaN());
      max_unpool2d_backward_gather(pooled.y, pooled.indices, dy, up, dx);
      Tensor<std::int64_t> idx(pooled_shape);
      for (std::int64_t i = 0; i < idx.numel(); ++i)
        idx[i] = static_cast<std::int64_t>(pooled.indices[i]);
      EXPECT_TRUE(all_equal(dx, ref::max_unpool2d_backward(dy, idx, up)));
      if (k <= s) {  // disjoint windows: distinct indices, and <unpool(x), dy> = <x, dx>
        Tensor<float> y(source);
        max_unpool2d_scatter(pooled.y, pooled.indices, up, y);
        const double lhs = test::dot(y, dy);
        EXPECT_NEAR(lhs, test::dot(pooled.y, dx), 1e-9 * (1 + std::fabs(lhs)));
      }
    }
  }
}

// An invalid index in a whole vector (position 3 of a 17-wide plane), in the scalar tail
// (position 16) or in a later plane: the error names the variant, the first bad position in
// (n, c, h, w) order, its value and the valid range; nothing is read out of bounds.
TEST(PoolKernelsUnpoolBackward, RejectsInvalidIndicesWithTheirPosition) {
  const Unpool2dParams up{.kernel_h = 1, .kernel_w = 1, .stride_h = 1, .stride_w = 1};
  const Shape xs{1, 2, 1, 17};
  const Tensor<float> x(xs), dy = random_tensor<float>(xs, 81);
  Tensor<float> dx(xs);
  for (float bad : {17.0f, -1.0f, 2.5f, std::numeric_limits<float>::quiet_NaN(),
                    std::numeric_limits<float>::infinity(), 1e30f}) {
    for (std::int64_t at : {3, 16, 17 + 5}) {
      SCOPED_TRACE(std::to_string(bad) + " at " + std::to_string(at));
      Tensor<float> indices(xs);
      for (std::int64_t i = 0; i < indices.numel(); ++i) indices[i] = static_cast<float>(i % 17);
      indices[at] = bad;
      const std::string where =
          "indices[0, " + std::to_string(at / 17) + ", 0, " + std::to_string(at % 17) + "]";
      expect_error([&] { max_unpool2d_backward_gather(x, indices, dy, up, dx); },
                   {"max_unpool2d_backward_gather", where, "valid 0 to 16"});
    }
  }
  // The first bad plane is reported when several have one.
  Tensor<float> indices(xs);
  indices[17 + 2] = -4;
  indices[9] = 40;
  expect_error([&] { max_unpool2d_backward_gather(x, indices, dy, up, dx); },
               {"indices[0, 0, 0, 9] = 40"});
  // Shapes: dy must have the unpooled shape, dx the input's.
  Tensor<float> wrong(Shape{1, 2, 1, 16});
  expect_error([&] { max_unpool2d_backward_gather(x, Tensor<float>(xs), wrong, up, dx); },
               {"max_unpool2d_backward_gather", "dy"});
  expect_error([&] { max_unpool2d_backward_gather(x, Tensor<float>(xs), dy, up, wrong); },
               {"max_unpool2d_backward_gather", "dx"});
  // Output planes beyond the 32-bit lanes of the gather are refused with the reason.
  const std::string why = max_unpool2d_backward_gather_supports(Shape{1, 1, 65536, 32769});
  EXPECT_NE(why.find("2147483647"), std::string::npos) << why;
  EXPECT_NE(why.find("65536 x 32769"), std::string::npos) << why;
  EXPECT_EQ(max_unpool2d_backward_gather_supports(Shape{1, 1, 65536, 32768}), "");
}

// Nearest: integer dy gives the reference exactly, for integer scales (the vector block sums,
// s = 1 to 4), non-integer scales and shrinking (the scalar ranges); real dy and bilinear within
// the reference's K * M. The adjoint identity <upsample(x), dy> = <x, dx> for every mode.
TEST(PoolKernelsUpsampleBackward, NearestExactBilinearWithinTheBound) {
  const OpSpec& spec = find_op("upsample2d", Direction::backward);
  int seed = 90;
  for (std::int64_t w : {1, 7, 15, 17, 33}) {
    const Shape xs{2, 3, 5, w};
    const Tensor<float> x = random_tensor<float>(xs, ++seed, -2, 2);
    for (auto [oh, ow] : {std::pair<std::int64_t, std::int64_t>{5, w},
                          {10, 2 * w},
                          {15, 3 * w},
                          {20, 4 * w},
                          {7, w + 3},
                          {3, (w + 1) / 2},
                          {1, 1},
                          {11, 40}}) {
      for (int m = 0; m < 3; ++m) {
        const Upsample2dParams p{.mode = m == 0 ? UpsampleMode::nearest : UpsampleMode::bilinear,
                                 .output_h = oh,
                                 .output_w = ow,
                                 .align_corners = m == 2};
        SCOPED_TRACE("w " + std::to_string(w) + " -> " + std::to_string(oh) + "x" +
                     std::to_string(ow) + " mode " + std::to_string(m));
        const Shape ys{2, 3, oh, ow};
        for (bool integers : {true, false}) {
          const Tensor<float> dy = integers ? random_int_tensor<float>(ys, ++seed, -5, 5)
                                            : random_tensor<float>(ys, ++seed, -1, 1);
          Tensor<float> dx = Tensor<float>::full(xs, std::numeric_limits<float>::quiet_NaN());
          upsample2d_backward_vc(x, dy, p, dx);
          if (m == 0 && integers) {
            ASSERT_TRUE(all_equal(dx, ref::upsample2d_backward(dy, xs, p)));
          }
          const TensorMap<double> in{{"x", x.cast<double>()}, {"dy", dy.cast<double>()}};
          const Tensor<double> want = ref::upsample2d_backward(dy.cast<double>(), xs, p);
          const Tensor<double> km = error_scale(spec, p, in).at("dx");
          for (std::int64_t i = 0; i < dx.numel(); ++i) {
            ASSERT_LE(std::fabs(dx[i] - want[i]),
                      kUpsample2dBackwardVcToleranceFactor * kEps * km[i])
                << "element " << i;
          }
          const double lhs = test::dot(ref::upsample2d(x.cast<double>(), p), dy.cast<double>());
          const double rhs = test::dot(x.cast<double>(), dx.cast<double>());
          EXPECT_NEAR(lhs, rhs, 1e-5 * (1 + std::fabs(lhs)));
        }
      }
    }
  }
}

// Bilinear reads every tap, weight 0 included, as the reference: an inf in dy gives NaN at the
// same inputs. Nearest reads one tap: no NaN. Wrong shapes name the variant and the tensor.
TEST(PoolKernelsUpsampleBackward, InfinityAndWrongShapes) {
  const Shape xs{1, 2, 4, 9};
  const Tensor<float> x(xs);
  for (int m = 0; m < 3; ++m) {
    const Upsample2dParams p{.mode = m == 0 ? UpsampleMode::nearest : UpsampleMode::bilinear,
                             .output_h = 8,
                             .output_w = 18,
                             .align_corners = m == 2};
    SCOPED_TRACE(m);
    Tensor<float> dy = random_int_tensor<float>(Shape{1, 2, 8, 18}, 99);
    dy[5 * 18 + 7] = std::numeric_limits<float>::infinity();
    Tensor<float> dx(xs);
    upsample2d_backward_vc(x, dy, p, dx);
    const Tensor<float> want = ref::upsample2d_backward(dy, xs, p);
    for (std::int64_t i = 0; i < dx.numel(); ++i) {
      EXPECT_EQ(std::isnan(dx[i]), std::isnan(want[i])) << i;
      // align_corners' weights (multiples of 3 / 7) are not dyadic: not exact there.
      if (!std::isnan(want[i]) && dx[i] != want[i]) {  // != first: inf - inf is NaN
        EXPECT_NEAR(dx[i], want[i], m == 2 ? 1e-5 : 0.0) << i;
      }
    }
  }
  const Upsample2dParams p{.output_h = 8, .output_w = 18};
  Tensor<float> dx(xs), wrong(Shape{1, 2, 8, 17});
  expect_error([&] { upsample2d_backward_vc(x, wrong, p, dx); }, {"upsample2d_backward_vc", "dy"});
  expect_error(
      [&] {
        upsample2d_backward_vc(x, Tensor<float>(Shape{1, 2, 8, 18}), p, wrong);
      },
      {"upsample2d_backward_vc", "dx"});
}

// ---- threads ----

// OpenMP splits the planes only: 1 and 2 threads give the same bits. (2 x 8 x 41 x 57 = 37392
// input elements: above kMinElementsForThreads, so the second thread does run.)
TEST(PoolKernelsThreads, BitIdenticalForOneAndTwoThreads) {
  const Tensor<float> x = random_tensor<float>(Shape{2, 8, 41, 57}, 41);
  const Pool2dParams p{.kernel_h = 3,
                       .kernel_w = 5,
                       .stride_h = 1,
                       .stride_w = 2,
                       .pad_top = 1,
                       .pad_left = 2,
                       .ceil_mode = true};
  const int saved = omp_get_max_threads();
  std::vector<Tensor<float>> results[2];
  for (int t = 0; t < 2; ++t) {
    omp_set_num_threads(t + 1);
    for (const MaxKernel& k : kMaxKernels) {
      const MaxOut r = run_max(k, x, p);
      results[t].push_back(r.y);
      results[t].push_back(r.indices);
    }
    for (const AvgKernel& k : kAvgKernels) results[t].push_back(run_avg(k, x, p));
  }
  omp_set_num_threads(saved);
  for (std::size_t i = 0; i < results[0].size(); ++i) {
    for (std::int64_t j = 0; j < results[0][i].numel(); ++j) {
      ASSERT_EQ(std::memcmp(&results[0][i][j], &results[1][i][j], sizeof(float)), 0) << i;
    }
  }
}

// The backward kernels of this group above kMinElementsForThreads too.
TEST(PoolKernelsThreads, BackwardBroadcastGatherAndUpsampleBitIdentical) {
  const Shape xs{2, 8, 41, 57};
  const Tensor<float> x = random_tensor<float>(xs, 42);
  const Tensor<float> dy_global = random_tensor<float>(Shape{2, 8, 1, 1}, 43);
  const Pool2dParams pp{.kernel_h = 3, .kernel_w = 3, .stride_h = 2, .stride_w = 2};
  const MaxOut pooled = run_max(kMaxKernels[1], x, pp);
  const Unpool2dParams up{.kernel_h = 3,
                          .kernel_w = 3,
                          .stride_h = 2,
                          .stride_w = 2,
                          .output_h = xs[2],
                          .output_w = xs[3]};
  const Tensor<float> dy_unpool = random_tensor<float>(xs, 44);
  const Upsample2dParams nearest{.output_h = 82, .output_w = 114};
  const Upsample2dParams bilinear{.mode = UpsampleMode::bilinear, .output_h = 97, .output_w = 70};
  const Tensor<float> dy_nearest = random_tensor<float>(Shape{2, 8, 82, 114}, 45);
  const Tensor<float> dy_bilinear = random_tensor<float>(Shape{2, 8, 97, 70}, 46);
  const int saved = omp_get_max_threads();
  std::vector<Tensor<float>> results[2];
  for (int t = 0; t < 2; ++t) {
    omp_set_num_threads(t + 1);
    Tensor<float> a(xs), b(pooled.y.shape()), c(xs), d(xs);
    global_avg_pool2d_backward_vc(x, dy_global, a);
    max_unpool2d_backward_gather(pooled.y, pooled.indices, dy_unpool, up, b);
    upsample2d_backward_vc(x, dy_nearest, nearest, c);
    upsample2d_backward_vc(x, dy_bilinear, bilinear, d);
    results[t] = {a, b, c, d};
  }
  omp_set_num_threads(saved);
  for (std::size_t i = 0; i < results[0].size(); ++i) {
    ASSERT_EQ(std::memcmp(results[0][i].data(), results[1][i].data(),
                          sizeof(float) * static_cast<std::size_t>(results[0][i].numel())),
              0)
        << i;
  }
}

}  // namespace
}  // namespace convlab
