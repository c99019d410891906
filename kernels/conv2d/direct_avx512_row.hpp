// Internal to kernels/conv2d/: the AVX-512 inner loops of conv2d_direct_avx512 and
// conv2d_direct_oc_avx512, each compiled in its own translation unit with AVX-512 flags
// (direct_avx512_row.cpp, direct_oc_avx512_row.cpp). Callers check gemm_avx512_supported()
// first; nothing else in those files may run on other CPUs.
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

// Channels per block and columns per tile of the output-channel kernel: 2 vectors of 16
// channels x 14 columns are 28 accumulators; with 2 weight vectors, 30 of the 32 zmm registers.
inline constexpr std::int64_t kAvx512OcBlock = 32;
inline constexpr std::int64_t kAvx512OcColumns = 14;
// The output width whose tiles cover two output rows (7x7 maps: ResNet-50's last stage).
inline constexpr std::int64_t kAvx512OcWrap = 7;

// One pass over rows [0, n_rows) for columns [0, cols) of one block of `ocb` (<= 32) output
// channels. Over all passes (first ... last):
//   y0[o * plane + c] = bias[o] + sum_{ick, kw} rows[ick][at(c) + kw * dw] * wq[(ick * KW +
//   kw) * 32 + o]
// with at(c) = c * sw, or with wrap == kAvx512OcWrap (the columns are the positions of output
// rows that wide, contiguous in y) at(c) = c / wrap * row_step + c % wrap * sw. rows[ick] are
// padded input rows (zeros for padding rows), readable at every column the formula
// names; wq and bias are packed in blocks of 32 channels (zeros past ocb). Sums run in (ick, kw)
// order with one FMA per term. Between passes they are kept in `partial` (kAvx512OcBlock *
// kAvx512OcColumns floats per tile of columns).
struct OcRowArgs {
  const float* const* rows;
  std::int64_t n_rows, KW, sw, dw;
  std::int64_t wrap, row_step;
  const float* wq;
  const float* bias;
  float* partial;
  bool first, last;
  std::int64_t ocb;
  float* y0;
  std::int64_t plane, cols;
  // > 0: each term also prefetches the weights that many floats further on into L1, for
  // weights that stream from L3 or memory (Winograd's U; direct weights larger than L2); 0 for
  // weights the caches keep.
  std::int64_t prefetch = 0;
};
void direct_oc_avx512_row(const OcRowArgs& args);

// The loops around direct_oc_avx512_row that make it a GEMM with vectors along M (defined in
// direct_oc_avx512.cpp, compiled for the baseline ISA; it runs AVX-512 code all the same, so
// callers check gemm_avx512_supported() as for the row kernel): for each of `calls` sets of
// rows sharing the weights, every block of 32 of the M output channels and every pass over the
// rows. Passes are short enough that a block's weights for one (up to ~32 KiB) stay in L1
// while every tile of the call reads them. Passes run outside the blocks (a pass's rows are
// read by every block in turn), or with blocks_outer inside them (the weights are read once, in
// their order: for weights that stream from memory). For call r and block blk, the row kernel
// runs with `row` (its KW, sw, dw, wrap, row_step, plane, cols and prefetch; the other fields
// are set here) and
//   rows:  rows + r * n_rows (n_rows row pointers per call)
//   wq:    weights + blk * block_size (n_rows * KW * 32 floats; zeros past M)
//   bias:  bias + blk * 32 (added by the first pass; zeros past M)
//   y0:    y + blk * 32 * row.plane + r * call_step
// With KW = 1, sw = dw = 1 and no wrap it is C = bias + A B for a K = n_rows x M matrix A packed
// in blocks of 32 columns and B given as K row pointers, read in place:
//   y[o * plane + c] = bias[o] + sum_k rows[k][c] * A[k][o],  o < M, c < cols.
// `partial` holds the sums between passes: oc_partial_floats(blocks, calls, cols) floats.
struct OcBlocksArgs {
  OcRowArgs row;
  const float* const* rows;
  std::int64_t n_rows, calls;
  const float* weights;
  std::int64_t block_size;
  const float* bias;
  std::int64_t M;
  float* y;
  std::int64_t call_step;
  float* partial;
  bool blocks_outer = false;
};
void direct_oc_avx512_blocks(const OcBlocksArgs& args);

// Floats of OcBlocksArgs::partial for `blocks` blocks, `calls` calls and `cols` columns.
inline std::int64_t oc_partial_floats(std::int64_t blocks, std::int64_t calls, std::int64_t cols) {
  return blocks * calls * ((cols + kAvx512OcColumns - 1) / kAvx512OcColumns) * kAvx512OcBlock *
         kAvx512OcColumns;
}

}  // namespace convlab::conv2d_detail
