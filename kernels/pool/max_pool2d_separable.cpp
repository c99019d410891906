// max_pool2d_separable: max pooling as a row pass then a column pass.
//
//   r[ih][ow]      = max_{kw} x[ih][ow * sw + kw * dw - pl]        (row pass, every read row)
//   y[oh][ow]      = max_{kh} r[oh * sh + kh * dh - pt][ow]        (column pass)
//
// Parent: max_pool2d_reference. What this adds: a window of KH x KW taps costs KW comparisons
// per read input row plus KH per output, instead of KH * KW per output, and each row maximum
// is shared by every output row whose window reads that row (stride_h < kernel_h).
// When it wins: overlapping windows (AlexNet's 3x3 stride 2); for 2x2 stride 2 it only
// removes the reference's per-element bounds tests. Memory: the row maxima of one plane and
// their positions (H x W_out values and indices).
//
// Ties and NaN, exactly as the reference (first maximum in row-major window order, kh outer,
// kw inner; a NaN wins and the first NaN is kept). Why row-then-column with the strict '>'
// finds that element: let m be the window's maximum and (r*, c*) its first occurrence in
// row-major order, i.e. r* is the first window row holding m and c* the first column of row r*
// holding m. The row pass with '>' keeps the first column attaining each row's maximum, so row
// r* reports (m, c*). Every earlier row holds only values < m (it does not hold m and nothing
// exceeds m), so its row maximum is < m; later rows report at most m. The column pass with '>'
// therefore replaces its candidate exactly at row r* and never after: it returns (m, r*, c*).
// NaN behaves as a value above every number that is never replaced by another NaN: the row
// pass keeps the first NaN of a row, the column pass the first row holding one, which is the
// first NaN in row-major order. Padding is -inf and simply never read: the first real element
// seeds each pass, so an all -inf window reports its first real element, as the reference.
#include <cmath>
#include <cstdint>
#include <vector>

#include "kernels/parallel.hpp"
#include "kernels/pool/pool_common.hpp"
#include "kernels/pool/pool_kernels.hpp"
#include "reference/dispatch.hpp"

namespace convlab {

std::string max_pool2d_indices_supports(const Pool2dParams&, const Shape& x) {
  if (x.rank() != 4) return "";  // the shape module's message comes from run()
  const std::int64_t plane = x[2] * x[3];
  if (plane - 1 > max_exact_index<float>()) {
    return "the plane of " + std::to_string(x[2]) + " x " + std::to_string(x[3]) + " = " +
           std::to_string(plane) +
           " elements has indices above 2^24 = " + std::to_string(max_exact_index<float>()) +
           ", which float indices cannot hold exactly";
  }
  return "";
}

namespace {

// The reference's rule: take v over the current best when it is larger, or a NaN over a number.
inline bool takes(float v, float best) {
  return v > best || (std::isnan(v) && !std::isnan(best));
}

}  // namespace

void max_pool2d_separable(const Tensor<float>& x, const Pool2dParams& p, Tensor<float>& y,
                          Tensor<float>& indices) {
  const pool_detail::Geometry g =
      pool_detail::geometry("max_pool2d", "max_pool2d_separable", x, p, {&y, &indices},
                            {"y", "indices"}, max_pool2d_indices_supports(p, x.shape()));
  const std::vector<char> read = pool_detail::rows_read(g.h);
  const std::int64_t planes = g.N * g.C;
  parallel_region(pool_detail::worth_threads(x.numel() + y.numel()), [&] {
    std::vector<float> row_max(static_cast<std::size_t>(g.H * g.W_out));
    std::vector<std::int64_t> row_col(row_max.size());
#pragma omp for schedule(static)
    for (std::int64_t pl = 0; pl < planes; ++pl) {
      const float* xp = x.data() + pl * g.H * g.W;
      for (std::int64_t ih = 0; ih < g.H; ++ih) {
        if (!read[static_cast<std::size_t>(ih)]) continue;
        const float* xr = xp + ih * g.W;
        for (std::int64_t ow = 0; ow < g.W_out; ++ow) {
          std::int64_t col = g.w.first[ow];
          float best = xr[col];
          for (std::int64_t t = g.w.t_lo[ow] + 1; t < g.w.t_hi[ow]; ++t) {
            const std::int64_t iw = g.w.start[ow] + t * g.w.d;
            if (takes(xr[iw], best)) {
              best = xr[iw];
              col = iw;
            }
          }
          row_max[ih * g.W_out + ow] = best;
          row_col[ih * g.W_out + ow] = col;
        }
      }
      float* yp = y.data() + pl * g.H_out * g.W_out;
      float* ip = indices.data() + pl * g.H_out * g.W_out;
      for (std::int64_t oh = 0; oh < g.H_out; ++oh) {
        for (std::int64_t ow = 0; ow < g.W_out; ++ow) {
          std::int64_t row = g.h.first[oh];
          float best = row_max[row * g.W_out + ow];
          std::int64_t col = row_col[row * g.W_out + ow];
          for (std::int64_t t = g.h.t_lo[oh] + 1; t < g.h.t_hi[oh]; ++t) {
            const std::int64_t ih = g.h.start[oh] + t * g.h.d;
            if (takes(row_max[ih * g.W_out + ow], best)) {
              best = row_max[ih * g.W_out + ow];
              row = ih;
              col = row_col[ih * g.W_out + ow];
            }
          }
          yp[oh * g.W_out + ow] = best;
          ip[oh * g.W_out + ow] = static_cast<float>(row * g.W + col);
        }
      }
    }
  });
}

}  // namespace convlab
