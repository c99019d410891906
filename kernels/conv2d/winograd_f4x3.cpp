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
namespace {

// [docs:winograd-f4x3-transforms]
struct F4x3 {
  static constexpr int m = 4, alpha = 6;
  // out = G g
  static void weight_1d(const double g[3], double out[6]) {
    out[0] = g[0] / 4;
    out[1] = -(g[0] + g[1] + g[2]) / 6;
    out[2] = -(g[0] - g[1] + g[2]) / 6;
    out[3] = g[0] / 24 + g[1] / 12 + g[2] / 6;
    out[4] = g[0] / 24 - g[1] / 12 + g[2] / 6;
    out[5] = g[2];
  }
  // out = B^T d
  template <class V>
  static void input_1d(const V d[6], V out[6]) {
    const V s12 = d[1] + d[2], s34 = d[3] + d[4];
    const V d12 = d[1] - d[2], d43 = d[4] - d[3];
    const V d42 = d[4] - d[2], d31 = d[3] - d[1];
    out[0] = 4.0f * d[0] - 5.0f * d[2] + d[4];
    out[1] = s34 - 4.0f * s12;
    out[2] = d43 + 4.0f * d12;
    out[3] = d42 + 2.0f * d31;
    out[4] = d42 - 2.0f * d31;
    out[5] = 4.0f * d[1] - 5.0f * d[3] + d[5];
  }
  // out = A^T t
  template <class V>
  static void output_1d(const V t[6], V out[4]) {
    const V s12 = t[1] + t[2], d12 = t[1] - t[2];
    const V s34 = t[3] + t[4], d34 = t[3] - t[4];
    out[0] = t[0] + s12 + s34;
    out[1] = d12 + 2.0f * d34;
    out[2] = s12 + 4.0f * s34;
    out[3] = d12 + 8.0f * d34 + t[5];
  }
};
// [docs:end]

}  // namespace

std::string conv2d_winograd_f4x3_supports(const Conv2dParams& p, const Shape& x, const Shape& w) {
  return winograd_detail::supports(p, x, w);
}

void conv2d_winograd_f4x3(const Tensor<float>& x, const Tensor<float>& w, const Tensor<float>& b,
                          const Conv2dParams& p, Tensor<float>& y) {
  const conv2d_detail::Geometry g =
      conv2d_detail::geometry("conv2d_winograd_f4x3", x, w, b, p, y,
                              conv2d_winograd_f4x3_supports(p, x.shape(), w.shape()));
  winograd_detail::run<F4x3>(g, x, w, b, y);
}

Conv2dPreparedRun conv2d_winograd_f4x3_prepare(const Tensor<float>& x, const Tensor<float>& w,
                                               const Tensor<float>& b, const Conv2dParams& p) {
  return winograd_detail::prepare<F4x3>("conv2d_winograd_f4x3", x, w, b, p);
}

}  // namespace convlab
