// conv2d_depthwise_avx512: depthwise convolution (groups == C_in == C_out) with AVX-512, in
// three forms chosen by the problem.
//
//   y[n][c][oh][ow] = b[c] + sum_{kh, kw} x[n][c][oh*sh + kh*dh - pt][ow*sw + kw*dw - pl]
//                                         * w[c][0][kh][kw]
//
// Parent: conv2d_depthwise_vc, which vectorizes each output row on its own, so a 7-wide row
// fills 7 of 8 lanes and a 14-wide row needs two vectors.
//
// 3x3 kernels with dilation 1, zero padding and stride_h == stride_w (stride 1 with pad_left
// 0 or 1, stride 2 with pad_left 1: every MobileNet depthwise layer) are read in place
// (depthwise_avx512_rows, depthwise_avx512_plane.cpp): no copy, no transpose. Each output row
// is vectors of 16 columns; a strip of up to 4 of them walks down the plane one input row at a
// time, and each input row, loaded once, adds its terms to the (up to 3) output rows that read
// it. The three taps of a kernel row come from the same loaded vectors: lane shifts (valignd)
// with stride 1, in-lane vshufps even/odd picks plus one permute with stride 2 (the sums are
// put back in column order once per output vector). Columns outside the row load as zero
// (masked loads), so the left and right padding cost nothing; the last vector of a row is a
// masked store (on this core 12 FMAs + 2 masked stores ran as fast as with plain stores in a
// loop of their own, so unmasked stores overwritten by the next row were not tried).
// Rows of at most 7 outputs (7x7 planes) put two planes side by side in a vector. Input rows
// are prefetched 2 KiB ahead: without it the walk waited on L3 (ratios below 1.0 -> 1.3 on the
// stride-1 layers). An output's sum is a chain of 9 dependent FMAs, so stride-2 strips of 1 or
// 2 vectors (only 2 or 4 chains) walk two bands of rows in lockstep.
//
// Other problems, planes of up to 4096 padded positions read: 16 channels at a time,
// channel-minor. The block's 16 input planes are transposed (16x16 in registers) into
// a buffer of 16-float vectors, one per padded position (slot r * cols + col, lane = channel;
// padding slots zero, or for reflect / replicate / circular gathered from their source pixel);
// then every output pixel is one vector, b + sum w[kh][kw] * buffer[(oh*sh + kh*dh) * cols +
// ow*sw + kw*dw] with the weights as 16-lane vectors (the 9 of a 3x3 kernel in registers), so
// strides and dilations are plain offsets (no phase planes), 8 pixels of a row side by side;
// the outputs are transposed back 16 pixels at a time. The two transposes are about half the
// time on 7x7 and stride-2 planes (profiled on dw13 7x7x1024: input transpose ~34%, output
// ~16%, FMAs ~40%).
//
// Larger planes: each channel plane is copied once into a padded plane of row pitch P and the
// output plane is read as the flat sequence i = oh * P + ow, so that every tap (kh, kw) is a
// constant offset:
//   out_flat[i] = b + sum_{kh, kw} w[kh][kw] * in_flat[i + kh * dh * P + kw * dw].
// Vectors of 16 outputs then run across row ends; the P - W_out columns past each row end are
// computed and squeezed out when storing (compress + masked store). With zero padding and
// stride_w 1 the right padding of a row and the left padding of the next share the same zero
// columns, so P = W + max(pad_left, pad_right) for the usual shapes. Strides are made
// unit-stride too: the padded plane is split once into stride_h x stride_w phase planes
// (phase (r, s) holds rows r, r + sh, ... and columns s, s + sw, ...; stride_w 2 with AVX-512
// permutes), where tap (kh, kw) reads phase (kh*dh mod sh, kw*dw mod sw) at offset
// (kh*dh / sh) * P + kw*dw / sw. The channel-blocked form is slower there (0.48 of oneDNN
// against 0.6 on dw1): its buffer no longer fits in L2.
//
// OpenMP over contiguous ranges of the (n, c) planes, or over the 16-channel blocks; each
// output is computed by one thread in the same order, so results do not depend on the number
// of threads. Every stride, dilation and padding mode; only the depthwise condition is
// refused, and CPUs without AVX-512F (supports() says so; the inner loops are in
// depthwise_avx512_plane.cpp, compiled with AVX-512 flags, never reached there).
// Measured (bench_variants --sets=mobilenet_v1, Zen 5, one thread, ratio to oneDNN's brdgmm_dw
// on its channel-blocked layout, reorders excluded; medians of 3 alternating runs of 5
// repetitions), channel-blocked / per-plane forms -> in place: dw1 112x112x32 0.64 -> 1.49,
// dw2_s2 0.37 -> 1.11, dw3 56x56x128 0.51 -> 1.33, dw4_s2 0.43 -> 1.00, dw5 28x28x256 0.61 ->
// 1.40, dw6_s2 0.44 -> 1.01, dw7 14x14x512 0.53 -> 1.23, dw12_s2 0.34 -> 0.83, dw13 7x7x1024
// 0.52 -> 1.10 (single runs move by about 0.1: the machine is shared).
// Tried in the in-place form and dropped: several planes in lockstep (their 9 weight vectors
// each spilled: 2-3x slower on 7x7); bands for stride 1 and for the plane pairs (the extra
// rows and branches cost more than the chains gained); four planes per row as two pair
// vectors with their own weights (dw12_s2 0.8 -> 0.75, dw13 unchanged); three two-source
// permutes for the stride-2 pairs (dw12_s2 0.75, against 0.8 with vshufps); prefetching 4
// rows rather than 2 KiB ahead (too close on narrow planes).
// Memory: in place, none; blocked, per thread: the slot buffer (16 x padded positions floats,
// <= 256 KiB), the outputs of one block and the weight vectors; per plane: one padded plane
// (stride_h * stride_w phases of about (H_out + KH) x P floats) and one padded row.
// Accuracy: KH * KW + 1 terms per output, one float FMA chain in (kh, kw) order, as
// conv2d_depthwise_vc (the same bits).
#include <omp.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "kernels/conv2d/conv2d_common.hpp"
#include "kernels/conv2d/conv2d_kernels.hpp"
#include "kernels/conv2d/depthwise_avx512_plane.hpp"
#include "kernels/gemm/gemm.hpp"
#include "kernels/parallel.hpp"

namespace convlab {
namespace {

using conv2d_detail::Geometry;

// The layout of the phase planes of one channel.
struct Layout {
  bool shared_gap;    // zero padding, stride_w 1: row ends share their zero columns
  std::int64_t rows;  // padded input rows read, (H_out - 1) * sh + (KH - 1) * dh + 1
  std::int64_t pitch, phase_size, phases;
};

Layout layout(const Geometry& g) {
  Layout l{};
  l.shared_gap = g.sw == 1 && g.mode == PaddingMode::zeros;
  l.rows = (g.H_out - 1) * g.sh + (g.KH - 1) * g.dh + 1;
  const std::int64_t cols = (g.W_out - 1) * g.sw + (g.KW - 1) * g.dw + 1;  // padded, read
  if (l.shared_gap) {
    // Data at columns [pl, pl + W) of each row. A padded column c >= P is read as column
    // c - P of the next row, which must lie in its zero left gap [0, pl): P >= cols - pl.
    l.pitch = std::max({g.W_out, g.pl + g.W, cols - g.pl});
  } else {
    l.pitch = (cols + g.sw - 1) / g.sw;  // columns of one phase
  }
  const std::int64_t flat = (g.H_out - 1) * l.pitch + g.W_out;
  const std::int64_t last_tap = (g.KH - 1) * g.dh / g.sh * l.pitch + (g.KW - 1) * g.dw / g.sw;
  // Vectors read up to the flat length rounded up to 16, plus the last tap's offset.
  l.phase_size =
      std::max((l.rows + g.sh - 1) / g.sh * l.pitch, (flat + 15) / 16 * 16 + last_tap) + 16;
  l.phases = g.sh * g.sw;
  return l;
}

// Copies input plane xc (H, W) into the phase planes `phases` (zero outside the data, written
// once by the caller; only data and non-zero padding are written here). row: pitch * sw floats.
void fill_phases(const Geometry& g, const Layout& l, const float* xc, float* phases, float* row) {
  using namespace conv2d_detail;
  if (g.mode == PaddingMode::zeros && g.sw <= 2) {
    fill_zero_padded_avx512(xc, g.H, g.W, l.rows, g.pt, g.pl, g.sh, g.sw, l.pitch, l.phase_size,
                            phases);
    return;
  }
  for (std::int64_t r = 0; r < l.rows; ++r) {
    const std::int64_t ih = ref::source_index(r - g.pt, g.H, g.mode);
    if (ih < 0) continue;  // a row of zero padding, already zero
    const float* src = xc + ih * g.W;
    float* dst = phases + (r % g.sh) * g.sw * l.phase_size + r / g.sh * l.pitch;
    if (g.sw == 1) {
      fill_padded_row(g, src, dst, l.pitch);
    } else {
      fill_padded_row(g, src, row, l.pitch * g.sw);
      if (g.sw == 2) {
        split_row2_avx512(row, 2 * l.pitch, 0, l.pitch, dst, dst + l.phase_size);
      } else {
        for (std::int64_t s = 0; s < g.sw; ++s) {
          for (std::int64_t j = 0; j < l.pitch; ++j) dst[s * l.phase_size + j] = row[j * g.sw + s];
        }
      }
    }
  }
}

// A zeroed set of phase planes and the tap pointers into it.
struct PhaseBuffer {
  std::vector<float> data;
  std::vector<const float*> taps;
  PhaseBuffer(const Geometry& g, const Layout& l)
      : data(static_cast<std::size_t>(l.phases * l.phase_size), 0.0f),
        taps(static_cast<std::size_t>(g.KH * g.KW)) {
    for (std::int64_t kh = 0; kh < g.KH; ++kh) {
      for (std::int64_t kw = 0; kw < g.KW; ++kw) {
        const std::int64_t phase = (kh * g.dh % g.sh) * g.sw + kw * g.dw % g.sw;
        taps[static_cast<std::size_t>(kh * g.KW + kw)] =
            data.data() + phase * l.phase_size + kh * g.dh / g.sh * l.pitch + kw * g.dw / g.sw;
      }
    }
  }
};

// The channel-blocked form (depthwise_avx512_block): the slot tables, built once per call and
// shared by every block. Slots cover the padded positions read, rows x cols, row-major, plus
// one spare slot for input pixels that no tap reads.
struct BlockPlan {
  std::int64_t rows, cols, slots;
  std::vector<std::int32_t> in_slot, border_slot, border_src, tap_offset;
};

// At most 4096 slots of 64 bytes, 256 KiB: the buffer of a block stays well inside L2 (1 MiB
// on Zen 4). Bigger planes use the per-plane path (at 114x114, dw1, blocks measured 0.48 of
// oneDNN against 0.6 per plane).
constexpr std::int64_t kMaxBlockSlots = 4096;

BlockPlan block_plan(const Geometry& g) {
  BlockPlan b{};
  b.rows = (g.H_out - 1) * g.sh + (g.KH - 1) * g.dh + 1;
  b.cols = (g.W_out - 1) * g.sw + (g.KW - 1) * g.dw + 1;
  b.slots = b.rows * b.cols + 1;
  if (b.slots > kMaxBlockSlots || g.H * g.W > kMaxBlockSlots * 16) return b;
  const auto slot = [&](std::int64_t r, std::int64_t col) {
    return static_cast<std::int32_t>(r * b.cols + col);
  };
  const auto spare = slot(b.rows, 0);
  b.in_slot.assign(static_cast<std::size_t>((g.H * g.W + 15) / 16 * 16), spare);
  for (std::int64_t ih = 0; ih < g.H; ++ih) {
    for (std::int64_t iw = 0; iw < g.W; ++iw) {
      const std::int64_t r = ih + g.pt, col = iw + g.pl;
      if (r < b.rows && col < b.cols)
        b.in_slot[static_cast<std::size_t>(ih * g.W + iw)] = slot(r, col);
    }
  }
  if (g.mode != PaddingMode::zeros) {
    for (std::int64_t r = 0; r < b.rows; ++r) {
      for (std::int64_t col = 0; col < b.cols; ++col) {
        const std::int64_t ih = r - g.pt, iw = col - g.pl;
        if (ih >= 0 && ih < g.H && iw >= 0 && iw < g.W) continue;
        const std::int64_t sh = ref::source_index(ih, g.H, g.mode);
        const std::int64_t sw = ref::source_index(iw, g.W, g.mode);
        b.border_slot.push_back(slot(r, col));
        b.border_src.push_back(sh < 0 || sw < 0 ? -1 : static_cast<std::int32_t>(sh * g.W + sw));
      }
    }
  }
  for (std::int64_t kh = 0; kh < g.KH; ++kh) {
    for (std::int64_t kw = 0; kw < g.KW; ++kw) b.tap_offset.push_back(slot(kh * g.dh, kw * g.dw));
  }
  return b;
}

// Blocks of 16 channels of one image, with OpenMP over the blocks.
void run_blocks(const Geometry& g, const BlockPlan& plan, const Tensor<float>& x,
                const Tensor<float>& w, const Tensor<float>& b, bool parallel, Tensor<float>& y) {
  const std::int64_t n_taps = g.KH * g.KW, in_pixels = g.H * g.W, out_pixels = g.H_out * g.W_out;
  const std::int64_t per_image = (g.C_in + 15) / 16, blocks = g.N * per_image;
  parallel_region(parallel, [&] {
    const std::int64_t threads = omp_get_num_threads(), id = omp_get_thread_num();
    const std::int64_t begin = blocks * id / threads, end = blocks * (id + 1) / threads;
    std::vector<float> buffer(static_cast<std::size_t>(plan.slots * 16), 0.0f);
    std::vector<float> wbuf(static_cast<std::size_t>((n_taps + 15) / 16 * 16 * 16));
    std::vector<float> out(static_cast<std::size_t>((out_pixels + 15) / 16 * 16 * 16), 0.0f);
    for (std::int64_t blk = begin; blk < end; ++blk) {
      const std::int64_t n = blk / per_image, c0 = blk % per_image * 16;
      const conv2d_detail::DepthwiseBlock block{
          .x = x.data() + (n * g.C_in + c0) * in_pixels,
          .weights = w.data() + c0 * n_taps,
          .bias = b.empty() ? nullptr : b.data() + c0,
          .channels = std::min<std::int64_t>(16, g.C_in - c0),
          .n_taps = n_taps,
          .in_pixels = in_pixels,
          .out_pixels = out_pixels,
          .H_out = g.H_out,
          .W_out = g.W_out,
          .sh = g.sh,
          .sw = g.sw,
          .cols = plan.cols,
          .in_slot = plan.in_slot.data(),
          .border_slot = plan.border_slot.data(),
          .border_src = plan.border_src.data(),
          .n_border = static_cast<std::int64_t>(plan.border_slot.size()),
          .tap_offset = plan.tap_offset.data(),
          .kernel3x3 = g.KH == 3 && g.KW == 3,
          .row_step = g.dh * plan.cols,
          .col_step = g.dw};
      conv2d_detail::depthwise_avx512_block(block, buffer.data(), wbuf.data(), out.data(),
                                            y.data() + (n * g.C_in + c0) * out_pixels);
    }
  });
}
// The in-place row form (depthwise_avx512_rows) covers these problems.
bool rows_apply(const Geometry& g) {
  return g.KH == 3 && g.KW == 3 && g.dh == 1 && g.dw == 1 && g.mode == PaddingMode::zeros &&
         g.sh == g.sw && ((g.sw == 1 && g.pl <= 1) || (g.sw == 2 && g.pl == 1));
}

// The planes read in place, a contiguous range per thread.
void run_rows(const Geometry& g, const Tensor<float>& x, const Tensor<float>& w,
              const Tensor<float>& b, bool parallel, Tensor<float>& y) {
  const std::int64_t planes = g.N * g.C_in;
  const conv2d_detail::DepthwiseRows rows{.x = x.data(),
                                          .weights = w.data(),
                                          .bias = b.empty() ? nullptr : b.data(),
                                          .C = g.C_in,
                                          .H = g.H,
                                          .W = g.W,
                                          .H_out = g.H_out,
                                          .W_out = g.W_out,
                                          .pad_top = g.pt,
                                          .pad_left = g.pl,
                                          .stride = g.sw};
  parallel_region(parallel, [&] {
    const std::int64_t threads = omp_get_num_threads(), id = omp_get_thread_num();
    conv2d_detail::depthwise_avx512_rows(rows, planes * id / threads, planes * (id + 1) / threads,
                                         y.data());
  });
}
}  // namespace

std::string conv2d_depthwise_avx512_supports(const Conv2dParams& p, const Shape& x,
                                             const Shape& w) {
  if (!conv2d_detail::rank4(x, w)) return "";
  if (!gemm_avx512_supported()) {
    return "this CPU has no AVX-512F (conv2d_depthwise_vc computes the same without it)";
  }
  return conv2d_detail::depthwise_reason(p, x, w);
}

void conv2d_depthwise_avx512(const Tensor<float>& x, const Tensor<float>& w, const Tensor<float>& b,
                             const Conv2dParams& p, Tensor<float>& y) {
  const Geometry g =
      conv2d_detail::geometry("conv2d_depthwise_avx512", x, w, b, p, y,
                              conv2d_depthwise_avx512_supports(p, x.shape(), w.shape()));
  const std::int64_t n_taps = g.KH * g.KW;
  const std::int64_t planes = g.N * g.C_in;
  // Threads only pay off above ~1 MFLOP: waking them costs more on small problems.
  const bool parallel = planes * g.H_out * g.W_out * n_taps * 2 > (std::int64_t{1} << 20);
  if (rows_apply(g)) {
    run_rows(g, x, w, b, parallel, y);
    return;
  }
  const BlockPlan plan = block_plan(g);
  if (!plan.in_slot.empty()) {
    run_blocks(g, plan, x, w, b, parallel, y);
    return;
  }
  const Layout l = layout(g);
  std::vector<std::uint16_t> lane_mask(static_cast<std::size_t>(l.pitch));
  for (std::int64_t c = 0; c < l.pitch; ++c) {
    for (std::int64_t j = 0; j < 16; ++j) {
      if ((c + j) % l.pitch < g.W_out) lane_mask[static_cast<std::size_t>(c)] |= 1u << j;
    }
  }
  using conv2d_detail::TapPattern;
  const bool rows3 = g.KH == 3 && g.KW == 3 && g.dw == 1;
  const TapPattern pattern = rows3 && g.sw == 1   ? TapPattern::row3_stride1
                             : rows3 && g.sw == 2 ? TapPattern::row3_stride2
                                                  : TapPattern::any;
  parallel_region(parallel, [&] {
    // A fixed contiguous range of planes per thread. Two buffers: the next plane is copied
    // while the current one is computed, so the stencil's loads do not wait on the copy's
    // stores (a vector load spanning several recent stores cannot be forwarded from them).
    const std::int64_t threads = omp_get_num_threads(), id = omp_get_thread_num();
    const std::int64_t begin = planes * id / threads, end = planes * (id + 1) / threads;
    PhaseBuffer buffers[2] = {PhaseBuffer(g, l), PhaseBuffer(g, l)};
    std::vector<float> row(static_cast<std::size_t>(l.pitch * g.sw));
    if (begin < end)
      fill_phases(g, l, x.data() + begin * g.H * g.W, buffers[0].data.data(), row.data());
    for (std::int64_t nc = begin; nc < end; ++nc) {
      const PhaseBuffer& current = buffers[(nc - begin) % 2];
      if (nc + 1 < end) {
        fill_phases(g, l, x.data() + (nc + 1) * g.H * g.W,
                    buffers[(nc + 1 - begin) % 2].data.data(), row.data());
      }
      const std::int64_t c = nc % g.C_in;
      const conv2d_detail::DepthwisePlane plane{.taps = current.taps.data(),
                                                .weights = w.data() + c * n_taps,
                                                .n_taps = n_taps,
                                                .bias = b.empty() ? 0.0f : b[c],
                                                .pitch = l.pitch,
                                                .H_out = g.H_out,
                                                .W_out = g.W_out,
                                                .lane_mask = lane_mask.data(),
                                                .pattern = pattern};
      conv2d_detail::depthwise_avx512_plane(plane, y.data() + nc * g.H_out * g.W_out);
    }
  });
}

}  // namespace convlab
