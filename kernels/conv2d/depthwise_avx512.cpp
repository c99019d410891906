// conv2d_depthwise_avx512: depthwise convolution (groups == C_in == C_out) as a 1-D stencil
// over whole flattened channel planes, with AVX-512.
//
//   y[n][c][oh][ow] = b[c] + sum_{kh, kw} x[n][c][oh*sh + kh*dh - pt][ow*sw + kw*dw - pl]
//                                         * w[c][0][kh][kw]
//
// Parent: conv2d_depthwise_vc. What this adds: that variant vectorizes each output row on its
// own, so a 7-wide row fills 7 of 8 lanes and a 14-wide row needs two vectors; here each
// channel plane is copied once into a padded plane of row pitch P, and the output plane is
// read as the flat sequence i = oh * P + ow, so that every tap (kh, kw) is a constant offset:
//   out_flat[i] = b + sum_{kh, kw} w[kh][kw] * in_flat[i + kh * dh * P + kw * dw].
// Vectors of 16 outputs then run across row ends (a 7x7 plane with P = 8 is 4 vectors); the
// P - W_out columns past each row end are computed and squeezed out when storing (compress +
// masked store). With zero padding and stride_w 1 the right padding of a row and the left
// padding of the next share the same zero columns, so P = W + max(pad_left, pad_right) for the
// usual shapes. Strides are made unit-stride too: the padded plane is split once into
// stride_h x stride_w phase planes (phase (r, s) holds rows r, r + sh, ... and columns s,
// s + sw, ...; stride_w 2 with AVX-512 permutes), where tap (kh, kw) reads phase
// (kh*dh mod sh, kw*dw mod sw) at offset (kh*dh / sh) * P + kw*dw / sw. Four output vectors
// stay in registers while the taps stream over them, with the 9 weights of a 3x3 kernel held
// in registers. OpenMP over the (n, c) planes; each output is computed by one thread in the
// same order, so results do not depend on the number of threads.
// Every stride, dilation and padding mode; only the depthwise condition is refused, and CPUs
// without AVX-512F (supports() says so; the inner loops are in depthwise_avx512_plane.cpp,
// compiled with AVX-512 flags, never reached there).
// When it wins: small planes (14x14, 7x7) and stride 2, where per-row vectors waste most lanes;
// on 112x112 planes it still saves the per-row tails.
// Memory: per thread, one padded plane (stride_h * stride_w phases of about
// (H_out + KH) x P floats) and one padded row.
// Accuracy: KH * KW + 1 terms per output, one float FMA chain in (kh, kw) order, as
// conv2d_depthwise_vc.
#include <omp.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "kernels/conv2d/conv2d_common.hpp"
#include "kernels/conv2d/conv2d_kernels.hpp"
#include "kernels/conv2d/depthwise_avx512_plane.hpp"
#include "kernels/gemm/gemm.hpp"

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
  const Layout l = layout(g);
  const std::int64_t n_taps = g.KH * g.KW;
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
  const std::int64_t planes = g.N * g.C_in;
  // Threads only pay off above ~1 MFLOP: waking them costs more on small problems.
  const bool parallel = planes * g.H_out * g.W_out * n_taps * 2 > (std::int64_t{1} << 20);
#pragma omp parallel if (parallel)
  {
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
  }
}

}  // namespace convlab
