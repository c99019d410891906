#include "reference/flatten.hpp"

#include "core/shape.hpp"

namespace convlab::ref {

// [docs:flatten]
template <class T>
Tensor<T> flatten(const Tensor<T>& x, const FlattenParams& p) {
  return x.reshape(flatten_output_shape(x.shape(), p));
}
// [docs:end]

template <class T>
Tensor<T> flatten_backward(const Tensor<T>& grad_output, const Shape& input_shape,
                           const FlattenParams& p) {
  require_same_shape("flatten_backward", "grad_output", grad_output.shape(),
                     flatten_output_shape(input_shape, p));
  return grad_output.reshape(input_shape);
}

template Tensor<float> flatten(const Tensor<float>&, const FlattenParams&);
template Tensor<double> flatten(const Tensor<double>&, const FlattenParams&);
template Tensor<float> flatten_backward(const Tensor<float>&, const Shape&, const FlattenParams&);
template Tensor<double> flatten_backward(const Tensor<double>&, const Shape&, const FlattenParams&);

}  // namespace convlab::ref
