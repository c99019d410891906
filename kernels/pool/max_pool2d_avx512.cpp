// max_pool2d_avx512: max pooling with AVX-512, taps in the reference's row-major order, in two
// forms: 16 planes per vector (channel-blocked), or 16 output columns of one plane per vector.
//
//   y[oh][ow] = max_{kh, kw} x[oh * sh + kh * dh - pt][ow * sw + kw * dw - pl]   (-inf outside)
//
// Parent: max_pool2d_vc. Every problem the op allows runs (dilation, ceil_mode, asymmetric
// padding) when the CPU has AVX-512F; the limit of float indices (planes of at most 2^24
// elements) is max_pool2d_vc's too. Both forms follow the reference's rules exactly: padding is
// never taken, an all -inf window reports its first real element, ties keep the first maximum
// in row-major order and the first NaN wins.
//
// Channel-blocked form (pool_avx512_block.cpp), what this version adds. A plane's output rows
// are short in the nets' small layers (6 outputs in AlexNet pool5, 13 in pool2, 28 in GoogLeNet
// 3a), so 16-column vectors ran partly empty and each plane paid its own setup. Here 16
// consecutive (n, c) planes go together: their input pixels are transposed (16x16 in
// registers) into vectors with one lane per plane, so every output pixel is one full vector and
// every tap a load at a constant offset, whatever the stride, dilation or padding; values and
// indices are transposed back 16 pixels at a time. Only the input rows the current output row
// needs are kept (a ring of whole rows, or the whole plane up to 32 KiB), so the transposes work
// from L1: measured here, a 16x16 transpose costs ~20 cycles from and to L1 and 50-70 with L2.
// Windows that reach into the padding visit only their real taps. Per lane, a window starts
// from its first real element; a later tap replaces the best value when strictly larger (one
// compare, a max, and a masked move of the tap's offset from the window's corner, which plus
// the corner is the index) until a NaN has been transposed in, and from then on under the
// reference's full rule (a NaN replaces a number, nothing replaces a NaN). Stride 1, and stride
// 2 on rows of at least 24 outputs (but 3x3 windows at stride_w 1 or 2: their 9 taps unrolled
// went faster directly), go by row maxima: each input row's first maximum over
// kernel_w taps is computed once for every window that reads the row, then the first of the
// rows' maxima that is the largest wins, which is the window's first maximum in row-major order.
// Which planes take it: pool_avx512_plan.hpp's block_planes (every plane but a last block of
// fewer than 12, when windows span at most 32 rows and rows are below ~2000 pixels).
//
// Per-plane form (pool_avx512_plane.cpp; the other planes): every tap is a fault-suppressing
// masked load straight from x (lanes outside the input load -inf), stride 2 splits 32
// consecutive columns into even and odd lanes with _mm512_permutex2var_ps, strides >= 3 use
// masked gathers; each lane starts from -inf with the index of its window's first real element
// and a tap replaces the best value when it is larger, or a NaN over a number. Planes without
// NaN and windows of at most 16 taps take the one-compare form with tap codes, two output rows
// sharing their input rows' loads.
//
// Measured (bench_variants, 1 thread, medians of 5 repetitions, ours / oneDNN in the same run,
// two runs; before = the per-plane form alone, in the same runs): AlexNet pool1 0.66 -> 0.90 to
// 0.95, pool2 0.55 -> 0.94 to 1.01, pool5 0.31 -> 1.00; GoogLeNet 3a 0.55 -> 0.87 to 1.03,
// pool1 (ceil_mode) 0.91 -> 1.19 to 1.25; ResNet-50 pool1 0.79 -> 1.25; VGG-16 pool1 (64
// planes, 224x224) unchanged, about 1.2x faster than oneDNN's plain-layout kernel. oneDNN
// reads its own channel-blocked layout (its reorders are not timed) and writes no indices;
// this form pays a transpose in per input pixel and two out per output pixel (values and
// indices), about half its time on AlexNet's layers and GoogLeNet 3a.
// Since then (bench_variants, 1 thread, ours / oneDNN in the same run, medians of three runs
// of 7 repetitions, before and after alternating): the 9 taps of 3x3 windows unrolled in the
// direct form, which then also takes 3x3/s2 rows of 24 outputs and more, and non-temporal
// stores for large outputs on aligned planes (pool_avx512_plan.hpp, stream_outputs): AlexNet
// pool1 0.93 -> 0.98, pool2 0.96 -> 1.05, pool5 0.97 -> 1.04; GoogLeNet 3a 0.85-0.86 ->
// 0.95-0.97 (streaming; by row maxima); GoogLeNet pool1 (ceil_mode) 1.14 -> 1.26; ResNet-50
// pool1 1.18 -> 1.30; VGG-16 pool1 1.12x faster than before.
// Memory: per thread, kept across calls: the ring, two queues of W_out + 32 output vectors and
// the row maxima of window_rows rows (64 bytes per vector); per call: the per-plane form's
// tables. Accuracy: a selection, exact (indices below 2^24 are exact in float).
#include <string>
#include <utility>

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
  pool_detail::Geometry g =
      pool_detail::geometry("max_pool2d", "max_pool2d_avx512", x, p, {&y, &indices},
                            {"y", "indices"}, max_pool2d_avx512_supports(p, x.shape()));
  const std::int64_t in_plane = g.H * g.W, out_plane = g.H_out * g.W_out;
  pool_detail::run_planes(
      std::move(g), true, x.numel() + y.numel(),
      [&](const auto& plan, std::int64_t pl, std::int64_t planes, float* scratch) {
        pool_detail::max_pool2d_avx512_block(plan, x.data() + pl * in_plane, planes,
                                             y.data() + pl * out_plane,
                                             indices.data() + pl * out_plane, scratch);
      },
      [&](const auto& plan, std::int64_t pl) {
        pool_detail::max_pool2d_avx512_plane(plan, x.data() + pl * in_plane,
                                             y.data() + pl * out_plane,
                                             indices.data() + pl * out_plane);
      });
}

}  // namespace convlab
