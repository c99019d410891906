// conv2d_winograd_f2x3_avx512 and conv2d_winograd_f4x3_avx512: the Winograd variants with their
// input and output transforms on 16-float AVX-512 vectors, and their elementwise stage on the
// AVX-512 kernel of conv2d_direct_oc_avx512.
//
// Parents: conv2d_winograd_f2x3 and conv2d_winograd_f4x3, whose transforms run on Vc::float_v,
// 8 floats (Vc 1.4 has no AVX-512), and whose elementwise stage is alpha^2 GEMMs on the GEMM
// core. What this adds, on the same driver (winograd_common.hpp):
//  - the stages of winograd_stages.hpp instantiated for AVX-512 in winograd_avx512_stages.cpp,
//    16 tiles per vector, transposed with two-source permutes that keep the tiles in order;
//  - the elementwise products M[pos] = U[pos] V[pos] with vectors along the output channels
//    (Product::oc_avx512): tiles of 32 channels x 14 tile slots, V's rows read in place through
//    row pointers, where the GEMM packs V on every product and spreads its 32-wide tiles over
//    16 to 64 slots on 28x28 and smaller images. U is packed once into blocks of 32 channels
//    (the prepared form keeps it), read block after block, each prefetched 4 KiB ahead: on
//    narrow images with many channels U (up to 38 MB for F4 with 512 channels) comes from
//    memory once per call and was what the stage waited on;
//  - since those stages keep tiles in order, a chunk's tile rows lie tw slots apart instead of
//    tw rounded up to 8, so the products skip the padding slots (F4 on 7x7: 4 columns, not 16).
// With fewer than 16 input channels per group the products stay on the GEMM (with the
// parents' Vc stages for rows of at most 8 tiles): the kernel's transposes then outweigh its
// few terms. The weights' transform and every rule of the parents (edge tiles, padding modes,
// outputs whose window lies in the padding, groups) are shared, so the results differ from the
// parents' only by rounding order. Needs AVX-512F (supports() says so on other CPUs).
//
// When it wins: 3x3 layers with 16 or more input channels, most on narrow images. Measured
// (+prepared, one thread of a shared 2-core Zen 5 where runs differ by up to 10-15%,
// bench_variants medians of 3, GFLOP/s and ratio to oneDNN; the driver before this change run
// in the same process with its weights prepared once):
//   F4  ResNet-50 res2 / res3 / res4 / res5_3x3   320 -> 471 (1.09), 289 -> 429 (0.80),
//                                                  186 -> 377 (0.84), 53 -> 147 (0.51)
//   F2  ResNet-50 res4 / res5_3x3                 272 -> 348 (0.77), 123 -> 235 (0.82)
//   F4  VGG-16 conv3_2 / conv4_2 / conv5_1        499 -> 648 (1.01), 401 -> 522 (1.38),
//                                                  186 -> 345 (0.91)
//   F4  AlexNet conv3 / conv4 / conv5              166 -> 333 (0.89), 158 -> 286 (1.16),
//                                                  143 -> 284 (1.15)
//   F4  GoogLeNet 3a branch2_3x3                  334 -> 351 (0.74; 0.82-0.95 in other runs)
// Against the parents in the same run (they gained the driver's layout changes too): F4
// 1.05-1.25x on 56x56 and larger images, level to 1.35x on 28x28 ones (level with 96-128
// channels), 1.5-2.7x on 14x14, 13x13 and 7x7 ones; F2 1.65x on res5_3x3; level on VGG-16
// conv1_1 (3 input channels: the GEMM here too).
#include <string>

#include "kernels/conv2d/conv2d_kernels.hpp"
#include "kernels/conv2d/winograd_common.hpp"
#include "kernels/gemm/gemm.hpp"

namespace convlab {
namespace {

std::string avx512_supports(const Conv2dParams& p, const Shape& x, const Shape& w) {
  if (!conv2d_detail::rank4(x, w)) return "";
  if (!gemm_avx512_supported()) return "this CPU has no AVX-512F";
  return winograd_detail::supports(p, x, w);
}

// The elementwise stage: the output-channel kernel from 16 input channels per group on. With
// fewer, each 32 x 14 tile has only a few terms to spread its transposes over, and the GEMM
// is about as fast or ahead (scaling_channels set, 28x28, two runs: with 4 and 8 channels the
// kernel at 0.82-1.0x the GEMM's speed with F2, 0.9-1.15x with F4; with 16, 1.1-1.25x; VGG-16
// conv1_1, 3 channels: 0.73x with F4).
winograd_detail::Product product(const Tensor<float>& w) {
  return w.dim(1) >= 16 ? winograd_detail::Product::oc_avx512 : winograd_detail::Product::gemm;
}

// The AVX-512 stages, with the Vc ones for rows of at most 8 tiles.
template <class T>
winograd_detail::Stages stages(const winograd_detail::Stages& avx512) {
  static constexpr winograd_detail::Stages vc =
      winograd_detail::stages_for<T, winograd_detail::VcLanes>();
  winograd_detail::Stages s = avx512;
  s.narrow = &vc;
  return s;
}

}  // namespace

std::string conv2d_winograd_f2x3_avx512_supports(const Conv2dParams& p, const Shape& x,
                                                 const Shape& w) {
  return avx512_supports(p, x, w);
}

std::string conv2d_winograd_f4x3_avx512_supports(const Conv2dParams& p, const Shape& x,
                                                 const Shape& w) {
  return avx512_supports(p, x, w);
}

void conv2d_winograd_f2x3_avx512(const Tensor<float>& x, const Tensor<float>& w,
                                 const Tensor<float>& b, const Conv2dParams& p, Tensor<float>& y) {
  const conv2d_detail::Geometry g = conv2d_detail::geometry(
      "conv2d_winograd_f2x3_avx512", x, w, b, p, y, avx512_supports(p, x.shape(), w.shape()));
  namespace wd = winograd_detail;
  wd::run<wd::F2x3>(stages<wd::F2x3>(wd::kAvx512StagesF2x3), product(w), g, x, w, b, y);
}

void conv2d_winograd_f4x3_avx512(const Tensor<float>& x, const Tensor<float>& w,
                                 const Tensor<float>& b, const Conv2dParams& p, Tensor<float>& y) {
  const conv2d_detail::Geometry g = conv2d_detail::geometry(
      "conv2d_winograd_f4x3_avx512", x, w, b, p, y, avx512_supports(p, x.shape(), w.shape()));
  namespace wd = winograd_detail;
  wd::run<wd::F4x3>(stages<wd::F4x3>(wd::kAvx512StagesF4x3), product(w), g, x, w, b, y);
}

Conv2dPreparedRun conv2d_winograd_f2x3_avx512_prepare(const Tensor<float>& x,
                                                      const Tensor<float>& w,
                                                      const Tensor<float>& b,
                                                      const Conv2dParams& p) {
  namespace wd = winograd_detail;
  return wd::prepare<wd::F2x3>("conv2d_winograd_f2x3_avx512", avx512_supports,
                               stages<wd::F2x3>(wd::kAvx512StagesF2x3), product(w), x, w, b, p);
}

Conv2dPreparedRun conv2d_winograd_f4x3_avx512_prepare(const Tensor<float>& x,
                                                      const Tensor<float>& w,
                                                      const Tensor<float>& b,
                                                      const Conv2dParams& p) {
  namespace wd = winograd_detail;
  return wd::prepare<wd::F4x3>("conv2d_winograd_f4x3_avx512", avx512_supports,
                               stages<wd::F4x3>(wd::kAvx512StagesF4x3), product(w), x, w, b, p);
}

}  // namespace convlab
