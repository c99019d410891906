// conv2d_grouped_gemm: one GEMM per group over the whole batch.
//
//   per group g, with K = C_in/G * KH * KW and P = H_out * W_out:
//     col (K x N*P)       = [ im2col(x[0], g) | im2col(x[1], g) | ... ]
//     out (C_out/G x N*P) = b + w[group g] (C_out/G x K) * col      (GEMM M = C_out/G, N = N*P)
//     y[n][group g]       = columns [n*P, (n+1)*P) of out
//
// Parent: conv2d_im2col_gemm, which runs one GEMM per sample and group. What this adds: the
// samples of a batch side by side, so the GEMM is N times wider and the weights of a group are
// packed once per batch instead of once per sample. When it wins: many groups (ResNeXt,
// grouped AlexNet) or small feature maps (7x7 layers), where per-sample GEMMs are too narrow to
// reach the micro-kernel's speed. Memory: K * N*P (im2col of the batch) + C_out/G * N*P floats.
// Both buffers are kept by the thread for its next call (prepared.hpp). Prepared form
// (Variant::prepare): the weights of each group packed once.
// Accuracy: one GEMM dot product of K terms per output, added to the bias.
#include <cstring>
#include <string>
#include <vector>

#include "kernels/conv2d/conv2d_kernels.hpp"
#include "kernels/conv2d/im2col.hpp"
#include "kernels/conv2d/prepared.hpp"
#include "kernels/gemm/gemm.hpp"

namespace convlab {

std::string conv2d_grouped_gemm_supports(const Conv2dParams&, const Shape&, const Shape&) {
  return "";
}

// [docs:conv2d-grouped-gemm]
namespace {
// packed: the weights of each group already packed for the GEMM (the prepared form), or null.
void run_grouped_gemm(const conv2d_detail::Geometry& g, const std::vector<GemmPackedA>* packed,
                      const Tensor<float>& x, const Tensor<float>& w, const Tensor<float>& b,
                      Tensor<float>& y) {
  const std::int64_t K = g.C_in_g * g.KH * g.KW, P = g.H_out * g.W_out, NP = g.N * P;
  if (NP == 0) return;
  float* col = conv2d_detail::scratch(0, static_cast<std::size_t>(K * NP));
  float* out = conv2d_detail::scratch(1, static_cast<std::size_t>(g.C_out_g * NP));
  for (std::int64_t grp = 0; grp < g.groups; ++grp) {
    for (std::int64_t n = 0; n < g.N; ++n) {
      conv2d_detail::im2col(g, x.data() + (n * g.C_in + grp * g.C_in_g) * g.H * g.W, col + n * P,
                            NP);
    }
    conv2d_detail::fill_rows(out, g.C_out_g, NP, NP,
                             b.empty() ? nullptr : b.data() + grp * g.C_out_g);
    GemmProblem gp;
    gp.M = g.C_out_g;
    gp.N = NP;
    gp.K = K;
    gp.A = w.data() + grp * g.C_out_g * K;
    gp.lda = K;
    gp.B = col;
    gp.ldb = NP;
    gp.C = out;
    gp.ldc = NP;
    gp.accumulate = true;
    conv2d_detail::gemm_weights(packed, grp, gp);
    for (std::int64_t n = 0; n < g.N; ++n) {
      for (std::int64_t oc = 0; oc < g.C_out_g; ++oc) {
        std::memcpy(y.data() + (n * g.C_out + grp * g.C_out_g + oc) * P, out + oc * NP + n * P,
                    static_cast<std::size_t>(P) * sizeof(float));
      }
    }
  }
}
}  // namespace

void conv2d_grouped_gemm(const Tensor<float>& x, const Tensor<float>& w, const Tensor<float>& b,
                         const Conv2dParams& p, Tensor<float>& y) {
  const conv2d_detail::Geometry g = conv2d_detail::geometry(
      "conv2d_grouped_gemm", x, w, b, p, y, conv2d_grouped_gemm_supports(p, x.shape(), w.shape()));
  run_grouped_gemm(g, nullptr, x, w, b, y);
}
// [docs:end]

Conv2dPreparedRun conv2d_grouped_gemm_prepare(const Tensor<float>& x, const Tensor<float>& w,
                                              const Tensor<float>& b, const Conv2dParams& p) {
  return conv2d_detail::prepare_packed_weights("conv2d_grouped_gemm", conv2d_grouped_gemm_supports,
                                               x, w, b, p, run_grouped_gemm);
}

}  // namespace convlab
