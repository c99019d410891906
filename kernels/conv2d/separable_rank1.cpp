// conv2d_separable_rank1: a spatially separable kernel w[oc][ic] = u v^T (KH x 1 times 1 x KW)
// run as a vertical 1-D pass with u and then a horizontal 1-D pass with v
// (doc:001_a5e5184ddd425933.txt#W12).
//
//   y[n][oc] = b[oc] + sum_ic  hpass_v( vpass_u( x[n][g*C_in/G + ic] ) )
//
// Parent: the reference loop. What this adds: KH + KW multiply-adds per output and input
// channel instead of KH * KW (the vertical pass runs over the W input columns, so the saving
// is exact for stride 1). The factors are read off the kernel: with (i*, j*) its largest
// element, u = column j* and v = row i* / w[i*][j*]; the kernel counts as rank 1 when
// ||w - u v^T||_F <= 1e-6 ||w||_F. Whether the weights are rank 1 is a property of their
// values, which supports() (shapes only) cannot see: run() checks it and throws
// std::invalid_argument with the reason, never computes an approximation silently.
// When it wins: large separable kernels (Sobel-like, Gaussian blurs), few channels.
// Memory: one H_out x (W + pads) plane of the vertical pass. Accuracy: two nested float sums
// per channel; the refactored u_i v_j reproduce w to a few ulps.
#include <cmath>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "kernels/conv2d/conv2d_kernels.hpp"
#include "kernels/conv2d/separable_common.hpp"

namespace convlab {
namespace {

constexpr double kRank1Tolerance = 1e-6;

// u (KH) and v (KW) of one KH x KW kernel k, and ||k - u v^T||_F / ||k||_F (0 for k == 0).
double rank1_factors(const float* k, std::int64_t KH, std::int64_t KW, float* u, float* v) {
  std::int64_t pi = 0, pj = 0;
  for (std::int64_t i = 0; i < KH; ++i) {
    for (std::int64_t j = 0; j < KW; ++j) {
      if (std::fabs(k[i * KW + j]) > std::fabs(k[pi * KW + pj])) {
        pi = i;
        pj = j;
      }
    }
  }
  const float pivot = k[pi * KW + pj];
  for (std::int64_t i = 0; i < KH; ++i) u[i] = k[i * KW + pj];
  for (std::int64_t j = 0; j < KW; ++j) v[j] = pivot == 0.0f ? 0.0f : k[pi * KW + j] / pivot;
  double diff = 0, norm = 0;
  for (std::int64_t i = 0; i < KH; ++i) {
    for (std::int64_t j = 0; j < KW; ++j) {
      const double e = double(k[i * KW + j]) - double(u[i]) * double(v[j]);
      diff += e * e;
      norm += double(k[i * KW + j]) * double(k[i * KW + j]);
    }
  }
  return norm == 0 ? 0.0 : std::sqrt(diff / norm);
}

}  // namespace

std::string conv2d_separable_rank1_supports(const Conv2dParams&, const Shape&, const Shape&) {
  return "";  // any shape; the weights' values are checked by run()
}

std::string conv2d_separable_rank1_weights_reason(const Tensor<float>& w) {
  if (w.rank() != 4) return "";  // the shape module reports it
  const std::int64_t KH = w.dim(2), KW = w.dim(3);
  std::vector<float> u(static_cast<std::size_t>(KH)), v(static_cast<std::size_t>(KW));
  for (std::int64_t oc = 0; oc < w.dim(0); ++oc) {
    for (std::int64_t ic = 0; ic < w.dim(1); ++ic) {
      const double rel =
          rank1_factors(w.data() + (oc * w.dim(1) + ic) * KH * KW, KH, KW, u.data(), v.data());
      if (!(rel <= kRank1Tolerance)) {
        std::ostringstream s;
        s << "needs every kernel to be rank 1 (u v^T within " << kRank1Tolerance
          << " relative); kernel (oc " << oc << ", ic " << ic
          << ") has ||w - u v^T|| / ||w|| = " << rel;
        return s.str();
      }
    }
  }
  return "";
}

// [docs:separable-rank1]
void conv2d_separable_rank1(const Tensor<float>& x, const Tensor<float>& w, const Tensor<float>& b,
                            const Conv2dParams& p, Tensor<float>& y) {
  const conv2d_detail::Geometry g =
      conv2d_detail::geometry("conv2d_separable_rank1", x, w, b, p, y,
                              conv2d_separable_rank1_supports(p, x.shape(), w.shape()));
  const std::string reason = conv2d_separable_rank1_weights_reason(w);
  if (!reason.empty()) {
    throw std::invalid_argument("conv2d_separable_rank1: argument w: " + reason);
  }
  // Factors of every kernel: u[oc][ic][KH], v[oc][ic][KW].
  const std::int64_t pairs = g.C_out * g.C_in_g;
  std::vector<float> u(static_cast<std::size_t>(pairs * g.KH)),
      v(static_cast<std::size_t>(pairs * g.KW));
  for (std::int64_t k = 0; k < pairs; ++k) {
    rank1_factors(w.data() + k * g.KH * g.KW, g.KH, g.KW, u.data() + k * g.KH, v.data() + k * g.KW);
  }
  conv2d_detail::fill_bias(g, b, y);
  std::vector<float> t;
  for (std::int64_t n = 0; n < g.N; ++n) {
    for (std::int64_t oc = 0; oc < g.C_out; ++oc) {
      const std::int64_t grp = oc / g.C_out_g;
      float* yc = y.data() + (n * g.C_out + oc) * g.H_out * g.W_out;
      for (std::int64_t ic = 0; ic < g.C_in_g; ++ic) {
        const float* xc = x.data() + (n * g.C_in + grp * g.C_in_g + ic) * g.H * g.W;
        const std::int64_t k = oc * g.C_in_g + ic;
        conv2d_detail::accumulate_separable(g, xc, u.data() + k * g.KH, v.data() + k * g.KW, yc, t);
      }
    }
  }
}
// [docs:end]

}  // namespace convlab
