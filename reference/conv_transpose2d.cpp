#include "reference/conv_transpose2d.hpp"

#include "core/shape.hpp"

namespace convlab::ref {

// [docs:conv-transpose2d]
template <class T>
Tensor<T> conv_transpose2d(const Tensor<T>& x, const Tensor<T>& w, const Tensor<T>& bias,
                           const ConvTranspose2dParams& p) {
  const Shape out = conv_transpose2d_output_shape(x.shape(), w.shape(), bias.shape(), p);
  const std::int64_t N = x.dim(0), C_in = x.dim(1), H = x.dim(2), W = x.dim(3);
  const std::int64_t C_out_g = w.dim(1), KH = w.dim(2), KW = w.dim(3);
  const std::int64_t C_out = out[1], H_out = out[2], W_out = out[3];
  const std::int64_t C_in_g = C_in / p.groups;

  // The scatter adds into every output element many times: keep the sums in double.
  Tensor<double> acc(out);
  for (std::int64_t n = 0; n < N; ++n) {
    for (std::int64_t ic = 0; ic < C_in; ++ic) {
      const std::int64_t g = ic / C_in_g;
      for (std::int64_t ih = 0; ih < H; ++ih) {
        for (std::int64_t iw = 0; iw < W; ++iw) {
          const double xv = x(n, ic, ih, iw);
          for (std::int64_t oc = 0; oc < C_out_g; ++oc) {
            for (std::int64_t kh = 0; kh < KH; ++kh) {
              const std::int64_t oh = ih * p.stride_h + kh * p.dilation_h - p.pad_top;
              if (oh < 0 || oh >= H_out) continue;  // cropped by the padding
              for (std::int64_t kw = 0; kw < KW; ++kw) {
                const std::int64_t ow = iw * p.stride_w + kw * p.dilation_w - p.pad_left;
                if (ow < 0 || ow >= W_out) continue;
                acc(n, g * C_out_g + oc, oh, ow) += xv * double(w(ic, oc, kh, kw));
              }
            }
          }
        }
      }
    }
  }
  Tensor<T> y(out);
  for (std::int64_t n = 0; n < N; ++n) {
    for (std::int64_t c = 0; c < C_out; ++c) {
      const double b = bias.empty() ? 0.0 : double(bias(c));
      for (std::int64_t oh = 0; oh < H_out; ++oh) {
        for (std::int64_t ow = 0; ow < W_out; ++ow) {
          y(n, c, oh, ow) = static_cast<T>(acc(n, c, oh, ow) + b);
        }
      }
    }
  }
  return y;
}
// [docs:end]

template <class T>
ConvTranspose2dGrads<T> conv_transpose2d_backward(const Tensor<T>& grad_output, const Tensor<T>& x,
                                                  const Tensor<T>& w, bool has_bias,
                                                  const ConvTranspose2dParams& p) {
  const Shape out = conv_transpose2d_output_shape(x.shape(), w.shape(), Shape{}, p);
  require_same_shape("conv_transpose2d_backward", "grad_output", grad_output.shape(), out);
  const std::int64_t N = x.dim(0), C_in = x.dim(1), H = x.dim(2), W = x.dim(3);
  const std::int64_t C_out_g = w.dim(1), KH = w.dim(2), KW = w.dim(3);
  const std::int64_t C_out = out[1], H_out = out[2], W_out = out[3];
  const std::int64_t C_in_g = C_in / p.groups;

  // Accumulate in double, then round once.
  Tensor<double> gx(x.shape()), gw(w.shape()), gb(Shape{C_out});
  for (std::int64_t n = 0; n < N; ++n) {
    for (std::int64_t ic = 0; ic < C_in; ++ic) {
      const std::int64_t g = ic / C_in_g;
      for (std::int64_t ih = 0; ih < H; ++ih) {
        for (std::int64_t iw = 0; iw < W; ++iw) {
          for (std::int64_t oc = 0; oc < C_out_g; ++oc) {
            for (std::int64_t kh = 0; kh < KH; ++kh) {
              const std::int64_t oh = ih * p.stride_h + kh * p.dilation_h - p.pad_top;
              if (oh < 0 || oh >= H_out) continue;
              for (std::int64_t kw = 0; kw < KW; ++kw) {
                const std::int64_t ow = iw * p.stride_w + kw * p.dilation_w - p.pad_left;
                if (ow < 0 || ow >= W_out) continue;
                const double dy = grad_output(n, g * C_out_g + oc, oh, ow);
                gx(n, ic, ih, iw) += dy * double(w(ic, oc, kh, kw));
                gw(ic, oc, kh, kw) += dy * double(x(n, ic, ih, iw));
              }
            }
          }
        }
      }
    }
  }
  // Every output element, including the output_padding rows/columns, holds the bias.
  for (std::int64_t n = 0; n < N; ++n) {
    for (std::int64_t c = 0; c < C_out; ++c) {
      for (std::int64_t oh = 0; oh < H_out; ++oh) {
        for (std::int64_t ow = 0; ow < W_out; ++ow) gb(c) += double(grad_output(n, c, oh, ow));
      }
    }
  }
  ConvTranspose2dGrads<T> grads{gx.cast<T>(), gw.cast<T>(), Tensor<T>()};
  if (has_bias) grads.grad_bias = gb.cast<T>();
  return grads;
}

template Tensor<float> conv_transpose2d(const Tensor<float>&, const Tensor<float>&,
                                        const Tensor<float>&, const ConvTranspose2dParams&);
template Tensor<double> conv_transpose2d(const Tensor<double>&, const Tensor<double>&,
                                         const Tensor<double>&, const ConvTranspose2dParams&);
template ConvTranspose2dGrads<float> conv_transpose2d_backward(const Tensor<float>&,
                                                               const Tensor<float>&,
                                                               const Tensor<float>&, bool,
                                                               const ConvTranspose2dParams&);
template ConvTranspose2dGrads<double> conv_transpose2d_backward(const Tensor<double>&,
                                                                const Tensor<double>&,
                                                                const Tensor<double>&, bool,
                                                                const ConvTranspose2dParams&);

}  // namespace convlab::ref
