// The gemm op and the dense variants (kernels/dense/): the reference GEMM on a hand-computed
// product, every GEMM step through the registry on awkward sizes, the linear variants on the
// W6 worked example and on random shapes, the accuracy of exp_vc and of the Vc activations
// over sweeps of floats, relu's NaN and -0, flatten as a copy, and the refusals with reasons.
//
// Comparisons against the double reference use the DESIGN.md bound
// |y - y_ref| <= factor * eps(float) * K * M with K * M from error_scale() and the variant's own
// declared factor; small-integer cases must be exact (==).
#include <gtest/gtest.h>
#include <omp.h>

#include <Vc/Vc>
#include <bit>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

#include "core/ops.hpp"
#include "kernels/dense/dense_kernels.hpp"
#include "kernels/dense/exp_vc.hpp"
#include "kernels/gemm/gemm.hpp"
#include "kernels/registry.hpp"
#include "reference/activation.hpp"
#include "reference/dispatch.hpp"
#include "reference/flatten.hpp"
#include "reference/gemm.hpp"
#include "reference/linear.hpp"
#include "tests/support.hpp"

namespace convlab {
namespace {

constexpr double kEps = FLT_EPSILON;  // 2^-23
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

// Runs a registered variant the way the verify engine does: supports() first (returns its
// reason when it refuses), outputs pre-filled with NaN.
std::string run_variant(const Variant& v, const OpParams& params, const TensorMap<float>& in,
                        TensorMap<float>& out) {
  ShapeMap shapes;
  for (const auto& [name, t] : in) shapes[name] = t.shape();
  if (std::string why = v.supports(params, shapes); !why.empty()) return why;
  out.clear();
  for (const auto& [name, shape] : output_shapes(find_op(v.op, v.direction), params, shapes)) {
    out[name] = Tensor<float>::full(shape, kNaN);
  }
  v.run(params, in, out);
  return {};
}

TensorMap<double> to_double(const TensorMap<float>& m) {
  TensorMap<double> r;
  for (const auto& [name, t] : m) r[name] = t.cast<double>();
  return r;
}

// Every output of `v` within its declared bound of the double reference on the same (float)
// inputs; exact when `exact`.
::testing::AssertionResult within_bound(const Variant& v, const OpParams& params,
                                        const TensorMap<float>& in, const TensorMap<float>& out,
                                        bool exact) {
  const OpSpec& spec = find_op(v.op, v.direction);
  const TensorMap<double> in_d = to_double(in);
  const TensorMap<double> ref = run_reference<double>(spec, params, in_d);
  const TensorMap<double> scale = error_scale(spec, params, in_d);
  for (const auto& [name, expected] : ref) {
    const Tensor<float>& got = out.at(name);
    for (std::int64_t i = 0; i < expected.numel(); ++i) {
      const double allowed = exact ? 0.0 : v.tolerance_factor * kEps * scale.at(name)[i];
      const double diff = std::fabs(double(got[i]) - expected[i]);
      if (!(diff <= allowed)) {
        return ::testing::AssertionFailure()
               << v.name << ": " << name << "[" << i << "] = " << got[i] << ", reference "
               << expected[i] << ", |diff| " << diff << " > allowed " << allowed;
      }
    }
  }
  return ::testing::AssertionSuccess();
}

const Variant& variant(const std::string& name) {
  const Variant* v = find_variant(name);
  if (v == nullptr) throw std::logic_error("no variant " + name);
  return *v;
}

// ---------------------------------------------------------------------------------------------
// The reference GEMM and its error scale.

// Hand arithmetic:
//   [1 2 3]   [ 7  8]   [1*7 + 2*9 + 3*11   1*8 + 2*10 + 3*12]   [ 7+18+33   8+20+36]   [ 58  64]
//   [4 5 6] x [ 9 10] = [4*7 + 5*9 + 6*11   4*8 + 5*10 + 6*12] = [28+45+66  32+50+72] = [139 154]
//             [11 12]
template <class T>
void check_worked_gemm() {
  Tensor<T> a(Shape{2, 3}), b(Shape{3, 2});
  const T av[] = {1, 2, 3, 4, 5, 6}, bv[] = {7, 8, 9, 10, 11, 12};
  std::copy(av, av + 6, a.data());
  std::copy(bv, bv + 6, b.data());
  const Tensor<T> c = ref::gemm(a, b);
  ASSERT_EQ(c.shape(), (Shape{2, 2}));
  EXPECT_EQ(c(0, 0), T(58));
  EXPECT_EQ(c(0, 1), T(64));
  EXPECT_EQ(c(1, 0), T(139));
  EXPECT_EQ(c(1, 1), T(154));
}

TEST(RefGemm, HandComputedProduct) {
  check_worked_gemm<float>();
  check_worked_gemm<double>();
}

// A 1x2 times 2x1 whose float products cancel: 0.5 * 2 + (-0.25) * 4 = 1 - 1 = 0 exactly; and a
// row vector times a matrix: [1 -1] x [[2 3 4], [5 6 7]] = [2-5, 3-6, 4-7] = [-3 -3 -3].
TEST(RefGemm, CancellationAndRowVector) {
  Tensor<double> a(Shape{1, 2}), b(Shape{2, 1});
  a(0, 0) = 0.5;
  a(0, 1) = -0.25;
  b(0, 0) = 2;
  b(1, 0) = 4;
  EXPECT_EQ(ref::gemm(a, b)(0, 0), 0.0);
  Tensor<float> r(Shape{1, 2}), m(Shape{2, 3});
  r(0, 0) = 1;
  r(0, 1) = -1;
  for (int j = 0; j < 3; ++j) {
    m(0, j) = float(2 + j);
    m(1, j) = float(5 + j);
  }
  const Tensor<float> c = ref::gemm(r, m);
  ASSERT_EQ(c.shape(), (Shape{1, 3}));
  for (int j = 0; j < 3; ++j) EXPECT_EQ(c(0, j), -3.0f);
}

TEST(RefGemm, ShapeErrorsNameOpArgumentAndValues) {
  test::expect_error(
      [] {
        ref::gemm(Tensor<float>(Shape{2, 3}), Tensor<float>(Shape{2, 2}));
      },
      {"gemm", "b shape (2, 2)", "K is 3"});
  test::expect_error(
      [] {
        ref::gemm(Tensor<float>(Shape{6}), Tensor<float>(Shape{6, 2}));
      },
      {"gemm", "a must have rank 2", "(6)"});
  const OpSpec& spec = find_op("gemm", Direction::forward);
  test::expect_error(
      [&] {
        output_shapes(spec, NoParams{}, {{"a", Shape{2, 3}}});
      },
      {"gemm", "missing required input tensor \"b\""});
}

// error_scale: K * M with K = the number of terms and M = sum |a_ik b_kj|. For a = [1 -2],
// b = [3; 4]: K = 2, M = |1*3| + |-2*4| = 3 + 8 = 11, so the scale is 22.
TEST(RefGemm, ErrorScaleIsTermsTimesMagnitude) {
  Tensor<double> a(Shape{1, 2}), b(Shape{2, 1});
  a(0, 0) = 1;
  a(0, 1) = -2;
  b(0, 0) = 3;
  b(1, 0) = 4;
  const TensorMap<double> s =
      error_scale(find_op("gemm", Direction::forward), NoParams{}, {{"a", a}, {"b", b}});
  ASSERT_EQ(s.at("c").shape(), (Shape{1, 1}));
  EXPECT_EQ(s.at("c")(0, 0), 22.0);
}

// ---------------------------------------------------------------------------------------------
// The GEMM steps as gemm variants.

TEST(DenseGemm, EveryStepIsRegisteredOnceWithItsParent) {
  const std::vector<const Variant*> vs = variants_of("gemm", Direction::forward);
  ASSERT_EQ(vs.size(), gemm_steps().size() + 1);  // + gemm_reference
  EXPECT_EQ(vs[0]->name, "gemm_reference");
  for (std::size_t i = 0; i < gemm_steps().size(); ++i) {
    const GemmStep& step = gemm_steps()[i];
    const Variant& v = *vs[i + 1];
    EXPECT_EQ(v.name, step.name);
    EXPECT_EQ(v.parent, step.parent.empty() ? "gemm_reference" : std::string(step.parent));
  }
  const std::vector<std::string> expected = {
      "gemm_naive",          "gemm_loop_order",          "gemm_blocked", "gemm_packed",
      "gemm_packed_vc_6x16", "gemm_packed_avx512_14x32", "gemm_threaded"};
  for (const std::string& name : expected) EXPECT_NE(find_variant(name), nullptr) << name;
}

// The AVX-512 step refuses exactly when the CPU lacks it, with the core's reason; it never runs
// (an illegal instruction) on such a CPU.
TEST(DenseGemm, Avx512StepRefusesWithAReasonWithoutAvx512) {
  const Variant& v = variant("gemm_packed_avx512_14x32");
  const std::string why = v.supports(NoParams{}, {{"a", Shape{2, 3}}, {"b", Shape{3, 4}}});
  EXPECT_EQ(why, gemm_avx512_unsupported_reason());
  if (cpu_has_avx512()) {
    EXPECT_EQ(why, "");
  } else {
    EXPECT_NE(why.find("AVX-512F"), std::string::npos) << why;
  }
}

struct GemmSize {
  std::int64_t M, K, N;
};
// 1x1x1, K = 1, sizes on, below and past the micro-tiles (6 x 16, 14 x 32), K past the K blocks
// (384, 512), a few hundred in one dimension.
const GemmSize kAwkward[] = {{1, 1, 1},     {1, 7, 1},   {7, 1, 33},    {6, 9, 16},   {5, 9, 15},
                             {7, 9, 17},    {14, 5, 32}, {13, 5, 31},   {15, 3, 33},  {1, 33, 47},
                             {13, 300, 31}, {300, 4, 5}, {2, 517, 300}, {29, 385, 65}};

TEST(DenseGemm, EveryStepOnAwkwardSizes) {
  const int saved = omp_get_max_threads();
  for (const Variant* v : variants_of("gemm", Direction::forward)) {
    for (const GemmSize& s : kAwkward) {
      for (bool integers : {false, true}) {
        SCOPED_TRACE(v->name + " M=" + std::to_string(s.M) + " K=" + std::to_string(s.K) +
                     " N=" + std::to_string(s.N) + (integers ? " integers" : " reals") +
                     " seed=" + std::to_string(s.M * 1000 + s.K));
        const std::uint64_t seed = std::uint64_t(s.M * 1000 + s.K);
        TensorMap<float> in;
        in["a"] = integers ? test::random_int_tensor<float>(Shape{s.M, s.K}, seed)
                           : test::random_tensor<float>(Shape{s.M, s.K}, seed);
        in["b"] = integers ? test::random_int_tensor<float>(Shape{s.K, s.N}, seed + 1)
                           : test::random_tensor<float>(Shape{s.K, s.N}, seed + 1);
        TensorMap<float> out;
        omp_set_num_threads(1);
        const std::string why = run_variant(*v, NoParams{}, in, out);
        if (!why.empty()) {
          std::printf("skip %s: %s\n", v->name.c_str(), why.c_str());
          continue;
        }
        EXPECT_TRUE(within_bound(*v, NoParams{}, in, out, integers));
        // Two threads: the same bits.
        TensorMap<float> out2;
        omp_set_num_threads(2);
        run_variant(*v, NoParams{}, in, out2);
        EXPECT_TRUE(test::all_equal(out2.at("c"), out.at("c")));
      }
    }
  }
  omp_set_num_threads(saved);
}

// ---------------------------------------------------------------------------------------------
// linear.

// W6 (doc:000_3ddde5b97f33cba7.txt#W6): fully connected 4 -> 2, x = [0.1, 0.2, 0.2, 0.1],
// printed y = [-0.4059, -0.0615]. The document's own hand computation of the first output is
// -0.40586; the second by hand: 0.4194*0.1 + 0.0747*0.2 + 0.2652*0.2 + 0.0923*0.1 - 0.1806 =
// 0.04194 + 0.01494 + 0.05304 + 0.00923 - 0.1806 = -0.06145. Tolerance 0.00013, as in
// fixtures/linear/w6_doc000_fc_4to2: 0.5e-4 for the printed output + 0.5e-4 for the printed
// bias + 0.5e-4 * sum |x| (0.6) for the printed weights.
TensorMap<float> w6_inputs() {
  Tensor<float> x(Shape{1, 4}), w(Shape{2, 4}), b(Shape{2});
  const float xv[] = {0.1f, 0.2f, 0.2f, 0.1f};
  const float wv[] = {-0.4654f, 0.0059f, 0.2813f, -0.2186f, 0.4194f, 0.0747f, 0.2652f, 0.0923f};
  std::copy(xv, xv + 4, x.data());
  std::copy(wv, wv + 8, w.data());
  b(0) = -0.3949f;
  b(1) = -0.1806f;
  return {{"x", x}, {"w", w}, {"b", b}};
}

TEST(DenseLinear, W6ThroughEveryForwardVariant) {
  const TensorMap<float> in = w6_inputs();
  for (const char* name : {"linear_gemv_vc", "linear_gemm"}) {
    SCOPED_TRACE(name);
    TensorMap<float> out;
    ASSERT_EQ(run_variant(variant(name), NoParams{}, in, out), "");
    EXPECT_NEAR(out.at("y")(0, 0), -0.4059, 0.00013);
    EXPECT_NEAR(out.at("y")(0, 1), -0.0615, 0.00013);
    // Against the unrounded hand values -0.40586 and -0.06145: only float rounding remains,
    // a few eps times the terms' magnitude (< 0.7): 1e-6 is ample and still catches any
    // missing term (the smallest, 0.0059 * 0.2, is 1.2e-3).
    EXPECT_NEAR(out.at("y")(0, 0), -0.40586, 1e-6);
    EXPECT_NEAR(out.at("y")(0, 1), -0.06145, 1e-6);
  }
}

// The W6 layer's backward pass with dy = [1, -2], by hand:
//   dx = dy w = w[0] - 2 w[1] = [-0.4654 - 0.8388, 0.0059 - 0.1494, 0.2813 - 0.5304,
//                                -0.2186 - 0.1846] = [-1.3042, -0.1435, -0.2491, -0.4032]
//   dw = dy^T x = [x; -2x] = [[0.1, 0.2, 0.2, 0.1], [-0.2, -0.4, -0.4, -0.2]]
//   db = dy = [1, -2]
// Tolerance 2e-6: each is a sum of at most 2 terms below 1.4 in magnitude, computed in float
// from inputs rounded to float: 4 * eps * 2 * 1.4 = 1.3e-6 by the policy bound with factor 2.
TEST(DenseLinear, W6BackwardByHand) {
  TensorMap<float> in = w6_inputs();
  Tensor<float> dy(Shape{1, 2});
  dy(0, 0) = 1;
  dy(0, 1) = -2;
  in["dy"] = dy;
  TensorMap<float> out;
  ASSERT_EQ(run_variant(variant("linear_backward_gemm"), NoParams{}, in, out), "");
  const double dx[] = {-1.3042, -0.1435, -0.2491, -0.4032};
  const double dw[] = {0.1, 0.2, 0.2, 0.1, -0.2, -0.4, -0.4, -0.2};
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(out.at("dx")[i], dx[i], 2e-6) << i;
  for (int i = 0; i < 8; ++i) EXPECT_NEAR(out.at("dw")[i], dw[i], 2e-6) << i;
  EXPECT_EQ(out.at("db")(0), 1.0f);
  EXPECT_EQ(out.at("db")(1), -2.0f);
  // Without a bias there is no db.
  in.erase("b");
  ASSERT_EQ(run_variant(variant("linear_backward_gemm"), NoParams{}, in, out), "");
  EXPECT_FALSE(out.contains("db"));
}

TEST(DenseLinear, RandomShapesWithinBoundAndThreadCountInvariant) {
  const int saved = omp_get_max_threads();
  struct Size {
    std::int64_t batch, in, out;
  };
  // Features around the vector width 8, the 4-row pass, the 64-output block, the GEMM's
  // 256-column block (backward) and linear_gemm's 672-output block with a batch past the
  // 32-wide micro-tile; the last three are large enough to start OpenMP teams.
  const Size sizes[] = {{1, 1, 1},  {1, 7, 5},     {1, 9, 67},     {3, 1, 17},
                        {9, 33, 7}, {1, 300, 300}, {64, 130, 600}, {33, 70, 1400}};
  for (const Size& s : sizes) {
    for (bool bias : {true, false}) {
      for (bool integers : {false, true}) {
        const std::uint64_t seed = std::uint64_t(s.batch * 7919 + s.in * 31 + s.out);
        SCOPED_TRACE("batch=" + std::to_string(s.batch) + " in=" + std::to_string(s.in) +
                     " out=" + std::to_string(s.out) + " bias=" + std::to_string(bias) +
                     (integers ? " integers" : " reals") + " seed=" + std::to_string(seed));
        const auto draw = [&](const Shape& shape, std::uint64_t k) {
          return integers ? test::random_int_tensor<float>(shape, seed + k)
                          : test::random_tensor<float>(shape, seed + k);
        };
        TensorMap<float> in{{"x", draw(Shape{s.batch, s.in}, 0)},
                            {"w", draw(Shape{s.out, s.in}, 1)}};
        if (bias) in["b"] = draw(Shape{s.out}, 2);
        TensorMap<float> back = in;
        back["dy"] = draw(Shape{s.batch, s.out}, 3);
        for (const char* name : {"linear_gemv_vc", "linear_gemm", "linear_backward_gemm"}) {
          SCOPED_TRACE(name);
          const Variant& v = variant(name);
          const TensorMap<float>& inputs = v.direction == Direction::forward ? in : back;
          TensorMap<float> out1, out2;
          omp_set_num_threads(1);
          const std::string why = run_variant(v, NoParams{}, inputs, out1);
          if (!why.empty()) {
            EXPECT_GT(s.batch, 1) << why;  // gemv refuses batch > 1 only
            continue;
          }
          EXPECT_TRUE(within_bound(v, NoParams{}, inputs, out1, integers));
          omp_set_num_threads(2);
          run_variant(v, NoParams{}, inputs, out2);
          for (const auto& [n, t] : out1) EXPECT_TRUE(test::all_equal(out2.at(n), t)) << n;
        }
      }
    }
  }
  omp_set_num_threads(saved);
}

TEST(DenseLinear, GemvRefusesBatchAboveOneWithAReason) {
  const Variant& v = variant("linear_gemv_vc");
  const std::string why = v.supports(NoParams{}, {{"x", Shape{2, 5}}, {"w", Shape{3, 5}}});
  EXPECT_NE(why.find("batch 1 only"), std::string::npos) << why;
  EXPECT_NE(why.find("got batch 2"), std::string::npos) << why;
  EXPECT_EQ(v.supports(NoParams{}, {{"x", Shape{1, 5}}, {"w", Shape{3, 5}}}), "");
  // Called directly on batch 2 it throws the same reason instead of computing.
  Tensor<float> y(Shape{2, 3});
  test::expect_error(
      [&] {
        linear_gemv_vc(Tensor<float>(Shape{2, 5}), Tensor<float>(Shape{3, 5}), Tensor<float>(), y);
      },
      {"linear_gemv_vc", "got batch 2"});
  // Mismatched shapes are the shape module's errors.
  test::expect_error(
      [&] {
        linear_gemm(Tensor<float>(Shape{2, 5}), Tensor<float>(Shape{3, 4}), Tensor<float>(), y);
      },
      {"linear", "in_features is 5"});
}

// ---------------------------------------------------------------------------------------------
// exp_vc.

// exp_vc on n floats (any n; the tail through a padded vector).
void exp_vc_array(const float* x, float* y, std::int64_t n) {
  constexpr std::int64_t L = Vc::float_v::size();
  std::int64_t i = 0;
  for (; i + L <= n; i += L) {
    dense_detail::exp_vc(Vc::float_v(x + i, Vc::Unaligned)).store(y + i, Vc::Unaligned);
  }
  alignas(64) float in[L] = {}, out[L];
  std::copy(x + i, x + n, in);
  dense_detail::exp_vc(Vc::float_v(in, Vc::Aligned)).store(out, Vc::Aligned);
  std::copy(out, out + (n - i), y + i);
}

// The largest relative error (in units of eps) of exp_vc against std::exp in double over the
// floats whose bit patterns run from `first` towards `last` (same sign) in steps of `stride`.
double max_exp_error_eps(float first, float last, std::uint32_t stride, float* worst_x) {
  const std::uint32_t b0 = std::bit_cast<std::uint32_t>(first);
  const std::uint32_t b1 = std::bit_cast<std::uint32_t>(last);
  const std::uint32_t lo = std::min(b0, b1), hi = std::max(b0, b1);
  double worst = 0;
  std::vector<float> xs, ys;
  const std::size_t kBatch = 1 << 16;
  xs.reserve(kBatch);
  const auto flush = [&] {
    ys.resize(xs.size());
    exp_vc_array(xs.data(), ys.data(), std::int64_t(xs.size()));
    for (std::size_t i = 0; i < xs.size(); ++i) {
      const double e = std::exp(double(xs[i]));
      const double rel = std::fabs(double(ys[i]) - e) / e / kEps;
      if (!(rel <= worst)) {  // NaN counts as worst
        worst = std::isnan(rel) ? std::numeric_limits<double>::infinity() : rel;
        *worst_x = xs[i];
      }
    }
    xs.clear();
  };
  for (std::uint64_t b = lo; b <= hi; b += stride) {
    xs.push_back(std::bit_cast<float>(std::uint32_t(b)));
    if (xs.size() == kBatch) flush();
  }
  flush();
  return worst;
}

// Normal results: e^x >= 2^-126 from x = -87.33654 (ln 2^-126 = -87.336544...), e^x <= FLT_MAX
// up to x = 88.72283.
constexpr float kExpLow = -87.3365f;
constexpr float kExpHigh = 88.7228f;

TEST(DenseExp, SweepOfTheNormalRangeWithinTheMeasuredMaximum) {
  float worst_x = 0;
  double worst = 0;
  // Every 97th float of both halves (about 23 million values, all binades), then a uniform step.
  worst = std::max(worst, max_exp_error_eps(-0.0f, kExpLow, 97, &worst_x));
  worst = std::max(worst, max_exp_error_eps(0.0f, kExpHigh, 97, &worst_x));
  std::vector<float> xs;
  for (double x = kExpLow; x <= kExpHigh; x += 1e-4) xs.push_back(float(x));
  std::vector<float> ys(xs.size());
  exp_vc_array(xs.data(), ys.data(), std::int64_t(xs.size()));
  for (std::size_t i = 0; i < xs.size(); ++i) {
    const double e = std::exp(double(xs[i]));
    worst = std::max(worst, std::fabs(double(ys[i]) - e) / e / kEps);
  }
  std::printf("exp_vc sweep: max relative error %.4g eps (%.4g) near x = %.9g\n", worst,
              worst * kEps, double(worst_x));
  EXPECT_LE(worst, dense_detail::kExpVcMaxRelativeErrorEps);
  EXPECT_GT(worst, 0.0);  // the sweep did compare something
}

// Every float of the normal range: run by hand (--gtest_also_run_disabled_tests) to measure the
// maximum stated in exp_vc.hpp; about 2.2e9 evaluations.
TEST(DenseExp, DISABLED_ExhaustiveNormalRange) {
  float worst_x = 0;
  double worst = 0;
  worst = std::max(worst, max_exp_error_eps(-0.0f, kExpLow, 1, &worst_x));
  worst = std::max(worst, max_exp_error_eps(0.0f, kExpHigh, 1, &worst_x));
  std::printf("exp_vc exhaustive: max relative error %.6g eps (%.6g) at x = %.9g\n", worst,
              worst * kEps, double(worst_x));
  EXPECT_LE(worst, dense_detail::kExpVcMaxRelativeErrorEps);
}

TEST(DenseExp, SpecialValuesAndSubnormals) {
  const float inf = std::numeric_limits<float>::infinity();
  const float xs[] = {0.0f, -0.0f, 1.0f, 89.0f, 1000.0f, inf, -104.0f, -1000.0f, -inf, kNaN};
  float ys[10];
  exp_vc_array(xs, ys, 10);
  EXPECT_EQ(ys[0], 1.0f);  // r = 0, n = 0: the polynomial's constant term
  EXPECT_EQ(ys[1], 1.0f);
  EXPECT_NEAR(ys[2], std::exp(1.0), 2 * kEps * std::exp(1.0));
  EXPECT_EQ(ys[3], inf);  // e^89 > FLT_MAX
  EXPECT_EQ(ys[4], inf);
  EXPECT_EQ(ys[5], inf);
  EXPECT_EQ(ys[6], 0.0f);  // e^-104 = 6.8e-46 < half the smallest subnormal (7.0e-46)
  EXPECT_EQ(ys[7], 0.0f);
  EXPECT_EQ(ys[8], 0.0f);
  EXPECT_TRUE(std::isnan(ys[9]));
  // Subnormal results (x from -103.9 to -87.34): rounded once onto the subnormal grid, so within
  // 2 units of the smallest subnormal 2^-149: half a unit for that rounding plus the relative
  // error below 1.6 eps of a value below 2^-126, i.e. below 1.6 * 2^-149.
  const double tiny = std::ldexp(1.0, -149);
  std::vector<float> sx;
  for (double x = -103.9; x < -87.34; x += 1e-3) sx.push_back(float(x));
  std::vector<float> sy(sx.size());
  exp_vc_array(sx.data(), sy.data(), std::int64_t(sx.size()));
  for (std::size_t i = 0; i < sx.size(); ++i) {
    ASSERT_LE(std::fabs(double(sy[i]) - std::exp(double(sx[i]))), 2 * tiny) << "x = " << sx[i];
  }
}

// ---------------------------------------------------------------------------------------------
// Activations.

// max |y - y_ref| / (eps * scale) over `xs` for a forward or backward activation variant, with
// scale = error_scale() of the op (dy = `dy_value` everywhere for the backward pass).
double worst_ratio(const Variant& v, const std::vector<float>& xs, float dy_value, float* worst_x) {
  const OpSpec& spec = find_op(v.op, v.direction);
  double worst = 0;
  const std::size_t kBatch = 1 << 18;
  for (std::size_t start = 0; start < xs.size(); start += kBatch) {
    const std::int64_t n = std::int64_t(std::min(kBatch, xs.size() - start));
    Tensor<float> x(Shape{n});
    std::copy(xs.begin() + std::ptrdiff_t(start), xs.begin() + std::ptrdiff_t(start) + n, x.data());
    TensorMap<float> in{{"x", x}};
    if (v.direction == Direction::backward) in["dy"] = Tensor<float>::full(Shape{n}, dy_value);
    TensorMap<float> out;
    run_variant(v, NoParams{}, in, out);
    const TensorMap<double> in_d = to_double(in);
    const TensorMap<double> ref = run_reference<double>(spec, NoParams{}, in_d);
    const TensorMap<double> scale = error_scale(spec, NoParams{}, in_d);
    const std::string name = v.direction == Direction::forward ? "y" : "dx";
    const Tensor<float>& got = out.at(name);
    for (std::int64_t i = 0; i < n; ++i) {
      const double diff = std::fabs(double(got[i]) - ref.at(name)[i]);
      if (diff == 0) continue;
      const double ratio = diff / (kEps * scale.at(name)[i]);
      if (!(ratio <= worst)) {
        worst = std::isnan(ratio) ? std::numeric_limits<double>::infinity() : ratio;
        *worst_x = x[i];
      }
    }
  }
  return worst;
}

// Floats of [-88, 88]: every `stride`-th bit pattern of each sign, plus a uniform step of 1e-3.
std::vector<float> sweep_points(std::uint32_t stride) {
  std::vector<float> xs;
  const std::uint32_t top = std::bit_cast<std::uint32_t>(88.0f);
  for (std::uint64_t b = 0; b <= top; b += stride) {
    const float x = std::bit_cast<float>(std::uint32_t(b));
    xs.push_back(x);
    xs.push_back(-x);
  }
  for (double x = -88; x <= 88; x += 1e-3) xs.push_back(float(x));
  return xs;
}

void check_activation_sweep(std::uint32_t stride) {
  const std::vector<float> xs = sweep_points(stride);
  for (const char* name : {"sigmoid_vc", "sigmoid_backward_vc", "tanh_vc", "tanh_backward_vc"}) {
    const Variant& v = variant(name);
    for (float dy : {1.0f, -0.75f}) {
      if (v.direction == Direction::forward && dy != 1.0f) continue;
      float worst_x = 0;
      const double worst = worst_ratio(v, xs, dy, &worst_x);
      std::printf("%s over %zu floats (stride %u): max |err| / (eps * scale) = %.4g at x = %.9g\n",
                  name, xs.size(), stride, worst, double(worst_x));
      EXPECT_LE(worst, v.tolerance_factor) << name << " at x = " << worst_x;
    }
  }
}

// The sweep behind the tolerance factors of dense_kernels.hpp (every 997th float of [-88, 88]
// of each sign, about 2.2 million values, plus a 1e-3 step).
TEST(DenseActivations, SweepAgainstErrorScale) {
  check_activation_sweep(997);
}

// The same with every 7th float (about 320 million values): run by hand to measure.
TEST(DenseActivations, DISABLED_FineSweepAgainstErrorScale) {
  check_activation_sweep(7);
}

TEST(DenseActivations, ReluKeepsNaNAndMapsMinusZeroToPlusZero) {
  Tensor<float> x(Shape{19});
  const float xs[] = {-2,    -0.0f, 0,  1e-30f, -1e-30f, 3,  kNaN, 7, -7,  0.5f,
                      -0.5f, 2,     -3, 4,      5,       -6, 8,    9, kNaN};
  std::copy(xs, xs + 19, x.data());
  Tensor<float> y = Tensor<float>::full(x.shape(), 42.0f), dx = y.clone();
  relu_vc(x, y);
  const Tensor<float> dy = Tensor<float>::full(x.shape(), 5.0f);
  relu_backward_vc(x, dy, dx);
  for (std::int64_t i = 0; i < 19; ++i) {
    SCOPED_TRACE("x = " + std::to_string(x[i]));
    if (std::isnan(x[i])) {
      EXPECT_TRUE(std::isnan(y[i]));
      EXPECT_TRUE(std::isnan(dx[i]));
    } else if (x[i] > 0) {
      EXPECT_EQ(y[i], x[i]);
      EXPECT_EQ(dx[i], 5.0f);
    } else {
      EXPECT_EQ(y[i], 0.0f);
      EXPECT_FALSE(std::signbit(y[i]));  // +0, also for -0
      EXPECT_EQ(dx[i], 0.0f);
    }
  }
}

TEST(DenseActivations, SaturationAndNaN) {
  Tensor<float> x(Shape{5});
  const float xs[] = {100.0f, -100.0f, 0.0f, kNaN, -20.0f};
  std::copy(xs, xs + 5, x.data());
  Tensor<float> s(x.shape()), t(x.shape());
  sigmoid_vc(x, s);
  tanh_vc(x, t);
  EXPECT_EQ(s[0], 1.0f);
  // sigmoid(-100) = e^-100 / (1 + e^-100) = 3.72e-44, a subnormal float: not flushed to 0.
  EXPECT_GT(s[1], 0.0f);
  EXPECT_NEAR(s[1], std::exp(-100.0), std::ldexp(1.0, -148));
  EXPECT_EQ(s[2], 0.5f);  // e = 1, 1 / 2 exactly
  EXPECT_TRUE(std::isnan(s[3]));
  EXPECT_EQ(t[0], 1.0f);
  EXPECT_EQ(t[1], -1.0f);
  EXPECT_EQ(t[2], 0.0f);
  EXPECT_TRUE(std::isnan(t[3]));
  // sigmoid'(-20) = e^-20 / (1 + e^-20)^2 = 2.06e-9: formed from e, not 1 - y.
  Tensor<float> d(x.shape());
  sigmoid_backward_vc(x, Tensor<float>::full(x.shape(), 1.0f), d);
  const double e20 = std::exp(-20.0);
  EXPECT_NEAR(d[4], e20 / ((1 + e20) * (1 + e20)), 4 * kEps * e20);
  EXPECT_TRUE(std::isnan(d[3]));
}

// ---------------------------------------------------------------------------------------------
// flatten.

TEST(DenseFlatten, CopyEqualsTheViewAndBack) {
  struct C {
    Shape x;
    int start_dim;
  };
  const C cases[] = {{Shape{2, 3, 4, 5}, 1},
                     {Shape{2, 3, 4, 5}, 0},
                     {Shape{2, 3, 4, 5}, 3},
                     {Shape{2, 2, 3, 2, 3}, 2},
                     {Shape{7}, 0}};
  for (const C& c : cases) {
    SCOPED_TRACE(c.x.str() + " start_dim " + std::to_string(c.start_dim));
    const FlattenParams p{.start_dim = c.start_dim};
    const Tensor<float> x = test::random_tensor<float>(c.x, 11);
    const Tensor<float> view = ref::flatten(x, p);
    Tensor<float> y = Tensor<float>::full(view.shape(), kNaN);
    flatten_copy(x, p, y);
    EXPECT_TRUE(test::all_equal(y, view));
    EXPECT_NE(y.data(), x.data());  // a separate buffer
    Tensor<float> dx = Tensor<float>::full(c.x, kNaN);
    flatten_backward_copy(x, y, p, dx);
    EXPECT_TRUE(test::all_equal(dx, x));
  }
  Tensor<float> wrong(Shape{3, 3});
  test::expect_error(
      [&] {
        flatten_copy(Tensor<float>(Shape{2, 3, 4}), FlattenParams{.start_dim = 1}, wrong);
      },
      {"flatten_copy", "y"});
}

}  // namespace
}  // namespace convlab
