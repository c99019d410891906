// conv2d_winograd_f2x3_avx512 and conv2d_winograd_f4x3_avx512: the Winograd variants with their
// input and output transforms on 16-float AVX-512 vectors.
//
// Parents: conv2d_winograd_f2x3 and conv2d_winograd_f4x3, whose transforms run on Vc::float_v,
// 8 floats (Vc 1.4 has no AVX-512). What this adds: the same driver (winograd_common.hpp) with
// the stages of winograd_stages.hpp instantiated for AVX-512 in winograd_avx512_stages.cpp,
// 16 tiles per vector, transposed with two-source permutes. The weights' transform, the GEMMs
// and every rule of the parents (edge tiles, padding modes, outputs whose window lies in the
// padding, groups) are shared, so the results differ from the parents' only by rounding order.
// Tile slots per row stay a multiple of 8 (the GEMMs' N does not grow), so the last 16-float
// vector of a row may be half used; rows of at most 8 tiles (F4: outputs up to 32 wide, F2: up to
// 16) run the parents' Vc stages instead, where a half-used vector would only cost more.
// Needs AVX-512F (supports() says so on other CPUs).
// When it wins: rows of 16 or more tiles, i.e. wide images. Measured (+prepared, one thread,
// Zen 4, GFLOP/s medians of 3, one bench_variants process) against the parents: F4 1.37x on
// ResNet-50 res2_3x3 (64 ch, 56x56; 266 vs 194), 1.26x on VGG-16 conv1_2 (64 ch, 224x224),
// 1.27x on conv2_x (112x112), 1.12-1.22x on conv3_x (56x56); F2 1.06-1.23x on the same layers.
// The same within noise (0.95-1.04x) where the rows fall back to Vc (res4/res5, conv4/conv5 for
// F4). Against oneDNN's direct algorithm the F4 one now leads on res2_3x3 (1.35x; the Vc one
// 0.98x) and on VGG-16 conv1_2 (1.79x; the Vc one 1.43x).
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
  wd::run<wd::F2x3>(stages<wd::F2x3>(wd::kAvx512StagesF2x3), g, x, w, b, y);
}

void conv2d_winograd_f4x3_avx512(const Tensor<float>& x, const Tensor<float>& w,
                                 const Tensor<float>& b, const Conv2dParams& p, Tensor<float>& y) {
  const conv2d_detail::Geometry g = conv2d_detail::geometry(
      "conv2d_winograd_f4x3_avx512", x, w, b, p, y, avx512_supports(p, x.shape(), w.shape()));
  namespace wd = winograd_detail;
  wd::run<wd::F4x3>(stages<wd::F4x3>(wd::kAvx512StagesF4x3), g, x, w, b, y);
}

Conv2dPreparedRun conv2d_winograd_f2x3_avx512_prepare(const Tensor<float>& x,
                                                      const Tensor<float>& w,
                                                      const Tensor<float>& b,
                                                      const Conv2dParams& p) {
  namespace wd = winograd_detail;
  return wd::prepare<wd::F2x3>("conv2d_winograd_f2x3_avx512", avx512_supports,
                               stages<wd::F2x3>(wd::kAvx512StagesF2x3), x, w, b, p);
}

Conv2dPreparedRun conv2d_winograd_f4x3_avx512_prepare(const Tensor<float>& x,
                                                      const Tensor<float>& w,
                                                      const Tensor<float>& b,
                                                      const Conv2dParams& p) {
  namespace wd = winograd_detail;
  return wd::prepare<wd::F4x3>("conv2d_winograd_f4x3_avx512", avx512_supports,
                               stages<wd::F4x3>(wd::kAvx512StagesF4x3), x, w, b, p);
}

}  // namespace convlab
