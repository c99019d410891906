// Internal to kernels/pool/: the plane kernels of max_pool2d_avx512 and avg_pool2d_avx512
// (pool_avx512_plane.cpp, the only file compiled with -mavx512f) and the plain-data plan they
// read. The plan is built by the callers (max_pool2d_avx512.cpp, avg_pool2d_avx512.cpp) from
// pool_common.hpp's Geometry in ordinary code (pool_avx512_plan.hpp), so the AVX-512 file
// includes nothing but this header, <cstdint> and <immintrin.h>: no inline library function
// compiled for AVX-512 can be picked by the linker for code that runs on other CPUs. Call the
// plane kernels only when gemm_avx512_supported().
//
// Output columns go 16 at a time (one __m512 of floats): vector j covers ow = 16 j .. 16 j + 15
// and reads tap kw of the window at input column c = ow * stride_w + kw * dilation_w - pad_left.
// Loads are masked (__mmask16, fault-suppressing): a lane outside [0, W) is never read and gets
// the fill (-inf for max, 0 for the average), so no padded copy of the input is made.
//   stride_w 1: one masked load per tap;
//   stride_w 2: two masked loads of 32 consecutive columns, deinterleaved with
//               _mm512_permutex2var_ps: the even lanes are tap kw, the odd lanes tap kw + 1
//               (dilation 1), so a pair of taps costs two loads and two permutes;
//   stride_w >= 3: a masked gather with indices lane * stride_w.
#pragma once

#include <cstdint>

namespace convlab::pool_detail {

inline constexpr std::int64_t kAvx512Lanes = 16;

// One problem's geometry for the plane kernels; the pointers stay owned by the caller.
struct Avx512Plan {
  std::int64_t H = 0, W = 0, H_out = 0, W_out = 0;
  std::int64_t kernel_w = 0, stride_w = 0, dilation_w = 0, pad_left = 0, dilation_h = 0;
  std::int64_t kernel_h = 0;
  // Per output row oh: the window's taps inside the input are t in [row_t_lo, row_t_hi), at
  // input rows row_start + t * dilation_h; row_first is the first of them.
  const std::int64_t *row_start = nullptr, *row_t_lo = nullptr, *row_t_hi = nullptr,
                     *row_first = nullptr;
  std::int64_t vectors = 0;  // ceil(W_out / 16)
  // Per vector j, per tap kw, the load masks: masks[(j * kernel_w + kw) * loads + l] with
  // loads = 2 for stride 2 (columns b and b + 16, b the tap's first column), else 1.
  const std::uint16_t* masks = nullptr;
  std::int64_t loads = 1;
  // Per vector j: 1 when every load mask is full (all its taps inside the input), so plain
  // loads serve; the strided gathers always use their masks.
  const std::uint8_t* inside = nullptr;
  // Max: per output column (16 * vectors, zero past W_out), the first input column inside
  // its window (the index every lane starts from, as the reference).
  const float* first_col = nullptr;
  // Max, tap-code form (kernel_h * kernel_w <= 16): per output column (16 * vectors, zero
  // past W_out) the first tap along w inside the input (Axis::t_lo), and per tap code
  // t * kernel_w + kw its offset t * dilation_h * W + kw * dilation_w from the window's
  // corner (zero past the last code).
  const std::int32_t* first_tap_w = nullptr;
  float tap_offset[16] = {};
  // Average: the divisor along w per output column (16 * vectors, 1 past W_out) and along h
  // per output row; for W_out == 1, the window's real columns [col_first, col_end).
  const float* divisor_w = nullptr;
  const std::int64_t* divisor_h = nullptr;
  std::int64_t col_first = 0, col_end = 0;
};

// x: one (H, W) plane; y, indices: its (H_out, W_out) outputs (indices as float ih * W + iw).
void max_pool2d_avx512_plane(const Avx512Plan& p, const float* x, float* y, float* indices);
// x: one (H, W) plane; y: its (H_out, W_out) averages.
void avg_pool2d_avx512_plane(const Avx512Plan& p, const float* x, float* y);

}  // namespace convlab::pool_detail
