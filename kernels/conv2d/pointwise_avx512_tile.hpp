// Internal to kernels/conv2d/: the AVX-512 inner loop of conv2d_1x1_avx512, compiled in its own
// translation unit with AVX-512 flags (pointwise_avx512_tile.cpp). Callers check
// gemm_avx512_supported() first; nothing else in that file may run on other CPUs.
#pragma once

#include <cstdint>

namespace convlab::conv2d_detail {

// Output channels per block and positions per tile: 8 channels x 3 vectors of 16 positions
// are 24 accumulators; with 3 input vectors and 1 broadcast weight, 28 of the 32 zmm registers.
inline constexpr std::int64_t kPointwiseBlock = 8;
inline constexpr std::int64_t kPointwiseColumns = 48;

// Positions [p_begin, p_end) of one block of `ocb` (<= 8) output channels of a 1x1 convolution:
//   y[o * P + p] = bias[o] + sum_{k < K} x[k * ldx + p] * wq[k * 8 + o]
// x: K rows of input positions, ldx apart, readable up to p_end rounded up to 16; y: output planes
// of P positions; wq and bias packed in blocks of 8 channels (zeros past ocb). Sums run in k order
// with one FMA per term.
struct PointwiseArgs {
  const float* x;
  std::int64_t K, ldx, P;
  const float* wq;
  const float* bias;
  std::int64_t ocb;
  float* y;
  std::int64_t p_begin, p_end;
};
void pointwise_avx512_block(const PointwiseArgs& args);

}  // namespace convlab::conv2d_detail
