#include "reference/conv1d.hpp"

#include "core/shape.hpp"

namespace convlab::ref {

template <class T>
Tensor<T> conv1d(const Tensor<T>& x, const Tensor<T>& w, const Tensor<T>& bias,
                 const Conv1dParams& p) {
  const Shape out = conv1d_output_shape(x.shape(), w.shape(), bias.shape(), p);
  const std::int64_t N = x.dim(0), C_in = x.dim(1), L = x.dim(2);
  const std::int64_t C_out = w.dim(0), K = w.dim(2);
  const std::int64_t L_out = out[2];
  const std::int64_t C_in_g = C_in / p.groups, C_out_g = C_out / p.groups;

  Tensor<T> y(out);
  for (std::int64_t n = 0; n < N; ++n) {
    for (std::int64_t oc = 0; oc < C_out; ++oc) {
      const std::int64_t g = oc / C_out_g;
      for (std::int64_t ol = 0; ol < L_out; ++ol) {
        double sum = bias.empty() ? 0.0 : double(bias(oc));
        for (std::int64_t ic = 0; ic < C_in_g; ++ic) {
          for (std::int64_t k = 0; k < K; ++k) {
            const std::int64_t il = ol * p.stride + k * p.dilation - p.pad_left;
            if (il < 0 || il >= L) continue;  // zero padding
            sum += double(x(n, g * C_in_g + ic, il)) * double(w(oc, ic, k));
          }
        }
        y(n, oc, ol) = static_cast<T>(sum);
      }
    }
  }
  return y;
}

template <class T>
Conv1dGrads<T> conv1d_backward(const Tensor<T>& grad_output, const Tensor<T>& x, const Tensor<T>& w,
                               bool has_bias, const Conv1dParams& p) {
  const Shape out = conv1d_output_shape(x.shape(), w.shape(), Shape{}, p);
  require_same_shape("conv1d_backward", "grad_output", grad_output.shape(), out);
  const std::int64_t N = x.dim(0), C_in = x.dim(1), L = x.dim(2);
  const std::int64_t C_out = w.dim(0), K = w.dim(2);
  const std::int64_t L_out = out[2];
  const std::int64_t C_in_g = C_in / p.groups, C_out_g = C_out / p.groups;

  // Accumulate in double, then round once.
  Tensor<double> gx(x.shape()), gw(w.shape()), gb(Shape{C_out});
  for (std::int64_t n = 0; n < N; ++n) {
    for (std::int64_t oc = 0; oc < C_out; ++oc) {
      const std::int64_t g = oc / C_out_g;
      for (std::int64_t ol = 0; ol < L_out; ++ol) {
        const double dy = grad_output(n, oc, ol);
        gb(oc) += dy;
        for (std::int64_t ic = 0; ic < C_in_g; ++ic) {
          for (std::int64_t k = 0; k < K; ++k) {
            const std::int64_t il = ol * p.stride + k * p.dilation - p.pad_left;
            if (il < 0 || il >= L) continue;
            gx(n, g * C_in_g + ic, il) += dy * double(w(oc, ic, k));
            gw(oc, ic, k) += dy * double(x(n, g * C_in_g + ic, il));
          }
        }
      }
    }
  }
  Conv1dGrads<T> grads{gx.cast<T>(), gw.cast<T>(), Tensor<T>()};
  if (has_bias) grads.grad_bias = gb.cast<T>();
  return grads;
}

template Tensor<float> conv1d(const Tensor<float>&, const Tensor<float>&, const Tensor<float>&,
                              const Conv1dParams&);
template Tensor<double> conv1d(const Tensor<double>&, const Tensor<double>&, const Tensor<double>&,
                               const Conv1dParams&);
template Conv1dGrads<float> conv1d_backward(const Tensor<float>&, const Tensor<float>&,
                                            const Tensor<float>&, bool, const Conv1dParams&);
template Conv1dGrads<double> conv1d_backward(const Tensor<double>&, const Tensor<double>&,
                                             const Tensor<double>&, bool, const Conv1dParams&);

}  // namespace convlab::ref
