// The optimized conv2d variants (float32, NCHW at the interface). Each variant is one file in
// kernels/conv2d/ and this pair of functions:
//
//   // x: (N, C_in, H, W), w: (C_out, C_in / groups, KH, KW), b: empty or (C_out);
//   // y: preallocated (N, C_out, H_out, W_out), every element written.
//   void conv2d_<algo>(x, w, b, p, y);
//   // "" when the variant computes this problem, else the reason it does not.
//   std::string conv2d_<algo>_supports(p, x_shape, w_shape);
//
// Running a variant on a problem its supports() refuses throws std::invalid_argument with that
// reason; invalid shapes throw from the shape module, as for the reference. Nothing falls back
// silently to another algorithm.
//
// Tolerance: a variant passes when |y - y_ref| <= factor * eps(float) * K * M element-wise
// (DESIGN.md), K = C_in / groups * KH * KW + 1 and M = sum |x * w| + |b| over the window. The
// classic bound of a float dot product of K terms is K * u * M with u = eps / 2, so a factor
// of 1 already leaves a 2x margin for any summation order; the factors below say why each
// variant needs what it declares.
//
// Two families of variants do not compute a dot product of the original weights, so their
// rounding errors are not proportional to that M; each declares a Conv2dErrorModel saying how
// its M is formed instead (measured in tests/test_conv2d_kernels.cpp):
//  - kernel_max: every |w| of a kernel replaced by the largest |w| of that (oc, ic) kernel. The
//    SVD factors and Winograd's G g G^T mix all KH * KW weights of a kernel, so each effective
//    weight carries an error relative to the kernel's largest weight, not to itself (a tap with
//    a tiny weight next to large ones otherwise shows ratios of 100 and more).
//  - tile: the largest M over the tile x tile block of outputs the element belongs to (blocks
//    aligned at output (0, 0)). Winograd computes a block from one transformed input tile, so a
//    block shares its rounding errors: an output whose window barely touches the input, in a
//    block whose other outputs see a lot of it, gets their error.
#pragma once

#include <functional>
#include <string>

#include "core/params.hpp"
#include "core/tensor.hpp"
#include "kernels/tolerance.hpp"

namespace convlab {

struct Conv2dErrorModel {
  bool kernel_max = false;  // M with |w| -> max |w| of its kernel
  int tile = 1;             // M -> max M over tile x tile output blocks
};

// ---- direct, no im2col buffer ----

// Dispatches to the width-vector path when stride_w == 1 and W_out >= 16, else to the
// channel-vector path. Every stride, padding (any mode), dilation and groups.
void conv2d_direct_vc(const Tensor<float>& x, const Tensor<float>& w, const Tensor<float>& b,
                      const Conv2dParams& p, Tensor<float>& y);
std::string conv2d_direct_vc_supports(const Conv2dParams& p, const Shape& x, const Shape& w);
// Each output is one float dot product accumulated in (ic, kh, kw) order with FMA.
inline constexpr double kConv2dDirectVcToleranceFactor = kDotProductToleranceFactor;

// Vectors along the output width: a 6 output channels x 16 output columns tile in 12
// Vc::float_v accumulators, reading padded copies of the input rows (edges and tails vectorized
// too). The vector path needs stride_w == 1; stride_w > 1 runs the scalar formula (correct, slow).
void conv2d_direct_vc_ow(const Tensor<float>& x, const Tensor<float>& w, const Tensor<float>& b,
                         const Conv2dParams& p, Tensor<float>& y);
std::string conv2d_direct_vc_ow_supports(const Conv2dParams& p, const Shape& x, const Shape& w);
inline constexpr double kConv2dDirectVcOwToleranceFactor =
    kDotProductToleranceFactor;  // same dot product as above

// Vectors along the output channels: a 16 output channels x 6 output columns tile, any stride;
// channel tails are zero-padded lanes that are never stored.
void conv2d_direct_vc_oc(const Tensor<float>& x, const Tensor<float>& w, const Tensor<float>& b,
                         const Conv2dParams& p, Tensor<float>& y);
std::string conv2d_direct_vc_oc_supports(const Conv2dParams& p, const Shape& x, const Shape& w);
inline constexpr double kConv2dDirectVcOcToleranceFactor =
    kDotProductToleranceFactor;  // same dot product as above

// AVX-512: the width-vector tile grown to 12 output channels x 32 columns (24 of the 32 zmm
// registers), masked stores for width tails, OpenMP over output rows. stride_w == 1 and a CPU
// with AVX-512F (supports() says so otherwise); every padding mode, dilation and groups.
void conv2d_direct_avx512(const Tensor<float>& x, const Tensor<float>& w, const Tensor<float>& b,
                          const Conv2dParams& p, Tensor<float>& y);
std::string conv2d_direct_avx512_supports(const Conv2dParams& p, const Shape& x, const Shape& w);
inline constexpr double kConv2dDirectAvx512ToleranceFactor = kDotProductToleranceFactor;

// AVX-512 along the output channels: conv2d_direct_vc_oc's tile grown to 32 channels x 14
// columns, transposed in registers before its stores; any stride, padding mode, dilation and
// groups, a 1x1 plane read as one row. A CPU with AVX-512F (supports() says so otherwise).
void conv2d_direct_oc_avx512(const Tensor<float>& x, const Tensor<float>& w, const Tensor<float>& b,
                             const Conv2dParams& p, Tensor<float>& y);
std::string conv2d_direct_oc_avx512_supports(const Conv2dParams& p, const Shape& x, const Shape& w);
inline constexpr double kConv2dDirectOcAvx512ToleranceFactor = kDotProductToleranceFactor;

// ---- depthwise ----

// groups == C_in == C_out (channel multiplier 1), vectorized along the output width.
void conv2d_depthwise_vc(const Tensor<float>& x, const Tensor<float>& w, const Tensor<float>& b,
                         const Conv2dParams& p, Tensor<float>& y);
std::string conv2d_depthwise_vc_supports(const Conv2dParams& p, const Shape& x, const Shape& w);
// KH * KW + 1 terms summed in float with FMA: the plain dot-product bound.
inline constexpr double kConv2dDepthwiseVcToleranceFactor = kDotProductToleranceFactor;

// AVX-512: each channel plane as one flat 1-D stencil (padded plane of pitch P, output
// i = oh * P + ow, the P - W_out extra columns computed and squeezed out), so 16-float vectors
// run across row ends; strides split the padded plane into unit-stride phase planes once.
// Every stride, dilation and padding mode; a CPU with AVX-512F (supports() says so otherwise).
void conv2d_depthwise_avx512(const Tensor<float>& x, const Tensor<float>& w, const Tensor<float>& b,
                             const Conv2dParams& p, Tensor<float>& y);
std::string conv2d_depthwise_avx512_supports(const Conv2dParams& p, const Shape& x, const Shape& w);
// The same KH * KW + 1 terms in the same (kh, kw) FMA order as conv2d_depthwise_vc.
inline constexpr double kConv2dDepthwiseAvx512ToleranceFactor = kDotProductToleranceFactor;

// ---- Winograd (3x3, stride 1, dilation 1) ----

// A conv2d whose weights were prepared once (Variant::prepare): y from x and b.
using Conv2dPreparedRun =
    std::function<void(const Tensor<float>& x, const Tensor<float>& b, Tensor<float>& y)>;

// conv2d_direct_oc_avx512's prepared form: the weights packed in blocks of 32 channels once.
Conv2dPreparedRun conv2d_direct_oc_avx512_prepare(const Tensor<float>& x, const Tensor<float>& w,
                                                  const Tensor<float>& b, const Conv2dParams& p);

// F(2x2, 3x3): 4x4 input tiles, 16 elementwise products per 4 outputs instead of 36.
void conv2d_winograd_f2x3(const Tensor<float>& x, const Tensor<float>& w, const Tensor<float>& b,
                          const Conv2dParams& p, Tensor<float>& y);
std::string conv2d_winograd_f2x3_supports(const Conv2dParams& p, const Shape& x, const Shape& w);
// U = G g G^T transformed and packed from w once; x only gives the shapes to check.
Conv2dPreparedRun conv2d_winograd_f2x3_prepare(const Tensor<float>& x, const Tensor<float>& w,
                                               const Tensor<float>& b, const Conv2dParams& p);
// Error model {kernel_max, tile 2}. Measured max |y - y_ref| / (eps K M) (tests,
// Conv2dKernelsAccuracy and the three_by_three group): 0.00067 on 64 -> 64 channels at 56x56
// (0.0013 with the plain M), 0.14 over 1500 random 3x3 problems with C_in 1-2, 0.18 over the
// random test shapes; 0.21 in a one-off sweep of 6000 problems with C_in 1-2. The coefficients
// are +-1 and 1/2; 1 leaves a margin of ~5x.
inline constexpr double kConv2dWinogradF2x3ToleranceFactor = 1;
inline constexpr Conv2dErrorModel kConv2dWinogradF2x3ErrorModel{.kernel_max = true, .tile = 2};

// F(4x4, 3x3): 6x6 input tiles, 36 elementwise products per 16 outputs instead of 144.
void conv2d_winograd_f4x3(const Tensor<float>& x, const Tensor<float>& w, const Tensor<float>& b,
                          const Conv2dParams& p, Tensor<float>& y);
std::string conv2d_winograd_f4x3_supports(const Conv2dParams& p, const Shape& x, const Shape& w);
Conv2dPreparedRun conv2d_winograd_f4x3_prepare(const Tensor<float>& x, const Tensor<float>& w,
                                               const Tensor<float>& b, const Conv2dParams& p);
// Error model {kernel_max, tile 4}. Measured max |y - y_ref| / (eps K M) (tests,
// Conv2dKernelsAccuracy and the three_by_three group): 0.014 on 64 -> 64 channels at 56x56
// (0.031 with the plain M), 2.5 over 1500 random 3x3 problems with C_in 1-2, 0.77 over the
// random test shapes; 5.3 in a one-off sweep of 30000 problems with C_in = 1. Few channels are the
// worst case: the transforms' rounding, amplified by coefficients up to 5 in B, 8 in A and the
// non-dyadic 1/6, 1/24 in G, is not diluted by a long GEMM sum. 8 is above every measurement.
inline constexpr double kConv2dWinogradF4x3ToleranceFactor = 8;
inline constexpr Conv2dErrorModel kConv2dWinogradF4x3ErrorModel{.kernel_max = true, .tile = 4};

// The same two with their input/output transforms on 16-float AVX-512 vectors (the Vc ones use
// 8); same weights, GEMMs and rules, so the same error models and tolerance factors. Refused
// (supports) on CPUs without AVX-512F.
void conv2d_winograd_f2x3_avx512(const Tensor<float>& x, const Tensor<float>& w,
                                 const Tensor<float>& b, const Conv2dParams& p, Tensor<float>& y);
std::string conv2d_winograd_f2x3_avx512_supports(const Conv2dParams& p, const Shape& x,
                                                 const Shape& w);
Conv2dPreparedRun conv2d_winograd_f2x3_avx512_prepare(const Tensor<float>& x,
                                                      const Tensor<float>& w,
                                                      const Tensor<float>& b,
                                                      const Conv2dParams& p);
void conv2d_winograd_f4x3_avx512(const Tensor<float>& x, const Tensor<float>& w,
                                 const Tensor<float>& b, const Conv2dParams& p, Tensor<float>& y);
std::string conv2d_winograd_f4x3_avx512_supports(const Conv2dParams& p, const Shape& x,
                                                 const Shape& w);
Conv2dPreparedRun conv2d_winograd_f4x3_avx512_prepare(const Tensor<float>& x,
                                                      const Tensor<float>& w,
                                                      const Tensor<float>& b,
                                                      const Conv2dParams& p);

// ---- spatially separable ----

// Every (oc, ic) kernel must be rank 1 (u v^T within 1e-6 relative, Frobenius norm): a
// vertical 1-D pass with u, then a horizontal 1-D pass with v. Whether the *values* of w are
// rank 1 cannot be seen from shapes: supports() checks the shapes, and run() throws
// std::invalid_argument with conv2d_separable_rank1_weights_reason(w) when they are not.
void conv2d_separable_rank1(const Tensor<float>& x, const Tensor<float>& w, const Tensor<float>& b,
                            const Conv2dParams& p, Tensor<float>& y);
std::string conv2d_separable_rank1_supports(const Conv2dParams& p, const Shape& x, const Shape& w);
// "" when every KH x KW kernel of w is rank 1 within 1e-6 relative, else which one is not.
std::string conv2d_separable_rank1_weights_reason(const Tensor<float>& w);
// Two nested float sums (KH then KW terms) per input channel, and factors u, v whose products
// reproduce w to a few ulps: the dot-product bound with a 2x margin for the refactoring.
// A kernel accepted at the 1e-6 threshold but not exactly rank 1 adds up to 1e-6 * M beyond this.
inline constexpr double kConv2dSeparableRank1ToleranceFactor = 2;

// Low-rank approximation of every KH x KW kernel by its singular value decomposition
// (one-sided Jacobi, in double): w ~ sum_{r < rank} s_r u_r v_r^T, each term run as a vertical
// then a horizontal pass. rank = min(KH, KW) reproduces w up to rounding.
void conv2d_separable_svd(const Tensor<float>& x, const Tensor<float>& w, const Tensor<float>& b,
                          const Conv2dParams& p, Tensor<float>& y, int rank);
// The approximation error of rank `rank` (1 <= rank; ranks >= min(KH, KW) are exact):
struct SvdApproximationError {
  double relative_frobenius = 0;   // ||w - w_r||_F / ||w||_F over the whole weight tensor
  double max_kernel_relative = 0;  // max over (oc, ic) of ||w - w_r||_F / ||w||_F of one kernel
  double max_abs = 0;              // max |w - w_r| over all elements
};
SvdApproximationError conv2d_separable_svd_error(const Tensor<float>& w, int rank);
// The rank-`rank` approximation w_r itself (same shape as w), e.g. to run the reference on it.
Tensor<float> conv2d_separable_svd_approximation(const Tensor<float>& w, int rank);

// The registered form: rank min(KH, KW) for kernels with min(KH, KW) <= 3, hence exact.
void conv2d_separable_svd_r3(const Tensor<float>& x, const Tensor<float>& w, const Tensor<float>& b,
                             const Conv2dParams& p, Tensor<float>& y);
std::string conv2d_separable_svd_r3_supports(const Conv2dParams& p, const Shape& x, const Shape& w);
// Error model {kernel_max}: the terms s_r u_r v_r^T can cancel, so each reconstructed weight is
// accurate relative to the kernel's largest weight only (with the plain M a tap with a tiny
// weight showed ratios up to 135). Measured max |y - y_ref| / (eps K M) (tests): 0.0016 on
// 64 -> 64 channels at 56x56, 0.19 over 1500 random 3x3 problems with C_in 1-2, 0.44 over the
// random test shapes (short sums, where the final rounding alone gives up to 0.5 / K). Those
// measurements had float inputs; with inputs given in double (the corpus, the registry-wide
// random test), rounding them to float adds eps * M as for every dot product (see
// kernels/tolerance.hpp), and the registry-wide random test measured 1.55 under factor 1
// (conv2d problem 74 of tests/test_registry_random.cpp). 2 covers both terms.
inline constexpr double kConv2dSeparableSvdR3ToleranceFactor = 2;
inline constexpr Conv2dErrorModel kConv2dSeparableSvdR3ErrorModel{.kernel_max = true, .tile = 1};

// ---- GEMM based (kernels/gemm) ----

// im2col: per sample and group a (C_in/groups * KH * KW) x (H_out * W_out) buffer, then
// Y_g (C_out/groups x H_out*W_out) = W_g (C_out/groups x C_in/groups*KH*KW) * col.
void conv2d_im2col_gemm(const Tensor<float>& x, const Tensor<float>& w, const Tensor<float>& b,
                        const Conv2dParams& p, Tensor<float>& y);
std::string conv2d_im2col_gemm_supports(const Conv2dParams& p, const Shape& x, const Shape& w);
// Prepared form: the weights of each group packed for the GEMM once.
Conv2dPreparedRun conv2d_im2col_gemm_prepare(const Tensor<float>& x, const Tensor<float>& w,
                                             const Tensor<float>& b, const Conv2dParams& p);
// gemm() sums each element as a float dot product (in blocks of k), onto C prefilled with
// the bias: K terms in some order, the plain bound.
inline constexpr double kConv2dIm2colGemmToleranceFactor = kDotProductToleranceFactor;

// im2col's columns built straight into the GEMM's B panels (GemmBSource): no col buffer.
void conv2d_implicit_gemm(const Tensor<float>& x, const Tensor<float>& w, const Tensor<float>& b,
                          const Conv2dParams& p, Tensor<float>& y);
std::string conv2d_implicit_gemm_supports(const Conv2dParams& p, const Shape& x, const Shape& w);
Conv2dPreparedRun conv2d_implicit_gemm_prepare(const Tensor<float>& x, const Tensor<float>& w,
                                               const Tensor<float>& b, const Conv2dParams& p);
// The same products as conv2d_im2col_gemm in the same kc blocks: the plain bound.
inline constexpr double kConv2dImplicitGemmToleranceFactor = kDotProductToleranceFactor;

// 1x1 kernel, stride 1, no padding: x[n] viewed as (C_in x H*W) is already the B matrix.
void conv2d_1x1_gemm(const Tensor<float>& x, const Tensor<float>& w, const Tensor<float>& b,
                     const Conv2dParams& p, Tensor<float>& y);
std::string conv2d_1x1_gemm_supports(const Conv2dParams& p, const Shape& x, const Shape& w);
// Prepared form: the weights of each group packed for the GEMM once.
Conv2dPreparedRun conv2d_1x1_gemm_prepare(const Tensor<float>& x, const Tensor<float>& w,
                                          const Tensor<float>& b, const Conv2dParams& p);
inline constexpr double kConv2d1x1GemmToleranceFactor =
    kDotProductToleranceFactor;  // one GEMM dot product per output

// AVX-512 along the positions: 8 output channels x 48 positions per register tile, for 1x1
// layers with few input channels (no packed panels, no transpose; one compact copy of each
// chunk of the input). The problems of conv2d_1x1_gemm, on a CPU with AVX-512F (supports()
// says so otherwise).
void conv2d_1x1_avx512(const Tensor<float>& x, const Tensor<float>& w, const Tensor<float>& b,
                       const Conv2dParams& p, Tensor<float>& y);
std::string conv2d_1x1_avx512_supports(const Conv2dParams& p, const Shape& x, const Shape& w);
// Prepared form: the weights packed in blocks of 8 channels once.
Conv2dPreparedRun conv2d_1x1_avx512_prepare(const Tensor<float>& x, const Tensor<float>& w,
                                            const Tensor<float>& b, const Conv2dParams& p);
inline constexpr double kConv2d1x1Avx512ToleranceFactor =
    kDotProductToleranceFactor;  // one FMA chain per output

// One GEMM per group over the whole batch: the im2col buffer of every sample side by side,
// (C_in/groups*KH*KW) x (N * H_out*W_out), so small images still give wide GEMMs.
void conv2d_grouped_gemm(const Tensor<float>& x, const Tensor<float>& w, const Tensor<float>& b,
                         const Conv2dParams& p, Tensor<float>& y);
std::string conv2d_grouped_gemm_supports(const Conv2dParams& p, const Shape& x, const Shape& w);
// Prepared form: the weights of each group packed for the GEMM once.
Conv2dPreparedRun conv2d_grouped_gemm_prepare(const Tensor<float>& x, const Tensor<float>& w,
                                              const Tensor<float>& b, const Conv2dParams& p);
inline constexpr double kConv2dGroupedGemmToleranceFactor =
    kDotProductToleranceFactor;  // one GEMM dot product per output

// ---- corr2d (op "corr2d": x (H, W), k (KH, KW) -> y (H - KH + 1, W - KW + 1)) ----

// The single-channel cross-correlation as conv2d_direct_vc_ow on (1, 1, H, W) views of x, k
// and y (no copies): stride 1, no padding, no bias. supports() is that kernel's.
void corr2d_via_conv2d_direct_vc_ow(const Tensor<float>& x, const Tensor<float>& k,
                                    Tensor<float>& y);
std::string corr2d_via_conv2d_direct_vc_ow_supports(const Shape& x, const Shape& k);
// conv2d_direct_vc_ow's dot product of KH * KW terms: its factor.
inline constexpr double kCorr2dViaConv2dDirectVcOwToleranceFactor =
    kConv2dDirectVcOwToleranceFactor;

}  // namespace convlab
