// linear_gemm: a fully connected layer on the GEMM core, any batch, computed transposed.
//
//   y = x w^T + b       x: (N, in), w: (out, in), y: (N, out)
//   computed as y^T = w x^T, then y[n][o] = y^T[o][n] + b[o]
//   GEMM: M = out, N = N (batch), K = in; A = w as stored (row o of w is row o of A),
//         B = x^T, transposed once into a scratch (in, N) so the core reads it as stored
//
// Parent: linear_reference. What this adds: the packed, register-blocked GEMM core
// (kernels/gemm/, the fastest step this CPU runs) instead of one dot product at a time, so each
// weight loaded is used for the whole batch.
// Why transposed: the direct form (GEMM M = N, N = out, A = x, B = w read transposed) spent
// ~70% of its time in the core's packing of op(B) = w^T: w is the big operand (150 MB for
// AlexNet fc6), and packing a transposed B gathers one float from each of 32 rows of w per step
// of k. 56 GFLOP/s, 0.31x oneDNN, at batch 64. Here w is A, whose rows the core packs with
// unit-stride strips, and the small batch sits on the 32-wide side of the micro-tile; only x
// (2.4 MB) is transposed, once per call. 120-137 GFLOP/s on fc6/fc7 at batch 64 (0.78-0.84x
// oneDNN, one thread). What remains: packing w still costs ~45% of the micro-kernel's time,
// since each packed weight feeds only N = 64 multiply-adds (oneDNN's timed run uses weights
// reordered beforehand).
// Threads: OpenMP over fixed blocks of kRows output features, each its own GEMM (M = kRows)
// followed by its part of the transpose and bias, while its C block is still in cache. Every
// output is computed by one thread in an order fixed by the core's K blocking alone, so the
// result does not depend on the number of threads.
// When it wins: batch > 1, where w is reused across samples (batch 64: compute bound). With
// batch below 32 the 14 x 32 micro-tile is mostly padding, and at batch 1 linear_gemv_vc,
// which streams w at memory bandwidth, is several times faster.
// Cost: x^T (in x N floats) and y^T (out x N) scratch, plus the GEMM's packing buffers.
// Prepared form (Variant::prepare): w's blocks packed for the GEMM once, so a call only packs
// x; at batch 64 packing w is most of what remains (above).
// Accuracy: a float dot product per output in K blocks, then + b: the plain bound.
#include <algorithm>
#include <cstdint>
#include <memory>
#include <vector>

#include "core/shape.hpp"
#include "kernels/dense/dense_kernels.hpp"
#include "kernels/gemm/gemm.hpp"
#include "kernels/parallel.hpp"

namespace convlab {
namespace {

// Output features per work item: a multiple of the micro-tile height (14) and of the core's
// row block (168), so no block but the last has a partial tile. Fixed, whatever the threads.
constexpr std::int64_t kRows = 672;
// dst (cols x rows, row stride ldd) = src^T for src (rows x cols, row stride lds), in 16 x 16
// tiles so both sides stay in L1; full tiles have fixed trip counts, for the vectorizer.
void transpose(const float* src, std::int64_t rows, std::int64_t cols, std::int64_t lds, float* dst,
               std::int64_t ldd) {
  constexpr std::int64_t kTile = 16;
  for (std::int64_t r0 = 0; r0 < rows; r0 += kTile) {
    for (std::int64_t c0 = 0; c0 < cols; c0 += kTile) {
      const float* s = src + r0 * lds + c0;
      float* d = dst + c0 * ldd + r0;
      if (r0 + kTile <= rows && c0 + kTile <= cols) {
        for (std::int64_t c = 0; c < kTile; ++c) {
          for (std::int64_t r = 0; r < kTile; ++r) d[c * ldd + r] = s[r * lds + c];
        }
      } else {
        const std::int64_t nr = std::min(kTile, rows - r0), nc = std::min(kTile, cols - c0);
        for (std::int64_t c = 0; c < nc; ++c) {
          for (std::int64_t r = 0; r < nr; ++r) d[c * ldd + r] = s[r * lds + c];
        }
      }
    }
  }
}

}  // namespace

namespace {

// packed: w's blocks of kRows output features already packed for the GEMM (the prepared form,
// pack_blocks below), or null.
void run_linear_gemm(const Tensor<float>& x, const Tensor<float>& w, const Tensor<float>& b,
                     Tensor<float>& y, const std::vector<GemmPackedA>* packed) {
  const Shape out = linear_output_shape(x.shape(), w.shape(), b.shape());
  require_same_shape("linear_gemm", "y", y.shape(), out);
  const std::int64_t batch = x.dim(0), in = x.dim(1), outs = w.dim(0);
  // Scratch, every element written before it is read: x^T (in, N) and y^T (out, N).
  const auto xt = std::make_unique_for_overwrite<float[]>(static_cast<std::size_t>(in * batch));
  const auto yt = std::make_unique_for_overwrite<float[]>(static_cast<std::size_t>(outs * batch));
  transpose(x.data(), batch, in, in, xt.get(), batch);

  const float* bias = b.empty() ? nullptr : b.data();
  float* yp = y.data();
  const std::int64_t blocks = (outs + kRows - 1) / kRows;
  // A team costs more than it saves below about 128^3 multiply-adds (as in gemm_threaded).
  const bool worth_threads = batch * outs * in >= 128 * 128 * 128 && blocks > 1;
  parallel_region(worth_threads, [&] {
#pragma omp for schedule(dynamic, 1)
    for (std::int64_t blk = 0; blk < blocks; ++blk) {
      const std::int64_t o0 = blk * kRows, rows = std::min(kRows, outs - o0);
      float* c = yt.get() + o0 * batch;
      // y^T(o0.., :) = w(o0.., :) x^T: M = rows, N = batch, K = in.
      const GemmProblem product{.M = rows,
                                .N = batch,
                                .K = in,
                                .A = w.data() + o0 * in,
                                .lda = in,
                                .B = xt.get(),
                                .ldb = batch,
                                .C = c,
                                .ldc = batch};
      if (packed != nullptr) {
        gemm((*packed)[static_cast<std::size_t>(blk)], product);
      } else {
        gemm(product);
      }
      // y(:, o0..) = y^T(o0.., :)^T + b(o0..): each row of y gets a contiguous run of rows.
      for (std::int64_t n = 0; n < batch; ++n) {
        float* dst = yp + n * outs + o0;
        if (bias == nullptr) {
          for (std::int64_t o = 0; o < rows; ++o) dst[o] = c[o * batch + n];
        } else {
          for (std::int64_t o = 0; o < rows; ++o) dst[o] = c[o * batch + n] + bias[o0 + o];
        }
      }
    }
  });
}

// The blocks of kRows rows of w, each packed as the GEMM's A.
std::vector<GemmPackedA> pack_blocks(const Tensor<float>& w) {
  const std::int64_t outs = w.dim(0), in = w.dim(1);
  std::vector<GemmPackedA> packed;
  for (std::int64_t o0 = 0; o0 < outs; o0 += kRows) {
    packed.emplace_back(w.data() + o0 * in, in, false, std::min(kRows, outs - o0), in);
  }
  return packed;
}

}  // namespace

void linear_gemm(const Tensor<float>& x, const Tensor<float>& w, const Tensor<float>& b,
                 Tensor<float>& y) {
  run_linear_gemm(x, w, b, y, nullptr);
}

LinearPreparedRun linear_gemm_prepare(const Tensor<float>& x, const Tensor<float>& w,
                                      const Tensor<float>& b) {
  linear_output_shape(x.shape(), w.shape(), b.shape());  // throws on inconsistent shapes
  auto packed = std::make_shared<const std::vector<GemmPackedA>>(pack_blocks(w));
  return [packed, w](const Tensor<float>& x, const Tensor<float>& b, Tensor<float>& y) {
    run_linear_gemm(x, w, b, y, packed.get());
  };
}

}  // namespace convlab
