// conv_transpose2d_backward_gemm: the three gradients of the transposed convolution.
//
// The transposed convolution is C^T for the convolution matrix C of its adjoint conv2d
// (adjoint_geometry), so its input gradient is C dy, an ordinary convolution of dy:
//   per group g and sample n (K = C_out/G * KH * KW, P = H * W, the input's positions):
//     col = im2col(dy[n]_g) through the adjoint convolution           (K x P)
//     dx[n]_g (C_in/G x P) = W_g (C_in/G x K) * col                   M = C_in/G, N = P, K_gemm = K
//     dw_g (C_in/G x K) += x[n]_g (C_in/G x P) * col^T (P x K)        M = C_in/G, N = K, K_gemm = P
//   db[c] = sum_{n, oh, ow} dy[n][c][oh][ow]
// One im2col buffer serves both GEMMs. Parent: conv_transpose2d_backward_reference.
// When it wins: always against the reference's scatter loop. Memory: one K x P buffer per
// thread. Accuracy: see transposed_kernels.hpp.
// Threads: OpenMP over groups (disjoint slices of dx and dw); samples in order within a group,
// so dw's sum over samples has a fixed order; db over channels.
#include <algorithm>

#include "kernels/conv2d/im2col.hpp"
#include "kernels/gemm/gemm.hpp"
#include "kernels/transposed/transposed_common.hpp"
#include "kernels/transposed/transposed_kernels.hpp"

namespace convlab {

std::string conv_transpose2d_backward_gemm_supports(const ConvTranspose2dParams&, const Shape&,
                                                    const Shape&) {
  return "";
}

void conv_transpose2d_backward_gemm(const Tensor<float>& x, const Tensor<float>& w,
                                    const Tensor<float>& dy, const ConvTranspose2dParams& p,
                                    Tensor<float>& dx, Tensor<float>& dw, Tensor<float>& db) {
  constexpr std::string_view name = "conv_transpose2d_backward_gemm";
  const conv2d_detail::Geometry g = transposed_detail::adjoint_geometry(
      name, x.shape(), w.shape(), Shape{}, p, dy.shape(), "dy",
      conv_transpose2d_backward_gemm_supports(p, x.shape(), w.shape()));
  require_same_shape(name, "dx", dx.shape(), x.shape());
  require_same_shape(name, "dw", dw.shape(), w.shape());
  if (!db.empty()) require_same_shape(name, "db", db.shape(), Shape{g.C_in});
  // In g the "input" is dy (g.C_in channels, g.H x g.W), the "output" x (g.C_out, H_out x W_out).
  const std::int64_t K = g.C_in_g * g.KH * g.KW, P = g.H_out * g.W_out, Q = g.H * g.W;
  std::fill(dx.values().begin(), dx.values().end(), 0.0f);
  std::fill(dw.values().begin(), dw.values().end(), 0.0f);
  transposed_detail::for_each_group_and_sample(
      g, K, P, [&](std::int64_t grp, std::int64_t n, float* col) {
        const std::int64_t x_offset = (n * g.C_out + grp * g.C_out_g) * P;
        conv2d_detail::im2col(g, dy.data() + (n * g.C_in + grp * g.C_in_g) * Q, col, P);
        GemmProblem px;
        px.M = g.C_out_g;
        px.N = P;
        px.K = K;
        px.A = w.data() + grp * g.C_out_g * K;  // C_in/G x K
        px.lda = K;
        px.B = col;
        px.ldb = P;
        px.C = dx.data() + x_offset;
        px.ldc = P;
        gemm(px);
        gemm_add_abt(x.data() + x_offset, col, g.C_out_g, K, P, dw.data() + grp * g.C_out_g * K);
      });
  if (!db.empty()) transposed_detail::bias_gradient(dy.data(), g.N, g.C_in, Q, db.data());
}

}  // namespace convlab
