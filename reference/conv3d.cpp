#include "reference/conv3d.hpp"

#include "core/shape.hpp"

namespace convlab::ref {

// [docs:conv3d]
template <class T>
Tensor<T> conv3d(const Tensor<T>& x, const Tensor<T>& w, const Tensor<T>& bias,
                 const Conv3dParams& p) {
  const Shape out = conv3d_output_shape(x.shape(), w.shape(), bias.shape(), p);
  const std::int64_t N = x.dim(0), C_in = x.dim(1), D = x.dim(2), H = x.dim(3), W = x.dim(4);
  const std::int64_t C_out = w.dim(0), KD = w.dim(2), KH = w.dim(3), KW = w.dim(4);
  const std::int64_t D_out = out[2], H_out = out[3], W_out = out[4];
  const std::int64_t C_in_g = C_in / p.groups, C_out_g = C_out / p.groups;

  Tensor<T> y(out);
  for (std::int64_t n = 0; n < N; ++n) {
    for (std::int64_t oc = 0; oc < C_out; ++oc) {
      const std::int64_t g = oc / C_out_g;
      for (std::int64_t od = 0; od < D_out; ++od) {
        for (std::int64_t oh = 0; oh < H_out; ++oh) {
          for (std::int64_t ow = 0; ow < W_out; ++ow) {
            double sum = bias.empty() ? 0.0 : double(bias(oc));
            for (std::int64_t ic = 0; ic < C_in_g; ++ic) {
              for (std::int64_t kd = 0; kd < KD; ++kd) {
                const std::int64_t id = od * p.stride_d + kd * p.dilation_d - p.pad_front;
                if (id < 0 || id >= D) continue;  // zero padding
                for (std::int64_t kh = 0; kh < KH; ++kh) {
                  const std::int64_t ih = oh * p.stride_h + kh * p.dilation_h - p.pad_top;
                  if (ih < 0 || ih >= H) continue;
                  for (std::int64_t kw = 0; kw < KW; ++kw) {
                    const std::int64_t iw = ow * p.stride_w + kw * p.dilation_w - p.pad_left;
                    if (iw < 0 || iw >= W) continue;
                    sum +=
                        double(x(n, g * C_in_g + ic, id, ih, iw)) * double(w(oc, ic, kd, kh, kw));
                  }
                }
              }
            }
            y(n, oc, od, oh, ow) = static_cast<T>(sum);
          }
        }
      }
    }
  }
  return y;
}
// [docs:end]

template <class T>
Conv3dGrads<T> conv3d_backward(const Tensor<T>& grad_output, const Tensor<T>& x, const Tensor<T>& w,
                               bool has_bias, const Conv3dParams& p) {
  const Shape out = conv3d_output_shape(x.shape(), w.shape(), Shape{}, p);
  require_same_shape("conv3d_backward", "grad_output", grad_output.shape(), out);
  const std::int64_t N = x.dim(0), C_in = x.dim(1), D = x.dim(2), H = x.dim(3), W = x.dim(4);
  const std::int64_t C_out = w.dim(0), KD = w.dim(2), KH = w.dim(3), KW = w.dim(4);
  const std::int64_t D_out = out[2], H_out = out[3], W_out = out[4];
  const std::int64_t C_in_g = C_in / p.groups, C_out_g = C_out / p.groups;

  // Accumulate in double, then round once.
  Tensor<double> gx(x.shape()), gw(w.shape()), gb(Shape{C_out});
  for (std::int64_t n = 0; n < N; ++n) {
    for (std::int64_t oc = 0; oc < C_out; ++oc) {
      const std::int64_t g = oc / C_out_g;
      for (std::int64_t od = 0; od < D_out; ++od) {
        for (std::int64_t oh = 0; oh < H_out; ++oh) {
          for (std::int64_t ow = 0; ow < W_out; ++ow) {
            const double dy = grad_output(n, oc, od, oh, ow);
            gb(oc) += dy;
            for (std::int64_t ic = 0; ic < C_in_g; ++ic) {
              for (std::int64_t kd = 0; kd < KD; ++kd) {
                const std::int64_t id = od * p.stride_d + kd * p.dilation_d - p.pad_front;
                if (id < 0 || id >= D) continue;
                for (std::int64_t kh = 0; kh < KH; ++kh) {
                  const std::int64_t ih = oh * p.stride_h + kh * p.dilation_h - p.pad_top;
                  if (ih < 0 || ih >= H) continue;
                  for (std::int64_t kw = 0; kw < KW; ++kw) {
                    const std::int64_t iw = ow * p.stride_w + kw * p.dilation_w - p.pad_left;
                    if (iw < 0 || iw >= W) continue;
                    gx(n, g * C_in_g + ic, id, ih, iw) += dy * double(w(oc, ic, kd, kh, kw));
                    gw(oc, ic, kd, kh, kw) += dy * double(x(n, g * C_in_g + ic, id, ih, iw));
                  }
                }
              }
            }
          }
        }
      }
    }
  }
  Conv3dGrads<T> grads{gx.cast<T>(), gw.cast<T>(), Tensor<T>()};
  if (has_bias) grads.grad_bias = gb.cast<T>();
  return grads;
}

template Tensor<float> conv3d(const Tensor<float>&, const Tensor<float>&, const Tensor<float>&,
                              const Conv3dParams&);
template Tensor<double> conv3d(const Tensor<double>&, const Tensor<double>&, const Tensor<double>&,
                               const Conv3dParams&);
template Conv3dGrads<float> conv3d_backward(const Tensor<float>&, const Tensor<float>&,
                                            const Tensor<float>&, bool, const Conv3dParams&);
template Conv3dGrads<double> conv3d_backward(const Tensor<double>&, const Tensor<double>&,
                                             const Tensor<double>&, bool, const Conv3dParams&);

}  // namespace convlab::ref
