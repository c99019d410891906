#include "reference/conv_matrix.hpp"

#include <stdexcept>

#include "core/shape.hpp"
#include "reference/padding.hpp"

namespace convlab::ref {

// [docs:conv2d-matrix]
template <class T>
Tensor<T> conv2d_matrix(const Shape& input_shape, const Tensor<T>& w, const Conv2dParams& p) {
  Shape x_shape = input_shape;
  if (input_shape.rank() == 3) {
    x_shape = Shape{1, input_shape[0], input_shape[1], input_shape[2]};
  } else if (input_shape.rank() != 4) {
    throw std::invalid_argument(
        "conv2d_matrix: input_shape must be (C_in, H, W) or (N, C_in, H, W), got " +
        input_shape.str());
  }
  const Shape out = conv2d_output_shape(x_shape, w.shape(), Shape{}, p);
  const std::int64_t C_in = x_shape[1], H = x_shape[2], W = x_shape[3];
  const std::int64_t C_out = w.dim(0), KH = w.dim(2), KW = w.dim(3);
  const std::int64_t H_out = out[2], W_out = out[3];
  const std::int64_t C_in_g = C_in / p.groups, C_out_g = C_out / p.groups;

  Tensor<T> c(Shape{C_out * H_out * W_out, C_in * H * W});
  for (std::int64_t oc = 0; oc < C_out; ++oc) {
    const std::int64_t g = oc / C_out_g;
    for (std::int64_t oh = 0; oh < H_out; ++oh) {
      for (std::int64_t ow = 0; ow < W_out; ++ow) {
        const std::int64_t row = (oc * H_out + oh) * W_out + ow;
        for (std::int64_t ic = 0; ic < C_in_g; ++ic) {
          for (std::int64_t kh = 0; kh < KH; ++kh) {
            const std::int64_t ih =
                source_index(oh * p.stride_h + kh * p.dilation_h - p.pad_top, H, p.padding_mode);
            if (ih < 0) continue;  // a zero of the padding: no column
            for (std::int64_t kw = 0; kw < KW; ++kw) {
              const std::int64_t iw =
                  source_index(ow * p.stride_w + kw * p.dilation_w - p.pad_left, W, p.padding_mode);
              if (iw < 0) continue;
              const std::int64_t col = ((g * C_in_g + ic) * H + ih) * W + iw;
              // += : with a non-zero padding mode two taps may read the same pixel.
              c(row, col) += w(oc, ic, kh, kw);
            }
          }
        }
      }
    }
  }
  return c;
}
// [docs:end]

template <class T>
Tensor<T> conv2d_via_matrix(const Tensor<T>& x, const Tensor<T>& w, const Tensor<T>& bias,
                            const Conv2dParams& p) {
  const Shape out = conv2d_output_shape(x.shape(), w.shape(), bias.shape(), p);
  const Tensor<T> c = conv2d_matrix(x.shape(), w, p);
  const std::int64_t N = out[0], C_out = out[1];
  const std::int64_t rows = c.dim(0), cols = c.dim(1);  // M = rows, K = cols, one sample
  const std::int64_t per_channel = rows / C_out;

  Tensor<T> y(out);
  for (std::int64_t n = 0; n < N; ++n) {
    const Tensor<T> xn = x.slice(n, n + 1).reshape(Shape{cols});  // vec(x[n])
    Tensor<T> yn = y.slice(n, n + 1).reshape(Shape{rows});        // vec(y[n]), a view
    for (std::int64_t r = 0; r < rows; ++r) {
      const std::int64_t oc = r / per_channel;
      double sum = bias.empty() ? 0.0 : double(bias(oc));
      for (std::int64_t k = 0; k < cols; ++k) sum += double(c(r, k)) * double(xn(k));
      yn(r) = static_cast<T>(sum);
    }
  }
  return y;
}

// [docs:conv-transpose2d-via-matrix]
template <class T>
Tensor<T> conv_transpose2d_via_matrix(const Tensor<T>& x, const Tensor<T>& w, const Tensor<T>& bias,
                                      const ConvTranspose2dParams& p) {
  const Shape out = conv_transpose2d_output_shape(x.shape(), w.shape(), bias.shape(), p);
  const std::int64_t N = x.dim(0), C_in = x.dim(1), H = x.dim(2), W = x.dim(3);
  const std::int64_t C_out = out[1], H_out = out[2], W_out = out[3];

  // The convolution this transposes maps (C_out, H_out, W_out) to (C_in, H_c, W_c); H_c >= H,
  // and H_c > H only when output_padding_h >= stride_h (see the header).
  const Conv2dParams q = adjoint_conv2d_params(p);
  const Shape conv_in{1, C_out, H_out, W_out};
  const Shape conv_out = conv2d_output_shape(conv_in, w.shape(), Shape{}, q);
  const std::int64_t H_c = conv_out[2], W_c = conv_out[3];
  const Tensor<T> c = conv2d_matrix(conv_in, w, q);  // (C_in * H_c * W_c, C_out * H_out * W_out)
  const std::int64_t cols = c.dim(1);
  const std::int64_t per_channel = H_out * W_out;

  // y[n] = C^T vec(x[n]): column j of C dotted with vec(x[n]) zero-extended to H_c x W_c.
  Tensor<T> y(out);
  for (std::int64_t n = 0; n < N; ++n) {
    Tensor<T> yn = y.slice(n, n + 1).reshape(Shape{cols});  // vec(y[n]), a view
    for (std::int64_t j = 0; j < cols; ++j) {
      const std::int64_t oc = j / per_channel;
      double sum = bias.empty() ? 0.0 : double(bias(oc));
      for (std::int64_t ic = 0; ic < C_in; ++ic) {
        for (std::int64_t ih = 0; ih < H; ++ih) {
          for (std::int64_t iw = 0; iw < W; ++iw) {
            const std::int64_t r = (ic * H_c + ih) * W_c + iw;
            sum += double(c(r, j)) * double(x(n, ic, ih, iw));
          }
        }
      }
      yn(j) = static_cast<T>(sum);
    }
  }
  return y;
}
// [docs:end]

template Tensor<float> conv2d_matrix(const Shape&, const Tensor<float>&, const Conv2dParams&);
template Tensor<double> conv2d_matrix(const Shape&, const Tensor<double>&, const Conv2dParams&);
template Tensor<float> conv2d_via_matrix(const Tensor<float>&, const Tensor<float>&,
                                         const Tensor<float>&, const Conv2dParams&);
template Tensor<double> conv2d_via_matrix(const Tensor<double>&, const Tensor<double>&,
                                          const Tensor<double>&, const Conv2dParams&);
template Tensor<float> conv_transpose2d_via_matrix(const Tensor<float>&, const Tensor<float>&,
                                                   const Tensor<float>&,
                                                   const ConvTranspose2dParams&);
template Tensor<double> conv_transpose2d_via_matrix(const Tensor<double>&, const Tensor<double>&,
                                                    const Tensor<double>&,
                                                    const ConvTranspose2dParams&);

}  // namespace convlab::ref
