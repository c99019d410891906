// avg_pool2d_vc: avg_pool2d_separable's row pass and column pass in Vc vectors along the
// output width.
//
// Parent: avg_pool2d_separable (same sums in the same order, same divisors). What this adds:
// L = float_v::size() output columns per instruction. The row pass reads a padded copy of the
// row (0 outside, which adds nothing; pool_vc.hpp: unit loads for stride 1, deinterleaved
// pairs for stride 2, gathers beyond); the column pass adds rows of row sums, contiguous, and
// divides by a precomputed plane of divisors (the product of the two axes' divisors, exact in
// float for windows below 2^24 elements).
// Accuracy: as the separable variant (the zeros of the padding change no partial sum).
// When it wins: always over the scalar passes. For large overlapping windows see
// avg_pool2d_running_sum. Memory: one padded row and the row sums of one plane.
#include <Vc/Vc>
#include <cstdint>
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

template <Load L>
void row_pass(const pool_detail::Geometry& g, const float* padded, std::int64_t padded_w,
              float* sum_out) {
  const float_v::IndexType stride_index =
      float_v::IndexType(Vc::IndexesFromZero) * static_cast<int>(g.w.s);
  for (std::int64_t ow = 0; ow < padded_w; ow += kLanes) {
    float_v s = pool_detail::load_tap<L>(padded, ow, g.w.s, 0, stride_index);
    for (std::int64_t kw = 1; kw < g.w.k; ++kw) {
      s += pool_detail::load_tap<L>(padded, ow, g.w.s, kw, stride_index);
    }
    s.store(sum_out + ow, Vc::Aligned);
  }
}

}  // namespace

void avg_pool2d_vc(const Tensor<float>& x, const Pool2dParams& p, Tensor<float>& y) {
  const pool_detail::Geometry g =
      pool_detail::geometry("avg_pool2d", "avg_pool2d_vc", x, p, {&y}, {"y"}, "");
  const std::vector<char> read = pool_detail::rows_read(g.h);
  const std::int64_t padded_w = pool_detail::round_up_to_lanes(g.W_out);
  const std::int64_t width = pool_detail::padded_row_width(padded_w, g.w.s, g.w.k, 1);
  Vc::Memory<float_v> divisor(static_cast<std::size_t>(g.H_out * padded_w));
  for (std::int64_t oh = 0; oh < g.H_out; ++oh) {
    for (std::int64_t ow = 0; ow < padded_w; ++ow) {
      divisor[static_cast<std::size_t>(oh * padded_w + ow)] =
          ow < g.W_out ? static_cast<float>(g.h.divisor[oh] * g.w.divisor[ow]) : 1.0f;
    }
  }
  const std::int64_t planes = g.N * g.C;
  parallel_region(pool_detail::worth_threads(x.numel() + y.numel()), [&] {
    std::vector<float> padded(static_cast<std::size_t>(width));
    Vc::Memory<float_v> row_sum(static_cast<std::size_t>(g.H * padded_w));
#pragma omp for schedule(static)
    for (std::int64_t pl = 0; pl < planes; ++pl) {
      const float* xp = x.data() + pl * g.H * g.W;
      for (std::int64_t ih = 0; ih < g.H; ++ih) {
        if (!read[static_cast<std::size_t>(ih)]) continue;
        pool_detail::fill_padded_row(xp + ih * g.W, g.W, g.w.lo, 0.0f, padded.data(), width);
        float* sums = row_sum.entries() + ih * padded_w;
        if (g.w.s == 1) {
          row_pass<Load::unit>(g, padded.data(), padded_w, sums);
        } else if (g.w.s == 2) {
          row_pass<Load::even>(g, padded.data(), padded_w, sums);
        } else {
          row_pass<Load::gather>(g, padded.data(), padded_w, sums);
        }
      }
      float* yp = y.data() + pl * g.H_out * g.W_out;
      for (std::int64_t oh = 0; oh < g.H_out; ++oh) {
        const float* first = row_sum.entries() + g.h.first[oh] * padded_w;
        for (std::int64_t ow = 0; ow < g.W_out; ow += kLanes) {
          float_v s(first + ow, Vc::Aligned);
          for (std::int64_t ih = g.h.first[oh] + 1; ih < g.h.end[oh]; ++ih) {
            s += float_v(row_sum.entries() + ih * padded_w + ow, Vc::Aligned);
          }
          s /= float_v(divisor.entries() + oh * padded_w + ow, Vc::Aligned);
          pool_detail::store_lanes(s, yp + oh * g.W_out + ow, std::min(kLanes, g.W_out - ow));
        }
      }
    }
  });
}

}  // namespace convlab
