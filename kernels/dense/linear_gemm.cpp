// linear_gemm: a fully connected layer on the GEMM core, any batch.
//
//   y = x w^T + b       x: (N, in), w: (out, in), y: (N, out)
//   GEMM: M = N (batch), N = out, K = in, A = x, B = w read transposed in place (trans_b)
//
// Parent: linear_reference. What this adds: the packed, register-blocked GEMM core
// (kernels/gemm/, the fastest step this CPU runs) instead of one dot product at a time, so each
// weight loaded is used for a whole micro-tile of the batch. The bias is added afterwards, one
// pass over y. Threads: OpenMP over fixed blocks of 256 output features (gemm_columns.hpp).
// When it wins: batch > 1, where w is reused across samples (batch 64: compute bound); at
// batch 1 packing w costs more than the one product that uses it, and linear_gemv_vc wins.
// Cost: the GEMM's packing buffers (one A block and one B panel per thread, < 4 MiB).
// Accuracy: a float dot product per output in K blocks, then + b: the plain bound.
#include <cstdint>

#include "core/shape.hpp"
#include "kernels/dense/dense_kernels.hpp"
#include "kernels/dense/gemm_columns.hpp"

namespace convlab {

void linear_gemm(const Tensor<float>& x, const Tensor<float>& w, const Tensor<float>& b,
                 Tensor<float>& y) {
  const Shape out = linear_output_shape(x.shape(), w.shape(), b.shape());
  require_same_shape("linear_gemm", "y", y.shape(), out);
  const std::int64_t batch = x.dim(0), in = x.dim(1), outs = w.dim(0);
  dense_detail::gemm_column_blocks(GemmProblem{.M = batch,
                                               .N = outs,
                                               .K = in,
                                               .A = x.data(),
                                               .lda = in,
                                               .B = w.data(),
                                               .ldb = in,
                                               .trans_b = true,
                                               .C = y.data(),
                                               .ldc = outs});
  if (!b.empty()) {
    float* yp = y.data();
    const float* bp = b.data();
    for (std::int64_t n = 0; n < batch; ++n) {
      for (std::int64_t o = 0; o < outs; ++o) yp[n * outs + o] += bp[o];
    }
  }
}

}  // namespace convlab
