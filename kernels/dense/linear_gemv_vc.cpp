// linear_gemv_vc: a batch-1 fully connected layer as Vc dot products along the input features.
//
//   y[o] = b[o] + sum_i x[i] * w[o][i]          x: (1, in), w: (out, in), y: (1, out)
//
// Parent: linear_reference. What this adds: the reduction runs in Vc::float_v lanes (8 floats
// with AVX2) with FMA, four rows of w at a time so each vector of x loaded from L1 feeds four
// accumulators; the lanes are added at the end of each row, the features past the last whole
// vector in scalar code. OpenMP over blocks of 64 outputs: each output is one thread's dot
// product, so the result does not depend on the thread count.
// When it wins: batch 1 (inference on one sample), where a GEMM would pack all of w for a
// single row of x: the layer is a matrix-vector product bound by reading w once (4 bytes per
// multiply-add), which this streams at memory bandwidth. For batch > 1 it refuses (each sample
// would read w again); linear_gemm reuses w across the batch.
// Cost: no extra memory. Accuracy: one float dot product per output, the plain bound.
#include <Vc/Vc>
#include <algorithm>
#include <cstdint>
#include <stdexcept>

#include "core/shape.hpp"
#include "kernels/dense/dense_kernels.hpp"
#include "kernels/parallel.hpp"

namespace convlab {

std::string linear_gemv_vc_supports(const Shape& x, const Shape& w) {
  (void)w;
  if (x.rank() == 2 && x[0] != 1) {
    return "linear_gemv_vc computes batch 1 only (a matrix-vector product), got batch " +
           std::to_string(x[0]) + "; linear_gemm handles any batch";
  }
  return {};
}

void linear_gemv_vc(const Tensor<float>& x, const Tensor<float>& w, const Tensor<float>& b,
                    Tensor<float>& y) {
  const Shape out = linear_output_shape(x.shape(), w.shape(), b.shape());
  if (std::string why = linear_gemv_vc_supports(x.shape(), w.shape()); !why.empty()) {
    throw std::invalid_argument(why);
  }
  require_same_shape("linear_gemv_vc", "y", y.shape(), out);
  using Vc::float_v;
  constexpr std::int64_t L = float_v::size();
  const std::int64_t in = x.dim(1), outs = w.dim(0);
  const std::int64_t vec_end = in / L * L;
  const float* xp = x.data();
  const float* bp = b.empty() ? nullptr : b.data();
  float* yp = y.data();

  // Four rows o..o+3 of w against x: four independent FMA chains.
  const auto four_rows = [&](std::int64_t o) {
    const float* w0 = w.data() + o * in;
    const float* w1 = w0 + in;
    const float* w2 = w1 + in;
    const float* w3 = w2 + in;
    float_v a0 = float_v::Zero(), a1 = float_v::Zero(), a2 = float_v::Zero(), a3 = float_v::Zero();
    for (std::int64_t i = 0; i < vec_end; i += L) {
      const float_v xv(xp + i, Vc::Unaligned);
      a0 = Vc::fma(float_v(w0 + i, Vc::Unaligned), xv, a0);
      a1 = Vc::fma(float_v(w1 + i, Vc::Unaligned), xv, a1);
      a2 = Vc::fma(float_v(w2 + i, Vc::Unaligned), xv, a2);
      a3 = Vc::fma(float_v(w3 + i, Vc::Unaligned), xv, a3);
    }
    float s0 = a0.sum(), s1 = a1.sum(), s2 = a2.sum(), s3 = a3.sum();
    for (std::int64_t i = vec_end; i < in; ++i) {
      s0 += w0[i] * xp[i];
      s1 += w1[i] * xp[i];
      s2 += w2[i] * xp[i];
      s3 += w3[i] * xp[i];
    }
    yp[o] = bp ? s0 + bp[o] : s0;
    yp[o + 1] = bp ? s1 + bp[o + 1] : s1;
    yp[o + 2] = bp ? s2 + bp[o + 2] : s2;
    yp[o + 3] = bp ? s3 + bp[o + 3] : s3;
  };
  const auto one_row = [&](std::int64_t o) {
    const float* wr = w.data() + o * in;
    float_v a = float_v::Zero();
    for (std::int64_t i = 0; i < vec_end; i += L) {
      a = Vc::fma(float_v(wr + i, Vc::Unaligned), float_v(xp + i, Vc::Unaligned), a);
    }
    float s = a.sum();
    for (std::int64_t i = vec_end; i < in; ++i) s += wr[i] * xp[i];
    yp[o] = bp ? s + bp[o] : s;
  };

  constexpr std::int64_t kBlock = 64;  // outputs per OpenMP work item (a multiple of 4)
  const std::int64_t blocks = (outs + kBlock - 1) / kBlock;
  // Threads only when the layer is worth a team (about 64K multiply-adds and more).
  parallel_region(outs * in >= (1 << 16), [&] {
#pragma omp for schedule(static)
    for (std::int64_t blk = 0; blk < blocks; ++blk) {
      const std::int64_t o0 = blk * kBlock, o1 = std::min(outs, o0 + kBlock);
      std::int64_t o = o0;
      for (; o + 4 <= o1; o += 4) four_rows(o);
      for (; o < o1; ++o) one_row(o);
    }
  });
}

}  // namespace convlab
