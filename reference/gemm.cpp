#include "reference/gemm.hpp"

#include "core/shape.hpp"

namespace convlab::ref {

template <class T>
Tensor<T> gemm(const Tensor<T>& a, const Tensor<T>& b) {
  const Shape out = gemm_output_shape(a.shape(), b.shape());
  const std::int64_t M = a.dim(0), K = a.dim(1), N = b.dim(1);

  Tensor<T> c(out);
  for (std::int64_t i = 0; i < M; ++i) {
    for (std::int64_t j = 0; j < N; ++j) {
      double sum = 0.0;
      for (std::int64_t k = 0; k < K; ++k) sum += double(a(i, k)) * double(b(k, j));
      c(i, j) = static_cast<T>(sum);
    }
  }
  return c;
}

template Tensor<float> gemm(const Tensor<float>&, const Tensor<float>&);
template Tensor<double> gemm(const Tensor<double>&, const Tensor<double>&);

}  // namespace convlab::ref
