// conv2d_implicit_gemm: conv2d_im2col_gemm's product without its im2col buffer.
//
//   per sample n and group g (GEMM M = C_out/G, N = H_out*W_out, K = C_in/G*KH*KW):
//     y[n][group g] = b + w[group g] * col,   col as in im2col.hpp, never stored whole
//
// Parent: conv2d_im2col_gemm. What this adds: the GEMM core packs B into nr-wide micro-panels
// of kc rows before multiplying (chapter 14), so conv2d_im2col_gemm writes the whole col
// (K x N floats: 9x the input for a 3x3 kernel) and the GEMM then reads it back to pack it.
// Here the GEMM asks for each panel (GemmBSource) and the panel is filled straight from x by
// the same row copy im2col uses (im2col_segment), so col never exists and x is read from the
// cache in panel-sized pieces. The weights are the GEMM's A, packed once per call
// (GemmPackedA), or once for good in the prepared form (Variant::prepare).
// When it wins: layers whose im2col buffer spills out of the caches. Measured in one
// bench_variants run against conv2d_im2col_gemm: 1.23x on VGG-16 conv1_2 (a 115 MB buffer) and
// 1.13x on conv2_1, but 0.8-0.95x on AlexNet and ResNet-50's strided and 7x7-14x14 layers,
// where col stays in L2/L3 and im2col's whole-row copies beat panel-sized pieces. Any stride,
// dilation, padding mode and groups. Memory: the GEMM's panels only. Accuracy: each output is one
// float dot product of K terms in the GEMM's kc blocks, added to the bias: the same bits as
// conv2d_im2col_gemm.
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "kernels/conv2d/conv2d_kernels.hpp"
#include "kernels/conv2d/im2col.hpp"
#include "kernels/conv2d/prepared.hpp"
#include "kernels/gemm/gemm.hpp"

namespace convlab {
namespace {

using conv2d_detail::Geometry;

// The columns of one sample and group, handed to the GEMM as its B.
struct Columns {
  const Geometry* g;
  const float* xg;  // x[n][first channel of the group]
  conv2d_detail::Interior in;
};

// [docs:implicit-gemm-pack]
// GemmBSource::pack: rows [k0, k0 + kb) and columns [j0, j0 + nb) of col as nr-wide panels.
// A column j is the output position (oh, ow) = (j / W_out, j % W_out); each call of
// im2col_segment copies the longest run that stays in one output row and one panel.
void pack_columns(const void* context, std::int64_t k0, std::int64_t j0, std::int64_t kb,
                  std::int64_t nb, std::int64_t nr, float* dst) {
  const Columns& c = *static_cast<const Columns*>(context);
  const Geometry& g = *c.g;
  const std::int64_t taps = g.KH * g.KW;
  for (std::int64_t k = 0; k < kb; ++k) {
    const std::int64_t r = k0 + k, ic = r / taps, kh = r % taps / g.KW, kw = r % g.KW;
    for (std::int64_t j = 0; j < nb;) {
      const std::int64_t oh = (j0 + j) / g.W_out, ow = (j0 + j) % g.W_out;
      const std::int64_t lane = j % nr;
      const std::int64_t run = std::min({g.W_out - ow, nr - lane, nb - j});
      conv2d_detail::im2col_segment(g, c.in, c.xg, ic, kh, kw, oh, ow, ow + run,
                                    dst + (j / nr) * kb * nr + k * nr + lane);
      j += run;
    }
  }
  if (const std::int64_t used = nb % nr; used != 0) {  // the last panel's columns past nb
    float* last = dst + (nb / nr) * kb * nr;
    for (std::int64_t k = 0; k < kb; ++k)
      std::fill(last + k * nr + used, last + (k + 1) * nr, 0.0f);
  }
}
// [docs:end]

// packed: each group's weights already packed (the prepared form), or null (packed here).
void run_implicit_gemm(const Geometry& g, const std::vector<GemmPackedA>* packed,
                       const Tensor<float>& x, const Tensor<float>& w, const Tensor<float>& b,
                       Tensor<float>& y) {
  const std::int64_t K = g.C_in_g * g.KH * g.KW, P = g.H_out * g.W_out;
  if (P == 0 || K == 0 || g.C_out_g == 0) return;
  std::vector<GemmPackedA> per_call;
  if (packed == nullptr) {
    per_call = conv2d_detail::pack_weight_groups(w, g.groups);
    packed = &per_call;
  }
  Columns columns{&g, nullptr, conv2d_detail::interior(g.W, g.W_out, g.KW, g.sw, g.pl, g.dw)};
  const GemmBSource source{pack_columns, &columns};
  for (std::int64_t n = 0; n < g.N; ++n) {
    for (std::int64_t grp = 0; grp < g.groups; ++grp) {
      columns.xg = x.data() + (n * g.C_in + grp * g.C_in_g) * g.H * g.W;
      float* yg = y.data() + (n * g.C_out + grp * g.C_out_g) * P;
      conv2d_detail::fill_rows(yg, g.C_out_g, P, P,
                               b.empty() ? nullptr : b.data() + grp * g.C_out_g);
      gemm((*packed)[static_cast<std::size_t>(grp)], source,
           GemmProblem{.M = g.C_out_g, .N = P, .K = K, .C = yg, .ldc = P, .accumulate = true});
    }
  }
}

}  // namespace

std::string conv2d_implicit_gemm_supports(const Conv2dParams&, const Shape&, const Shape&) {
  return "";
}

void conv2d_implicit_gemm(const Tensor<float>& x, const Tensor<float>& w, const Tensor<float>& b,
                          const Conv2dParams& p, Tensor<float>& y) {
  const Geometry g =
      conv2d_detail::geometry("conv2d_implicit_gemm", x, w, b, p, y,
                              conv2d_implicit_gemm_supports(p, x.shape(), w.shape()));
  run_implicit_gemm(g, nullptr, x, w, b, y);
}

Conv2dPreparedRun conv2d_implicit_gemm_prepare(const Tensor<float>& x, const Tensor<float>& w,
                                               const Tensor<float>& b, const Conv2dParams& p) {
  return conv2d_detail::prepare_packed_weights(
      "conv2d_implicit_gemm", conv2d_implicit_gemm_supports, x, w, b, p, run_implicit_gemm);
}

}  // namespace convlab
