// conv_transpose2d_zero_insertion: the transposed convolution as the textbook draws it.
//
// Along one axis (n inputs, stride s, kernel k, dilation d, padding p_lo/p_hi, output_padding
// op), the scatter y[i*s + j*d - p_lo] += x[i] * w[j] is a plain stride-1 correlation:
//   z = x with s - 1 zeros between neighbours (length (n-1)*s + 1),
//       padded by d*(k-1) - p_lo zeros in front and d*(k-1) - p_hi + op behind
//       (a negative amount crops instead),
//   y[o] = b + sum_j z[o + j*d] * w'[j],   w'[j] = w[k-1-j]   (the kernel flipped),
// because z[o + j*d] holds x[i] exactly when o = i*s + (k-1-j)*d - p_lo. In 2-D the kernel is
// flipped in both axes and its channel axes are swapped: conv2d wants (C_out, C_in/G, KH, KW),
// the transposed weight is (C_in, C_out/G, KH, KW), so w'[g*C_out/G + oc][ic][kh][kw] =
// w[g*C_in/G + ic][oc][KH-1-kh][KW-1-kw]. The correlation is conv2d_im2col_gemm (called, not
// copied) with stride 1, no padding, the same dilation and groups.
//
// Parent: conv_transpose2d_reference. What it adds: nothing for speed; it is the picture that
// explains the op ("a transposed convolution is a convolution over a zero-stuffed input") as a
// variant that is checked against the scatter.
// Why it wastes (s^2 - 1)/s^2 of its products: the convolution multiplies every tap of every
// window, but in z only one position in s along each axis holds an input value, so of the
// s_h * s_w positions of a stride-period block only one is non-zero. Away from the borders a
// window of KH x KW taps (with d = 1 and k a multiple of s) covers exactly KH*KW / (s_h*s_w)
// non-zeros: for the common upsampling layer k = 4, s = 2 that is 4 useful products of 16,
// 3/4 of the multiply-adds are 0 * w. The zero-stuffed buffer is about s_h*s_w times the input,
// and its im2col buffer KH*KW times that again. conv_transpose2d_gemm_col2im does the same
// arithmetic without the zeros.
// Accuracy: the same float dot product as conv2d_im2col_gemm; each 0 * w adds an exact zero.
// Threads: the zero stuffing runs over independent (sample, channel) planes; the convolution
// parallelizes as conv2d_im2col_gemm does.
#include "core/shape.hpp"
#include "kernels/conv2d/conv2d_kernels.hpp"
#include "kernels/parallel.hpp"
#include "kernels/transposed/transposed_kernels.hpp"

namespace convlab {

std::string conv_transpose2d_zero_insertion_supports(const ConvTranspose2dParams&, const Shape&,
                                                     const Shape&) {
  return "";
}

void conv_transpose2d_zero_insertion(const Tensor<float>& x, const Tensor<float>& w,
                                     const Tensor<float>& b, const ConvTranspose2dParams& p,
                                     Tensor<float>& y) {
  const Shape out = conv_transpose2d_output_shape(x.shape(), w.shape(), b.shape(), p);
  require_same_shape("conv_transpose2d_zero_insertion", "y", y.shape(), out);
  const std::int64_t N = x.dim(0), C_in = x.dim(1), H = x.dim(2), W = x.dim(3);
  const std::int64_t C_out_g = w.dim(1), KH = w.dim(2), KW = w.dim(3);
  const std::int64_t G = p.groups, C_in_g = C_in / G, C_out = out[1];
  // z is sized so that a stride-1, unpadded correlation gives exactly H_out x W_out.
  const std::int64_t ZH = out[2] + p.dilation_h * (KH - 1), ZW = out[3] + p.dilation_w * (KW - 1);
  const std::int64_t front_h = p.dilation_h * (KH - 1) - p.pad_top;
  const std::int64_t front_w = p.dilation_w * (KW - 1) - p.pad_left;
  Tensor<float> z(Shape{N, C_in, ZH, ZW});  // zero-filled
  parallel_region(N * C_in > 1, [&] {
#pragma omp for schedule(static)
    for (std::int64_t plane = 0; plane < N * C_in; ++plane) {
      const float* src = x.data() + plane * H * W;
      float* dst = z.data() + plane * ZH * ZW;
      for (std::int64_t ih = 0; ih < H; ++ih) {
        const std::int64_t zh = ih * p.stride_h + front_h;
        if (zh < 0 || zh >= ZH) continue;  // cropped by a padding larger than d * (k - 1)
        for (std::int64_t iw = 0; iw < W; ++iw) {
          const std::int64_t zw = iw * p.stride_w + front_w;
          if (zw >= 0 && zw < ZW) dst[zh * ZW + zw] = src[ih * W + iw];
        }
      }
    }
  });
  Tensor<float> wf(Shape{C_out, C_in_g, KH, KW});
  for (std::int64_t g = 0; g < G; ++g) {
    for (std::int64_t oc = 0; oc < C_out_g; ++oc) {
      for (std::int64_t ic = 0; ic < C_in_g; ++ic) {
        for (std::int64_t kh = 0; kh < KH; ++kh) {
          for (std::int64_t kw = 0; kw < KW; ++kw) {
            wf(g * C_out_g + oc, ic, kh, kw) = w(g * C_in_g + ic, oc, KH - 1 - kh, KW - 1 - kw);
          }
        }
      }
    }
  }
  const Conv2dParams cp{.dilation_h = p.dilation_h, .dilation_w = p.dilation_w, .groups = G};
  conv2d_im2col_gemm(z, wf, b, cp, y);
}

}  // namespace convlab
