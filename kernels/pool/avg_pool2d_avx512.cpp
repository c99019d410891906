// avg_pool2d_avx512: average pooling straight from the input, 16 output columns per AVX-512
// vector.
//
//   y[oh][ow] = (sum_{kh, kw, inside x} x[oh * sh + kh - pt][ow * sw + kw - pl]) / divisor
//
// Parent: avg_pool2d_vc. What this adds: no padded copy of each row and no plane of row sums:
// every tap is a fault-suppressing masked load straight from x (lanes outside the input load
// 0, which adds nothing). Stride 2 sums the window's rows first on pairs of 16-column loads and
// splits them into even and odd lanes (_mm512_permutex2var_ps) once per pair of taps, not once
// per row; strides >= 3 use masked gathers. A single output column (W_out == 1, e.g.
// GoogLeNet's 7x7 average on 7x7 planes) puts the lanes along the window's columns instead and
// adds them up at the end, so no lane idles. The divisor is the reference's (the product of the
// two axes' divisors, exact in float), applied by a true division. Every problem the op allows
// runs when the CPU has AVX-512F.
// Stride 1 with kernel_w 2 or 3 sums the window's rows once per 16 columns and shifts the sums
// across lanes (valignd) for the other taps; windows of whole rows (W_out == 1) sum one
// contiguous run. Measured (bench_variants, 1 thread, medians, one process): LeNet s2 1.59x
// oneDNN (was 0.59x: per-call vectors and the OpenMP region dominated), 2x2/s2 64x112 1.87x,
// 3x3/s1 exclude-pad 0.78x (was 0.45x), GoogLeNet 7x7 0.91x (was 0.45x).
// When it wins: everywhere avg_pool2d_vc runs on an AVX-512 CPU; most on small planes, a single
// output column and stride 2. Memory: the per-problem tables of pool_avx512_plan.hpp (load
// masks, divisors along w), no per-plane scratch.
// Accuracy: the window's kernel_h * kernel_w terms summed in float in another order than the
// reference's (rows first for stride 2, lanes last for a single column) and one division:
// the same bound as avg_pool2d_separable's (kAvgPool2dAvx512ToleranceFactor). Sums of small
// integers are exact in any order, so those still equal the reference.
// The kernels are in pool_avx512_plane.cpp, compiled for AVX-512.
#include <string>

#include "kernels/pool/pool_avx512_plan.hpp"
#include "kernels/pool/pool_kernels.hpp"

namespace convlab {

std::string avg_pool2d_avx512_supports(const Pool2dParams&, const Shape&) {
  const std::string cpu = pool_detail::avx512_supports();
  return cpu.empty() ? cpu : cpu + " (avg_pool2d_vc runs everywhere)";
}

void avg_pool2d_avx512(const Tensor<float>& x, const Pool2dParams& p, Tensor<float>& y) {
  const pool_detail::Avx512Problem prob(
      pool_detail::geometry("avg_pool2d", "avg_pool2d_avx512", x, p, {&y}, {"y"},
                            avg_pool2d_avx512_supports(p, x.shape())));
  const std::int64_t in_plane = prob.g.H * prob.g.W, out_plane = prob.g.H_out * prob.g.W_out;
  prob.for_each_plane(x.numel() + y.numel(), [&](std::int64_t pl) {
    pool_detail::avg_pool2d_avx512_plane(prob.plan, x.data() + pl * in_plane,
                                         y.data() + pl * out_plane);
  });
}

}  // namespace convlab
