// conv2d_im2col_gemm: lower the convolution to a matrix product (im2col.hpp), then call the
// GEMM core.
//
//   per sample n and group g:
//     col (K x P)  = im2col(x[n], group g),    K = C_in/G * KH * KW,  P = H_out * W_out
//     y[n][group g] (C_out/G x P) = b + w[group g] (C_out/G x K) * col      (M = C_out/G, N = P)
//
// Parent: the reference loop. What this adds: all the arithmetic runs in one packed,
// register-blocked GEMM (kernels/gemm), whatever the stride, padding, dilation or groups.
// When it wins: almost everywhere a direct kernel is not specialized; the classic baseline
// (Caffe's). Memory: the im2col buffer of one sample and group, K * P floats (for a 3x3
// ResNet-50 layer with 64 channels at 56x56: 576 * 3136 * 4 bytes = 7.2 MB, 9x the input),
// kept by the thread for its next call (prepared.hpp: fresh pages per call cost more than the
// arithmetic). Prepared form (Variant::prepare): the weights of each group packed once.
// Accuracy: each output is one float dot product of K terms inside gemm(), added to the bias.
#include <string>
#include <vector>

#include "kernels/conv2d/conv2d_kernels.hpp"
#include "kernels/conv2d/im2col.hpp"
#include "kernels/conv2d/prepared.hpp"
#include "kernels/gemm/gemm.hpp"

namespace convlab {

std::string conv2d_im2col_gemm_supports(const Conv2dParams&, const Shape&, const Shape&) {
  return "";
}

// [docs:conv2d-im2col-gemm]
namespace {
// packed: the weights of each group already packed for the GEMM (the prepared form), or null.
void run_im2col_gemm(const conv2d_detail::Geometry& g, const std::vector<GemmPackedA>* packed,
                     const Tensor<float>& x, const Tensor<float>& w, const Tensor<float>& b,
                     Tensor<float>& y) {
  const std::int64_t K = g.C_in_g * g.KH * g.KW, P = g.H_out * g.W_out;
  float* col = conv2d_detail::scratch(0, static_cast<std::size_t>(K * P));
  for (std::int64_t n = 0; n < g.N; ++n) {
    for (std::int64_t grp = 0; grp < g.groups; ++grp) {
      conv2d_detail::im2col(g, x.data() + (n * g.C_in + grp * g.C_in_g) * g.H * g.W, col, P);
      float* yg = y.data() + (n * g.C_out + grp * g.C_out_g) * P;
      conv2d_detail::fill_rows(yg, g.C_out_g, P, P,
                               b.empty() ? nullptr : b.data() + grp * g.C_out_g);
      GemmProblem gp;
      gp.M = g.C_out_g;
      gp.N = P;
      gp.K = K;
      gp.A = w.data() + grp * g.C_out_g * K;
      gp.lda = K;
      gp.B = col;
      gp.ldb = P;
      gp.C = yg;
      gp.ldc = P;
      gp.accumulate = true;
      conv2d_detail::gemm_weights(packed, grp, gp);
    }
  }
}
}  // namespace

void conv2d_im2col_gemm(const Tensor<float>& x, const Tensor<float>& w, const Tensor<float>& b,
                        const Conv2dParams& p, Tensor<float>& y) {
  const conv2d_detail::Geometry g = conv2d_detail::geometry(
      "conv2d_im2col_gemm", x, w, b, p, y, conv2d_im2col_gemm_supports(p, x.shape(), w.shape()));
  run_im2col_gemm(g, nullptr, x, w, b, y);
}
// [docs:end]

Conv2dPreparedRun conv2d_im2col_gemm_prepare(const Tensor<float>& x, const Tensor<float>& w,
                                             const Tensor<float>& b, const Conv2dParams& p) {
  return conv2d_detail::prepare_packed_weights("conv2d_im2col_gemm", conv2d_im2col_gemm_supports, x,
                                               w, b, p, run_im2col_gemm);
}

}  // namespace convlab
