// Internal to kernels/conv2d/: the AVX-512 inner loops of conv2d_depthwise_avx512, compiled in
// their own translation unit with AVX-512 flags (depthwise_avx512_plane.cpp). Callers check
// gemm_avx512_supported() first; nothing else in that file may run on other CPUs.
#pragma once

#include <cstdint>

namespace convlab::conv2d_detail {

// How the taps lie in the padded planes, for a 3x3 kernel with dilation_w 1:
//  - row3_stride1: taps[3kh + kw] == taps[3kh] + kw (stride_w 1);
//  - row3_stride2: taps[3kh + 2] == taps[3kh] + 1, taps[3kh + 1] in the odd phase (stride_w 2);
//  - any: no assumption.
enum class TapPattern { any, row3_stride1, row3_stride2 };

// One output plane (H_out, W_out) seen as the flat sequence i = oh * pitch + ow, of which the
// columns ow in [W_out, pitch) are computed and discarded. taps[t] (n_taps pointers, kernel
// order (kh, kw)) points into a padded copy of the input so that taps[t][i] is the input that
// tap t multiplies for flat output i; each is readable up to the flat length rounded up to 16,
// plus 16. lane_mask[c] (c in [0, pitch)): bit j set when column (c + j) mod pitch < W_out.
struct DepthwisePlane {
  const float* const* taps;
  const float* weights;  // n_taps, same order
  std::int64_t n_taps;
  float bias;
  std::int64_t pitch, H_out, W_out;
  const std::uint16_t* lane_mask;
  TapPattern pattern;
};

// y (H_out, W_out) = bias + sum_t weights[t] * taps[t][oh * pitch + ow], in tap order, one FMA
// per term.
void depthwise_avx512_plane(const DepthwisePlane& p, float* y);

// One row of a zero-padded input split into its even and odd columns: with padded column
// k = c + pl holding src[c] for c in [0, W) and zero elsewhere, even[j] = padded(2j) and
// odd[j] = padded(2j + 1) for j in [0, n).
void split_row2_avx512(const float* src, std::int64_t W, std::int64_t pl, std::int64_t n,
                       float* even, float* odd);

// The input rows of one zero-padded channel plane x (H, W) into its phase planes: padded row
// r = ih + pt (for r < rows) goes to phase row r / sh of the phases (r mod sh, s), s < sw,
// at phases + ((r mod sh) * sw + s) * phase_size + (r / sh) * pitch: with sw 1 the row at
// column pl (the zero columns around it are left as they are), with sw 2 split as above over
// pitch columns. sw must be 1 or 2.
void fill_zero_padded_avx512(const float* x, std::int64_t H, std::int64_t W, std::int64_t rows,
                             std::int64_t pt, std::int64_t pl, std::int64_t sh, std::int64_t sw,
                             std::int64_t pitch, std::int64_t phase_size, float* phases);

// Channel planes read in place (NCHW, no padded copy) for a 3x3 kernel with dilation 1, zero
// padding and stride_h == stride_w: stride 1 with pad_left 0 or 1, stride 2 with pad_left 1
// (any pad_top, pad_bottom, pad_right). Output rows are vectors of 16 columns (rows of at most
// 7 outputs: two planes per vector); the taps of a kernel row come from the same input vectors
// by lane shifts (stride 1) or even/odd shuffles (stride 2), columns outside the row read as
// zero through load masks, and rows of zero padding add no term (as conv2d_depthwise_vc).
struct DepthwiseRows {
  const float* x;        // planes of H x W, one after the other
  const float* weights;  // C x 9, (c, kh, kw)
  const float* bias;     // C floats, or nullptr
  std::int64_t C, H, W, H_out, W_out, pad_top, pad_left, stride;
};

// Planes [begin, end) of y (planes of H_out x W_out; plane i has channel i mod C): y = bias +
// sum_{kh, kw} weights[kh][kw] * x[oh*s + kh - pad_top][ow*s + kw - pad_left], in (kh, kw)
// order, one FMA per term.
void depthwise_avx512_rows(const DepthwiseRows& p, std::int64_t begin, std::int64_t end, float* y);

// Up to 16 channel planes at once, channel-minor: the planes x (c * in_pixels + pixel, c <
// channels) are transposed into `buffer`, one 16-float vector per padded input position (slot
// r * cols + col, lane = channel; lanes past `channels` repeat the last channel); then each
// output pixel (oh, ow) is one vector, acc = bias, acc += w[t] * buffer[oh * sh * cols +
// ow * sw + tap_offset[t]] for t in tap order, and the outputs are transposed back into y
// (c * out_pixels + pixel) 16 pixels at a time.
struct DepthwiseBlock {
  const float* x;
  const float* weights;  // channels x n_taps, (c, t)
  const float* bias;     // channels floats, or nullptr
  std::int64_t channels, n_taps, in_pixels, out_pixels;
  std::int64_t H_out, W_out, sh, sw, cols;
  // Slot of each input pixel (in_pixels rounded up to 16 entries; pixels not read and the
  // entries past in_pixels name a spare slot that no tap reads).
  const std::int32_t* in_slot;
  // Padding slots to write for each block (non-zero padding modes): border_slot[k] gets input
  // pixel border_src[k] of every channel, or zero when border_src[k] < 0.
  const std::int32_t* border_slot;
  const std::int32_t* border_src;
  std::int64_t n_border;
  const std::int32_t* tap_offset;  // n_taps slot offsets
  // 3x3 kernels: tap_offset[3kh + kw] == kh * row_step + kw * col_step.
  bool kernel3x3;
  std::int64_t row_step, col_step;
};

// y (channels planes of out_pixels) for one block. buffer: the slots (16 floats each; zero
// where no input pixel or border entry writes); wbuf: (n_taps rounded up to 16) x 16 floats and
// out: (out_pixels rounded up to 16) x 16 floats of scratch.
void depthwise_avx512_block(const DepthwiseBlock& b, float* buffer, float* wbuf, float* out,
                            float* y);

}  // namespace convlab::conv2d_detail
