// conv2d_separable_svd: every KH x KW kernel replaced by its singular value decomposition
// truncated to `rank` terms, w[oc][ic] ~ sum_{r < rank} s_r u_r v_r^T, each term run as a
// vertical then a horizontal 1-D pass (separable_common.hpp).
//
// Parent: conv2d_separable_rank1, which needs exactly rank-1 kernels; this one takes any kernel
// and makes the rank a knob. rank = min(KH, KW) is the full decomposition and reproduces w up to
// rounding; a smaller rank is the best approximation of that rank in the Frobenius norm
// (Eckart-Young), and conv2d_separable_svd_error reports how far it is from w.
// The SVD is a one-sided Jacobi iteration (Hestenes) in double: plane rotations orthogonalize
// the columns of the (tall) kernel matrix; the column norms are the singular values.
// When it wins: large kernels whose spectrum decays fast (a rank-2 11x11 kernel costs 44
// multiply-adds per output instead of 121). For 3x3 the exact rank 3 costs more than direct.
// Memory: the factors (rank * (KH + KW) per kernel) and one vertical-pass plane.
// Accuracy: the terms s_r u_r v_r^T can cancel, so sum_r |s_r u_r v_r^T| may exceed |w| and the
// dot-product bound holds only approximately; the factor in conv2d_kernels.hpp is measured.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

#include "kernels/conv2d/conv2d_kernels.hpp"
#include "kernels/conv2d/separable_common.hpp"

namespace convlab {
namespace {

// a = sum_r s[r] * U[:, r] V[:, r]^T, s descending, r < min(rows, cols).
struct Svd {
  std::int64_t rows = 0, cols = 0, k = 0;  // k = min(rows, cols)
  std::vector<double> s;                   // k
  std::vector<double> U;                   // rows x k, column r = u_r
  std::vector<double> V;                   // cols x k, column r = v_r
};

// One-sided Jacobi SVD of the row-major rows x cols matrix a.
Svd jacobi_svd(const double* a, std::int64_t rows, std::int64_t cols) {
  // Work on a tall matrix B (m x n, m >= n): B = a, or a^T when a is wide.
  const bool wide = rows < cols;
  const std::int64_t m = wide ? cols : rows, n = wide ? rows : cols;
  std::vector<double> B(static_cast<std::size_t>(m * n)), J(static_cast<std::size_t>(n * n), 0.0);
  for (std::int64_t i = 0; i < m; ++i) {
    for (std::int64_t j = 0; j < n; ++j) B[i * n + j] = wide ? a[j * cols + i] : a[i * cols + j];
  }
  for (std::int64_t j = 0; j < n; ++j) J[j * n + j] = 1.0;
  // Rotate column pairs (p, q) until every pair is orthogonal to machine precision. After the
  // loop B = U_B S and the accumulated rotations J = V_B, so B = U_B S V_B^T.
  for (int sweep = 0; sweep < 100; ++sweep) {
    bool rotated = false;
    for (std::int64_t p = 0; p + 1 < n; ++p) {
      for (std::int64_t q = p + 1; q < n; ++q) {
        double alpha = 0, beta = 0, gamma = 0;
        for (std::int64_t i = 0; i < m; ++i) {
          alpha += B[i * n + p] * B[i * n + p];
          beta += B[i * n + q] * B[i * n + q];
          gamma += B[i * n + p] * B[i * n + q];
        }
        if (gamma == 0 || std::fabs(gamma) <= 1e-15 * std::sqrt(alpha * beta)) continue;
        rotated = true;
        // The rotation angle that makes columns p and q orthogonal: tan = t, the smaller root
        // of t^2 + 2 zeta t - 1 = 0.
        const double zeta = (beta - alpha) / (2 * gamma);
        const double t = (zeta >= 0 ? 1.0 : -1.0) / (std::fabs(zeta) + std::sqrt(1 + zeta * zeta));
        const double c = 1 / std::sqrt(1 + t * t), s = c * t;
        for (std::int64_t i = 0; i < m; ++i) {
          const double bp = B[i * n + p], bq = B[i * n + q];
          B[i * n + p] = c * bp - s * bq;
          B[i * n + q] = s * bp + c * bq;
        }
        for (std::int64_t i = 0; i < n; ++i) {
          const double jp = J[i * n + p], jq = J[i * n + q];
          J[i * n + p] = c * jp - s * jq;
          J[i * n + q] = s * jp + c * jq;
        }
      }
    }
    if (!rotated) break;
  }
  std::vector<double> norm(static_cast<std::size_t>(n));
  for (std::int64_t j = 0; j < n; ++j) {
    double s2 = 0;
    for (std::int64_t i = 0; i < m; ++i) s2 += B[i * n + j] * B[i * n + j];
    norm[static_cast<std::size_t>(j)] = std::sqrt(s2);
  }
  std::vector<std::int64_t> order(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::int64_t i, std::int64_t j) {
    return norm[static_cast<std::size_t>(i)] > norm[static_cast<std::size_t>(j)];
  });
  Svd r;
  r.rows = rows;
  r.cols = cols;
  r.k = n;
  r.s.resize(static_cast<std::size_t>(n));
  r.U.assign(static_cast<std::size_t>(rows * n), 0.0);
  r.V.assign(static_cast<std::size_t>(cols * n), 0.0);
  for (std::int64_t k = 0; k < n; ++k) {
    const std::int64_t j = order[static_cast<std::size_t>(k)];
    const double sk = norm[static_cast<std::size_t>(j)];
    r.s[static_cast<std::size_t>(k)] = sk;
    // Left vectors of B: its normalized columns; right vectors: the columns of J. For a wide
    // a = B^T the roles swap.
    std::vector<double> left(static_cast<std::size_t>(m)), right(static_cast<std::size_t>(n));
    for (std::int64_t i = 0; i < m; ++i) left[i] = sk == 0 ? 0.0 : B[i * n + j] / sk;
    for (std::int64_t i = 0; i < n; ++i) right[i] = J[i * n + j];
    const std::vector<double>& uu = wide ? right : left;
    const std::vector<double>& vv = wide ? left : right;
    for (std::int64_t i = 0; i < rows; ++i) r.U[i * n + k] = uu[static_cast<std::size_t>(i)];
    for (std::int64_t i = 0; i < cols; ++i) r.V[i * n + k] = vv[static_cast<std::size_t>(i)];
  }
  return r;
}

Svd kernel_svd(const Tensor<float>& w, std::int64_t oc, std::int64_t ic) {
  const std::int64_t KH = w.dim(2), KW = w.dim(3);
  std::vector<double> a(static_cast<std::size_t>(KH * KW));
  const float* k = w.data() + (oc * w.dim(1) + ic) * KH * KW;
  for (std::int64_t i = 0; i < KH * KW; ++i) a[static_cast<std::size_t>(i)] = k[i];
  return jacobi_svd(a.data(), KH, KW);
}

void check_rank(const char* op, const Tensor<float>& w, int rank) {
  if (w.rank() != 4) {
    throw std::invalid_argument(std::string(op) +
                                ": argument w must be (C_out, C_in/groups, KH, KW), got " +
                                w.shape().str());
  }
  if (rank < 1) {
    throw std::invalid_argument(std::string(op) + ": argument rank must be >= 1, got " +
                                std::to_string(rank));
  }
}

}  // namespace

Tensor<float> conv2d_separable_svd_approximation(const Tensor<float>& w, int rank) {
  check_rank("conv2d_separable_svd_approximation", w, rank);
  Tensor<float> wr(w.shape());
  const std::int64_t KH = w.dim(2), KW = w.dim(3);
  for (std::int64_t oc = 0; oc < w.dim(0); ++oc) {
    for (std::int64_t ic = 0; ic < w.dim(1); ++ic) {
      const Svd d = kernel_svd(w, oc, ic);
      for (std::int64_t i = 0; i < KH; ++i) {
        for (std::int64_t j = 0; j < KW; ++j) {
          double sum = 0;
          for (std::int64_t r = 0; r < std::min<std::int64_t>(rank, d.k); ++r) {
            sum += d.s[r] * d.U[i * d.k + r] * d.V[j * d.k + r];
          }
          wr(oc, ic, i, j) = static_cast<float>(sum);
        }
      }
    }
  }
  return wr;
}

SvdApproximationError conv2d_separable_svd_error(const Tensor<float>& w, int rank) {
  check_rank("conv2d_separable_svd_error", w, rank);
  SvdApproximationError e;
  const std::int64_t KH = w.dim(2), KW = w.dim(3);
  double total_diff = 0, total_norm = 0;
  for (std::int64_t oc = 0; oc < w.dim(0); ++oc) {
    for (std::int64_t ic = 0; ic < w.dim(1); ++ic) {
      const Svd d = kernel_svd(w, oc, ic);
      double diff = 0, norm = 0;
      for (std::int64_t i = 0; i < KH; ++i) {
        for (std::int64_t j = 0; j < KW; ++j) {
          double sum = 0;
          for (std::int64_t r = 0; r < std::min<std::int64_t>(rank, d.k); ++r) {
            sum += d.s[r] * d.U[i * d.k + r] * d.V[j * d.k + r];
          }
          const double wij = w(oc, ic, i, j);
          diff += (wij - sum) * (wij - sum);
          norm += wij * wij;
          e.max_abs = std::max(e.max_abs, std::fabs(wij - sum));
        }
      }
      total_diff += diff;
      total_norm += norm;
      if (norm > 0) e.max_kernel_relative = std::max(e.max_kernel_relative, std::sqrt(diff / norm));
    }
  }
  e.relative_frobenius = total_norm > 0 ? std::sqrt(total_diff / total_norm) : 0.0;
  return e;
}

void conv2d_separable_svd(const Tensor<float>& x, const Tensor<float>& w, const Tensor<float>& b,
                          const Conv2dParams& p, Tensor<float>& y, int rank) {
  const conv2d_detail::Geometry g =
      conv2d_detail::geometry("conv2d_separable_svd", x, w, b, p, y, "");
  check_rank("conv2d_separable_svd", w, rank);
  const std::int64_t R = std::min<std::int64_t>(rank, std::min(g.KH, g.KW));
  // Factors per kernel and term: u_r scaled by s_r (KH floats), v_r (KW floats).
  const std::int64_t pairs = g.C_out * g.C_in_g;
  std::vector<float> u(static_cast<std::size_t>(pairs * R * g.KH), 0.0f);
  std::vector<float> v(static_cast<std::size_t>(pairs * R * g.KW), 0.0f);
  std::vector<char> used(static_cast<std::size_t>(pairs * R), 0);
  for (std::int64_t oc = 0; oc < g.C_out; ++oc) {
    for (std::int64_t ic = 0; ic < g.C_in_g; ++ic) {
      const Svd d = kernel_svd(w, oc, ic);
      for (std::int64_t r = 0; r < R; ++r) {
        const std::int64_t t = (oc * g.C_in_g + ic) * R + r;
        if (d.s[r] == 0) continue;  // nothing to add
        used[static_cast<std::size_t>(t)] = 1;
        for (std::int64_t i = 0; i < g.KH; ++i) {
          u[t * g.KH + i] = static_cast<float>(d.s[r] * d.U[i * d.k + r]);
        }
        for (std::int64_t j = 0; j < g.KW; ++j) {
          v[t * g.KW + j] = static_cast<float>(d.V[j * d.k + r]);
        }
      }
    }
  }
  conv2d_detail::fill_bias(g, b, y);
  std::vector<float> scratch;
  for (std::int64_t n = 0; n < g.N; ++n) {
    for (std::int64_t oc = 0; oc < g.C_out; ++oc) {
      const std::int64_t grp = oc / g.C_out_g;
      float* yc = y.data() + (n * g.C_out + oc) * g.H_out * g.W_out;
      for (std::int64_t ic = 0; ic < g.C_in_g; ++ic) {
        const float* xc = x.data() + (n * g.C_in + grp * g.C_in_g + ic) * g.H * g.W;
        for (std::int64_t r = 0; r < R; ++r) {
          const std::int64_t t = (oc * g.C_in_g + ic) * R + r;
          if (!used[static_cast<std::size_t>(t)]) continue;
          conv2d_detail::accumulate_separable(g, xc, u.data() + t * g.KH, v.data() + t * g.KW, yc,
                                              scratch);
        }
      }
    }
  }
}

std::string conv2d_separable_svd_r3_supports(const Conv2dParams&, const Shape& x, const Shape& w) {
  if (!conv2d_detail::rank4(x, w)) return "";
  if (std::min(w[2], w[3]) > 3) {
    return "needs min(KH, KW) <= 3 so that rank 3 reproduces the kernel; got " +
           std::to_string(w[2]) + "x" + std::to_string(w[3]) +
           " (conv2d_separable_svd with an explicit rank approximates it)";
  }
  return "";
}

void conv2d_separable_svd_r3(const Tensor<float>& x, const Tensor<float>& w, const Tensor<float>& b,
                             const Conv2dParams& p, Tensor<float>& y) {
  conv2d_detail::geometry("conv2d_separable_svd_r3", x, w, b, p, y,
                          conv2d_separable_svd_r3_supports(p, x.shape(), w.shape()));
  conv2d_separable_svd(x, w, b, p, y, 3);
}

}  // namespace convlab
