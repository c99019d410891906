// avg_pool2d_avx512: average pooling with AVX-512, in two forms: 16 planes per vector
// (channel-blocked), or 16 output columns of one plane per vector.
//
//   y[oh][ow] = (sum_{kh, kw, inside x} x[oh * sh + kh - pt][ow * sw + kw - pl]) / divisor
//
// Parent: avg_pool2d_vc. The divisor is the reference's (the product of the two axes'
// divisors, exact in float), applied by a true division. Every problem the op allows runs when
// the CPU has AVX-512F.
//
// Channel-blocked form (pool_avx512_block.cpp), what this version adds: as max_pool2d_avx512's
// (16 consecutive (n, c) planes transposed in, one vector per output pixel with a lane per
// plane, a ring of input rows in L1, outputs transposed back 16 pixels at a time); each output
// sums its window's real taps in row-major order (no padding is stored: windows reaching into
// it visit only their real taps). It pays where a plane's rows fill few lanes: LeNet's 5-wide
// output rows, GoogLeNet's 7x7 average to a single output, 28-wide rows at stride 1. Which
// planes take it: pool_avx512_plan.hpp's block_planes (not a last block of fewer than 12
// planes, nor rows of 48 outputs or more with kernel_w <= 2, nor rows of 96 or more at stride
// 1, where the per-plane form's row sums are as fast).
//
// Per-plane form (pool_avx512_plane.cpp; the other planes): every tap is a fault-suppressing
// masked load straight from x (lanes outside the input load 0). Stride 2 sums the window's rows
// first on pairs of 16-column loads and splits them into even and odd lanes once per pair of
// taps; strides >= 3 use masked gathers; stride 1 with kernel_w 2 or 3 sums the window's rows
// once per 16 columns and shifts the sums across lanes (valignd) for the other taps; a single
// output column puts the lanes along the window's columns.
//
// Measured (bench_variants, 1 thread, medians of 5 repetitions, ours / oneDNN in the same run,
// two runs; before = the per-plane form alone, in the same runs): LeNet s4 (16 planes, 10x10,
// 2x2/s2) 0.70 -> 1.58 to 1.68, 3x3/s1 exclude-pad (192 planes, 28x28) 0.84 -> 1.23 to 1.35,
// GoogLeNet 7x7 (1024 planes, 7x7) 0.93 -> 1.03 to 1.19; LeNet s2 (6 planes) and 2x2/s2 on
// 64 planes of 112x112 keep the per-plane form (2.0 to 2.4 and 1.7 to 2.1).
// Memory: per thread, kept across calls: the ring and a queue of W_out + 32 output vectors (64
// bytes each); per call: the per-plane form's tables.
// Accuracy: the window's kernel_h * kernel_w terms summed in float in another order than the
// reference's and one division: the same bound as avg_pool2d_separable's
// (kAvgPool2dAvx512ToleranceFactor). Sums of small integers are exact in any order, so those
// still equal the reference.
#include <string>
#include <utility>

#include "kernels/pool/pool_avx512_plan.hpp"
#include "kernels/pool/pool_kernels.hpp"

namespace convlab {

std::string avg_pool2d_avx512_supports(const Pool2dParams&, const Shape&) {
  const std::string cpu = pool_detail::avx512_supports();
  return cpu.empty() ? cpu : cpu + " (avg_pool2d_vc runs everywhere)";
}

void avg_pool2d_avx512(const Tensor<float>& x, const Pool2dParams& p, Tensor<float>& y) {
  pool_detail::Geometry g = pool_detail::geometry("avg_pool2d", "avg_pool2d_avx512", x, p, {&y},
                                                  {"y"}, avg_pool2d_avx512_supports(p, x.shape()));
  const std::int64_t in_plane = g.H * g.W, out_plane = g.H_out * g.W_out;
  pool_detail::run_planes(
      std::move(g), false, x.numel() + y.numel(),
      [&](const auto& plan, std::int64_t pl, std::int64_t planes, float* scratch) {
        pool_detail::avg_pool2d_avx512_block(plan, x.data() + pl * in_plane, planes,
                                             y.data() + pl * out_plane, scratch);
      },
      [&](const auto& plan, std::int64_t pl) {
        pool_detail::avg_pool2d_avx512_plane(plan, x.data() + pl * in_plane,
                                             y.data() + pl * out_plane);
      });
}

}  // namespace convlab
