// conv2d_winograd_f4x3: Winograd's minimal filtering F(4x4, 3x3).
//
// Each 4x4 block of outputs is computed from a 6x6 input tile d with 36 multiplications per
// input channel instead of 144 (4x fewer), Y = A^T [ (G g G^T) .* (B^T d B) ] A, with the
// interpolation points 0, 1, -1, 2, -2 and infinity:
//
//         [ 4  0 -5  0  1  0 ]        [  1/4     0     0  ]
//         [ 0 -4 -4  1  1  0 ]        [ -1/6  -1/6  -1/6  ]        [ 1  1  1  1  1  0 ]
//   B^T = [ 0  4 -4 -1  1  0 ]   G =  [ -1/6   1/6  -1/6  ]  A^T = [ 0  1 -1  2 -2  0 ]
//         [ 0 -2 -1  2  1  0 ]        [ 1/24  1/12   1/6  ]        [ 0  1  1  4  4  0 ]
//         [ 0  2 -1 -2  1  0 ]        [ 1/24 -1/12   1/6  ]        [ 0  1 -1  8 -8  1 ]
//         [ 0  4  0 -5  0  1 ]        [   0     0     1   ]
//
// Parent: conv2d_winograd_f2x3; what this adds: bigger tiles, so fewer products per output
// (2.25 instead of 4 per input channel) and less transform overhead per output, at the price of
// larger transform coefficients. The driver is winograd_common.hpp.
// When it wins: 3x3, stride 1 layers with many channels and large images. Memory: U is 4x the
// size of w, plus per-chunk buffers. Accuracy: coefficients up to 5 (B), 8 (A) and the
// non-dyadic 1/6, 1/24 (G) amplify rounding errors; the factor in conv2d_kernels.hpp is measured.
#include <string>

#include "kernels/conv2d/conv2d_kernels.hpp"
#include "kernels/conv2d/winograd_common.hpp"

namespace convlab {
std::string conv2d_winograd_f4x3_supports(const Conv2dParams& p, const Shape& x, const Shape& w) {
  return winograd_detail::supports(p, x, w);
}

void conv2d_winograd_f4x3(const Tensor<float>& x, const Tensor<float>& w, const Tensor<float>& b,
                          const Conv2dParams& p, Tensor<float>& y) {
  const conv2d_detail::Geometry g =
      conv2d_detail::geometry("conv2d_winograd_f4x3", x, w, b, p, y,
                              conv2d_winograd_f4x3_supports(p, x.shape(), w.shape()));
  namespace wd = winograd_detail;
  wd::run<wd::F4x3>(wd::stages_for<wd::F4x3, wd::VcLanes>(), wd::Product::gemm, g, x, w, b, y);
}

Conv2dPreparedRun conv2d_winograd_f4x3_prepare(const Tensor<float>& x, const Tensor<float>& w,
                                               const Tensor<float>& b, const Conv2dParams& p) {
  namespace wd = winograd_detail;
  return wd::prepare<wd::F4x3>("conv2d_winograd_f4x3", conv2d_winograd_f4x3_supports,
                               wd::stages_for<wd::F4x3, wd::VcLanes>(), wd::Product::gemm, x, w, b,
                               p);
}

}  // namespace convlab
