// avg_pool2d_running_sum: average pooling with sliding sums along the rows and the columns.
//
//   r[ih][ow] = r[ih][ow - 1] + (x entering window ow) - (x leaving window ow - 1)
//   v[oh][:]  = v[oh - 1][:]  + (rows r entering window oh) - (rows r leaving window oh - 1)
//   y[oh][ow] = v[oh][ow] / (div_h[oh] * div_w[ow])
//
// Parent: avg_pool2d_separable (same passes and divisors). What this adds: each step of a
// sliding sum adds the `stride` values that enter the window and subtracts the `stride` values
// that leave, so an output costs about 2 * stride additions per axis whatever the kernel size
// (the separable variant costs kernel_w + kernel_h). The column pass moves whole rows of row
// sums at once, in Vc vectors along the output width. Along a row a sliding sum is a chain of
// dependent additions; the restarts below cut it into independent blocks, and the row pass
// runs L blocks side by side in the lanes of a vector (gathers and scatters with lane stride
// restart * stride). Dilation must be 1.
// When it wins: large overlapping windows (7x7 stride 1: ~4 instead of ~14 additions per
// output). For stride >= kernel nothing overlaps and each window is summed directly.
// Measured (one thread, 64 channels, stride 1, 'same' padding; the time per output): 7x7 on
// 56x56 2.6 ns, 15x15 on 56x56 4.3 ns, 31x31 on 112x112 3.7 ns, against 7.6, 21 and 38 ns for
// avg_pool2d_separable (scalar) and 1.5, 2.4 and 3.3 ns for avg_pool2d_vc. Its cost stays flat
// while the others grow with the window, but avg_pool2d_vc's unit-stride loads are cheaper
// than this row pass's gathers and scatters, so on this machine the crossover lies beyond 31x31
// (for 31x31 on 112 columns the blocks of 8 x 31 outputs also pad each row to 248).
//
// Accuracy, and why the sums restart. A sliding sum never forgets a rounding error: the error
// made when a value enters stays in the sum after the value has left, so after j steps the sum
// carries up to (kernel + 2 * stride * j) roundings, each of the size of the partial sums it
// passed through. Left running along a whole row its error grows with the row length, not the
// window: on a row of 4096 values 1000 + U[0, 1) with a 3 x 7 window the plain running sum's
// worst error was 0.41 eps K M, 5.7x the restarted one's 0.073 (tests, PoolKernelsRunningSum;
// random roundings add up like a random walk, so it grows about as the square root of the row,
// and its worst case linearly). So each sum restarts from a direct sum of its window
// every R outputs, R = kernel when windows overlap (restarts then cost at most 1 extra addition
// per output), R = 1 otherwise.
// The bound, to first order in u = eps / 2. Row pass: between restarts r[ih][ow] is made by at
// most c_w = kernel_w + 2 stride_w (R_w - 1) roundings, each at most u times a partial sum,
// and every partial sum is a sum of real x of that row inside the columns read by the restart
// block of ow; summed over the window's rows, the row sums' errors are at most u c_w A,
// A = sum |x| over (the window's rows) x (the block's columns). In the column pass a row sum
// enters and leaves as the same float, so only the errors of the rows inside the window remain
// (that is the A term); its own at most c_h roundings are each at most u times a sum of |r| over
// rows of the block along h within the window's columns: u c_h B. The division and the rounding
// of the inputs to float add u S each (S = sum |x| over the window), and dividing by the
// divisor scales all of it:
//   |y - y_exact| <= u (c_w A + c_h B + 2 S) / divisor.
// avg_pool2d_running_sum_error_scale computes that scale; the registry holds the variant to
// factor 1 times eps (= 2u) times it, a margin of 2 for second-order terms. For a 7x7 stride-1
// window over values of one sign the scale is about 1.5x the reference's K * M = 50 S / divisor
// (c = 19, A and B about 13/7 of the window: (19 * 91 * 2 + 2 * 49) / 49 = 72.6 against 50);
// without restarts c and A would grow with the image.
#include <Vc/Vc>
#include <algorithm>
#include <cmath>
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

// Row sums of one padded row (padded[c] = x_row[c - pad_left], 0 outside the row), for
// outputs [0, row_stride), row_stride a multiple of restart * L. Restarts make the blocks of
// `restart` outputs independent, so the L lanes of a vector hold L consecutive blocks: lane j
// of the vector for blocks from output o0 computes outputs o0 + j * restart + i, i = 0 ..
// restart - 1, reading with gathers (lane stride restart * stride) and writing with scatters
// (lane stride restart). Each lane performs exactly the scalar running sum: the direct sum of
// the window, then per step the `stride` entering values added and the `stride` leaving values
// subtracted, in increasing column order (zeros of the padding change nothing).
void slide_row(const float* padded, std::int64_t s, std::int64_t k, std::int64_t restart,
               std::int64_t row_stride, float* dst) {
  const float_v::IndexType lane(Vc::IndexesFromZero);
  const float_v::IndexType read_index = lane * static_cast<int>(restart * s);
  const float_v::IndexType write_index = lane * static_cast<int>(restart);
  for (std::int64_t o0 = 0; o0 < row_stride; o0 += restart * kLanes) {
    const float* base = padded + o0 * s;
    float_v acc(base, read_index);
    for (std::int64_t kw = 1; kw < k; ++kw) acc += float_v(base + kw, read_index);
    acc.scatter(dst + o0, write_index);
    for (std::int64_t i = 1; i < restart; ++i) {
      // Window i - 1 covers [(i - 1) s, (i - 1) s + k); window i adds [(i - 1) s + k, i s + k)
      // and drops [(i - 1) s, i s). Adding first keeps the partial sums inside the block.
      const float* prev = base + (i - 1) * s;
      for (std::int64_t t = 0; t < s; ++t) acc += float_v(prev + k + t, read_index);
      for (std::int64_t t = 0; t < s; ++t) acc -= float_v(prev + t, read_index);
      acc.scatter(dst + o0 + i, write_index);
    }
  }
}

// acc[0, width) += sign * row[0, width), in vectors (acc and row padded to whole vectors).
template <bool Add>
void accumulate_row(float* acc, const float* row, std::int64_t width) {
  for (std::int64_t j = 0; j < width; j += kLanes) {
    float_v a(acc + j, Vc::Aligned);
    const float_v r(row + j, Vc::Aligned);
    if constexpr (Add) {
      a += r;
    } else {
      a -= r;
    }
    a.store(acc + j, Vc::Aligned);
  }
}

}  // namespace

std::string avg_pool2d_running_sum_supports(const Pool2dParams& p, const Shape&) {
  if (p.dilation_h != 1 || p.dilation_w != 1) {
    return "needs dilation 1 (a dilated window does not slide by whole elements); got "
           "dilation_h " +
           std::to_string(p.dilation_h) + ", dilation_w " + std::to_string(p.dilation_w);
  }
  return "";
}

std::int64_t avg_pool2d_running_sum_restart(std::int64_t kernel, std::int64_t stride) {
  return stride < kernel ? kernel : 1;
}

void avg_pool2d_running_sum_with_restart(const Tensor<float>& x, const Pool2dParams& p,
                                         Tensor<float>& y, std::int64_t restart_h,
                                         std::int64_t restart_w) {
  const pool_detail::Geometry g =
      pool_detail::geometry("avg_pool2d", "avg_pool2d_running_sum", x, p, {&y}, {"y"},
                            avg_pool2d_running_sum_supports(p, x.shape()));
  if (restart_h < 1 || restart_w < 1) {
    throw std::invalid_argument("avg_pool2d_running_sum: restart_h = " + std::to_string(restart_h) +
                                " and restart_w = " + std::to_string(restart_w) +
                                " must be at least 1");
  }
  const std::vector<char> read = pool_detail::rows_read(g.h);
  // A restart interval beyond the row is the plain running sum of the whole row.
  restart_w = std::min(restart_w, g.W_out);
  const std::int64_t padded_w = pool_detail::round_up_to_lanes(g.W_out);
  // Row sums are computed for whole vectors of restart blocks; the column pass reads padded_w.
  const std::int64_t row_stride =
      (g.W_out + restart_w * kLanes - 1) / (restart_w * kLanes) * (restart_w * kLanes);
  const std::int64_t width = row_stride * g.w.s + g.w.k + 1;
  std::vector<float> divisor(static_cast<std::size_t>(g.H_out * g.W_out));
  for (std::int64_t oh = 0; oh < g.H_out; ++oh) {
    for (std::int64_t ow = 0; ow < g.W_out; ++ow) {
      divisor[oh * g.W_out + ow] = static_cast<float>(g.h.divisor[oh] * g.w.divisor[ow]);
    }
  }
  const std::int64_t planes = g.N * g.C;
  parallel_region(pool_detail::worth_threads(x.numel() + y.numel()), [&] {
    // Row sums of one plane (rows row_stride apart), one padded input row, the column sums.
    Vc::Memory<float_v> row_sum_mem(static_cast<std::size_t>(g.H * row_stride));
    Vc::Memory<float_v> acc_mem(static_cast<std::size_t>(padded_w));
    std::vector<float> padded(static_cast<std::size_t>(width));
    float* row_sum = row_sum_mem.entries();
    float* acc = acc_mem.entries();
#pragma omp for schedule(static)
    for (std::int64_t pl = 0; pl < planes; ++pl) {
      const float* xp = x.data() + pl * g.H * g.W;
      for (std::int64_t ih = 0; ih < g.H; ++ih) {
        if (read[static_cast<std::size_t>(ih)]) {
          pool_detail::fill_padded_row(xp + ih * g.W, g.W, g.w.lo, 0.0f, padded.data(), width);
          slide_row(padded.data(), g.w.s, g.w.k, restart_w, row_stride, row_sum + ih * row_stride);
        }
      }
      float* yp = y.data() + pl * g.H_out * g.W_out;
      for (std::int64_t oh = 0; oh < g.H_out; ++oh) {
        const std::int64_t first = g.h.first[oh], end = g.h.end[oh];
        if (oh % restart_h == 0) {
          std::fill(acc, acc + padded_w, 0.0f);
          for (std::int64_t ih = first; ih < end; ++ih) {
            accumulate_row<true>(acc, row_sum + ih * row_stride, padded_w);
          }
        } else {
          const std::int64_t prev_first = g.h.first[oh - 1], prev_end = g.h.end[oh - 1];
          for (std::int64_t ih = std::max(prev_end, first); ih < end; ++ih) {
            accumulate_row<true>(acc, row_sum + ih * row_stride, padded_w);
          }
          for (std::int64_t ih = prev_first; ih < std::min(first, prev_end); ++ih) {
            accumulate_row<false>(acc, row_sum + ih * row_stride, padded_w);
          }
        }
        const float* dv = divisor.data() + oh * g.W_out;
        float* yr = yp + oh * g.W_out;
        std::int64_t ow = 0;
        for (; ow + kLanes <= g.W_out; ow += kLanes) {
          const float_v q = float_v(acc + ow, Vc::Aligned) / float_v(dv + ow, Vc::Unaligned);
          q.store(yr + ow, Vc::Unaligned);
        }
        for (; ow < g.W_out; ++ow) yr[ow] = acc[ow] / dv[ow];
      }
    }
  });
}

void avg_pool2d_running_sum(const Tensor<float>& x, const Pool2dParams& p, Tensor<float>& y) {
  avg_pool2d_running_sum_with_restart(x, p, y,
                                      avg_pool2d_running_sum_restart(p.kernel_h, p.stride_h),
                                      avg_pool2d_running_sum_restart(p.kernel_w, p.stride_w));
}

Tensor<double> avg_pool2d_running_sum_error_scale(const Tensor<double>& x, const Pool2dParams& p,
                                                  std::int64_t restart_h, std::int64_t restart_w) {
  const Shape out = pool2d_output_shape("avg_pool2d", x.shape(), p);
  const std::int64_t N = x.dim(0), C = x.dim(1), H = x.dim(2), W = x.dim(3);
  const pool_detail::Axis ah = pool_detail::make_axis(H, out[2], p.kernel_h, p.stride_h, 1,
                                                      p.pad_top, p.pad_bottom, p.count_include_pad);
  const pool_detail::Axis aw = pool_detail::make_axis(W, out[3], p.kernel_w, p.stride_w, 1,
                                                      p.pad_left, p.pad_right, p.count_include_pad);
  const double c_w = double(p.kernel_w + 2 * p.stride_w * (restart_w - 1));
  const double c_h = double(p.kernel_h + 2 * p.stride_h * (restart_h - 1));
  // The real input range read by the restart block of output o: from the first element of the
  // block's first window to the end of its last window.
  const auto block = [](const pool_detail::Axis& a, std::int64_t o, std::int64_t restart) {
    const std::int64_t b = o / restart * restart;
    const std::int64_t e = std::min(b + restart, a.out) - 1;
    return std::pair{a.first[b], a.end[e]};
  };
  Tensor<double> scale(out);
  std::vector<double> prefix(static_cast<std::size_t>((H + 1) * (W + 1)));
  for (std::int64_t pl = 0; pl < N * C; ++pl) {
    // prefix[i][j] = sum |x| over rows < i, columns < j.
    for (std::int64_t i = 0; i < H; ++i) {
      for (std::int64_t j = 0; j < W; ++j) {
        prefix[(i + 1) * (W + 1) + j + 1] = std::fabs(x[(pl * H + i) * W + j]) +
                                            prefix[i * (W + 1) + j + 1] +
                                            prefix[(i + 1) * (W + 1) + j] - prefix[i * (W + 1) + j];
      }
    }
    const auto rect = [&](std::int64_t r0, std::int64_t r1, std::int64_t c0, std::int64_t c1) {
      return prefix[r1 * (W + 1) + c1] - prefix[r0 * (W + 1) + c1] - prefix[r1 * (W + 1) + c0] +
             prefix[r0 * (W + 1) + c0];
    };
    for (std::int64_t oh = 0; oh < out[2]; ++oh) {
      const auto [bh0, bh1] = block(ah, oh, restart_h);
      for (std::int64_t ow = 0; ow < out[3]; ++ow) {
        const auto [bw0, bw1] = block(aw, ow, restart_w);
        const double S = rect(ah.first[oh], ah.end[oh], aw.first[ow], aw.end[ow]);
        const double A = rect(ah.first[oh], ah.end[oh], bw0, bw1);
        const double B = rect(bh0, bh1, aw.first[ow], aw.end[ow]);
        scale[(pl * out[2] + oh) * out[3] + ow] =
            (c_w * A + c_h * B + 2 * S) / double(ah.divisor[oh] * aw.divisor[ow]);
      }
    }
  }
  return scale;
}

}  // namespace convlab
