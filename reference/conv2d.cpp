#include "reference/conv2d.hpp"

#include <stdexcept>

#include "core/shape.hpp"
#include "reference/padding.hpp"

namespace convlab::ref {

// [docs:corr2d]
template <class T>
Tensor<T> corr2d(const Tensor<T>& x, const Tensor<T>& k) {
  if (x.rank() != 2 || k.rank() != 2) {
    throw std::invalid_argument("corr2d: x and k must be 2-D (H, W), got " + x.shape().str() +
                                " and " + k.shape().str());
  }
  // Reuse the shape rules of conv2d: corr2d is conv2d with one channel and no padding.
  const Shape out = conv2d_output_shape(Shape{1, 1, x.dim(0), x.dim(1)},
                                        Shape{1, 1, k.dim(0), k.dim(1)}, Shape{}, Conv2dParams{});
  const std::int64_t h = k.dim(0), w = k.dim(1);
  Tensor<T> y(Shape{out[2], out[3]});
  for (std::int64_t i = 0; i < y.dim(0); ++i) {
    for (std::int64_t j = 0; j < y.dim(1); ++j) {
      double sum = 0;  // Y[i, j] = (X[i:i+h, j:j+w] * K).sum()
      for (std::int64_t a = 0; a < h; ++a) {
        for (std::int64_t b = 0; b < w; ++b) sum += double(x(i + a, j + b)) * double(k(a, b));
      }
      y(i, j) = static_cast<T>(sum);
    }
  }
  return y;
}
// [docs:end]

// [docs:conv2d-loops]
template <class T>
Tensor<T> conv2d(const Tensor<T>& x, const Tensor<T>& w, const Tensor<T>& bias,
                 const Conv2dParams& p) {
  const Shape out = conv2d_output_shape(x.shape(), w.shape(), bias.shape(), p);
  const std::int64_t N = x.dim(0), C_in = x.dim(1), H = x.dim(2), W = x.dim(3);
  const std::int64_t C_out = w.dim(0), KH = w.dim(2), KW = w.dim(3);
  const std::int64_t H_out = out[2], W_out = out[3];
  const std::int64_t C_in_g = C_in / p.groups, C_out_g = C_out / p.groups;

  Tensor<T> y(out);
  for (std::int64_t n = 0; n < N; ++n) {
    for (std::int64_t oc = 0; oc < C_out; ++oc) {
      const std::int64_t g = oc / C_out_g;
      for (std::int64_t oh = 0; oh < H_out; ++oh) {
        for (std::int64_t ow = 0; ow < W_out; ++ow) {
          double sum = bias.empty() ? 0.0 : double(bias(oc));
          for (std::int64_t ic = 0; ic < C_in_g; ++ic) {
            for (std::int64_t kh = 0; kh < KH; ++kh) {
              const std::int64_t ih =
                  source_index(oh * p.stride_h + kh * p.dilation_h - p.pad_top, H, p.padding_mode);
              if (ih < 0) continue;  // zero padding
              for (std::int64_t kw = 0; kw < KW; ++kw) {
                const std::int64_t iw = source_index(
                    ow * p.stride_w + kw * p.dilation_w - p.pad_left, W, p.padding_mode);
                if (iw < 0) continue;
                sum += double(x(n, g * C_in_g + ic, ih, iw)) * double(w(oc, ic, kh, kw));
              }
            }
          }
          y(n, oc, oh, ow) = static_cast<T>(sum);
        }
      }
    }
  }
  return y;
}
// [docs:end]

// [docs:conv2d-backward]
template <class T>
Conv2dGrads<T> conv2d_backward(const Tensor<T>& grad_output, const Tensor<T>& x, const Tensor<T>& w,
                               bool has_bias, const Conv2dParams& p) {
  const Shape out = conv2d_output_shape(x.shape(), w.shape(), Shape{}, p);
  require_same_shape("conv2d_backward", "grad_output", grad_output.shape(), out);
  const std::int64_t N = x.dim(0), C_in = x.dim(1), H = x.dim(2), W = x.dim(3);
  const std::int64_t C_out = w.dim(0), KH = w.dim(2), KW = w.dim(3);
  const std::int64_t H_out = out[2], W_out = out[3];
  const std::int64_t C_in_g = C_in / p.groups, C_out_g = C_out / p.groups;

  // Accumulate in double, then round once.
  Tensor<double> gx(x.shape()), gw(w.shape()), gb(Shape{C_out});
  for (std::int64_t n = 0; n < N; ++n) {
    for (std::int64_t oc = 0; oc < C_out; ++oc) {
      const std::int64_t g = oc / C_out_g;
      for (std::int64_t oh = 0; oh < H_out; ++oh) {
        for (std::int64_t ow = 0; ow < W_out; ++ow) {
          const double dy = grad_output(n, oc, oh, ow);
          gb(oc) += dy;
          for (std::int64_t ic = 0; ic < C_in_g; ++ic) {
            for (std::int64_t kh = 0; kh < KH; ++kh) {
              const std::int64_t ih =
                  source_index(oh * p.stride_h + kh * p.dilation_h - p.pad_top, H, p.padding_mode);
              if (ih < 0) continue;
              for (std::int64_t kw = 0; kw < KW; ++kw) {
                const std::int64_t iw = source_index(
                    ow * p.stride_w + kw * p.dilation_w - p.pad_left, W, p.padding_mode);
                if (iw < 0) continue;
                gx(n, g * C_in_g + ic, ih, iw) += dy * double(w(oc, ic, kh, kw));
                gw(oc, ic, kh, kw) += dy * double(x(n, g * C_in_g + ic, ih, iw));
              }
            }
          }
        }
      }
    }
  }
  Conv2dGrads<T> grads{gx.cast<T>(), gw.cast<T>(), Tensor<T>()};
  if (has_bias) grads.grad_bias = gb.cast<T>();
  return grads;
}
// [docs:end]

template Tensor<float> corr2d(const Tensor<float>&, const Tensor<float>&);
template Tensor<double> corr2d(const Tensor<double>&, const Tensor<double>&);
template Tensor<float> conv2d(const Tensor<float>&, const Tensor<float>&, const Tensor<float>&,
                              const Conv2dParams&);
template Tensor<double> conv2d(const Tensor<double>&, const Tensor<double>&, const Tensor<double>&,
                               const Conv2dParams&);
template Conv2dGrads<float> conv2d_backward(const Tensor<float>&, const Tensor<float>&,
                                            const Tensor<float>&, bool, const Conv2dParams&);
template Conv2dGrads<double> conv2d_backward(const Tensor<double>&, const Tensor<double>&,
                                             const Tensor<double>&, bool, const Conv2dParams&);

}  // namespace convlab::ref
