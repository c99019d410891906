#include "reference/upsample2d.hpp"

#include <algorithm>
#include <cstdint>

#include "core/shape.hpp"

namespace convlab::ref {

namespace {

// Nearest: the source index of output index dst along one axis.
std::int64_t nearest_source(std::int64_t dst, std::int64_t in, std::int64_t out) {
  return std::min(dst * in / out, in - 1);  // floor(dst * in / out), exactly
}

// Bilinear: the two input pixels output index dst reads along one axis, and their weights.
struct LinearTaps {
  std::int64_t i[2];
  double weight[2];
};

LinearTaps linear_taps(std::int64_t dst, std::int64_t in, std::int64_t out, bool align_corners) {
  double src;
  if (align_corners) {
    src = out == 1 ? 0.0 : double(dst) * double(in - 1) / double(out - 1);
  } else {
    src = std::max((double(dst) + 0.5) * double(in) / double(out) - 0.5, 0.0);
  }
  const std::int64_t i0 = std::min(static_cast<std::int64_t>(src), in - 1);  // src >= 0: floor
  const std::int64_t i1 = std::min(i0 + 1, in - 1);
  const double l = src - double(i0);
  return {{i0, i1}, {1.0 - l, l}};
}

}  // namespace

template <class T>
Tensor<T> upsample2d(const Tensor<T>& x, const Upsample2dParams& p) {
  const Shape out = upsample2d_output_shape(x.shape(), p);
  const std::int64_t N = x.dim(0), C = x.dim(1), H = x.dim(2), W = x.dim(3);
  const std::int64_t H_out = out[2], W_out = out[3];

  Tensor<T> y(out);
  for (std::int64_t n = 0; n < N; ++n) {
    for (std::int64_t c = 0; c < C; ++c) {
      for (std::int64_t oh = 0; oh < H_out; ++oh) {
        for (std::int64_t ow = 0; ow < W_out; ++ow) {
          if (p.mode == UpsampleMode::nearest) {
            y(n, c, oh, ow) = x(n, c, nearest_source(oh, H, H_out), nearest_source(ow, W, W_out));
            continue;
          }
          const LinearTaps th = linear_taps(oh, H, H_out, p.align_corners);
          const LinearTaps tw = linear_taps(ow, W, W_out, p.align_corners);
          double sum = 0;
          for (int a = 0; a < 2; ++a) {
            for (int b = 0; b < 2; ++b) {
              sum += th.weight[a] * tw.weight[b] * double(x(n, c, th.i[a], tw.i[b]));
            }
          }
          y(n, c, oh, ow) = static_cast<T>(sum);
        }
      }
    }
  }
  return y;
}

template <class T>
Tensor<T> upsample2d_backward(const Tensor<T>& grad_output, const Shape& input_shape,
                              const Upsample2dParams& p) {
  const Shape out = upsample2d_output_shape(input_shape, p);
  require_same_shape("upsample2d_backward", "grad_output", grad_output.shape(), out);
  const std::int64_t N = input_shape[0], C = input_shape[1], H = input_shape[2], W = input_shape[3];
  const std::int64_t H_out = out[2], W_out = out[3];

  Tensor<double> gx(input_shape);
  for (std::int64_t n = 0; n < N; ++n) {
    for (std::int64_t c = 0; c < C; ++c) {
      for (std::int64_t oh = 0; oh < H_out; ++oh) {
        for (std::int64_t ow = 0; ow < W_out; ++ow) {
          const double g = grad_output(n, c, oh, ow);
          if (p.mode == UpsampleMode::nearest) {
            gx(n, c, nearest_source(oh, H, H_out), nearest_source(ow, W, W_out)) += g;
            continue;
          }
          const LinearTaps th = linear_taps(oh, H, H_out, p.align_corners);
          const LinearTaps tw = linear_taps(ow, W, W_out, p.align_corners);
          for (int a = 0; a < 2; ++a) {
            for (int b = 0; b < 2; ++b) {
              gx(n, c, th.i[a], tw.i[b]) += th.weight[a] * tw.weight[b] * g;
            }
          }
        }
      }
    }
  }
  return gx.cast<T>();
}

template Tensor<float> upsample2d(const Tensor<float>&, const Upsample2dParams&);
template Tensor<double> upsample2d(const Tensor<double>&, const Upsample2dParams&);
template Tensor<float> upsample2d_backward(const Tensor<float>&, const Shape&,
                                           const Upsample2dParams&);
template Tensor<double> upsample2d_backward(const Tensor<double>&, const Shape&,
                                            const Upsample2dParams&);

}  // namespace convlab::ref
