#include "reference/unpool2d.hpp"

#include <sstream>
#include <stdexcept>
#include <string_view>

#include "core/shape.hpp"

namespace convlab::ref {

namespace {

// The flat index at position (n, c, h, w), checked against a plane of H_out x W_out elements.
std::int64_t checked_index(std::string_view op, const Tensor<std::int64_t>& indices, std::int64_t n,
                           std::int64_t c, std::int64_t h, std::int64_t w, std::int64_t H_out,
                           std::int64_t W_out) {
  const std::int64_t i = indices(n, c, h, w);
  if (i < 0 || i >= H_out * W_out) {
    std::ostringstream os;
    os << op << ": indices[" << n << ", " << c << ", " << h << ", " << w << "] = " << i
       << " is outside the output plane of " << H_out << " x " << W_out << " = " << H_out * W_out
       << " elements (valid 0 to " << H_out * W_out - 1 << ")";
    throw std::invalid_argument(os.str());
  }
  return i;
}

}  // namespace

template <class T>
Tensor<T> max_unpool2d(const Tensor<T>& x, const Tensor<std::int64_t>& indices,
                       const Unpool2dParams& p) {
  constexpr std::string_view op = "max_unpool2d";
  const Shape out = max_unpool2d_output_shape(x.shape(), indices.shape(), p);
  const std::int64_t N = x.dim(0), C = x.dim(1), H = x.dim(2), W = x.dim(3);
  const std::int64_t H_out = out[2], W_out = out[3];

  Tensor<T> y(out);  // zero-filled
  for (std::int64_t n = 0; n < N; ++n) {
    for (std::int64_t c = 0; c < C; ++c) {
      for (std::int64_t h = 0; h < H; ++h) {
        for (std::int64_t w = 0; w < W; ++w) {
          const std::int64_t i = checked_index(op, indices, n, c, h, w, H_out, W_out);
          y(n, c, i / W_out, i % W_out) = x(n, c, h, w);
        }
      }
    }
  }
  return y;
}

template <class T>
Tensor<T> max_unpool2d_backward(const Tensor<T>& grad_output, const Tensor<std::int64_t>& indices,
                                const Unpool2dParams& p) {
  constexpr std::string_view op = "max_unpool2d_backward";
  // The forward's input had the shape of the indices.
  const Shape out = max_unpool2d_output_shape(indices.shape(), indices.shape(), p);
  require_same_shape(op, "grad_output", grad_output.shape(), out);
  const std::int64_t N = indices.dim(0), C = indices.dim(1), H = indices.dim(2), W = indices.dim(3);
  const std::int64_t H_out = out[2], W_out = out[3];

  Tensor<T> gx(indices.shape());
  for (std::int64_t n = 0; n < N; ++n) {
    for (std::int64_t c = 0; c < C; ++c) {
      for (std::int64_t h = 0; h < H; ++h) {
        for (std::int64_t w = 0; w < W; ++w) {
          const std::int64_t i = checked_index(op, indices, n, c, h, w, H_out, W_out);
          gx(n, c, h, w) = grad_output(n, c, i / W_out, i % W_out);
        }
      }
    }
  }
  return gx;
}

template Tensor<float> max_unpool2d(const Tensor<float>&, const Tensor<std::int64_t>&,
                                    const Unpool2dParams&);
template Tensor<double> max_unpool2d(const Tensor<double>&, const Tensor<std::int64_t>&,
                                     const Unpool2dParams&);
template Tensor<float> max_unpool2d_backward(const Tensor<float>&, const Tensor<std::int64_t>&,
                                             const Unpool2dParams&);
template Tensor<double> max_unpool2d_backward(const Tensor<double>&, const Tensor<std::int64_t>&,
                                              const Unpool2dParams&);

}  // namespace convlab::ref
