// conv1d_im2col_gemm and conv3d_vol2col_gemm: lower the convolution to a matrix product
// (vol2col, convnd_common.hpp), then call the GEMM core.
//
//   per sample n and group g:
//     col (K x P) = vol2col(x[n], group g),  K = C_in/G * KD*KH*KW,  P = D_out*H_out*W_out
//     y[n][group g] (C_out/G x P) = b + w[group g] (C_out/G x K) * col     (M = C_out/G, N = P)
//
// conv1d is the same with KD = KH = 1 and D_out = H_out = 1 (im2col of a sequence).
// Parent: the reference loop of each op. What this adds: all the arithmetic runs in the packed,
// register-blocked GEMM whatever the stride, padding, dilation or groups. When it wins: wide
// layers (many output channels, long reductions), where the GEMM's register tiles pay off; for
// conv3d the buffer grows with KD*KH*KW, so large volumes with 3x3x3 kernels make it 27x the
// input (a 64-channel 16x56x56 clip: 1728 x 50176 floats = 347 MB, against 13 MB of input).
// Threads: OpenMP over the (sample, group) pairs, each with its own buffer; every output is
// written by one thread with the same GEMM, so the result does not depend on the thread count.
// Accuracy: each output is one float dot product of K terms inside gemm(), added to the bias
// (tolerance factor 2: convnd_kernels.hpp).
#include <algorithm>
#include <string>
#include <vector>

#include "kernels/convnd/convnd_common.hpp"
#include "kernels/convnd/convnd_kernels.hpp"
#include "kernels/gemm/gemm.hpp"
#include "kernels/parallel.hpp"

namespace convlab {
namespace {

using convnd_detail::Geometry;

void run_vol2col_gemm(const Geometry& g, const Tensor<float>& x, const Tensor<float>& w,
                      const Tensor<float>& b, Tensor<float>& y) {
  const std::int64_t K = g.taps(), P = g.out_volume(), pairs = g.N * g.groups;
  const float* xd = x.data();
  const float* wd = w.data();
  const float* bd = b.empty() ? nullptr : b.data();
  float* yd = y.data();
  // Threads only pay off with a few (sample, group) pairs of real work each.
  const bool threaded = pairs > 1 && g.C_out_g * K * P * pairs >= (std::int64_t{1} << 21);
  parallel_region(threaded, [&] {
    std::vector<float> col(static_cast<std::size_t>(K * P));
#pragma omp for schedule(static)
    for (std::int64_t pair = 0; pair < pairs; ++pair) {
      const std::int64_t n = pair / g.groups, grp = pair % g.groups;
      convnd_detail::vol2col(g, xd + (n * g.C_in + grp * g.C_in_g) * g.in_volume(), col.data(), P);
      float* yg = yd + (n * g.C_out + grp * g.C_out_g) * P;
      for (std::int64_t oc = 0; oc < g.C_out_g; ++oc) {
        std::fill(yg + oc * P, yg + (oc + 1) * P, bd == nullptr ? 0.0f : bd[grp * g.C_out_g + oc]);
      }
      GemmProblem gp;
      gp.M = g.C_out_g;
      gp.N = P;
      gp.K = K;
      gp.A = wd + grp * g.C_out_g * K;
      gp.lda = K;
      gp.B = col.data();
      gp.ldb = P;
      gp.C = yg;
      gp.ldc = P;
      gp.accumulate = true;
      if (gp.M > 0 && gp.N > 0 && gp.K > 0) gemm(gp);  // K = 0 (no input channels): y = b
    }
  });
}

}  // namespace

std::string conv1d_im2col_gemm_supports(const Conv1dParams&, const Shape&, const Shape&) {
  return "";
}
std::string conv3d_vol2col_gemm_supports(const Conv3dParams&, const Shape&, const Shape&) {
  return "";
}

void conv1d_im2col_gemm(const Tensor<float>& x, const Tensor<float>& w, const Tensor<float>& b,
                        const Conv1dParams& p, Tensor<float>& y) {
  const Geometry g = convnd_detail::forward_geometry(
      "conv1d_im2col_gemm", x, w, b, p, y, conv1d_im2col_gemm_supports(p, x.shape(), w.shape()));
  run_vol2col_gemm(g, x, w, b, y);
}

void conv3d_vol2col_gemm(const Tensor<float>& x, const Tensor<float>& w, const Tensor<float>& b,
                         const Conv3dParams& p, Tensor<float>& y) {
  const Geometry g = convnd_detail::forward_geometry(
      "conv3d_vol2col_gemm", x, w, b, p, y, conv3d_vol2col_gemm_supports(p, x.shape(), w.shape()));
  run_vol2col_gemm(g, x, w, b, y);
}

}  // namespace convlab
