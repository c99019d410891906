// max_pool2d_avx512: max pooling straight from the input, 16 output columns per AVX-512
// vector, taps in the reference's row-major order.
//
//   y[oh][ow] = max_{kh, kw} x[oh * sh + kh * dh - pt][ow * sw + kw * dw - pl]   (-inf outside)
//
// Parent: max_pool2d_vc. What this adds: no padded copy of each row and no plane of row
// maxima: every tap is a fault-suppressing masked load straight from x (lanes outside the
// input load -inf), stride 2 splits 32 consecutive columns into even and odd lanes with
// _mm512_permutex2var_ps (two taps per pair of loads for dilation 1) instead of Vc's
// deinterleave, and the window is visited in the reference's order, so the argmax needs no
// separable-pass argument: per lane, a tap replaces the best value when it is larger, or a NaN
// over a number (two compares into __mmask16, two masked moves). Each lane starts from -inf
// with the index of its window's first real element, so padding is never taken, an all -inf
// window reports its first real element, ties keep the first maximum and the first NaN wins:
// the reference's rules exactly. Strides >= 3 use masked gathers. Every problem the op allows
// runs (dilation, ceil_mode, asymmetric padding) when the CPU has AVX-512F; the limit of float
// indices (planes of at most 2^24 elements) is max_pool2d_vc's too.
// Planes without NaN (one scan per plane) and windows of at most 16 taps take a faster path
// with the same results: "replace when strictly larger" is one compare and a max, the tap's
// code (t * kernel_w + kw, a constant) replaces the index arithmetic and becomes an index once
// per output vector; two output rows share their input rows' loads (pool_avx512_plane.cpp).
// Measured (bench_variants, 1 thread, medians, one process, busy 2-core VM): AlexNet pool1
// 4.82 GFLOP/s (was 3.05), 0.62x oneDNN; ResNet-50 pool1 0.75x; GoogLeNet pool1 ceil 0.68x,
// 3a 0.59x; VGG-16 pool1 29x (oneDNN's simple_nchw). oneDNN writes no indices.
// When it wins: everywhere max_pool2d_vc runs on an AVX-512 CPU; most on small planes (no
// per-row copies) and stride 2. The row-pass reuse of the separable variants matters less
// than the copies it costs at these kernel sizes (3x3: 9 taps, 2 of them from shared loads).
// Memory: the per-problem tables of pool_avx512_plan.hpp (load masks, first columns and taps),
// no per-plane scratch. Accuracy: a selection, exact (indices below 2^24 are exact in float).
// The kernels are in pool_avx512_plane.cpp, compiled for AVX-512.
#include <string>

#include "kernels/pool/pool_avx512_plan.hpp"
#include "kernels/pool/pool_kernels.hpp"

namespace convlab {

std::string max_pool2d_avx512_supports(const Pool2dParams& p, const Shape& x) {
  const std::string cpu = pool_detail::avx512_supports();
  if (!cpu.empty()) return cpu + " (max_pool2d_vc runs everywhere)";
  return max_pool2d_indices_supports(p, x);
}

void max_pool2d_avx512(const Tensor<float>& x, const Pool2dParams& p, Tensor<float>& y,
                       Tensor<float>& indices) {
  const pool_detail::Avx512Problem prob(
      pool_detail::geometry("max_pool2d", "max_pool2d_avx512", x, p, {&y, &indices},
                            {"y", "indices"}, max_pool2d_avx512_supports(p, x.shape())));
  const std::int64_t in_plane = prob.g.H * prob.g.W, out_plane = prob.g.H_out * prob.g.W_out;
  prob.for_each_plane(x.numel() + y.numel(), [&](std::int64_t pl) {
    pool_detail::max_pool2d_avx512_plane(prob.plan, x.data() + pl * in_plane,
                                         y.data() + pl * out_plane,
                                         indices.data() + pl * out_plane);
  });
}

}  // namespace convlab
