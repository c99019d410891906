// avg_pool2d_backward_separable: the gradient of average pooling as the transposes of the
// forward's two passes.
//
//   g[oh][ow]   = dy[oh][ow] / (div_h[oh] * div_w[ow])
//   t[ih][ow]   = sum_{oh whose window reads row ih} g[oh][ow]          (column pass, transposed)
//   dx[ih][iw]  = sum_{ow whose window reads column iw} t[ih][ow]       (row pass, transposed)
//
// Parent: avg_pool2d_backward_reference. What this adds: the forward is a column sum of row
// sums, so its adjoint is a row scatter of column scatters: each dy is divided once and then
// added KH + KW times instead of KH * KW times. The column scatter adds whole rows of g (Vc
// vectors along the output width); the row scatter is scalar. OpenMP over planes. The padding
// and the ceil_mode overhang receive nothing (only real rows and columns are scattered to).
// Accuracy: a division per dy (one rounding) and float sums of at most ceil(KH / SH) then
// ceil(KW / SW) terms: the plain bound of the reference's K = ceil(KH/SH) * ceil(KW/SW) + 1
// times M = the adjoint on |dy|. Not exact on integers: dy / divisor is rounded to float where
// the reference keeps it in double. Memory: g and t of one plane.
#include <Vc/Vc>
#include <algorithm>
#include <cstdint>
#include <vector>

#include "kernels/parallel.hpp"
#include "kernels/pool/pool_common.hpp"
#include "kernels/pool/pool_kernels.hpp"
#include "kernels/pool/pool_vc.hpp"

namespace convlab {

void avg_pool2d_backward_separable(const Tensor<float>& x, const Tensor<float>& dy,
                                   const Pool2dParams& p, Tensor<float>& dx) {
  using pool_detail::float_v;
  using pool_detail::kLanes;
  const pool_detail::Geometry g =
      pool_detail::geometry("avg_pool2d", "avg_pool2d_backward_separable", x, p, {&dy}, {"dy"}, "");
  require_same_shape("avg_pool2d_backward_separable", "dx", dx.shape(), x.shape());
  const std::int64_t padded_w = pool_detail::round_up_to_lanes(g.W_out);
  const std::int64_t planes = g.N * g.C;
  parallel_region(pool_detail::worth_threads(dx.numel() + dy.numel()), [&] {
    Vc::Memory<float_v> share(static_cast<std::size_t>(padded_w));
    Vc::Memory<float_v> t(static_cast<std::size_t>(g.H * padded_w));
#pragma omp for schedule(static)
    for (std::int64_t pl = 0; pl < planes; ++pl) {
      std::fill(t.entries(), t.entries() + g.H * padded_w, 0.0f);
      const float* d = dy.data() + pl * g.H_out * g.W_out;
      for (std::int64_t oh = 0; oh < g.H_out; ++oh) {
        for (std::int64_t ow = 0; ow < g.W_out; ++ow) {
          share[static_cast<std::size_t>(ow)] =
              d[oh * g.W_out + ow] / static_cast<float>(g.h.divisor[oh] * g.w.divisor[ow]);
        }
        for (std::int64_t ih = g.h.first[oh]; ih < g.h.end[oh]; ++ih) {
          float* row = t.entries() + ih * padded_w;
          for (std::int64_t ow = 0; ow < g.W_out; ow += kLanes) {
            (float_v(row + ow, Vc::Aligned) + float_v(share.entries() + ow, Vc::Aligned))
                .store(row + ow, Vc::Aligned);
          }
        }
      }
      float* gx = dx.data() + pl * g.H * g.W;
      std::fill(gx, gx + g.H * g.W, 0.0f);
      for (std::int64_t ih = 0; ih < g.H; ++ih) {
        const float* row = t.entries() + ih * padded_w;
        float* out = gx + ih * g.W;
        for (std::int64_t ow = 0; ow < g.W_out; ++ow) {
          for (std::int64_t iw = g.w.first[ow]; iw < g.w.end[ow]; ++iw) out[iw] += row[ow];
        }
      }
    }
  });
}

}  // namespace convlab
