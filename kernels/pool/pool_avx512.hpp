// Internal to kernels/pool/: the kernels of max_pool2d_avx512 and avg_pool2d_avx512 (the
// per-plane ones in pool_avx512_plane.cpp, the channel-blocked ones in pool_avx512_block.cpp,
// the only files compiled with -mavx512f) and the plain-data plans they read. The plans are
// built by the callers (max_pool2d_avx512.cpp, avg_pool2d_avx512.cpp) from pool_common.hpp's
// Geometry in ordinary code (pool_avx512_plan.hpp), so the AVX-512 files include nothing but
// this header, <cstdint>, <immintrin.h> and (pool_avx512_block.cpp) the 16x16 transpose of
// kernels/conv2d/avx512_transpose.hpp: no inline library function compiled for AVX-512 can be
// picked by the linker for code that runs on other CPUs. Call the kernels only when
// gemm_avx512_supported().
//
// Per-plane kernels: output columns go 16 at a time (one __m512 of floats): vector j covers ow = 16
// j .. 16 j + 15 and reads tap kw of the window at input column c = ow * stride_w + kw * dilation_w
// - pad_left. Loads are masked (__mmask16, fault-suppressing): a lane outside [0, W) is never read
// and gets the fill (-inf for max, 0 for the average), so no padded copy of the input is made.
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

// ---- the channel-blocked form: 16 planes at a time, channel-minor ----
//
// Up to 16 consecutive (n, c) planes are transposed (16x16 in registers) into a ring of 16-float
// vectors, one per input pixel (pixel i of the plane at slot i mod ring; lane = plane; lanes
// past the last plane repeat it), just before the first output row that reads them. Every
// output pixel is then one vector, and its window's taps are slots at constant offsets along
// its input rows; tap (kh, kw)'s offset from the window's corner in the plane, kh * dilation_h
// * W + kw * dilation_w, is also the offset of its index. The output vectors are transposed
// back 16 pixels at a time. No padding is stored: windows that reach past the input (the first
// and last output rows and columns) visit only their taps inside it (Axis::t_lo, t_hi).
struct Avx512BlockPlan {
  std::int64_t H = 0, W = 0, H_out = 0, W_out = 0;
  std::int64_t stride_h = 0, stride_w = 0, pad_top = 0, pad_left = 0;
  std::int64_t kernel_h = 0, kernel_w = 0, dilation_h = 0, dilation_w = 0;
  std::int64_t window_rows = 0;  // (kernel_h - 1) * dilation_h + 1, at most 32
  // Slots of the ring, a whole number of rows: the plane and 15 more, or enough rows for a
  // window's rows and the 15 pixels a transpose may run ahead.
  std::int64_t ring = 0;
  // Per output row / column: the window's taps inside the input, [t_lo, t_hi) (Axis).
  const std::int64_t *t_lo_h = nullptr, *t_hi_h = nullptr, *t_lo_w = nullptr, *t_hi_w = nullptr;
  // The output columns [ow_lo, ow_hi) whose windows lie inside the input along w.
  std::int64_t ow_lo = 0, ow_hi = 0;
  // Average: the divisors per output row and column (their product is the reference's).
  const std::int64_t *divisor_h = nullptr, *divisor_w = nullptr;
  // Floats of 64-byte aligned scratch a block needs: the ring (ring + 16 slots), two queues of
  // W_out + 32 output vectors, for max the offset of each tap (kh * dilation_h * W + kw *
  // dilation_w, also its index's offset from the window's corner) and the row maxima and their
  // offsets of window_rows input rows (2 x window_rows x W_out vectors).
  std::int64_t scratch = 0;
  // Max: the whole 16-pixel runs of the outputs go out by non-temporal stores (where a run's
  // 16 rows are 64-byte aligned: planes of a multiple of 16 outputs); pool_avx512_plan.hpp's
  // stream_outputs says when.
  bool stream = false;
};

// Planes [0, planes) (planes <= 16) of x (each H x W, consecutive) into y and indices (each
// H_out x W_out, consecutive). scratch: p.scratch floats, 64-byte aligned. Requires kernel_h <=
// 32 and window_rows <= 32 (block_ring).
void max_pool2d_avx512_block(const Avx512BlockPlan& p, const float* x, std::int64_t planes,
                             float* y, float* indices, float* scratch);
void avg_pool2d_avx512_block(const Avx512BlockPlan& p, const float* x, std::int64_t planes,
                             float* y, float* scratch);

// x: one (H, W) plane; y, indices: its (H_out, W_out) outputs (indices as float ih * W + iw).
void max_pool2d_avx512_plane(const Avx512Plan& p, const float* x, float* y, float* indices);
// x: one (H, W) plane; y: its (H_out, W_out) averages.
void avg_pool2d_avx512_plane(const Avx512Plan& p, const float* x, float* y);

}  // namespace convlab::pool_detail
