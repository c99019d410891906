// conv_transpose2d_gemm_col2im: the transposed convolution as a GEMM into a column buffer,
// then col2im (Caffe's "deconvolution" layer, and the input gradient of its conv layer).
//
//   per sample n and group g (adjoint_geometry: the conv that maps y back onto x):
//     col (K x P) = W_g^T (K x C_in/G) * x[n]_g (C_in/G x P)     M = K, N = P, K_gemm = C_in/G
//       K = C_out/G * KH * KW,  P = H * W (the input's positions)
//     y[n]_g = b + col2im(col)     (each column entry added at the output pixel it lands on)
//
// Parent: conv_transpose2d_reference (the scatter loop). What this adds: the products run in
// the packed GEMM core; what is left for the scatter is one add per (column entry, tap), which
// col2im does row by row, its inner loop over the input columns (unit stride in y for
// stride 1). Compared with zero insertion it multiplies no zeros: exactly C_in/G * C_out/G *
// KH * KW products per input pixel. When it wins: strided upsampling layers (decoders, GAN
// generators, FCN heads), where zero insertion wastes (s^2 - 1)/s^2 of its work.
// Memory: one col buffer per thread, K * P floats (for 64 -> 32 channels, k4, at 28x28:
// 512 * 784 * 4 bytes = 1.6 MB). Accuracy: see transposed_kernels.hpp.
// Threads: OpenMP over (sample, group) pairs, which write disjoint blocks of y; col2im's
// overlapping adds to one pixel stay in one thread, in a fixed order.
#include <vector>

#include "kernels/conv2d/im2col.hpp"
#include "kernels/gemm/gemm.hpp"
#include "kernels/parallel.hpp"
#include "kernels/transposed/transposed_common.hpp"
#include "kernels/transposed/transposed_kernels.hpp"

namespace convlab {

std::string conv_transpose2d_gemm_col2im_supports(const ConvTranspose2dParams&, const Shape&,
                                                  const Shape&) {
  return "";
}

void conv_transpose2d_gemm_col2im(const Tensor<float>& x, const Tensor<float>& w,
                                  const Tensor<float>& b, const ConvTranspose2dParams& p,
                                  Tensor<float>& y) {
  const conv2d_detail::Geometry g = transposed_detail::adjoint_geometry(
      "conv_transpose2d_gemm_col2im", x.shape(), w.shape(), b.shape(), p, y.shape(), "y",
      conv_transpose2d_gemm_col2im_supports(p, x.shape(), w.shape()));
  // In g the "input" is y (g.C_in channels, g.H x g.W) and the "output" is x (g.C_out, H_out x
  // W_out).
  const std::int64_t K = g.C_in_g * g.KH * g.KW, P = g.H_out * g.W_out, Q = g.H * g.W;
  const std::int64_t pairs = g.N * g.groups;
  // No team for a single unit of work.
  parallel_region(pairs > 1, [&] {
    std::vector<float> col(static_cast<std::size_t>(K * P));
#pragma omp for schedule(static)
    for (std::int64_t pair = 0; pair < pairs; ++pair) {
      const std::int64_t n = pair / g.groups, grp = pair % g.groups;
      float* yg = y.data() + (n * g.C_in + grp * g.C_in_g) * Q;
      conv2d_detail::fill_rows(yg, g.C_in_g, Q, Q, b.empty() ? nullptr : b.data() + grp * g.C_in_g);
      if (!transposed_detail::has_work(K, P, g.C_out_g)) continue;
      GemmProblem gp;
      gp.M = K;
      gp.N = P;
      gp.K = g.C_out_g;
      gp.A = w.data() + grp * g.C_out_g * K;  // W_g stored C_in/G x K: op(A) = W_g^T
      gp.lda = K;
      gp.trans_a = true;
      gp.B = x.data() + (n * g.C_out + grp * g.C_out_g) * P;
      gp.ldb = P;
      gp.C = col.data();
      gp.ldc = P;
      gemm(gp);
      conv2d_detail::col2im(g, col.data(), P, yg);
    }
  });
}

}  // namespace convlab
