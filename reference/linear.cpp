#include "reference/linear.hpp"

#include "core/shape.hpp"

namespace convlab::ref {

// [docs:linear]
template <class T>
Tensor<T> linear(const Tensor<T>& x, const Tensor<T>& w, const Tensor<T>& bias) {
  const Shape out = linear_output_shape(x.shape(), w.shape(), bias.shape());
  const std::int64_t N = x.dim(0), in_features = x.dim(1), out_features = w.dim(0);

  Tensor<T> y(out);
  for (std::int64_t n = 0; n < N; ++n) {
    for (std::int64_t o = 0; o < out_features; ++o) {
      double sum = bias.empty() ? 0.0 : double(bias(o));
      for (std::int64_t i = 0; i < in_features; ++i) sum += double(x(n, i)) * double(w(o, i));
      y(n, o) = static_cast<T>(sum);
    }
  }
  return y;
}
// [docs:end]

// [docs:linear-backward]
template <class T>
LinearGrads<T> linear_backward(const Tensor<T>& grad_output, const Tensor<T>& x, const Tensor<T>& w,
                               bool has_bias) {
  const Shape out = linear_output_shape(x.shape(), w.shape(), Shape{});
  require_same_shape("linear_backward", "grad_output", grad_output.shape(), out);
  const std::int64_t N = x.dim(0), in_features = x.dim(1), out_features = w.dim(0);

  // Accumulate in double, then round once.
  Tensor<double> gx(x.shape()), gw(w.shape()), gb(Shape{out_features});
  for (std::int64_t n = 0; n < N; ++n) {
    for (std::int64_t o = 0; o < out_features; ++o) {
      const double dy = grad_output(n, o);
      gb(o) += dy;
      for (std::int64_t i = 0; i < in_features; ++i) {
        gx(n, i) += dy * double(w(o, i));
        gw(o, i) += dy * double(x(n, i));
      }
    }
  }
  LinearGrads<T> grads{gx.cast<T>(), gw.cast<T>(), Tensor<T>()};
  if (has_bias) grads.grad_bias = gb.cast<T>();
  return grads;
}
// [docs:end]

template Tensor<float> linear(const Tensor<float>&, const Tensor<float>&, const Tensor<float>&);
template Tensor<double> linear(const Tensor<double>&, const Tensor<double>&, const Tensor<double>&);
template LinearGrads<float> linear_backward(const Tensor<float>&, const Tensor<float>&,
                                            const Tensor<float>&, bool);
template LinearGrads<double> linear_backward(const Tensor<double>&, const Tensor<double>&,
                                             const Tensor<double>&, bool);

}  // namespace convlab::ref
