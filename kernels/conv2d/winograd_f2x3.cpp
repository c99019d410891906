// conv2d_winograd_f2x3: Winograd's minimal filtering F(2x2, 3x3).
//
// Each 2x2 block of outputs is computed from a 4x4 input tile d with 16 multiplications per
// input channel instead of 36 (2.25x fewer), Y = A^T [ (G g G^T) .* (B^T d B) ] A, with
//
//         [ 1  0 -1  0 ]          [  1    0    0  ]          [ 1  1  1  0 ]
//   B^T = [ 0  1  1  0 ]     G =  [ 1/2  1/2  1/2 ]    A^T = [ 0  1 -1 -1 ]
//         [ 0 -1  1  0 ]          [ 1/2 -1/2  1/2 ]
//         [ 0  1  0 -1 ]          [  0    0    1  ]
//
// (interpolation points 0, 1, -1 and infinity). Parent: conv2d_im2col_gemm; what this adds: the
// elementwise products of all input channels become 16 GEMMs (C_out x C_in times
// C_in x tiles), and the transforms cost O(C) per tile. The driver (tiling, vectorization,
// partial edge tiles) is winograd_common.hpp.
// When it wins: 3x3, stride 1 layers with many channels. Memory: U is 16/9 the size of w, plus
// per-chunk buffers (see winograd_common.hpp). Accuracy: the coefficients are +-1 and 1/2, so
// the error stays within a few times that of a direct dot product (the factor in
// conv2d_kernels.hpp is measured). On small integers every intermediate value is a multiple of
// 1/4 and stays exact in float.
#include <string>

#include "kernels/conv2d/conv2d_kernels.hpp"
#include "kernels/conv2d/winograd_common.hpp"

namespace convlab {
std::string conv2d_winograd_f2x3_supports(const Conv2dParams& p, const Shape& x, const Shape& w) {
  return winograd_detail::supports(p, x, w);
}

void conv2d_winograd_f2x3(const Tensor<float>& x, const Tensor<float>& w, const Tensor<float>& b,
                          const Conv2dParams& p, Tensor<float>& y) {
  const conv2d_detail::Geometry g =
      conv2d_detail::geometry("conv2d_winograd_f2x3", x, w, b, p, y,
                              conv2d_winograd_f2x3_supports(p, x.shape(), w.shape()));
  namespace wd = winograd_detail;
  wd::run<wd::F2x3>(wd::stages_for<wd::F2x3, wd::VcLanes>(), wd::Product::gemm, g, x, w, b, y);
}

Conv2dPreparedRun conv2d_winograd_f2x3_prepare(const Tensor<float>& x, const Tensor<float>& w,
                                               const Tensor<float>& b, const Conv2dParams& p) {
  namespace wd = winograd_detail;
  return wd::prepare<wd::F2x3>("conv2d_winograd_f2x3", conv2d_winograd_f2x3_supports,
                               wd::stages_for<wd::F2x3, wd::VcLanes>(), wd::Product::gemm, x, w, b,
                               p);
}

}  // namespace convlab
