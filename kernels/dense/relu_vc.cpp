// relu_vc and relu_backward_vc: max(x, 0) and its gradient with Vc::float_v.
//
//   y = x if x > 0 else +0          dx = dy if x > 0 else 0       (NaN x gives NaN)
//
// Parent: relu_reference / relu_backward_reference. What this adds: one compare and one masked
// assignment per vector of 8 floats. Written with a mask rather than a max instruction on
// purpose: the SIMD max returns its second operand when either is NaN, which would turn a NaN
// into 0 and hide it; `x <= 0` is false for NaN, so NaN passes through, and -0 <= 0 makes -0
// into +0 as the reference does. When it wins: always (memory bound). Cost: none. Exact.
#include <Vc/Vc>
#include <limits>

#include "core/shape.hpp"
#include "kernels/dense/dense_kernels.hpp"
#include "kernels/dense/elementwise.hpp"

namespace convlab {

void relu_vc(const Tensor<float>& x, Tensor<float>& y) {
  require_same_shape("relu_vc", "y", y.shape(), x.shape());
  dense_detail::map_unary(x.data(), y.data(), x.numel(), [](Vc::float_v v) {
    v.setZero(v <= Vc::float_v::Zero());
    return v;
  });
}

void relu_backward_vc(const Tensor<float>& x, const Tensor<float>& dy, Tensor<float>& dx) {
  require_same_shape("relu_backward_vc", "dy", dy.shape(), x.shape());
  require_same_shape("relu_backward_vc", "dx", dx.shape(), x.shape());
  dense_detail::map_binary(x.data(), dy.data(), dx.data(), x.numel(),
                           [](Vc::float_v v, Vc::float_v g) {
                             g.setZero(v <= Vc::float_v::Zero());
                             g(Vc::isnan(v)) = std::numeric_limits<float>::quiet_NaN();
                             return g;
                           });
}

}  // namespace convlab
