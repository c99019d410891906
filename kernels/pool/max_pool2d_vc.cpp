// max_pool2d_vc: max_pool2d_separable's row pass and column pass in Vc vectors along the
// output width.
//
// Parent: max_pool2d_separable (same passes, same tie-breaking argument; see there). What this
// adds: L = float_v::size() output columns per instruction. The row pass reads a padded copy
// of the row (-inf outside; pool_vc.hpp: unit loads for stride 1, deinterleaved pairs for
// stride 2, gathers beyond); the column pass reads rows of row maxima, always contiguous.
// Indices travel as float vectors (exact: the plane has at most 2^24 elements).
// Seeding: each lane starts from best = -inf with the index of the window's first real element
// and takes a value only when it is strictly larger (or a NaN over a number). Padding (-inf)
// is therefore never taken, an all -inf window keeps its first real element, and otherwise the
// first maximum is taken: the reference's rule, lane by lane.
// When it wins: always over the scalar passes; most for wide rows. Memory: one padded input row,
// the row maxima and their indices of one plane (2 x H x W_out floats, rounded up to vectors).
#include <Vc/Vc>
#include <cstdint>
#include <limits>
#include <vector>

#include "kernels/parallel.hpp"
#include "kernels/pool/pool_common.hpp"
#include "kernels/pool/pool_kernels.hpp"
#include "kernels/pool/pool_vc.hpp"

namespace convlab {
namespace {

using pool_detail::float_v;
using pool_detail::kLanes;
using pool_detail::Load;

inline float_v::MaskType takes(const float_v& v, const float_v& best) {
  return (v > best) || (Vc::isnan(v) && !Vc::isnan(best));
}

// Row maxima of one padded row: best[ow], index[ow] = row_offset + iw of the maximum.
template <Load L>
void row_pass(const pool_detail::Geometry& g, const float* padded, const float* first_col,
              const float* col_base, float row_offset, std::int64_t padded_w, float* best_out,
              float* index_out) {
  const float_v::IndexType stride_index =
      float_v::IndexType(Vc::IndexesFromZero) * static_cast<int>(g.w.s);
  for (std::int64_t ow = 0; ow < padded_w; ow += kLanes) {
    float_v best(-std::numeric_limits<float>::infinity());
    float_v index(first_col + ow, Vc::Aligned);
    const float_v col0(col_base + ow, Vc::Aligned);
    for (std::int64_t kw = 0; kw < g.w.k; ++kw) {
      const float_v v = pool_detail::load_tap<L>(padded, ow, g.w.s, kw * g.w.d, stride_index);
      const float_v::MaskType take = takes(v, best);
      best = Vc::iif(take, v, best);
      index = Vc::iif(take, col0 + float_v(static_cast<float>(kw * g.w.d)), index);
    }
    best.store(best_out + ow, Vc::Aligned);
    (index + float_v(row_offset)).store(index_out + ow, Vc::Aligned);
  }
}

}  // namespace

void max_pool2d_vc(const Tensor<float>& x, const Pool2dParams& p, Tensor<float>& y,
                   Tensor<float>& indices) {
  const pool_detail::Geometry g =
      pool_detail::geometry("max_pool2d", "max_pool2d_vc", x, p, {&y, &indices}, {"y", "indices"},
                            max_pool2d_indices_supports(p, x.shape()));
  const std::vector<char> read = pool_detail::rows_read(g.h);
  const std::int64_t padded_w = pool_detail::round_up_to_lanes(g.W_out);
  const std::int64_t width = pool_detail::padded_row_width(padded_w, g.w.s, g.w.k, g.w.d);
  // Per output column: its first real input column, and ow * stride - pad_left (the column of
  // tap 0, negative in the padding); lanes past W_out repeat harmless values.
  Vc::Memory<float_v> first_col(static_cast<std::size_t>(padded_w));
  Vc::Memory<float_v> col_base(static_cast<std::size_t>(padded_w));
  for (std::int64_t ow = 0; ow < padded_w; ++ow) {
    first_col[static_cast<std::size_t>(ow)] = static_cast<float>(ow < g.W_out ? g.w.first[ow] : 0);
    col_base[static_cast<std::size_t>(ow)] = static_cast<float>(ow * g.w.s - g.w.lo);
  }
  const float minus_inf = -std::numeric_limits<float>::infinity();
  const std::int64_t planes = g.N * g.C;
  parallel_region(pool_detail::worth_threads(x.numel() + y.numel()), [&] {
    std::vector<float> padded(static_cast<std::size_t>(width));
    Vc::Memory<float_v> row_max(static_cast<std::size_t>(g.H * padded_w));
    Vc::Memory<float_v> row_index(static_cast<std::size_t>(g.H * padded_w));
#pragma omp for schedule(static)
    for (std::int64_t pl = 0; pl < planes; ++pl) {
      const float* xp = x.data() + pl * g.H * g.W;
      for (std::int64_t ih = 0; ih < g.H; ++ih) {
        if (!read[static_cast<std::size_t>(ih)]) continue;
        pool_detail::fill_padded_row(xp + ih * g.W, g.W, g.w.lo, minus_inf, padded.data(), width);
        float* best = row_max.entries() + ih * padded_w;
        float* index = row_index.entries() + ih * padded_w;
        const float offset = static_cast<float>(ih * g.W);
        if (g.w.s == 1) {
          row_pass<Load::unit>(g, padded.data(), first_col.entries(), col_base.entries(), offset,
                               padded_w, best, index);
        } else if (g.w.s == 2) {
          row_pass<Load::even>(g, padded.data(), first_col.entries(), col_base.entries(), offset,
                               padded_w, best, index);
        } else {
          row_pass<Load::gather>(g, padded.data(), first_col.entries(), col_base.entries(), offset,
                                 padded_w, best, index);
        }
      }
      float* yp = y.data() + pl * g.H_out * g.W_out;
      float* ip = indices.data() + pl * g.H_out * g.W_out;
      for (std::int64_t oh = 0; oh < g.H_out; ++oh) {
        const std::int64_t first_row = g.h.first[oh];
        for (std::int64_t ow = 0; ow < g.W_out; ow += kLanes) {
          float_v best(minus_inf);
          float_v index(row_index.entries() + first_row * padded_w + ow, Vc::Aligned);
          for (std::int64_t t = g.h.t_lo[oh]; t < g.h.t_hi[oh]; ++t) {
            const std::int64_t ih = g.h.start[oh] + t * g.h.d;
            const float_v v(row_max.entries() + ih * padded_w + ow, Vc::Aligned);
            const float_v::MaskType take = takes(v, best);
            best = Vc::iif(take, v, best);
            index = Vc::iif(take, float_v(row_index.entries() + ih * padded_w + ow, Vc::Aligned),
                            index);
          }
          const std::int64_t valid = std::min(kLanes, g.W_out - ow);
          pool_detail::store_lanes(best, yp + oh * g.W_out + ow, valid);
          pool_detail::store_lanes(index, ip + oh * g.W_out + ow, valid);
        }
      }
    }
  });
}

}  // namespace convlab
