// linear_backward_gemm: the gradients of a fully connected layer on the GEMM core.
//
//   dx = dy w       (N, in)    GEMM M = N,   N = in, K = out; A = dy, B = w
//   dw = dy^T x     (out, in)  GEMM M = out, N = in, K = N;   A = dy read transposed in place
//   db[o] = sum_n dy[n][o]     (out), only when the layer has a bias
//
// Parent: linear_backward_reference. What this adds: the two products of the backward pass as
// two calls to the GEMM core (no transposed copy of dy or w: the core reads them transposed),
// and db as column sums, the batch loop outside so the inner loop runs along contiguous rows.
// Threads: OpenMP over fixed blocks of 256 columns of dx and dw (gemm_columns.hpp).
// When it wins: training, any batch. Cost: the GEMM's packing buffers.
// Accuracy: every element is a float sum of out (dx) or N (dw, db) products or terms.
#include <algorithm>
#include <cstdint>

#include "core/shape.hpp"
#include "kernels/dense/dense_kernels.hpp"
#include "kernels/dense/gemm_columns.hpp"

namespace convlab {

void linear_backward_gemm(const Tensor<float>& x, const Tensor<float>& w, const Tensor<float>& dy,
                          Tensor<float>& dx, Tensor<float>& dw, Tensor<float>& db) {
  const Shape out = linear_output_shape(x.shape(), w.shape(), Shape{});
  constexpr std::string_view op = "linear_backward_gemm";
  require_same_shape(op, "dy", dy.shape(), out);
  require_same_shape(op, "dx", dx.shape(), x.shape());
  require_same_shape(op, "dw", dw.shape(), w.shape());
  const std::int64_t batch = x.dim(0), in = x.dim(1), outs = w.dim(0);
  if (!db.empty()) require_same_shape(op, "db", db.shape(), Shape{outs});

  dense_detail::gemm_column_blocks(GemmProblem{.M = batch,
                                               .N = in,
                                               .K = outs,
                                               .A = dy.data(),
                                               .lda = outs,
                                               .B = w.data(),
                                               .ldb = in,
                                               .C = dx.data(),
                                               .ldc = in});
  dense_detail::gemm_column_blocks(GemmProblem{.M = outs,
                                               .N = in,
                                               .K = batch,
                                               .A = dy.data(),
                                               .lda = outs,
                                               .trans_a = true,
                                               .B = x.data(),
                                               .ldb = in,
                                               .C = dw.data(),
                                               .ldc = in});
  if (!db.empty()) {
    float* g = db.data();
    const float* d = dy.data();
    std::fill(g, g + outs, 0.0f);
    for (std::int64_t n = 0; n < batch; ++n) {
      for (std::int64_t o = 0; o < outs; ++o) g[o] += d[n * outs + o];
    }
  }
}

}  // namespace convlab
