// The optimized conv2d variants (kernels/conv2d) against the reference ref::conv2d in double:
// every variant on groups of random shapes with fixed, printed seeds (awkward widths, channel
// counts that are not multiples of 8, odd and asymmetric padding, strides, dilation, groups,
// padding modes), with the tolerance of DESIGN.md; exact equality on small integers for the
// variants that are exact there; identities (separable kernel = two 1-D passes, depthwise =
// groups of one channel); the SVD approximation error against singular values computed by hand;
// the rejection of refused problems and wrong output shapes; and corr2d run through
// conv2d_direct_vc_ow on 1-channel views.
#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <iostream>
#include <limits>
#include <map>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/shape.hpp"
#include "kernels/conv2d/conv2d_kernels.hpp"
#include "reference/conv2d.hpp"
#include "tests/support.hpp"

namespace convlab {
namespace {

using test::all_equal;
using test::random_int_tensor;
using test::random_tensor;

using RunFn = void (*)(const Tensor<float>&, const Tensor<float>&, const Tensor<float>&,
                       const Conv2dParams&, Tensor<float>&);
using SupportsFn = std::string (*)(const Conv2dParams&, const Shape&, const Shape&);

// Which weights a variant can take: any, or only kernels that are rank 1 (u v^T).
enum class Weights { any, rank1 };

// The table of variants (until the registry replaces it): name, run, supports, factor, plus
// what this test needs to know beyond that.
struct KernelVariant {
  std::string name;
  RunFn run;
  SupportsFn supports;
  double factor;
  // Small-integer inputs give results equal to the reference (no division, no rounding).
  bool exact_on_integers;
  Weights weights;
  Conv2dErrorModel model = {};  // how M is formed (conv2d_kernels.hpp); default: per weight
};

const std::vector<KernelVariant>& variants() {
  static const std::vector<KernelVariant> table = {
      {"conv2d_direct_vc", conv2d_direct_vc, conv2d_direct_vc_supports,
       kConv2dDirectVcToleranceFactor, true, Weights::any},
      {"conv2d_direct_vc_ow", conv2d_direct_vc_ow, conv2d_direct_vc_ow_supports,
       kConv2dDirectVcOwToleranceFactor, true, Weights::any},
      {"conv2d_direct_avx512", conv2d_direct_avx512, conv2d_direct_avx512_supports,
       kConv2dDirectAvx512ToleranceFactor, true, Weights::any},
      {"conv2d_direct_vc_oc", conv2d_direct_vc_oc, conv2d_direct_vc_oc_supports,
       kConv2dDirectVcOcToleranceFactor, true, Weights::any},
      {"conv2d_direct_oc_avx512", conv2d_direct_oc_avx512, conv2d_direct_oc_avx512_supports,
       kConv2dDirectOcAvx512ToleranceFactor, true, Weights::any},
      {"conv2d_depthwise_vc", conv2d_depthwise_vc, conv2d_depthwise_vc_supports,
       kConv2dDepthwiseVcToleranceFactor, true, Weights::any},
      {"conv2d_depthwise_avx512", conv2d_depthwise_avx512, conv2d_depthwise_avx512_supports,
       kConv2dDepthwiseAvx512ToleranceFactor, true, Weights::any},
      // F(2x2, 3x3) has the coefficients 1 and 1/2 only: on integers every value is a multiple
      // of 1/4, exact in float.
      {"conv2d_winograd_f2x3", conv2d_winograd_f2x3, conv2d_winograd_f2x3_supports,
       kConv2dWinogradF2x3ToleranceFactor, true, Weights::any, kConv2dWinogradF2x3ErrorModel},
      {"conv2d_winograd_f4x3", conv2d_winograd_f4x3, conv2d_winograd_f4x3_supports,
       kConv2dWinogradF4x3ToleranceFactor, false, Weights::any, kConv2dWinogradF4x3ErrorModel},
      {"conv2d_winograd_f2x3_avx512", conv2d_winograd_f2x3_avx512,
       conv2d_winograd_f2x3_avx512_supports, kConv2dWinogradF2x3ToleranceFactor, true, Weights::any,
       kConv2dWinogradF2x3ErrorModel},
      {"conv2d_winograd_f4x3_avx512", conv2d_winograd_f4x3_avx512,
       conv2d_winograd_f4x3_avx512_supports, kConv2dWinogradF4x3ToleranceFactor, false,
       Weights::any, kConv2dWinogradF4x3ErrorModel},
      {"conv2d_separable_rank1", conv2d_separable_rank1, conv2d_separable_rank1_supports,
       kConv2dSeparableRank1ToleranceFactor, false, Weights::rank1},
      {"conv2d_separable_svd_r3", conv2d_separable_svd_r3, conv2d_separable_svd_r3_supports,
       kConv2dSeparableSvdR3ToleranceFactor, false, Weights::any, kConv2dSeparableSvdR3ErrorModel},
      {"conv2d_im2col_gemm", conv2d_im2col_gemm, conv2d_im2col_gemm_supports,
       kConv2dIm2colGemmToleranceFactor, true, Weights::any},
      {"conv2d_implicit_gemm", conv2d_implicit_gemm, conv2d_implicit_gemm_supports,
       kConv2dImplicitGemmToleranceFactor, true, Weights::any},
      {"conv2d_1x1_gemm", conv2d_1x1_gemm, conv2d_1x1_gemm_supports, kConv2d1x1GemmToleranceFactor,
       true, Weights::any},
      {"conv2d_1x1_avx512", conv2d_1x1_avx512, conv2d_1x1_avx512_supports,
       kConv2d1x1Avx512ToleranceFactor, true, Weights::any},
      {"conv2d_grouped_gemm", conv2d_grouped_gemm, conv2d_grouped_gemm_supports,
       kConv2dGroupedGemmToleranceFactor, true, Weights::any},
  };
  return table;
}

const KernelVariant& variant(const std::string& name) {
  for (const KernelVariant& v : variants()) {
    if (v.name == name) return v;
  }
  throw std::invalid_argument("no variant " + name);
}

// ---- the random problems ----

struct Case {
  std::string group;
  std::uint64_t seed;  // of the group; case i uses seed + 7919 * i for its tensors
  int index;
  Shape x, w;
  bool bias;
  Conv2dParams p;
  std::uint64_t data_seed() const { return seed + 7919 * static_cast<std::uint64_t>(index); }
  std::string str() const {
    std::ostringstream s;
    s << group << " seed " << seed << " case " << index << ": x " << x.str() << ", w " << w.str()
      << (bias ? ", bias" : ", no bias") << ", stride " << p.stride_h << "x" << p.stride_w
      << ", pad (t, b, l, r) (" << p.pad_top << ", " << p.pad_bottom << ", " << p.pad_left << ", "
      << p.pad_right << "), dilation " << p.dilation_h << "x" << p.dilation_w << ", groups "
      << p.groups << ", padding " << to_string(p.padding_mode);
    return s.str();
  }
};

// Each group aims at one kind of edge; its seed is fixed and printed with every failure.
struct CaseGroup {
  const char* name;
  std::uint64_t seed;
  int count;
};
constexpr CaseGroup kGroups[] = {
    {"general", 1001, 80},          // everything random, small
    {"awkward_widths", 1002, 40},   // W in {1, 7, 15, 17, 33}: below, at and across SIMD widths
    {"three_by_three", 1003, 50},   // 3x3 stride 1 (Winograd's domain), odd/asymmetric padding
    {"depthwise", 1004, 40},        // groups == C_in == C_out
    {"pointwise", 1005, 30},        // 1x1, stride 1, no padding
    {"strided_dilated", 1006, 40},  // strides 2-3 and dilation 2-3
    {"padding_modes", 1007, 30},    // reflect, replicate, circular
    {"wide_channels", 1008, 12},    // 17-40 channels: channel-block tails of the tiles
    {"long_rows", 1009, 8},  // 64-200 input rows x up to 140 columns: column chunks of AVX-512
};

std::vector<Case> make_cases(const CaseGroup& group) {
  std::mt19937_64 rng(group.seed);
  auto pick = [&](std::int64_t lo, std::int64_t hi) {
    return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng);
  };
  auto one_of = [&](std::initializer_list<std::int64_t> values) {
    return *(values.begin() + pick(0, static_cast<std::int64_t>(values.size()) - 1));
  };
  const std::string name = group.name;
  std::vector<Case> cases;
  while (static_cast<int>(cases.size()) < group.count) {
    std::int64_t n = pick(1, 2), groups = 1, cig = 1, cog = 1, h = 1, w = 1, kh = 1, kw = 1;
    Conv2dParams p;
    p.pad_top = pick(0, 3);
    p.pad_bottom = pick(0, 3);
    p.pad_left = pick(0, 3);
    p.pad_right = pick(0, 3);
    if (name == "general") {
      groups = pick(1, 3);
      cig = one_of({1, 2, 3, 5});
      cog = one_of({1, 2, 3, 4, 5, 7, 9, 17});
      h = pick(1, 12);
      w = pick(1, 20);
      kh = pick(1, 5);
      kw = pick(1, 5);
      p.stride_h = pick(1, 3);
      p.stride_w = pick(1, 3);
      p.dilation_h = pick(1, 3);
      p.dilation_w = pick(1, 3);
    } else if (name == "awkward_widths") {
      groups = pick(1, 2);
      cig = one_of({1, 3, 5});
      cog = one_of({1, 3, 4, 5, 8, 9, 17});
      h = pick(1, 9);
      w = one_of({1, 7, 15, 17, 33});
      kh = pick(1, 4);
      kw = pick(1, 4);
      p.stride_h = pick(1, 2);
      p.dilation_h = pick(1, 2);
      p.dilation_w = pick(1, 2);
      p.pad_left = pick(0, 2);
      p.pad_right = pick(0, 2);
    } else if (name == "three_by_three") {
      groups = pick(1, 2);
      cig = one_of({1, 2, 3, 7, 9, 17});
      cog = one_of({1, 3, 5, 8, 9, 16, 17});
      h = pick(1, 14);
      w = one_of({1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 33});
      kh = kw = 3;
      const std::int64_t mode = pick(0, 7);  // one case in 8 each: reflect, replicate, circular
      p.padding_mode = mode == 1   ? PaddingMode::reflect
                       : mode == 2 ? PaddingMode::replicate
                       : mode == 3 ? PaddingMode::circular
                                   : PaddingMode::zeros;
    } else if (name == "depthwise") {
      cig = 1;
      cog = 1;
      groups = pick(1, 20);
      h = pick(1, 12);
      w = one_of({1, 7, 8, 15, 16, 17, 33, 40, 50});
      kh = pick(0, 1) == 0 ? 3 : pick(1, 5);
      kw = pick(0, 1) == 0 ? 3 : pick(1, 5);
      p.stride_h = pick(1, 3);
      p.stride_w = pick(1, 3);
      p.dilation_h = pick(1, 2);
      p.dilation_w = pick(1, 2);
    } else if (name == "pointwise") {
      groups = pick(1, 3);
      cig = one_of({1, 3, 8, 17});
      cog = one_of({1, 5, 16, 33});
      h = pick(1, 10);
      w = one_of({1, 7, 15, 17, 33});
      p = Conv2dParams{};
    } else if (name == "strided_dilated") {
      groups = pick(1, 2);
      cig = one_of({1, 2, 3, 5});
      cog = one_of({1, 3, 4, 9, 17});
      h = pick(4, 16);
      w = one_of({7, 15, 17, 33});
      kh = pick(1, 5);
      kw = pick(1, 5);
      p.stride_h = pick(2, 3);
      p.stride_w = pick(2, 3);
      p.dilation_h = pick(2, 3);
      p.dilation_w = pick(2, 3);
    } else if (name == "padding_modes") {
      groups = pick(1, 2);
      cig = one_of({1, 2, 3});
      cog = one_of({1, 4, 5, 17});
      h = pick(3, 10);
      w = one_of({7, 15, 17, 33});
      kh = pick(1, 4);
      kw = pick(1, 4);
      p.stride_h = pick(1, 2);
      p.stride_w = pick(1, 2);
      p.dilation_h = pick(1, 2);
      p.dilation_w = pick(1, 2);
      p.pad_top = pick(0, 2);
      p.pad_bottom = pick(0, 2);
      p.pad_left = pick(0, 2);
      p.pad_right = pick(0, 2);
      const std::int64_t m = pick(1, 3);
      p.padding_mode = m == 1   ? PaddingMode::reflect
                       : m == 2 ? PaddingMode::replicate
                                : PaddingMode::circular;
    } else if (name == "wide_channels") {
      groups = pick(1, 2);
      cig = pick(17, 33);
      cog = pick(17, 40);
      n = 1;
      h = pick(2, 5);
      w = one_of({9, 15, 16, 17, 24});
      kh = kw = pick(0, 1) == 0 ? 3 : pick(1, 5);
    } else if (name == "long_rows") {
      groups = 1;
      cig = pick(32, 64);
      cog = pick(12, 25);
      n = 1;
      h = pick(1, 3);
      w = one_of({65, 100, 140});
      kh = kw = 3;
      p.pad_left = p.pad_right = pick(0, 1);
    }
    p.groups = groups;
    Case c{name,
           group.seed,
           static_cast<int>(cases.size()),
           Shape{n, groups * cig, h, w},
           Shape{groups * cog, cig, kh, kw},
           pick(0, 3) != 0,
           p};
    try {  // keep only valid problems
      conv2d_output_shape(c.x, c.w, c.bias ? Shape{groups * cog} : Shape{}, c.p);
    } catch (const std::invalid_argument&) {
      continue;
    }
    cases.push_back(c);
  }
  return cases;
}

// Rank-1 weights: every kernel fl(u_i * v_j) from random u, v.
Tensor<float> rank1_weights(const Shape& shape, std::uint64_t seed) {
  const Tensor<float> u = random_tensor<float>(Shape{shape[0], shape[1], shape[2]}, seed);
  const Tensor<float> v = random_tensor<float>(Shape{shape[0], shape[1], shape[3]}, seed + 1);
  Tensor<float> w(shape);
  for (std::int64_t o = 0; o < shape[0]; ++o)
    for (std::int64_t i = 0; i < shape[1]; ++i)
      for (std::int64_t a = 0; a < shape[2]; ++a)
        for (std::int64_t b = 0; b < shape[3]; ++b) w(o, i, a, b) = u(o, i, a) * v(o, i, b);
  return w;
}

Tensor<double> absolute(const Tensor<double>& t) {
  Tensor<double> a = t.clone();
  for (auto& v : a.values()) v = std::fabs(v);
  return a;
}

// |w| with every kernel (oc, ic) replaced by its largest |w|: the weights of the kernel_max
// error model.
Tensor<double> kernel_max(const Tensor<double>& w) {
  Tensor<double> m = absolute(w);
  const std::int64_t taps = w.dim(2) * w.dim(3);
  for (std::int64_t k = 0; k < w.dim(0) * w.dim(1); ++k) {
    const auto first = m.values().begin() + k * taps;
    std::fill(first, first + taps, *std::max_element(first, first + taps));
  }
  return m;
}

// M of the tolerance, computed by the reference on absolute values: sum |x * w| + |b| over each
// output's window, or with the weights of the kernel_max model.
Tensor<double> bound_m(const Tensor<double>& x, const Tensor<double>& w, const Tensor<double>& b,
                       const Conv2dParams& p, bool kernel_max_weights) {
  return ref::conv2d(absolute(x), kernel_max_weights ? kernel_max(w) : absolute(w),
                     b.empty() ? Tensor<double>() : absolute(b), p);
}

// A case with its tensors, the reference output in double and M (the kernel_max form is
// computed on first use: only three variants need it).
struct Prepared {
  Case c;
  Tensor<float> x, w, b;
  Tensor<double> y_ref, m_ref;
  mutable Tensor<double> m_kernel_max;
  const Tensor<double>& m(const Conv2dErrorModel& model) const {
    if (!model.kernel_max) return m_ref;
    if (m_kernel_max.empty()) {
      m_kernel_max = bound_m(x.cast<double>(), w.cast<double>(),
                             c.bias ? b.cast<double>() : Tensor<double>(), c.p, true);
    }
    return m_kernel_max;
  }
};

// Cached per (group, weights, integers): the references are the expensive part.
const std::vector<Prepared>& prepared(const CaseGroup& group, Weights weights, bool integers) {
  static std::map<std::string, std::vector<Prepared>> cache;
  const std::string key = std::string(group.name) + (weights == Weights::rank1 ? "/rank1" : "") +
                          (integers ? "/int" : "");
  auto it = cache.find(key);
  if (it != cache.end()) return it->second;
  std::vector<Prepared> out;
  for (const Case& c : make_cases(group)) {
    Prepared pr;
    pr.c = c;
    const std::uint64_t s = c.data_seed();
    const Shape bias_shape{c.w[0]};
    if (integers) {
      pr.x = random_int_tensor<float>(c.x, s);
      pr.w = random_int_tensor<float>(c.w, s + 1);
      if (c.bias) pr.b = random_int_tensor<float>(bias_shape, s + 2);
    } else {
      pr.x = random_tensor<float>(c.x, s);
      pr.w =
          weights == Weights::rank1 ? rank1_weights(c.w, s + 1) : random_tensor<float>(c.w, s + 1);
      if (c.bias) pr.b = random_tensor<float>(bias_shape, s + 2);
    }
    const Tensor<double> xd = pr.x.cast<double>(), wd = pr.w.cast<double>();
    const Tensor<double> bd = c.bias ? pr.b.cast<double>() : Tensor<double>();
    pr.y_ref = ref::conv2d(xd, wd, bd, c.p);
    pr.m_ref = bound_m(xd, wd, bd, c.p, false);
    out.push_back(std::move(pr));
  }
  return cache.emplace(key, std::move(out)).first->second;
}

// Runs a variant on a NaN-filled output of the right shape.
Tensor<float> run_variant(const KernelVariant& v, const Tensor<float>& x, const Tensor<float>& w,
                          const Tensor<float>& b, const Conv2dParams& p) {
  Tensor<float> y(conv2d_output_shape(x.shape(), w.shape(), b.shape(), p));
  y.fill(std::numeric_limits<float>::quiet_NaN());
  v.run(x, w, b, p, y);
  return y;
}

// |y - y_ref| <= factor * eps(float) * K * M element-wise, M taken as the largest over the
// tile x tile output block of the element (tile 1: the element's own M); also returns the
// largest |y - y_ref| / (eps * K * M) seen (the measured factor).
::testing::AssertionResult within_bound(const Tensor<float>& y, const Tensor<double>& y_ref,
                                        const Tensor<double>& m_ref, double factor, std::int64_t K,
                                        double& max_ratio, int tile = 1) {
  const double eps = std::numeric_limits<float>::epsilon();
  const Shape& s = y_ref.shape();
  if (!(y.shape() == s)) {
    return ::testing::AssertionFailure() << "shape " << y.shape().str() << " != " << s.str();
  }
  const std::int64_t H = s[2], W = s[3];
  for (std::int64_t i = 0; i < y.numel(); ++i) {
    const std::int64_t plane = i / (H * W), oh = i % (H * W) / W, ow = i % W;
    double M = 0;
    for (std::int64_t a = oh / tile * tile; a < std::min(H, (oh / tile + 1) * tile); ++a) {
      for (std::int64_t b = ow / tile * tile; b < std::min(W, (ow / tile + 1) * tile); ++b) {
        M = std::max(M, m_ref[(plane * H + a) * W + b]);
      }
    }
    const double err = std::fabs(double(y[i]) - y_ref[i]);
    const double scale = eps * double(K) * M;
    if (scale > 0) max_ratio = std::max(max_ratio, err / scale);
    if (!(err <= factor * scale)) {
      return ::testing::AssertionFailure()
             << "y(" << plane / s[1] << ", " << plane % s[1] << ", " << oh << ", " << ow
             << ") = " << y[i] << ", reference " << y_ref[i] << ", |diff| " << err << " > "
             << factor << " * eps * K * M = " << factor * scale << " (K " << K << ", M " << M
             << ")";
    }
  }
  return ::testing::AssertionSuccess();
}

// ---- the parameterized tests: variant x group of cases ----

struct Param {
  const KernelVariant* variant;
  const CaseGroup* group;
};

std::vector<Param> all_params() {
  std::vector<Param> out;
  for (const KernelVariant& v : variants()) {
    for (const CaseGroup& g : kGroups) out.push_back({&v, &g});
  }
  return out;
}

// How gtest (and so ctest) shows a parameter: "conv2d_direct_vc on general".
void PrintTo(const Param& p, std::ostream* os) {
  *os << p.variant->name << " on " << p.group->name;
}

class Conv2dKernels : public ::testing::TestWithParam<Param> {};

// Agreement with the double reference within the variant's tolerance on every case it
// supports; refused cases are counted and shown, and a group it refuses entirely is a skip.
TEST_P(Conv2dKernels, RandomShapesWithinTolerance) {
  const KernelVariant& v = *GetParam().variant;
  int ran = 0;
  std::map<std::string, int> refused;
  double max_ratio = 0;
  std::int64_t nonzero = 0, outputs = 0;
  for (const Prepared& pr : prepared(*GetParam().group, v.weights, false)) {
    SCOPED_TRACE(pr.c.str());
    const std::string reason = v.supports(pr.c.p, pr.c.x, pr.c.w);
    if (!reason.empty()) {
      ++refused[reason];
      continue;
    }
    ++ran;
    const Tensor<float> y = run_variant(v, pr.x, pr.w, pr.b, pr.c.p);
    const std::int64_t K = pr.c.w[1] * pr.c.w[2] * pr.c.w[3] + 1;
    ASSERT_TRUE(within_bound(y, pr.y_ref, pr.m(v.model), v.factor, K, max_ratio, v.model.tile));
    for (double e : pr.y_ref.values()) nonzero += e != 0.0;
    outputs += pr.y_ref.numel();
  }
  // The comparisons have power only if the outputs are not mostly zeros.
  EXPECT_GE(2 * nonzero, outputs) << "the references of this group are mostly zeros";
  std::cout << "[ measured ] " << v.name << " on " << GetParam().group->name << ": " << ran
            << " cases, max |y - y_ref| / (eps K M) = " << max_ratio << " (factor " << v.factor
            << ")\n";
  for (const auto& [reason, count] : refused) {
    std::cout << "[  refused ] " << count << " cases: " << reason << "\n";
  }
  if (ran == 0) GTEST_SKIP() << "every case refused; e.g. " << refused.begin()->first;
}

// Small integers keep every sum exact in float: the exact variants must equal the reference.
TEST_P(Conv2dKernels, SmallIntegersExact) {
  const KernelVariant& v = *GetParam().variant;
  if (!v.exact_on_integers) GTEST_SKIP() << v.name << " is not exact on integers (it divides)";
  int ran = 0;
  std::string refused;
  for (const Prepared& pr : prepared(*GetParam().group, Weights::any, true)) {
    SCOPED_TRACE(pr.c.str());
    const std::string reason = v.supports(pr.c.p, pr.c.x, pr.c.w);
    if (!reason.empty()) {
      refused = reason;
      continue;
    }
    ++ran;
    ASSERT_TRUE(all_equal(run_variant(v, pr.x, pr.w, pr.b, pr.c.p), pr.y_ref));
  }
  if (ran == 0) GTEST_SKIP() << "every case refused; e.g. " << refused;
}

// An output of the wrong shape is an error naming the variant and y, never a write out of
// bounds; a problem the variant refuses throws its reason instead of computing something else.
TEST_P(Conv2dKernels, RejectsWrongOutputAndRefusedProblems) {
  const KernelVariant& v = *GetParam().variant;
  bool checked_refusal = false;
  for (const Prepared& pr : prepared(*GetParam().group, v.weights, false)) {
    SCOPED_TRACE(pr.c.str());
    const std::string reason = v.supports(pr.c.p, pr.c.x, pr.c.w);
    if (reason.empty()) {
      const Shape good = pr.y_ref.shape();
      Tensor<float> wrong(Shape{good[0], good[1], good[2], good[3] + 1});
      try {
        v.run(pr.x, pr.w, pr.b, pr.c.p, wrong);
        ADD_FAILURE() << "no exception for output shape " << wrong.shape().str();
      } catch (const std::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find(v.name), std::string::npos) << e.what();
      }
    } else if (!checked_refusal) {
      checked_refusal = true;
      Tensor<float> y(pr.y_ref.shape());
      try {
        v.run(pr.x, pr.w, pr.b, pr.c.p, y);
        ADD_FAILURE() << "no exception for a refused problem: " << reason;
      } catch (const std::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find(reason), std::string::npos) << e.what();
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Variants, Conv2dKernels, ::testing::ValuesIn(all_params()),
                         [](const ::testing::TestParamInfo<Param>& info) {
                           return info.param.variant->name + "_" + info.param.group->name;
                         });

// ---- identities ----

// A separable kernel u v^T gives the same result as a vertical pass with u (a KH x 1 kernel,
// the row parameters) followed by a horizontal pass with v (1 x KW, the column parameters);
// checked on the reference in double (exact on integers) and on conv2d_separable_rank1.
TEST(Conv2dKernelsIdentities, SeparableKernelEqualsTwoPasses) {
  const std::uint64_t seed = 2001;
  std::mt19937_64 rng(seed);
  auto pick = [&](std::int64_t lo, std::int64_t hi) {
    return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng);
  };
  for (int i = 0; i < 30; ++i) {
    const std::int64_t kh = pick(1, 5), kw = pick(1, 5), h = pick(kh, 14), w = pick(kw, 20);
    const Conv2dParams p{.stride_h = pick(1, 3),
                         .stride_w = pick(1, 3),
                         .pad_top = pick(0, 2),
                         .pad_bottom = pick(0, 2),
                         .pad_left = pick(0, 2),
                         .pad_right = pick(0, 2),
                         .dilation_h = pick(1, 2),
                         .dilation_w = pick(1, 2)};
    SCOPED_TRACE("seed " + std::to_string(seed) + ", case " + std::to_string(i));
    try {
      conv2d_output_shape(Shape{1, 1, h, w}, Shape{1, 1, kh, kw}, Shape{}, p);
    } catch (const std::invalid_argument&) {
      continue;
    }
    const auto x = random_int_tensor<double>(Shape{1, 1, h, w}, seed + 10 * i);
    const auto u = random_int_tensor<double>(Shape{1, 1, kh, 1}, seed + 10 * i + 1);
    const auto v = random_int_tensor<double>(Shape{1, 1, 1, kw}, seed + 10 * i + 2);
    Tensor<double> k(Shape{1, 1, kh, kw});
    for (std::int64_t a = 0; a < kh; ++a)
      for (std::int64_t b = 0; b < kw; ++b) k(0, 0, a, b) = u(0, 0, a, 0) * v(0, 0, 0, b);
    const Conv2dParams vertical{.stride_h = p.stride_h,
                                .pad_top = p.pad_top,
                                .pad_bottom = p.pad_bottom,
                                .dilation_h = p.dilation_h};
    const Conv2dParams horizontal{.stride_w = p.stride_w,
                                  .pad_left = p.pad_left,
                                  .pad_right = p.pad_right,
                                  .dilation_w = p.dilation_w};
    const Tensor<double> two_pass =
        ref::conv2d(ref::conv2d(x, u, Tensor<double>(), vertical), v, Tensor<double>(), horizontal);
    const Tensor<double> full = ref::conv2d(x, k, Tensor<double>(), p);
    ASSERT_TRUE(all_equal(full, two_pass));
    // The kernel: its factors are re-derived from k, so it matches within its tolerance.
    const Tensor<float> y = run_variant(variant("conv2d_separable_rank1"), x.cast<float>(),
                                        k.cast<float>(), Tensor<float>(), p);
    double ratio = 0;
    EXPECT_TRUE(within_bound(y, two_pass, bound_m(x, k, Tensor<double>(), p, false),
                             kConv2dSeparableRank1ToleranceFactor, kh * kw + 1, ratio));
  }
}

// Depthwise equals groups = C: conv2d_depthwise_vc, the general kernels run with groups = C,
// and each channel convolved on its own (groups = 1, one channel) all agree exactly on
// integers.
TEST(Conv2dKernelsIdentities, DepthwiseEqualsGroupsOfOneChannel) {
  const std::uint64_t seed = 2002;
  const std::int64_t C = 11, H = 9, W = 21;
  const Conv2dParams p{.stride_h = 1,
                       .stride_w = 2,
                       .pad_top = 1,
                       .pad_bottom = 2,
                       .pad_left = 2,
                       .pad_right = 1,
                       .dilation_h = 2,
                       .groups = C};
  const auto x = random_int_tensor<float>(Shape{2, C, H, W}, seed);
  const auto w = random_int_tensor<float>(Shape{C, 1, 3, 3}, seed + 1);
  const auto b = random_int_tensor<float>(Shape{C}, seed + 2);
  const Tensor<float> y = run_variant(variant("conv2d_depthwise_vc"), x, w, b, p);
  for (const KernelVariant& v : variants()) {
    if (v.name == "conv2d_direct_vc" || v.name == "conv2d_im2col_gemm" ||
        v.name == "conv2d_implicit_gemm" || v.name == "conv2d_grouped_gemm") {
      EXPECT_TRUE(all_equal(run_variant(v, x, w, b, p), y)) << v.name;
    }
  }
  Conv2dParams one = p;
  one.groups = 1;
  for (std::int64_t n = 0; n < 2; ++n) {
    for (std::int64_t c = 0; c < C; ++c) {
      Tensor<float> xc(Shape{1, 1, H, W});
      for (std::int64_t i = 0; i < H; ++i)
        for (std::int64_t j = 0; j < W; ++j) xc(0, 0, i, j) = x(n, c, i, j);
      const Tensor<float> yc = ref::conv2d(xc, w.slice(c, c + 1), b.slice(c, c + 1), one);
      for (std::int64_t i = 0; i < yc.dim(2); ++i)
        for (std::int64_t j = 0; j < yc.dim(3); ++j)
          ASSERT_EQ(y(n, c, i, j), yc(0, 0, i, j)) << "n " << n << " c " << c;
    }
  }
}

// conv2d_depthwise_avx512 runs planes of up to 4096 padded positions 16 channels at a time,
// channel-minor, and larger planes one at a time (3x3 zero-padded problems with dilation 1 are
// read in place instead: next test): both give conv2d_depthwise_vc's bits (same
// FMA chain per output), across channel tails (1, 7, 17, 33 channels), widths around 16,
// strides 1-3 with odd sizes, dilation, asymmetric padding, every padding mode, kernels of
// more than 16 taps and no bias.
TEST(Conv2dKernelsIdentities, DepthwiseAvx512GivesDepthwiseVcsBits) {
  const KernelVariant& avx = variant("conv2d_depthwise_avx512");
  if (!avx.supports(Conv2dParams{.groups = 1}, Shape{1, 1, 4, 4}, Shape{1, 1, 3, 3}).empty()) {
    GTEST_SKIP() << "no AVX-512F";
  }
  std::mt19937_64 rng(2003);
  const auto pick = [&](std::int64_t lo, std::int64_t hi) {
    return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng);
  };
  const std::int64_t channels[] = {1, 7, 16, 17, 33};
  const std::int64_t widths[] = {1, 7, 15, 16, 17, 33};
  const PaddingMode modes[] = {PaddingMode::zeros, PaddingMode::reflect, PaddingMode::replicate,
                               PaddingMode::circular};
  int run = 0;
  for (int i = 0; i < 120; ++i) {
    const bool big = i % 20 == 0;  // past 4096 padded positions: one plane at a time
    const std::int64_t C = big ? pick(1, 3) : channels[i % 5];
    const std::int64_t H = big ? pick(64, 80) : pick(1, 17);
    const std::int64_t W = big ? pick(64, 80) : widths[pick(0, 5)];
    const std::int64_t KH = i % 3 == 0 ? 3 : pick(1, 5), KW = i % 3 == 0 ? 3 : pick(1, 7);
    const PaddingMode mode = modes[pick(0, 3)];
    // reflect needs padding < size, circular <= size.
    const std::int64_t ph = std::min<std::int64_t>(2, H - 1), pw = std::min<std::int64_t>(3, W - 1);
    const Conv2dParams p{.stride_h = pick(1, 3),
                         .stride_w = pick(1, 3),
                         .pad_top = pick(0, ph),
                         .pad_bottom = pick(0, ph),
                         .pad_left = pick(0, pw),
                         .pad_right = pick(0, pw),
                         .dilation_h = pick(1, 2),
                         .dilation_w = i % 3 == 0 && i % 2 == 0 ? 1 : pick(1, 2),
                         .groups = C,
                         .padding_mode = mode};
    const Shape xs{pick(1, 2), C, H, W}, ws{C, 1, KH, KW};
    try {
      (void)conv2d_output_shape(xs, ws, Shape{C}, p);
    } catch (const std::invalid_argument&) {
      continue;  // kernel larger than the padded input
    }
    ++run;
    const auto x = random_tensor<float>(xs, 3000 + i);
    const auto w = random_tensor<float>(ws, 4000 + i);
    const auto b = i % 4 == 1 ? Tensor<float>() : random_tensor<float>(Shape{C}, 5000 + i);
    EXPECT_TRUE(all_equal(run_variant(avx, x, w, b, p),
                          run_variant(variant("conv2d_depthwise_vc"), x, w, b, p)))
        << "case " << i << ": N " << xs[0] << " C " << C << " H " << H << " W " << W << " K " << KH
        << "x" << KW << " stride " << p.stride_h << "x" << p.stride_w << " dilation "
        << p.dilation_h << "x" << p.dilation_w << " pads " << p.pad_top << "," << p.pad_bottom
        << "," << p.pad_left << "," << p.pad_right << " mode " << static_cast<int>(mode);
  }
}

// conv2d_depthwise_avx512 reads 3x3 zero-padded planes in place, row by row (stride 1 with
// pad_left 0 or 1, stride 2 with pad_left 1): whole rows in strips of 1-4 vectors (widths 1 to
// 113: row tails, strips of 4 + 3, lanes past the row end), two planes per vector for rows of
// at most 7 outputs (odd plane counts, pairs across images), bands of rows walked in lockstep
// (heights 1 to 9), padding rows at either end (pad_top 0 to 2, pad_bottom 0 to 2, odd right
// padding). All give conv2d_depthwise_vc's bits, with 1 or 2 threads (thread ranges splitting
// pairs).
TEST(Conv2dKernelsIdentities, DepthwiseAvx512InPlaceRowsGiveDepthwiseVcsBits) {
  const KernelVariant& avx = variant("conv2d_depthwise_avx512");
  if (!avx.supports(Conv2dParams{.groups = 1}, Shape{1, 1, 4, 4}, Shape{1, 1, 3, 3}).empty()) {
    GTEST_SKIP() << "no AVX-512F";
  }
  const KernelVariant& vc = variant("conv2d_depthwise_vc");
  struct Case {
    std::int64_t n, c, h, w, stride, pt, pb, pl, pr;
  };
  std::vector<Case> cases;
  for (const std::int64_t w : {1, 2, 7, 8, 14, 15, 16, 17, 33, 56, 57, 64, 65, 112, 113}) {
    cases.push_back({1, 3, 9, w, 1, 1, 1, 1, 1});
    cases.push_back({2, 3, 5, w, 1, 0, 2, 0, 1});
    cases.push_back({1, 5, 1, w, 1, 1, 1, 1, 0});
    if (w >= 2) cases.push_back({1, 3, 14, w, 2, 1, 1, 1, 1});
    if (w >= 2) cases.push_back({2, 3, 7, w, 2, 2, 0, 1, 2});
    cases.push_back({1, 2, 3, w, 2, 1, 2, 1, 0});
  }
  // More than 1 MFLOP: several threads, ranges of odd length.
  cases.push_back({2, 601, 7, 7, 1, 1, 1, 1, 1});
  cases.push_back({1, 1201, 14, 14, 2, 1, 1, 1, 1});
  cases.push_back({1, 9, 112, 112, 1, 1, 1, 1, 1});
  cases.push_back({1, 17, 56, 57, 2, 1, 1, 1, 1});
  int i = 0;
  for (const Case& k : cases) {
    ++i;
    const Conv2dParams p{.stride_h = k.stride,
                         .stride_w = k.stride,
                         .pad_top = k.pt,
                         .pad_bottom = k.pb,
                         .pad_left = k.pl,
                         .pad_right = k.pr,
                         .groups = k.c};
    const Shape xs{k.n, k.c, k.h, k.w}, ws{k.c, 1, 3, 3};
    try {
      (void)conv2d_output_shape(xs, ws, Shape{k.c}, p);
    } catch (const std::invalid_argument&) {
      continue;  // kernel larger than the padded input
    }
    const auto x = random_tensor<float>(xs, 6000 + i);
    const auto w = random_tensor<float>(ws, 7000 + i);
    const auto b = i % 3 == 1 ? Tensor<float>() : random_tensor<float>(Shape{k.c}, 8000 + i);
    const Tensor<float> expected = run_variant(vc, x, w, b, p);
    const int saved = omp_get_max_threads();
    for (const int threads : {1, 2}) {
      omp_set_num_threads(threads);
      EXPECT_TRUE(all_equal(run_variant(avx, x, w, b, p), expected))
          << "N " << k.n << " C " << k.c << " H " << k.h << " W " << k.w << " stride " << k.stride
          << " pads " << k.pt << "," << k.pb << "," << k.pl << "," << k.pr << " threads "
          << threads;
    }
    omp_set_num_threads(saved);
  }
}

// conv2d_direct_oc_avx512 adds the same terms in the same (ic, kh, kw) order, from the bias on,
// as conv2d_direct_vc_oc (padding taps add an exact zero where the Vc variant skips them), so
// on finite data it gives the same bits: across its paths (a 1x1 plane read as one row and
// split into column ranges, several passes over the input rows, 7-wide maps whose tiles cover
// two output rows), strides 1 to 4, dilation, asymmetric padding in every mode, groups and
// channel tails.
TEST(Conv2dKernelsIdentities, DirectOcAvx512GivesDirectVcOcsBits) {
  const KernelVariant& avx = variant("conv2d_direct_oc_avx512");
  if (!avx.supports(Conv2dParams{}, Shape{1, 1, 4, 4}, Shape{1, 1, 3, 3}).empty()) {
    GTEST_SKIP() << "no AVX-512F";
  }
  struct Case {
    std::int64_t n, c, h, w, oc, kh, kw, stride, pad, dilation, groups;
    PaddingMode mode;
  };
  const Case cases[] = {
      {1, 300, 15, 15, 40, 1, 1, 1, 0, 1, 1, PaddingMode::zeros},    // flat, ranges, 2 passes
      {2, 40, 9, 13, 33, 3, 3, 1, 1, 1, 1, PaddingMode::zeros},      // 2 passes of 3x3
      {1, 64, 14, 14, 48, 3, 3, 2, 1, 1, 1, PaddingMode::zeros},     // 7 wide, stride 2
      {2, 24, 7, 7, 17, 3, 3, 1, 1, 1, 1, PaddingMode::reflect},     // 7 wide, 2 samples
      {1, 30, 13, 14, 20, 1, 1, 2, 0, 1, 1, PaddingMode::zeros},     // 1x1 stride 2 to 7x7
      {1, 6, 23, 29, 16, 5, 5, 3, 2, 1, 2, PaddingMode::replicate},  // groups, stride 3
      {1, 3, 35, 37, 9, 11, 11, 4, 2, 1, 1, PaddingMode::zeros},     // AlexNet-like stride 4
      {1, 8, 17, 33, 31, 3, 5, 1, 2, 2, 1, PaddingMode::circular},   // dilation
      {3, 5, 6, 9, 7, 2, 3, 1, 1, 1, 1, PaddingMode::zeros},         // tails everywhere
  };
  std::uint64_t seed = 12000;
  for (const Case& c : cases) {
    const Conv2dParams p{.stride_h = c.stride,
                         .stride_w = c.stride,
                         .pad_top = c.pad,
                         .pad_bottom = c.pad > 0 && c.pad + 1 < c.h ? c.pad + 1 : c.pad,
                         .pad_left = c.pad,
                         .pad_right = c.pad,
                         .dilation_h = c.dilation,
                         .dilation_w = c.dilation,
                         .groups = c.groups,
                         .padding_mode = c.mode};
    const auto x = random_tensor<float>(Shape{c.n, c.c, c.h, c.w}, seed += 3);
    const auto w = random_tensor<float>(Shape{c.oc, c.c / c.groups, c.kh, c.kw}, seed + 1);
    const auto b = random_tensor<float>(Shape{c.oc}, seed + 2);
    EXPECT_TRUE(all_equal(run_variant(avx, x, w, b, p),
                          run_variant(variant("conv2d_direct_vc_oc"), x, w, b, p)))
        << "case N " << c.n << " C " << c.c << " H " << c.h << " W " << c.w << " C_out " << c.oc
        << " K " << c.kh << "x" << c.kw << " stride " << c.stride;
  }
}

// conv2d_1x1_avx512 likewise adds, per output, the bias and then one FMA per input channel in
// order: conv2d_direct_vc_oc's bits, across position tails (planes of 1 to 50 x 50 positions,
// chunks of 48), channel tails (1, 7, 13 output channels of 8 per block), long reductions,
// groups and batches.
TEST(Conv2dKernelsIdentities, Pointwise1x1Avx512GivesDirectVcOcsBits) {
  const KernelVariant& avx = variant("conv2d_1x1_avx512");
  if (!avx.supports(Conv2dParams{}, Shape{1, 1, 4, 4}, Shape{1, 1, 1, 1}).empty()) {
    GTEST_SKIP() << "no AVX-512F";
  }
  struct Case {
    std::int64_t n, c, h, w, oc, groups;
  };
  const Case cases[] = {{1, 1, 1, 1, 1, 1},    {2, 7, 7, 7, 13, 1},   {1, 64, 9, 11, 40, 1},
                        {1, 200, 5, 19, 9, 1}, {2, 12, 50, 50, 8, 2}, {1, 3, 1, 97, 7, 1}};
  std::uint64_t seed = 13000;
  for (const Case& c : cases) {
    const Conv2dParams p{.groups = c.groups};
    const auto x = random_tensor<float>(Shape{c.n, c.c, c.h, c.w}, seed += 3);
    const auto w = random_tensor<float>(Shape{c.oc, c.c / c.groups, 1, 1}, seed + 1);
    const auto b = random_tensor<float>(Shape{c.oc}, seed + 2);
    EXPECT_TRUE(all_equal(run_variant(avx, x, w, b, p),
                          run_variant(variant("conv2d_direct_vc_oc"), x, w, b, p)))
        << "case N " << c.n << " C " << c.c << " H " << c.h << " W " << c.w << " C_out " << c.oc;
  }
}

// ---- the separable variants' own contracts ----

// conv2d_implicit_gemm builds im2col's columns straight into the GEMM's panels: the same
// products in the same kc blocks as conv2d_im2col_gemm, so the same bits on float data (K past
// one kc block, stride, dilation, asymmetric padding, groups, widths across panel edges).
TEST(Conv2dKernelsIdentities, ImplicitGemmGivesIm2colGemmsBits) {
  struct Shape4 {
    std::int64_t n, c, h, w, oc, k, groups;
  };
  const Shape4 shapes[] = {
      {2, 64, 9, 33, 17, 3, 1}, {1, 6, 15, 7, 9, 5, 3}, {1, 3, 40, 41, 5, 7, 1}};
  std::uint64_t seed = 9100;
  for (const Shape4& s : shapes) {
    Conv2dParams p{.stride_h = 2,
                   .stride_w = 1,
                   .pad_top = 1,
                   .pad_bottom = 2,
                   .pad_left = 3,
                   .pad_right = 0,
                   .dilation_h = 1,
                   .dilation_w = 2,
                   .groups = s.groups};
    const auto x = random_tensor<float>(Shape{s.n, s.c, s.h, s.w}, seed += 3);
    const auto w = random_tensor<float>(Shape{s.oc, s.c / s.groups, s.k, s.k}, seed + 1);
    const auto b = random_tensor<float>(Shape{s.oc}, seed + 2);
    const Tensor<float> a = run_variant(variant("conv2d_im2col_gemm"), x, w, b, p);
    const Tensor<float> c = run_variant(variant("conv2d_implicit_gemm"), x, w, b, p);
    EXPECT_TRUE(all_equal(a, c)) << "shape " << s.c << "x" << s.h << "x" << s.w << " k " << s.k;
  }
}

TEST(Conv2dKernelsSeparable, Rank1RefusesOtherKernelsWithTheReason) {
  // Kernel (1, 0) = [[1, 0], [0, 1]] has rank 2; kernel (0, 0) = [[1, 2], [2, 4]] rank 1.
  const Tensor<float> w(Shape{2, 1, 2, 2}, {1, 2, 2, 4, 1, 0, 0, 1});
  const std::string reason = conv2d_separable_rank1_weights_reason(w);
  EXPECT_NE(reason.find("oc 1, ic 0"), std::string::npos) << reason;
  const Tensor<float> x(Shape{1, 1, 3, 3});
  Tensor<float> y(Shape{1, 2, 2, 2});
  EXPECT_THROW(conv2d_separable_rank1(x, w, Tensor<float>(), Conv2dParams{}, y),
               std::invalid_argument);
  EXPECT_EQ(conv2d_separable_rank1_weights_reason(w.slice(0, 1)), "");
}

// Singular values by hand: the rows of k are pairwise orthogonal, so its singular values are
// the row norms, sqrt(6), sqrt(3), sqrt(2) (row 3, row 1, row 2). Dropping the smallest terms
// leaves a relative Frobenius error of sqrt(sum of dropped s^2 / 11), and w - w_r is exactly
// the dropped rows.
TEST(Conv2dKernelsSeparable, SvdErrorMatchesHandComputedSingularValues) {
  const Tensor<float> k(Shape{1, 1, 3, 3}, {1, 1, 1, 1, -1, 0, 1, 1, -2});
  const SvdApproximationError e1 = conv2d_separable_svd_error(k, 1);
  EXPECT_NEAR(e1.relative_frobenius, std::sqrt(5.0 / 11.0), 1e-12);
  EXPECT_NEAR(e1.max_kernel_relative, std::sqrt(5.0 / 11.0), 1e-12);
  EXPECT_NEAR(e1.max_abs, 1.0, 1e-12);  // rows 1 and 2 dropped: entries of magnitude <= 1
  const SvdApproximationError e2 = conv2d_separable_svd_error(k, 2);
  EXPECT_NEAR(e2.relative_frobenius, std::sqrt(2.0 / 11.0), 1e-12);
  EXPECT_NEAR(e2.max_abs, 1.0, 1e-12);  // row 2 = (1, -1, 0) dropped
  const Tensor<float> w2 = conv2d_separable_svd_approximation(k, 2);
  const float expected_w2[9] = {1, 1, 1, 0, 0, 0, 1, 1, -2};
  for (int i = 0; i < 9; ++i) EXPECT_NEAR(w2[i], expected_w2[i], 1e-6) << "element " << i;
  EXPECT_LE(conv2d_separable_svd_error(k, 3).max_abs, 1e-12);
  // A wide kernel (2 x 3, the transposed path of the SVD): orthogonal rows (2, 2, 0) and
  // (1, -1, 3), norms^2 8 and 11: the rank-1 error is sqrt(8 / 19).
  const Tensor<float> wide(Shape{1, 1, 2, 3}, {2, 2, 0, 1, -1, 3});
  EXPECT_NEAR(conv2d_separable_svd_error(wide, 1).relative_frobenius, std::sqrt(8.0 / 19.0), 1e-12);
  EXPECT_LE(conv2d_separable_svd_error(wide, 2).max_abs, 1e-12);
  EXPECT_THROW(conv2d_separable_svd_error(k, 0), std::invalid_argument);
}

// A truncated SVD run as separable passes equals the reference run on the truncated kernel,
// and the error of the output against the full kernel shrinks to rounding at full rank.
TEST(Conv2dKernelsSeparable, TruncatedSvdEqualsReferenceOnTruncatedKernel) {
  const std::uint64_t seed = 2003;
  const auto x = random_tensor<float>(Shape{1, 3, 13, 17}, seed);
  const auto w = random_tensor<float>(Shape{4, 3, 5, 4}, seed + 1);
  const auto b = random_tensor<float>(Shape{4}, seed + 2);
  const Conv2dParams p{
      .stride_h = 2, .pad_top = 2, .pad_bottom = 1, .pad_left = 1, .pad_right = 3, .dilation_w = 2};
  double previous = std::numeric_limits<double>::infinity();
  for (int rank = 1; rank <= 4; ++rank) {
    SCOPED_TRACE("seed " + std::to_string(seed) + ", rank " + std::to_string(rank));
    Tensor<float> y(conv2d_output_shape(x.shape(), w.shape(), b.shape(), p));
    y.fill(std::numeric_limits<float>::quiet_NaN());
    conv2d_separable_svd(x, w, b, p, y, rank);
    const Tensor<float> wr = conv2d_separable_svd_approximation(w, rank);
    const Tensor<double> xd = x.cast<double>(), wrd = wr.cast<double>(), bd = b.cast<double>();
    double ratio = 0;
    EXPECT_TRUE(within_bound(y, ref::conv2d(xd, wrd, bd, p), bound_m(xd, wrd, bd, p, true),
                             kConv2dSeparableSvdR3ToleranceFactor, 3 * 5 * 4 + 1, ratio));
    const double err = conv2d_separable_svd_error(w, rank).relative_frobenius;
    EXPECT_LT(err, previous);  // Eckart-Young: each term removes error
    previous = err;
  }
  EXPECT_LT(previous, 1e-6);  // rank 4 = min(KH, KW): exact up to float storage of w_r
}

// ---- accuracy on a real layer shape ----

// ResNet-50's 3x3 layer 64 -> 64 at 56x56 (one sample, padding 1): every variant that supports
// it, with the ratio max |y - y_ref| / (eps K M) printed under its error model and under the
// plain M. This is where the layer-shape numbers in conv2d_kernels.hpp were measured.
TEST(Conv2dKernelsAccuracy, ResNetLayerMeasuredRatios) {
#ifndef __OPTIMIZE__
  GTEST_SKIP() << "the double reference on this layer takes minutes without optimization";
#endif
  const std::uint64_t seed = 3001;
  const auto x = random_tensor<float>(Shape{1, 64, 56, 56}, seed);
  const auto w = random_tensor<float>(Shape{64, 64, 3, 3}, seed + 1, -0.1, 0.1);
  const auto b = random_tensor<float>(Shape{64}, seed + 2);
  const Conv2dParams p{.pad_top = 1, .pad_bottom = 1, .pad_left = 1, .pad_right = 1};
  const Tensor<double> xd = x.cast<double>(), wd = w.cast<double>(), bd = b.cast<double>();
  const Tensor<double> y_ref = ref::conv2d(xd, wd, bd, p);
  const Tensor<double> m_plain = bound_m(xd, wd, bd, p, false);
  const Tensor<double> m_kernel_max = bound_m(xd, wd, bd, p, true);
  for (const KernelVariant& v : variants()) {
    if (!v.supports(p, x.shape(), w.shape()).empty() || v.weights != Weights::any) continue;
    const Tensor<float> y = run_variant(v, x, w, b, p);
    double ratio = 0, plain_ratio = 0;
    EXPECT_TRUE(within_bound(y, y_ref, v.model.kernel_max ? m_kernel_max : m_plain, v.factor,
                             64 * 9 + 1, ratio, v.model.tile))
        << v.name;
    within_bound(y, y_ref, m_plain, std::numeric_limits<double>::infinity(), 64 * 9 + 1,
                 plain_ratio);
    std::cout << "[ measured ] " << v.name
              << " on 64->64 3x3 at 56x56: max |y - y_ref| / (eps K M) = " << ratio << " (factor "
              << v.factor << "; with the plain M " << plain_ratio << ")\n";
  }
}

// Few input channels are where Winograd's transforms dominate its error (the GEMM sum is
// short): a sweep over random 3x3 problems with C_in 1-2 and padding 0-3 on every side, the
// measured ratio of every kernel_max variant printed and held to its factor.
TEST(Conv2dKernelsAccuracy, FewChannelSweepMeasuredRatios) {
  const std::uint64_t seed = 3002;
  std::mt19937_64 rng(seed);
  auto pick = [&](std::int64_t lo, std::int64_t hi) {
    return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng);
  };
  std::map<std::string, double> worst;
  for (int i = 0; i < 1500; ++i) {
    const std::int64_t c_in = pick(1, 2), c_out = pick(1, 4), h = pick(1, 16), w = pick(1, 24);
    const Conv2dParams p{.pad_top = pick(0, 3),
                         .pad_bottom = pick(0, 3),
                         .pad_left = pick(0, 3),
                         .pad_right = pick(0, 3)};
    const bool bias = pick(0, 1) == 1;
    const Shape xs{1, c_in, h, w}, ws{c_out, c_in, 3, 3};
    try {
      conv2d_output_shape(xs, ws, Shape{}, p);
    } catch (const std::invalid_argument&) {
      continue;
    }
    SCOPED_TRACE("seed " + std::to_string(seed) + ", case " + std::to_string(i));
    const auto x = random_tensor<float>(xs, seed + 3 * i);
    const auto wt = random_tensor<float>(ws, seed + 3 * i + 1);
    const Tensor<float> b =
        bias ? random_tensor<float>(Shape{c_out}, seed + 3 * i + 2) : Tensor<float>();
    const Tensor<double> xd = x.cast<double>(), wd = wt.cast<double>();
    const Tensor<double> bd = bias ? b.cast<double>() : Tensor<double>();
    const Tensor<double> y_ref = ref::conv2d(xd, wd, bd, p);
    const Tensor<double> m = bound_m(xd, wd, bd, p, true);
    for (const KernelVariant& v : variants()) {
      if (!v.model.kernel_max) continue;
      double ratio = 0;
      ASSERT_TRUE(within_bound(run_variant(v, x, wt, b, p), y_ref, m, v.factor, c_in * 9 + 1, ratio,
                               v.model.tile))
          << v.name;
      worst[v.name] = std::max(worst[v.name], ratio);
    }
  }
  for (const auto& [name, ratio] : worst) {
    std::cout << "[ measured ] " << name
              << " on 1500 random 3x3 problems with C_in 1-2: max |y - y_ref| / (eps K M) = "
              << ratio << "\n";
  }
}

// ---- corr2d through a conv2d kernel ----

// corr2d_via_conv2d_direct_vc_ow on (H, W) views: the document's W17 example by hand, then
// small integers equal to the reference (==) and real values within 1.5 eps K M, for widths
// around the vector width (1, 7, 15, 17, 33) and kernels from 1x1 to the whole input.
TEST(Corr2dKernels, ViaConv2dDirectEqualsTheReference) {
  // W17: X = 0..8 (3x3), K = [[0, 1], [2, 3]] -> [[19, 25], [37, 43]].
  Tensor<float> x(Shape{3, 3});
  for (std::int64_t i = 0; i < 9; ++i) x[i] = static_cast<float>(i);
  Tensor<float> y = Tensor<float>::full(Shape{2, 2}, std::numeric_limits<float>::quiet_NaN());
  corr2d_via_conv2d_direct_vc_ow(x, Tensor<float>(Shape{2, 2}, {0, 1, 2, 3}), y);
  EXPECT_TRUE(all_equal(y, Tensor<float>(Shape{2, 2}, {19, 25, 37, 43})));

  const double eps = std::numeric_limits<float>::epsilon();
  std::uint64_t seed = 4000;
  for (std::int64_t h : {1, 7, 17}) {
    for (std::int64_t w : {1, 7, 15, 17, 33}) {
      for (auto [kh, kw] :
           {std::pair<std::int64_t, std::int64_t>{1, 1}, {1, 2}, {3, 3}, {2, 5}, {h, w}, {h, 1}}) {
        if (kh > h || kw > w) continue;
        SCOPED_TRACE("x " + std::to_string(h) + "x" + std::to_string(w) + " k " +
                     std::to_string(kh) + "x" + std::to_string(kw) + " seed " +
                     std::to_string(seed + 1));
        const Shape ys{h - kh + 1, w - kw + 1};
        const Tensor<float> xi = random_int_tensor<float>(Shape{h, w}, ++seed);
        const Tensor<float> ki = random_int_tensor<float>(Shape{kh, kw}, ++seed);
        Tensor<float> yi = Tensor<float>::full(ys, std::numeric_limits<float>::quiet_NaN());
        corr2d_via_conv2d_direct_vc_ow(xi, ki, yi);
        EXPECT_TRUE(all_equal(yi, ref::corr2d(xi, ki)));

        const Tensor<float> xr = random_tensor<float>(Shape{h, w}, ++seed);
        const Tensor<float> kr = random_tensor<float>(Shape{kh, kw}, ++seed);
        Tensor<float> yr = Tensor<float>::full(ys, std::numeric_limits<float>::quiet_NaN());
        corr2d_via_conv2d_direct_vc_ow(xr, kr, yr);
        const Tensor<double> want = ref::corr2d(xr.cast<double>(), kr.cast<double>());
        Tensor<double> xa = xr.cast<double>(), ka = kr.cast<double>();
        for (double& v : xa.values()) v = std::fabs(v);
        for (double& v : ka.values()) v = std::fabs(v);
        const Tensor<double> m = ref::corr2d(xa, ka);  // M = sum |x * k| over each window
        for (std::int64_t i = 0; i < yr.numel(); ++i) {
          ASSERT_LE(std::fabs(yr[i] - want[i]),
                    kCorr2dViaConv2dDirectVcOwToleranceFactor * eps * double(kh * kw) * m[i])
              << "element " << i;
        }
      }
    }
  }
}

// Invalid shapes give the shape module's corr2d message; a wrong output names the variant and
// y.
TEST(Corr2dKernels, ViaConv2dDirectErrors) {
  Tensor<float> y(Shape{2, 2});
  test::expect_error(
      [&] {
        corr2d_via_conv2d_direct_vc_ow(Tensor<float>(Shape{1, 3, 3}), Tensor<float>(Shape{2, 2}),
                                       y);
      },
      {"corr2d", "(H, W)"});
  test::expect_error(
      [&] {
        corr2d_via_conv2d_direct_vc_ow(Tensor<float>(Shape{3, 3}), Tensor<float>(Shape{4, 1}), y);
      },
      {"corr2d"});
  Tensor<float> wrong(Shape{2, 3});
  test::expect_error(
      [&] {
        corr2d_via_conv2d_direct_vc_ow(Tensor<float>(Shape{3, 3}), Tensor<float>(Shape{2, 2}),
                                       wrong);
      },
      {"corr2d_via_conv2d_direct_vc_ow", "y"});
  EXPECT_EQ(corr2d_via_conv2d_direct_vc_ow_supports(Shape{3, 3}, Shape{2, 2}), "");
}

}  // namespace
}  // namespace convlab
