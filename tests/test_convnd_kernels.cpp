// The optimized conv1d and conv3d variants (kernels/convnd) on what is specific to them:
//  - agreement with the double reference within each variant's tolerance (DESIGN.md), on
//    groups of random problems aimed at their tile edges (lengths and channel counts around the
//    vector width and the 6 / 16 channel blocks, strides that switch the direct kernel to its
//    channel-vector path, depthwise), with fixed seeds printed on failure;
//  - exact equality on small integers, with outputs pre-filled with NaN (an element a kernel
//    forgets to write fails);
//  - identities that do not go through the conv1d/conv3d reference: conv1d equals conv2d with
//    H = 1, conv3d with a depth-1 kernel equals a conv2d per input slice, stride s equals
//    stride 1 subsampled (the two paths of the direct kernel against each other), the backward
//    pass is the adjoint of the forward one (<conv(x), dy> = <x, dx>, <conv_w(w), dy> = <w, dw>);
//  - thread-count independence (bit-identical under 1 and 2 OpenMP threads);
//  - the registry entries, and the rejection of invalid problems with a message naming them.
#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "core/ops.hpp"
#include "core/shape.hpp"
#include "kernels/convnd/convnd_kernels.hpp"
#include "kernels/registry.hpp"
#include "reference/conv2d.hpp"
#include "reference/dispatch.hpp"
#include "tests/support.hpp"

namespace convlab {
namespace {

using test::random_int_tensor;
using test::random_tensor;

constexpr double kEps = std::numeric_limits<float>::epsilon();
const float kNaN = std::numeric_limits<float>::quiet_NaN();

template <class P>
using ForwardFn = void (*)(const Tensor<float>&, const Tensor<float>&, const Tensor<float>&,
                           const P&, Tensor<float>&);
template <class P>
using BackwardFn = void (*)(const Tensor<float>&, const Tensor<float>&, const Tensor<float>&,
                            const P&, Tensor<float>&, Tensor<float>&, Tensor<float>&);

template <class P>
struct Forward {
  const char* name;
  ForwardFn<P> run;
  double factor;
};

const Forward<Conv1dParams> kConv1d[] = {
    {"conv1d_im2col_gemm", conv1d_im2col_gemm, kConvNdGemmToleranceFactor},
    {"conv1d_direct_vc", conv1d_direct_vc, kConvNdDirectVcToleranceFactor},
};
const Forward<Conv3dParams> kConv3d[] = {
    {"conv3d_vol2col_gemm", conv3d_vol2col_gemm, kConvNdGemmToleranceFactor},
    {"conv3d_direct_vc", conv3d_direct_vc, kConvNdDirectVcToleranceFactor},
};

// ---- random problems ----

// One problem of either op: shapes, parameters, bias or not, and the seed of its tensors.
template <class P>
struct Problem {
  std::string group;
  std::uint64_t seed;
  Shape x, w;
  bool bias;
  P p;
};

std::string str(const Problem<Conv1dParams>& c) {
  std::ostringstream s;
  s << c.group << " seed " << c.seed << ": x " << c.x.str() << ", w " << c.w.str()
    << (c.bias ? ", bias" : ", no bias") << ", stride " << c.p.stride << ", pad (" << c.p.pad_left
    << ", " << c.p.pad_right << "), dilation " << c.p.dilation << ", groups " << c.p.groups;
  return s.str();
}

std::string str(const Problem<Conv3dParams>& c) {
  const Conv3dParams& p = c.p;
  std::ostringstream s;
  s << c.group << " seed " << c.seed << ": x " << c.x.str() << ", w " << c.w.str()
    << (c.bias ? ", bias" : ", no bias") << ", stride " << p.stride_d << "x" << p.stride_h << "x"
    << p.stride_w << ", pad (f, b, t, b, l, r) (" << p.pad_front << ", " << p.pad_back << ", "
    << p.pad_top << ", " << p.pad_bottom << ", " << p.pad_left << ", " << p.pad_right
    << "), dilation " << p.dilation_d << "x" << p.dilation_h << "x" << p.dilation_w << ", groups "
    << p.groups;
  return s.str();
}

using Pick = std::function<std::int64_t(std::int64_t, std::int64_t)>;

// Ranges of one group of conv1d problems; each group aims at one edge of the kernels.
struct Conv1dRanges {
  const char* name;
  std::uint64_t seed;
  int count;
  std::int64_t max_groups, max_c_in_g, max_c_out_g, min_l, max_l, max_k, max_stride, max_dilation;
  bool depthwise;
};

constexpr Conv1dRanges kConv1dGroups[] = {
    // everything small and random
    {"general", 501, 60, 3, 3, 3, 1, 12, 4, 3, 3, false},
    // stride 1 and long outputs: the width-vector path, lengths around 8, 16, 17 and tails,
    // channel counts around the block of 6
    {"long_stride1", 502, 40, 2, 4, 14, 14, 70, 5, 1, 3, false},
    // strides > 1 with many output channels: the channel-vector path, blocks of 16 and tails
    {"strided_many_channels", 503, 40, 2, 3, 40, 5, 60, 4, 4, 2, false},
    // depthwise (groups == C_in == C_out): one channel per group
    {"depthwise", 504, 30, 9, 1, 1, 1, 50, 5, 3, 2, true},
};

std::vector<Problem<Conv1dParams>> conv1d_problems(const Conv1dRanges& r) {
  std::mt19937_64 rng(r.seed);
  const Pick pick = [&](std::int64_t lo, std::int64_t hi) {
    return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng);
  };
  std::vector<Problem<Conv1dParams>> out;
  while (static_cast<int>(out.size()) < r.count) {
    const std::int64_t groups = pick(1, r.max_groups);
    const std::int64_t c_in_g = r.depthwise ? 1 : pick(1, r.max_c_in_g);
    const std::int64_t c_out_g = r.depthwise ? 1 : pick(1, r.max_c_out_g);
    Problem<Conv1dParams> c;
    c.group = r.name;
    c.seed = r.seed * 1000 + out.size();
    c.x = Shape{pick(1, 2), groups * c_in_g, pick(r.min_l, r.max_l)};
    c.w = Shape{groups * c_out_g, c_in_g, pick(1, r.max_k)};
    c.bias = pick(0, 1) == 1;
    c.p = Conv1dParams{.stride = pick(1, r.max_stride),
                       .pad_left = pick(0, 3),
                       .pad_right = pick(0, 3),
                       .dilation = pick(1, r.max_dilation),
                       .groups = groups};
    try {  // keep only valid combinations
      conv1d_output_shape(c.x, c.w, Shape{}, c.p);
    } catch (const std::invalid_argument&) {
      continue;
    }
    out.push_back(c);
  }
  return out;
}

struct Conv3dRanges {
  const char* name;
  std::uint64_t seed;
  int count;
  std::int64_t max_groups, max_c_in_g, max_c_out_g, max_dh, min_w, max_w, max_stride_w;
};

constexpr Conv3dRanges kConv3dGroups[] = {
    // everything small and random
    {"general", 601, 40, 2, 2, 3, 6, 1, 7, 3},
    // wide rows at stride_w 1: the width-vector path with its tails, channels around 6
    {"wide_stride1", 602, 25, 2, 3, 14, 4, 14, 40, 1},
    // strided rows and many output channels: the channel-vector path
    {"strided_many_channels", 603, 25, 1, 2, 36, 4, 5, 20, 3},
};

std::vector<Problem<Conv3dParams>> conv3d_problems(const Conv3dRanges& r) {
  std::mt19937_64 rng(r.seed);
  const Pick pick = [&](std::int64_t lo, std::int64_t hi) {
    return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng);
  };
  std::vector<Problem<Conv3dParams>> out;
  while (static_cast<int>(out.size()) < r.count) {
    const std::int64_t groups = pick(1, r.max_groups);
    const std::int64_t c_in_g = pick(1, r.max_c_in_g), c_out_g = pick(1, r.max_c_out_g);
    Problem<Conv3dParams> c;
    c.group = r.name;
    c.seed = r.seed * 1000 + out.size();
    c.x = Shape{pick(1, 2), groups * c_in_g, pick(1, r.max_dh), pick(1, r.max_dh),
                pick(r.min_w, r.max_w)};
    c.w = Shape{groups * c_out_g, c_in_g, pick(1, 3), pick(1, 3), pick(1, 4)};
    c.bias = pick(0, 1) == 1;
    c.p = Conv3dParams{.stride_d = pick(1, 2),
                       .stride_h = pick(1, 2),
                       .stride_w = pick(1, r.max_stride_w),
                       .pad_front = pick(0, 2),
                       .pad_back = pick(0, 1),
                       .pad_top = pick(0, 1),
                       .pad_bottom = pick(0, 2),
                       .pad_left = pick(0, 3),
                       .pad_right = pick(0, 2),
                       .dilation_d = pick(1, 2),
                       .dilation_h = pick(1, 2),
                       .dilation_w = pick(1, 2),
                       .groups = groups};
    try {
      conv3d_output_shape(c.x, c.w, Shape{}, c.p);
    } catch (const std::invalid_argument&) {
      continue;
    }
    out.push_back(c);
  }
  return out;
}

// ---- checking one problem ----

const char* op_name(const Conv1dParams&) {
  return "conv1d";
}
const char* op_name(const Conv3dParams&) {
  return "conv3d";
}

struct Inputs {
  Tensor<float> x, w, b;
};

template <class P>
Inputs make_inputs(const Problem<P>& c, bool integers) {
  Inputs in;
  const Shape b_shape{c.w[0]};
  if (integers) {
    in.x = random_int_tensor<float>(c.x, c.seed);
    in.w = random_int_tensor<float>(c.w, c.seed + 1);
    if (c.bias) in.b = random_int_tensor<float>(b_shape, c.seed + 2);
  } else {
    in.x = random_tensor<float>(c.x, c.seed);
    in.w = random_tensor<float>(c.w, c.seed + 1);
    if (c.bias) in.b = random_tensor<float>(b_shape, c.seed + 2);
  }
  return in;
}

TensorMap<double> as_double(const TensorMap<float>& m) {
  TensorMap<double> d;
  for (const auto& [name, t] : m) d[name] = t.cast<double>();
  return d;
}

// Every element of `actual` within factor * eps * K * M of the double reference, where K * M
// is error_scale()'s (DESIGN.md); or, for integer inputs, exactly equal. NaN fails both.
::testing::AssertionResult matches(const Tensor<float>& actual, const Tensor<double>& expected,
                                   const Tensor<double>& scale, double factor, bool exact) {
  if (!(actual.shape() == expected.shape())) {
    return ::testing::AssertionFailure()
           << "shape " << actual.shape().str() << " != " << expected.shape().str();
  }
  for (std::int64_t i = 0; i < actual.numel(); ++i) {
    const double a = actual[i], e = expected[i];
    const double tol = exact ? 0.0 : factor * kEps * scale[i];
    if (!(std::fabs(a - e) <= tol)) {
      return ::testing::AssertionFailure()
             << "element " << i << ": " << a << ", expected " << e << ", tolerance " << tol;
    }
  }
  return ::testing::AssertionSuccess();
}

// Runs a forward kernel on NaN-filled y and checks it against the double reference.
template <class P>
void check_forward(const Forward<P>& v, const Problem<P>& c, bool integers) {
  const Inputs in = make_inputs(c, integers);
  TensorMap<float> inputs{{"x", in.x}, {"w", in.w}};
  if (c.bias) inputs["b"] = in.b;
  const OpSpec& spec = find_op(op_name(c.p), Direction::forward);
  const TensorMap<double> ind = as_double(inputs);
  const Tensor<double> expected = run_reference<double>(spec, OpParams{c.p}, ind).at("y");
  const Tensor<double> scale = error_scale(spec, OpParams{c.p}, ind).at("y");
  Tensor<float> y = Tensor<float>::full(expected.shape(), kNaN);
  v.run(in.x, in.w, in.b, c.p, y);
  EXPECT_TRUE(matches(y, expected, scale, v.factor, integers))
      << v.name << (integers ? " (small integers)" : "");
}

TEST(ConvNdKernels, Conv1dMatchesReference) {
  for (const Conv1dRanges& r : kConv1dGroups) {
    for (const auto& c : conv1d_problems(r)) {
      SCOPED_TRACE(str(c));
      for (const auto& v : kConv1d) {
        check_forward(v, c, false);
        check_forward(v, c, true);
      }
    }
  }
}

TEST(ConvNdKernels, Conv3dMatchesReference) {
  for (const Conv3dRanges& r : kConv3dGroups) {
    for (const auto& c : conv3d_problems(r)) {
      SCOPED_TRACE(str(c));
      for (const auto& v : kConv3d) {
        check_forward(v, c, false);
        check_forward(v, c, true);
      }
    }
  }
}

// ---- identities ----

template <class P>
Tensor<float> run_forward(const Forward<P>& v, const Inputs& in, const P& p) {
  Shape out;
  if constexpr (std::is_same_v<P, Conv1dParams>) {
    out = conv1d_output_shape(in.x.shape(), in.w.shape(), in.b.shape(), p);
  } else {
    out = conv3d_output_shape(in.x.shape(), in.w.shape(), in.b.shape(), p);
  }
  Tensor<float> y = Tensor<float>::full(out, kNaN);
  v.run(in.x, in.w, in.b, p, y);
  return y;
}

// conv1d is conv2d with H = 1 and KH = 1: the conv1d kernels on small integers against the
// conv2d reference on the same memory viewed as (N, C, 1, L), exactly.
TEST(ConvNdKernels, Conv1dEqualsConv2dWithHeightOne) {
  for (const Conv1dRanges& r : kConv1dGroups) {
    for (const auto& c : conv1d_problems(r)) {
      SCOPED_TRACE(str(c));
      const Inputs in = make_inputs(c, true);
      const Conv2dParams p2{.stride_w = c.p.stride,
                            .pad_left = c.p.pad_left,
                            .pad_right = c.p.pad_right,
                            .dilation_w = c.p.dilation,
                            .groups = c.p.groups};
      const Tensor<float> y2 =
          ref::conv2d(in.x.reshape(Shape{c.x[0], c.x[1], 1, c.x[2]}),
                      in.w.reshape(Shape{c.w[0], c.w[1], 1, c.w[2]}), in.b, p2);
      for (const auto& v : kConv1d) {
        const Tensor<float> y = run_forward(v, in, c.p);
        EXPECT_TRUE(test::all_equal(y.reshape(y2.shape()), y2)) << v.name;
      }
    }
  }
}

// x: (N, C, D, H, W) -> x[:, :, d] (N, C, H, W), copied.
Tensor<float> depth_slice(const Tensor<float>& x, std::int64_t d) {
  Tensor<float> s(Shape{x.dim(0), x.dim(1), x.dim(3), x.dim(4)});
  for (std::int64_t n = 0; n < x.dim(0); ++n)
    for (std::int64_t ch = 0; ch < x.dim(1); ++ch)
      for (std::int64_t i = 0; i < x.dim(3); ++i)
        for (std::int64_t j = 0; j < x.dim(4); ++j) s(n, ch, i, j) = x(n, ch, d, i, j);
  return s;
}

// With a kernel of depth 1 and no depth padding, output slice od reads input slice
// od * stride_d only: y[:, :, od] = conv2d(x[:, :, od * stride_d], w[:, :, 0]) with the height
// and width parameters. Small integers, exact.
TEST(ConvNdKernels, Conv3dDepthOneKernelIsConv2dPerSlice) {
  for (const Conv3dRanges& r : kConv3dGroups) {
    for (auto c : conv3d_problems(r)) {
      c.w = Shape{c.w[0], c.w[1], 1, c.w[3], c.w[4]};
      c.p.pad_front = c.p.pad_back = 0;
      SCOPED_TRACE(str(c));
      const Inputs in = make_inputs(c, true);
      const Conv3dParams& p = c.p;
      const Conv2dParams p2 = test::hw_params(p);
      const Tensor<float> w2 = in.w.reshape(Shape{c.w[0], c.w[1], c.w[3], c.w[4]});
      for (const auto& v : kConv3d) {
        const Tensor<float> y = run_forward(v, in, p);
        for (std::int64_t od = 0; od < y.dim(2); ++od) {
          const Tensor<float> y2 = ref::conv2d(depth_slice(in.x, od * p.stride_d), w2, in.b, p2);
          EXPECT_TRUE(test::all_equal(depth_slice(y, od), y2)) << v.name << ", od " << od;
        }
      }
    }
  }
}

// Stride s equals stride 1 subsampled: y_s[..., o] = y_1[..., o * s] along the strided axis.
// For the direct kernels this holds the channel-vector path (stride > 1) against the
// width-vector path (stride 1, long outputs). Small integers, exact.
TEST(ConvNdKernels, StrideIsSubsampledStrideOne) {
  for (const auto& c : conv1d_problems(kConv1dGroups[2])) {
    SCOPED_TRACE(str(c));
    const Inputs in = make_inputs(c, true);
    Conv1dParams p1 = c.p;
    p1.stride = 1;
    for (const auto& v : kConv1d) {
      const Tensor<float> ys = run_forward(v, in, c.p), y1 = run_forward(v, in, p1);
      for (std::int64_t n = 0; n < ys.dim(0); ++n)
        for (std::int64_t oc = 0; oc < ys.dim(1); ++oc)
          for (std::int64_t o = 0; o < ys.dim(2); ++o)
            ASSERT_EQ(ys(n, oc, o), y1(n, oc, o * c.p.stride))
                << v.name << " at " << n << ", " << oc << ", " << o;
    }
  }
  for (const auto& c : conv3d_problems(kConv3dGroups[2])) {
    SCOPED_TRACE(str(c));
    const Inputs in = make_inputs(c, true);
    Conv3dParams p1 = c.p;
    p1.stride_w = 1;
    for (const auto& v : kConv3d) {
      const Tensor<float> ys = run_forward(v, in, c.p), y1 = run_forward(v, in, p1);
      for (std::int64_t i = 0; i < ys.numel() / ys.dim(4); ++i)
        for (std::int64_t o = 0; o < ys.dim(4); ++o)
          ASSERT_EQ(ys[i * ys.dim(4) + o], y1[i * y1.dim(4) + o * c.p.stride_w])
              << v.name << " at line " << i << ", column " << o;
    }
  }
}

// ---- threads ----

template <class P>
void expect_thread_independent(const Forward<P>& v, const Inputs& in, const P& p) {
  const int saved = omp_get_max_threads();
  omp_set_num_threads(1);
  const Tensor<float> one = run_forward(v, in, p);
  omp_set_num_threads(2);
  const Tensor<float> two = run_forward(v, in, p);
  omp_set_num_threads(saved);
  EXPECT_EQ(std::memcmp(one.data(), two.data(), sizeof(float) * std::size_t(one.numel())), 0)
      << v.name;
}

// Problems above the kernels' threading threshold (2^21 multiply-adds), random floats.
TEST(ConvNdKernels, BitIdenticalUnderOneAndTwoThreads) {
  const Problem<Conv1dParams> c1{
      "threads",       701,  Shape{3, 16, 700},
      Shape{48, 8, 5}, true, Conv1dParams{.pad_left = 2, .pad_right = 1, .groups = 2}};
  for (const auto& v : kConv1d) expect_thread_independent(v, make_inputs(c1, false), c1.p);
  const Problem<Conv3dParams> c3{"threads",
                                 702,
                                 Shape{2, 8, 6, 10, 21},
                                 Shape{20, 8, 3, 3, 3},
                                 true,
                                 Conv3dParams{.pad_front = 1,
                                              .pad_back = 1,
                                              .pad_top = 1,
                                              .pad_bottom = 1,
                                              .pad_left = 1,
                                              .pad_right = 1}};
  for (const auto& v : kConv3d) expect_thread_independent(v, make_inputs(c3, false), c3.p);
}

// ---- backward ----

template <class P>
struct BackwardVariant {
  const char* name;
  BackwardFn<P> run;
};

struct Grads {
  Tensor<float> dx, dw, db;
};

template <class P>
Grads run_backward(BackwardFn<P> run, const Inputs& in, const Tensor<float>& dy, const P& p) {
  Grads g{Tensor<float>::full(in.x.shape(), kNaN), Tensor<float>::full(in.w.shape(), kNaN), {}};
  if (!in.b.empty()) g.db = Tensor<float>::full(in.b.shape(), kNaN);
  run(in.x, in.w, dy, p, g.dx, g.dw, g.db);
  return g;
}

// Against the double backward reference (tolerance, or exactly on small integers), and the
// adjoint identities on small integers (no reference involved): with y = conv(x, w) without
// bias, <y, dy> = <x, dx> = <w, dw>, since y is linear in x and in w; and sum(dy[:, oc]) = db.
template <class P>
void check_backward(BackwardFn<P> run, ForwardFn<P> forward, const Problem<P>& c, bool integers) {
  const Inputs in = make_inputs(c, integers);
  Shape out;
  if constexpr (std::is_same_v<P, Conv1dParams>) {
    out = conv1d_output_shape(c.x, c.w, Shape{}, c.p);
  } else {
    out = conv3d_output_shape(c.x, c.w, Shape{}, c.p);
  }
  const Tensor<float> dy =
      integers ? random_int_tensor<float>(out, c.seed + 3) : random_tensor<float>(out, c.seed + 3);
  TensorMap<float> inputs{{"x", in.x}, {"w", in.w}, {"dy", dy}};
  if (c.bias) inputs["b"] = in.b;
  const OpSpec& spec = find_op(op_name(c.p), Direction::backward);
  const TensorMap<double> ind = as_double(inputs);
  const TensorMap<double> expected = run_reference<double>(spec, OpParams{c.p}, ind);
  const TensorMap<double> scale = error_scale(spec, OpParams{c.p}, ind);
  const Grads g = run_backward(run, in, dy, c.p);
  const double f = kConvNdBackwardGemmToleranceFactor;
  EXPECT_TRUE(matches(g.dx, expected.at("dx"), scale.at("dx"), f, integers)) << "dx";
  EXPECT_TRUE(matches(g.dw, expected.at("dw"), scale.at("dw"), f, integers)) << "dw";
  if (c.bias) {
    EXPECT_TRUE(matches(g.db, expected.at("db"), scale.at("db"), f, integers)) << "db";
  }
  if (!integers) return;
  Tensor<float> y(out);
  forward(in.x, in.w, Tensor<float>(), c.p, y);
  const double y_dy = test::dot(y, dy);
  EXPECT_EQ(y_dy, test::dot(in.x, g.dx)) << "<conv(x), dy> = <x, dx>";
  EXPECT_EQ(y_dy, test::dot(in.w, g.dw)) << "<conv(x), dy> = <w, dw>";
  if (c.bias) {
    const std::int64_t per = dy.numel() / (dy.dim(0) * dy.dim(1));
    for (std::int64_t oc = 0; oc < dy.dim(1); ++oc) {
      double sum = 0;
      for (std::int64_t n = 0; n < dy.dim(0); ++n)
        for (std::int64_t i = 0; i < per; ++i) sum += dy[(n * dy.dim(1) + oc) * per + i];
      EXPECT_EQ(g.db[oc], sum) << "db[" << oc << "]";
    }
  }
}

TEST(ConvNdKernels, Conv1dBackwardGemm) {
  for (const Conv1dRanges& r : kConv1dGroups) {
    for (const auto& c : conv1d_problems(r)) {
      SCOPED_TRACE(str(c));
      check_backward<Conv1dParams>(conv1d_backward_gemm, conv1d_direct_vc, c, false);
      check_backward<Conv1dParams>(conv1d_backward_gemm, conv1d_direct_vc, c, true);
    }
  }
}

TEST(ConvNdKernels, Conv3dBackwardGemm) {
  for (const Conv3dRanges& r : kConv3dGroups) {
    for (const auto& c : conv3d_problems(r)) {
      SCOPED_TRACE(str(c));
      check_backward<Conv3dParams>(conv3d_backward_gemm, conv3d_direct_vc, c, false);
      check_backward<Conv3dParams>(conv3d_backward_gemm, conv3d_direct_vc, c, true);
    }
  }
}

// ---- registry and refusals ----

// Each variant is registered under its op and direction, with an existing parent, a tolerance
// reason, and claims every problem (supports() == ""; the GEMM and direct kernels take every
// stride, padding, dilation and groups the reference takes).
TEST(ConvNdKernels, RegisteredWithParentsAndReasons) {
  struct Expected {
    const char* name;
    const char* op;
    Direction direction;
    const char* parent;
  };
  const Expected expected[] = {
      {"conv1d_im2col_gemm", "conv1d", Direction::forward, "conv1d_reference"},
      {"conv1d_direct_vc", "conv1d", Direction::forward, "conv1d_im2col_gemm"},
      {"conv3d_vol2col_gemm", "conv3d", Direction::forward, "conv3d_reference"},
      {"conv3d_direct_vc", "conv3d", Direction::forward, "conv3d_vol2col_gemm"},
      {"conv1d_backward_gemm", "conv1d", Direction::backward, "conv1d_backward_reference"},
      {"conv3d_backward_gemm", "conv3d", Direction::backward, "conv3d_backward_reference"},
  };
  for (const Expected& e : expected) {
    SCOPED_TRACE(e.name);
    const Variant* v = find_variant(e.name);
    ASSERT_NE(v, nullptr);
    EXPECT_EQ(v->op, e.op);
    EXPECT_EQ(v->direction, e.direction);
    EXPECT_EQ(v->parent, e.parent);
    EXPECT_NE(find_variant(v->parent), nullptr);
    EXPECT_FALSE(v->tolerance_reason.empty());
    EXPECT_FALSE(v->description.empty());
  }
  for (const auto& c : conv1d_problems(kConv1dGroups[0])) {
    const ShapeMap shapes{{"x", c.x}, {"w", c.w}};
    EXPECT_EQ(find_variant("conv1d_direct_vc")->supports(OpParams{c.p}, shapes), "") << str(c);
    EXPECT_EQ(find_variant("conv1d_im2col_gemm")->supports(OpParams{c.p}, shapes), "") << str(c);
  }
  for (const auto& c : conv3d_problems(kConv3dGroups[0])) {
    const ShapeMap shapes{{"x", c.x}, {"w", c.w}};
    EXPECT_EQ(find_variant("conv3d_direct_vc")->supports(OpParams{c.p}, shapes), "") << str(c);
    EXPECT_EQ(find_variant("conv3d_vol2col_gemm")->supports(OpParams{c.p}, shapes), "") << str(c);
  }
}

// Invalid problems: the shape module's message (op, argument, values); a wrong output shape
// names the variant, "y" and the shape.
TEST(ConvNdKernels, InvalidProblemsThrowNamingThem) {
  const Tensor<float> x1(Shape{1, 4, 10}), w1(Shape{6, 2, 3});
  Tensor<float> y1(Shape{1, 6, 8}), y1_bad(Shape{1, 6, 9});
  for (const auto& v : kConv1d) {
    SCOPED_TRACE(v.name);
    test::expect_error([&] { v.run(x1, w1, Tensor<float>(), Conv1dParams{.groups = 3}, y1); },
                       {"conv1d", "input channels 4", "groups 3"});
    test::expect_error(
        [&] { v.run(x1, w1, Tensor<float>(Shape{5}), Conv1dParams{.groups = 2}, y1); },
        {"conv1d", "bias", "(5)"});
    test::expect_error([&] { v.run(x1, w1, Tensor<float>(), Conv1dParams{.groups = 2}, y1_bad); },
                       {v.name, "y", "(1, 6, 9)"});
  }
  const Tensor<float> x3(Shape{1, 2, 3, 4, 5}), w3(Shape{2, 2, 4, 1, 1});
  Tensor<float> y3(Shape{1, 2, 1, 4, 5});
  for (const auto& v : kConv3d) {
    SCOPED_TRACE(v.name);
    test::expect_error([&] { v.run(x3, w3, Tensor<float>(), Conv3dParams{}, y3); },
                       {"conv3d", "kernel_d 4", "3"});
  }
  const Tensor<float> dy1(Shape{1, 6, 7});
  Tensor<float> dx1(x1.shape()), dw1(w1.shape()), db1;
  test::expect_error(
      [&] { conv1d_backward_gemm(x1, w1, dy1, Conv1dParams{.groups = 2}, dx1, dw1, db1); },
      {"conv1d_backward_gemm", "dy", "(1, 6, 7)"});
}

}  // namespace
}  // namespace convlab
