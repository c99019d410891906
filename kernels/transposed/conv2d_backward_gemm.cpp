// conv2d_backward_gemm: the three gradients of conv2d with the GEMM core, im2col and col2im.
//
//   per group g and sample n (K = C_in/G * KH * KW, P = H_out * W_out):
//     col = im2col(x[n]_g)                                         (K x P)
//     dw_g (C_out/G x K) += dy[n]_g (C_out/G x P) * col^T (P x K)  M = C_out/G, N = K, K_gemm = P
//     col = W_g^T (K x C_out/G) * dy[n]_g (C_out/G x P)            M = K, N = P, K_gemm = C_out/G
//     dx[n]_g = col2im(col)                                        (C_in/G x H x W)
//   db[c] = sum_{n, oh, ow} dy[n][c][oh][ow]
//
// dx is the transposed convolution of dy (the same col2im scatter as
// conv_transpose2d_gemm_col2im), dw a GEMM against the transposed im2col buffer of the forward
// pass. Parent: conv2d_backward_reference (the loops of reference/conv2d.cpp).
// Padding modes: im2col reads the reflected, replicated or wrapped pixel for a padded
// position, and col2im, its exact adjoint, adds the gradient of that read to the same pixel, so
// every padding mode is supported, as in the reference.
// When it wins: always against the reference loop; this is how training frameworks built on
// GEMM (Caffe) compute the backward pass. Memory: one K x P buffer per thread, reused for both
// im2col(x) and W^T dy. Accuracy: see transposed_kernels.hpp.
// Threads: OpenMP over groups (disjoint slices of dw and dx); within a group the samples run in
// order, so dw's sum over samples has a fixed order; db over channels.
#include <algorithm>

#include "kernels/conv2d/im2col.hpp"
#include "kernels/gemm/gemm.hpp"
#include "kernels/transposed/transposed_common.hpp"
#include "kernels/transposed/transposed_kernels.hpp"

namespace convlab {

std::string conv2d_backward_gemm_supports(const Conv2dParams&, const Shape&, const Shape&) {
  return "";
}

void conv2d_backward_gemm(const Tensor<float>& x, const Tensor<float>& w, const Tensor<float>& dy,
                          const Conv2dParams& p, Tensor<float>& dx, Tensor<float>& dw,
                          Tensor<float>& db) {
  constexpr std::string_view name = "conv2d_backward_gemm";
  // geometry() validates x, w and p through the shape module (and dy again, as "y").
  require_same_shape(name, "dy", dy.shape(), conv2d_output_shape(x.shape(), w.shape(), Shape{}, p));
  const conv2d_detail::Geometry g = conv2d_detail::geometry(
      name, x, w, Tensor<float>(), p, dy, conv2d_backward_gemm_supports(p, x.shape(), w.shape()));
  require_same_shape(name, "dx", dx.shape(), x.shape());
  require_same_shape(name, "dw", dw.shape(), w.shape());
  if (!db.empty()) require_same_shape(name, "db", db.shape(), Shape{g.C_out});
  const std::int64_t K = g.C_in_g * g.KH * g.KW, P = g.H_out * g.W_out, HW = g.H * g.W;
  std::fill(dx.values().begin(), dx.values().end(), 0.0f);
  std::fill(dw.values().begin(), dw.values().end(), 0.0f);
  transposed_detail::for_each_group_and_sample(
      g, K, P, [&](std::int64_t grp, std::int64_t n, float* col) {
        const float* dyg = dy.data() + (n * g.C_out + grp * g.C_out_g) * P;
        conv2d_detail::im2col(g, x.data() + (n * g.C_in + grp * g.C_in_g) * HW, col, P);
        gemm_add_abt(dyg, col, g.C_out_g, K, P, dw.data() + grp * g.C_out_g * K);
        GemmProblem px;
        px.M = K;
        px.N = P;
        px.K = g.C_out_g;
        px.A = w.data() + grp * g.C_out_g * K;  // stored C_out/G x K: op(A) = W_g^T
        px.lda = K;
        px.trans_a = true;
        px.B = dyg;
        px.ldb = P;
        px.C = col;  // im2col(x) is no longer needed: the buffer now holds W_g^T dy
        px.ldc = P;
        gemm(px);
        conv2d_detail::col2im(g, col, P, dx.data() + (n * g.C_in + grp * g.C_in_g) * HW);
      });
  if (!db.empty()) transposed_detail::bias_gradient(dy.data(), g.N, g.C_out, P, db.data());
}

}  // namespace convlab
