// Internal to kernels/conv2d/: the AVX-512 inner loop of conv2d_direct_avx512, compiled in its
// own translation unit with AVX-512 flags (direct_avx512_row.cpp). Callers check
// gemm_avx512_supported() first; nothing else in that file may run on other CPUs.
#pragma once

#include <cstdint>

namespace convlab::conv2d_detail {

// Channels per tile of the AVX-512 direct kernel: 12 channels x 2 vectors of 16 columns are 24
// accumulators; with 2 input vectors and 1 broadcast weight, 27 of the 32 zmm registers.
inline constexpr std::int64_t kAvx512Block = 12;

// Columns [ow_begin, ow_end) of one output row of `ocb` (<= kAvx512Block) output channels:
//   y0[o * plane + ow] = bias[o] + sum_{ick, kw} rows[ick][ow + kw * dw] * wp[(ick * KW + kw) * 12
//   + o]
// rows[ick] (n_rows of them, nullptr for a row of zero padding) are padded input rows, readable
// up to (W_out rounded up to 16) + (KW - 1) * dw floats; wp and bias are packed in blocks of 12
// channels (zeros past ocb). Sums run in (ick, kw) order with one FMA per term.
void direct_avx512_row(const float* const* rows, std::int64_t n_rows, std::int64_t KW,
                       std::int64_t dw, const float* wp, const float* bias, std::int64_t ocb,
                       float* y0, std::int64_t plane, std::int64_t ow_begin, std::int64_t ow_end);

}  // namespace convlab::conv2d_detail
