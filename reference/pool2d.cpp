#include "reference/pool2d.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <string_view>

#include "core/shape.hpp"

namespace convlab::ref {

namespace {

template <class... Parts>
[[noreturn]] void fail(std::string_view op, const Parts&... parts) {
  std::ostringstream os;
  os << op << ": ";
  (os << ... << parts);
  throw std::invalid_argument(os.str());
}

// Average pooling has no dilation (neither has PyTorch's AvgPool2d).
void require_no_dilation(std::string_view op, const Pool2dParams& p) {
  if (p.dilation_h != 1) {
    fail(op, "dilation_h must be 1 (average pooling is not dilated), got ", p.dilation_h);
  }
  if (p.dilation_w != 1) {
    fail(op, "dilation_w must be 1 (average pooling is not dilated), got ", p.dilation_w);
  }
}

// The divisor of average-pooling window (oh, ow) on an H x W input: per axis, the window
// [start, start + k) clipped to the padded input [-pad_lo, n + pad_hi) when padding counts, or
// to the input [0, n) when it does not; the 2-D divisor is the product.
std::int64_t avg_divisor(std::int64_t oh, std::int64_t ow, std::int64_t H, std::int64_t W,
                         const Pool2dParams& p) {
  const std::int64_t h_start = oh * p.stride_h - p.pad_top;
  const std::int64_t w_start = ow * p.stride_w - p.pad_left;
  const std::int64_t h_end = std::min(h_start + p.kernel_h, H + p.pad_bottom);
  const std::int64_t w_end = std::min(w_start + p.kernel_w, W + p.pad_right);
  if (p.count_include_pad) return (h_end - h_start) * (w_end - w_start);
  const std::int64_t real_h = std::min(h_end, H) - std::max<std::int64_t>(h_start, 0);
  const std::int64_t real_w = std::min(w_end, W) - std::max<std::int64_t>(w_start, 0);
  return real_h * real_w;
}

}  // namespace

// [docs:max-pool2d]
template <class T>
MaxPool2dResult<T> max_pool2d(const Tensor<T>& x, const Pool2dParams& p) {
  const Shape out = pool2d_output_shape("max_pool2d", x.shape(), p);
  const std::int64_t N = x.dim(0), C = x.dim(1), H = x.dim(2), W = x.dim(3);
  const std::int64_t H_out = out[2], W_out = out[3];

  MaxPool2dResult<T> r{Tensor<T>(out), Tensor<std::int64_t>(out)};
  for (std::int64_t n = 0; n < N; ++n) {
    for (std::int64_t c = 0; c < C; ++c) {
      for (std::int64_t oh = 0; oh < H_out; ++oh) {
        for (std::int64_t ow = 0; ow < W_out; ++ow) {
          T best = -std::numeric_limits<T>::infinity();
          std::int64_t best_index = -1;
          for (std::int64_t kh = 0; kh < p.kernel_h; ++kh) {
            const std::int64_t ih = oh * p.stride_h + kh * p.dilation_h - p.pad_top;
            if (ih < 0 || ih >= H) continue;  // padding or ceil_mode overhang: -inf
            for (std::int64_t kw = 0; kw < p.kernel_w; ++kw) {
              const std::int64_t iw = ow * p.stride_w + kw * p.dilation_w - p.pad_left;
              if (iw < 0 || iw >= W) continue;
              const T v = x(n, c, ih, iw);
              // Strict '>' keeps the first of equal maxima; the first real element is taken
              // even when it is -inf, so the index always names a real element; a NaN beats
              // every number and, once held, is never replaced.
              const bool take = best_index < 0 || v > best || (std::isnan(v) && !std::isnan(best));
              if (take) {
                best = v;
                best_index = ih * W + iw;
              }
            }
          }
          // The shape module guarantees every window reads at least one element.
          r.output(n, c, oh, ow) = best;
          r.indices(n, c, oh, ow) = best_index;
        }
      }
    }
  }
  return r;
}
// [docs:end]

template <class T>
Tensor<T> max_pool2d_backward(const Tensor<T>& grad_output, const Tensor<std::int64_t>& indices,
                              const Shape& input_shape) {
  constexpr std::string_view op = "max_pool2d_backward";
  if (input_shape.rank() != 4) {
    fail(op, "input_shape must have rank 4 (N, C, H, W), got ", input_shape.str());
  }
  require_same_shape(op, "grad_output", grad_output.shape(), indices.shape());
  if (indices.rank() != 4) {
    fail(op, "indices must have rank 4 (N, C, H_out, W_out), got ", indices.shape().str());
  }
  require_same_shape(op, "indices", indices.shape(),
                     Shape{input_shape[0], input_shape[1], indices.dim(2), indices.dim(3)});
  const std::int64_t N = input_shape[0], C = input_shape[1], H = input_shape[2], W = input_shape[3];
  const std::int64_t H_out = indices.dim(2), W_out = indices.dim(3);

  Tensor<double> gx(input_shape);
  for (std::int64_t n = 0; n < N; ++n) {
    for (std::int64_t c = 0; c < C; ++c) {
      for (std::int64_t oh = 0; oh < H_out; ++oh) {
        for (std::int64_t ow = 0; ow < W_out; ++ow) {
          const std::int64_t i = indices(n, c, oh, ow);
          if (i < 0 || i >= H * W) {
            fail(op, "indices[", n, ", ", c, ", ", oh, ", ", ow, "] = ", i,
                 " is outside the input plane of ", H, " x ", W, " = ", H * W,
                 " elements (valid 0 to ", H * W - 1, ")");
          }
          gx(n, c, i / W, i % W) += double(grad_output(n, c, oh, ow));
        }
      }
    }
  }
  return gx.cast<T>();
}

// [docs:avg-pool2d]
template <class T>
Tensor<T> avg_pool2d(const Tensor<T>& x, const Pool2dParams& p) {
  require_no_dilation("avg_pool2d", p);
  const Shape out = pool2d_output_shape("avg_pool2d", x.shape(), p);
  const std::int64_t N = x.dim(0), C = x.dim(1), H = x.dim(2), W = x.dim(3);
  const std::int64_t H_out = out[2], W_out = out[3];

  Tensor<T> y(out);
  for (std::int64_t n = 0; n < N; ++n) {
    for (std::int64_t c = 0; c < C; ++c) {
      for (std::int64_t oh = 0; oh < H_out; ++oh) {
        for (std::int64_t ow = 0; ow < W_out; ++ow) {
          double sum = 0;
          for (std::int64_t kh = 0; kh < p.kernel_h; ++kh) {
            const std::int64_t ih = oh * p.stride_h + kh - p.pad_top;
            if (ih < 0 || ih >= H) continue;  // padding adds 0
            for (std::int64_t kw = 0; kw < p.kernel_w; ++kw) {
              const std::int64_t iw = ow * p.stride_w + kw - p.pad_left;
              if (iw < 0 || iw >= W) continue;
              sum += double(x(n, c, ih, iw));
            }
          }
          y(n, c, oh, ow) = static_cast<T>(sum / double(avg_divisor(oh, ow, H, W, p)));
        }
      }
    }
  }
  return y;
}
// [docs:end]

template <class T>
Tensor<T> avg_pool2d_backward(const Tensor<T>& grad_output, const Shape& input_shape,
                              const Pool2dParams& p) {
  constexpr std::string_view op = "avg_pool2d_backward";
  require_no_dilation(op, p);
  const Shape out = pool2d_output_shape(op, input_shape, p);
  require_same_shape(op, "grad_output", grad_output.shape(), out);
  const std::int64_t N = input_shape[0], C = input_shape[1], H = input_shape[2], W = input_shape[3];
  const std::int64_t H_out = out[2], W_out = out[3];

  Tensor<double> gx(input_shape);
  for (std::int64_t n = 0; n < N; ++n) {
    for (std::int64_t c = 0; c < C; ++c) {
      for (std::int64_t oh = 0; oh < H_out; ++oh) {
        for (std::int64_t ow = 0; ow < W_out; ++ow) {
          const double share =
              double(grad_output(n, c, oh, ow)) / double(avg_divisor(oh, ow, H, W, p));
          for (std::int64_t kh = 0; kh < p.kernel_h; ++kh) {
            const std::int64_t ih = oh * p.stride_h + kh - p.pad_top;
            if (ih < 0 || ih >= H) continue;
            for (std::int64_t kw = 0; kw < p.kernel_w; ++kw) {
              const std::int64_t iw = ow * p.stride_w + kw - p.pad_left;
              if (iw < 0 || iw >= W) continue;
              gx(n, c, ih, iw) += share;
            }
          }
        }
      }
    }
  }
  return gx.cast<T>();
}

template <class T>
Tensor<T> global_avg_pool2d(const Tensor<T>& x) {
  const Shape out = global_avg_pool2d_output_shape(x.shape());
  const std::int64_t N = x.dim(0), C = x.dim(1), H = x.dim(2), W = x.dim(3);
  Tensor<T> y(out);
  for (std::int64_t n = 0; n < N; ++n) {
    for (std::int64_t c = 0; c < C; ++c) {
      double sum = 0;
      for (std::int64_t h = 0; h < H; ++h) {
        for (std::int64_t w = 0; w < W; ++w) sum += double(x(n, c, h, w));
      }
      y(n, c, 0, 0) = static_cast<T>(sum / double(H * W));
    }
  }
  return y;
}

template <class T>
Tensor<T> global_avg_pool2d_backward(const Tensor<T>& grad_output, const Shape& input_shape) {
  const Shape out = global_avg_pool2d_output_shape(input_shape);
  require_same_shape("global_avg_pool2d_backward", "grad_output", grad_output.shape(), out);
  const std::int64_t N = input_shape[0], C = input_shape[1], H = input_shape[2], W = input_shape[3];
  Tensor<T> gx(input_shape);
  for (std::int64_t n = 0; n < N; ++n) {
    for (std::int64_t c = 0; c < C; ++c) {
      const T share = static_cast<T>(double(grad_output(n, c, 0, 0)) / double(H * W));
      for (std::int64_t h = 0; h < H; ++h) {
        for (std::int64_t w = 0; w < W; ++w) gx(n, c, h, w) = share;
      }
    }
  }
  return gx;
}

template MaxPool2dResult<float> max_pool2d(const Tensor<float>&, const Pool2dParams&);
template MaxPool2dResult<double> max_pool2d(const Tensor<double>&, const Pool2dParams&);
template Tensor<float> max_pool2d_backward(const Tensor<float>&, const Tensor<std::int64_t>&,
                                           const Shape&);
template Tensor<double> max_pool2d_backward(const Tensor<double>&, const Tensor<std::int64_t>&,
                                            const Shape&);
template Tensor<float> avg_pool2d(const Tensor<float>&, const Pool2dParams&);
template Tensor<double> avg_pool2d(const Tensor<double>&, const Pool2dParams&);
template Tensor<float> avg_pool2d_backward(const Tensor<float>&, const Shape&, const Pool2dParams&);
template Tensor<double> avg_pool2d_backward(const Tensor<double>&, const Shape&,
                                            const Pool2dParams&);
template Tensor<float> global_avg_pool2d(const Tensor<float>&);
template Tensor<double> global_avg_pool2d(const Tensor<double>&);
template Tensor<float> global_avg_pool2d_backward(const Tensor<float>&, const Shape&);
template Tensor<double> global_avg_pool2d_backward(const Tensor<double>&, const Shape&);

}  // namespace convlab::ref
