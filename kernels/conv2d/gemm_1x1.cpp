// conv2d_1x1_gemm: a 1x1 convolution with stride 1 and no padding is a matrix product as it
// stands (doc:001_a5e5184ddd425933.txt#W9: a per-pixel fully connected layer).
//
//   per sample n and group g (GEMM M = C_out/G, N = H*W, K = C_in/G):
//     y[n][group g] (C_out/G x H*W) = b + w[group g] (C_out/G x C_in/G) * x[n][group g]
//
// Parent: conv2d_im2col_gemm. What this adds: for 1x1 kernels the im2col buffer would be a
// copy of the input, so the input is handed to gemm() directly. Prepared form
// (Variant::prepare): the weights of each group packed for the GEMM once. When it wins: the
// pointwise layers of MobileNet and the bottlenecks of ResNet. Memory: nothing extra. Accuracy: one
// GEMM dot product of C_in/G terms per output, added to the bias.
#include <string>
#include <vector>

#include "kernels/conv2d/conv2d_kernels.hpp"
#include "kernels/conv2d/im2col.hpp"
#include "kernels/conv2d/prepared.hpp"
#include "kernels/gemm/gemm.hpp"

namespace convlab {

std::string conv2d_1x1_gemm_supports(const Conv2dParams& p, const Shape& x, const Shape& w) {
  if (!conv2d_detail::rank4(x, w)) return "";
  if (w[2] != 1 || w[3] != 1 || p.stride_h != 1 || p.stride_w != 1 || p.pad_top != 0 ||
      p.pad_bottom != 0 || p.pad_left != 0 || p.pad_right != 0) {
    return "needs a 1x1 kernel with stride 1 and no padding; got " + std::to_string(w[2]) + "x" +
           std::to_string(w[3]) + ", stride " + std::to_string(p.stride_h) + "x" +
           std::to_string(p.stride_w) + ", padding (top, bottom, left, right) (" +
           std::to_string(p.pad_top) + ", " + std::to_string(p.pad_bottom) + ", " +
           std::to_string(p.pad_left) + ", " + std::to_string(p.pad_right) + ")";
  }
  return "";
}

// [docs:conv2d-1x1-gemm]
namespace {
// packed: the weights of each group already packed for the GEMM (the prepared form), or null.
void run_1x1(const conv2d_detail::Geometry& g, const std::vector<GemmPackedA>* packed,
             const Tensor<float>& x, const Tensor<float>& w, const Tensor<float>& b,
             Tensor<float>& y) {
  const std::int64_t P = g.H * g.W;  // == H_out * W_out
  for (std::int64_t n = 0; n < g.N; ++n) {
    for (std::int64_t grp = 0; grp < g.groups; ++grp) {
      float* yg = y.data() + (n * g.C_out + grp * g.C_out_g) * P;
      conv2d_detail::fill_rows(yg, g.C_out_g, P, P,
                               b.empty() ? nullptr : b.data() + grp * g.C_out_g);
      GemmProblem gp;
      gp.M = g.C_out_g;
      gp.N = P;
      gp.K = g.C_in_g;
      gp.A = w.data() + grp * g.C_out_g * g.C_in_g;
      gp.lda = g.C_in_g;
      gp.B = x.data() + (n * g.C_in + grp * g.C_in_g) * P;
      gp.ldb = P;
      gp.C = yg;
      gp.ldc = P;
      gp.accumulate = true;
      conv2d_detail::gemm_weights(packed, grp, gp);
    }
  }
}
}  // namespace

void conv2d_1x1_gemm(const Tensor<float>& x, const Tensor<float>& w, const Tensor<float>& b,
                     const Conv2dParams& p, Tensor<float>& y) {
  const conv2d_detail::Geometry g = conv2d_detail::geometry(
      "conv2d_1x1_gemm", x, w, b, p, y, conv2d_1x1_gemm_supports(p, x.shape(), w.shape()));
  run_1x1(g, nullptr, x, w, b, y);
}
// [docs:end]

Conv2dPreparedRun conv2d_1x1_gemm_prepare(const Tensor<float>& x, const Tensor<float>& w,
                                          const Tensor<float>& b, const Conv2dParams& p) {
  return conv2d_detail::prepare_packed_weights("conv2d_1x1_gemm", conv2d_1x1_gemm_supports, x, w, b,
                                               p, run_1x1);
}

}  // namespace convlab
