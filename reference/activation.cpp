#include "reference/activation.hpp"

#include <cmath>
#include <limits>

#include "core/shape.hpp"

namespace convlab::ref {

// [docs:relu]
template <class T>
Tensor<T> relu(const Tensor<T>& x) {
  Tensor<T> y(x.shape());
  for (std::int64_t i = 0; i < x.numel(); ++i) {
    const double v = x[i];
    // NaN > 0 is false: test for NaN first so it propagates instead of becoming 0.
    y[i] = static_cast<T>(std::isnan(v) ? v : v > 0 ? v : 0.0);
  }
  return y;
}
// [docs:end]

// [docs:sigmoid]
template <class T>
Tensor<T> sigmoid(const Tensor<T>& x) {
  Tensor<T> y(x.shape());
  for (std::int64_t i = 0; i < x.numel(); ++i) {
    const double v = x[i];
    // Two algebraically equal forms, each used where its exponent is <= 0 so e is in (0, 1]:
    // no overflow, and for v = 0 both give 1 / 2 exactly. NaN fails v >= 0 and stays NaN.
    double s;
    if (v >= 0) {
      s = 1.0 / (1.0 + std::exp(-v));
    } else {
      const double e = std::exp(v);
      s = e / (1.0 + e);
    }
    y[i] = static_cast<T>(s);
  }
  return y;
}
// [docs:end]

// [docs:tanh]
template <class T>
Tensor<T> tanh(const Tensor<T>& x) {
  Tensor<T> y(x.shape());
  for (std::int64_t i = 0; i < x.numel(); ++i) y[i] = static_cast<T>(std::tanh(double(x[i])));
  return y;
}
// [docs:end]

template <class T>
Tensor<T> relu_backward(const Tensor<T>& grad_output, const Tensor<T>& x) {
  require_same_shape("relu_backward", "grad_output", grad_output.shape(), x.shape());
  Tensor<T> gx(x.shape());
  for (std::int64_t i = 0; i < x.numel(); ++i) {
    const double v = x[i];
    // relu'(0) = 0, as in PyTorch; the derivative at NaN is NaN.
    gx[i] = std::isnan(v) ? std::numeric_limits<T>::quiet_NaN() : v > 0 ? grad_output[i] : T(0);
  }
  return gx;
}

// [docs:sigmoid-backward]
template <class T>
Tensor<T> sigmoid_backward(const Tensor<T>& grad_output, const Tensor<T>& y) {
  require_same_shape("sigmoid_backward", "grad_output", grad_output.shape(), y.shape());
  Tensor<T> gx(y.shape());
  for (std::int64_t i = 0; i < y.numel(); ++i) {
    const double s = y[i];
    gx[i] = static_cast<T>(double(grad_output[i]) * s * (1.0 - s));
  }
  return gx;
}
// [docs:end]

template <class T>
Tensor<T> tanh_backward(const Tensor<T>& grad_output, const Tensor<T>& y) {
  require_same_shape("tanh_backward", "grad_output", grad_output.shape(), y.shape());
  Tensor<T> gx(y.shape());
  for (std::int64_t i = 0; i < y.numel(); ++i) {
    const double t = y[i];
    gx[i] = static_cast<T>(double(grad_output[i]) * (1.0 - t * t));
  }
  return gx;
}

template Tensor<float> relu(const Tensor<float>&);
template Tensor<double> relu(const Tensor<double>&);
template Tensor<float> sigmoid(const Tensor<float>&);
template Tensor<double> sigmoid(const Tensor<double>&);
template Tensor<float> tanh(const Tensor<float>&);
template Tensor<double> tanh(const Tensor<double>&);
template Tensor<float> relu_backward(const Tensor<float>&, const Tensor<float>&);
template Tensor<double> relu_backward(const Tensor<double>&, const Tensor<double>&);
template Tensor<float> sigmoid_backward(const Tensor<float>&, const Tensor<float>&);
template Tensor<double> sigmoid_backward(const Tensor<double>&, const Tensor<double>&);
template Tensor<float> tanh_backward(const Tensor<float>&, const Tensor<float>&);
template Tensor<double> tanh_backward(const Tensor<double>&, const Tensor<double>&);

}  // namespace convlab::ref
