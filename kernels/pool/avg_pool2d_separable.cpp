// avg_pool2d_separable: average pooling as a row pass then a column pass.
//
//   r[ih][ow] = sum_{kw, iw real} x[ih][ow * sw + kw - pl]          (row pass, every read row)
//   y[oh][ow] = (sum_{kh, ih real} r[oh * sh + kh - pt][ow]) / (div_h[oh] * div_w[ow])
//
// Parent: avg_pool2d_reference. What this adds: KW additions per read input row and KH per
// output instead of KH * KW per output; each row sum is shared by every output row reading it.
// Padding adds nothing and is never read. The divisor is the product of the two axes'
// divisors, each the reference's (count_include_pad: the window clipped to the padded input,
// a ceil_mode overhang beyond the padding not counted; otherwise the real elements).
// Accuracy: float sums of KW, then KH terms, and one float division (correctly rounded, as
// the reference's double division rounded to float: on small integers both are exact sums
// and give the same float quotient).
// Memory: the row sums of one plane (H x W_out floats).
#include <cstdint>
#include <vector>

#include "kernels/parallel.hpp"
#include "kernels/pool/pool_common.hpp"
#include "kernels/pool/pool_kernels.hpp"

namespace convlab {

void avg_pool2d_separable(const Tensor<float>& x, const Pool2dParams& p, Tensor<float>& y) {
  const pool_detail::Geometry g =
      pool_detail::geometry("avg_pool2d", "avg_pool2d_separable", x, p, {&y}, {"y"}, "");
  const std::vector<char> read = pool_detail::rows_read(g.h);
  const std::int64_t planes = g.N * g.C;
  parallel_region(pool_detail::worth_threads(x.numel() + y.numel()), [&] {
    std::vector<float> row_sum(static_cast<std::size_t>(g.H * g.W_out));
#pragma omp for schedule(static)
    for (std::int64_t pl = 0; pl < planes; ++pl) {
      const float* xp = x.data() + pl * g.H * g.W;
      for (std::int64_t ih = 0; ih < g.H; ++ih) {
        if (!read[static_cast<std::size_t>(ih)]) continue;
        const float* xr = xp + ih * g.W;
        for (std::int64_t ow = 0; ow < g.W_out; ++ow) {
          float s = 0;
          for (std::int64_t iw = g.w.first[ow]; iw < g.w.end[ow]; ++iw) s += xr[iw];
          row_sum[ih * g.W_out + ow] = s;
        }
      }
      float* yp = y.data() + pl * g.H_out * g.W_out;
      for (std::int64_t oh = 0; oh < g.H_out; ++oh) {
        for (std::int64_t ow = 0; ow < g.W_out; ++ow) {
          float s = 0;
          for (std::int64_t ih = g.h.first[oh]; ih < g.h.end[oh]; ++ih) {
            s += row_sum[ih * g.W_out + ow];
          }
          yp[oh * g.W_out + ow] = s / static_cast<float>(g.h.divisor[oh] * g.w.divisor[ow]);
        }
      }
    }
  });
}

}  // namespace convlab
