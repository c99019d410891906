// Internal to kernels/conv2d/: the written-out 1-D transforms of the Winograd variants, shared
// by the Vc and the AVX-512 translation units (the matrices are in winograd_f2x3.cpp and
// winograd_f4x3.cpp). Free of Vc and of library calls: the input/output transforms are templates
// on the vector type, so the AVX-512 unit instantiates its own copies.
#pragma once

namespace convlab::winograd_detail {

// [docs:winograd-f2x3-transforms]
struct F2x3 {
  static constexpr int m = 2, alpha = 4;
  // out = G g
  static void weight_1d(const double g[3], double out[4]) {
    out[0] = g[0];
    out[1] = 0.5 * (g[0] + g[1] + g[2]);
    out[2] = 0.5 * (g[0] - g[1] + g[2]);
    out[3] = g[2];
  }
  // out = B^T d
  template <class V>
  static void input_1d(const V d[4], V out[4]) {
    out[0] = d[0] - d[2];
    out[1] = d[1] + d[2];
    out[2] = d[2] - d[1];
    out[3] = d[1] - d[3];
  }
  // out = A^T t
  template <class V>
  static void output_1d(const V t[4], V out[2]) {
    out[0] = t[0] + t[1] + t[2];
    out[1] = t[1] - t[2] - t[3];
  }
};
// [docs:end]

// [docs:winograd-f4x3-transforms]
struct F4x3 {
  static constexpr int m = 4, alpha = 6;
  // out = G g
  static void weight_1d(const double g[3], double out[6]) {
    out[0] = g[0] / 4;
    out[1] = -(g[0] + g[1] + g[2]) / 6;
    out[2] = -(g[0] - g[1] + g[2]) / 6;
    out[3] = g[0] / 24 + g[1] / 12 + g[2] / 6;
    out[4] = g[0] / 24 - g[1] / 12 + g[2] / 6;
    out[5] = g[2];
  }
  // out = B^T d
  template <class V>
  static void input_1d(const V d[6], V out[6]) {
    const V s12 = d[1] + d[2], s34 = d[3] + d[4];
    const V d12 = d[1] - d[2], d43 = d[4] - d[3];
    const V d42 = d[4] - d[2], d31 = d[3] - d[1];
    out[0] = 4.0f * d[0] - 5.0f * d[2] + d[4];
    out[1] = s34 - 4.0f * s12;
    out[2] = d43 + 4.0f * d12;
    out[3] = d42 + 2.0f * d31;
    out[4] = d42 - 2.0f * d31;
    out[5] = 4.0f * d[1] - 5.0f * d[3] + d[5];
  }
  // out = A^T t
  template <class V>
  static void output_1d(const V t[6], V out[4]) {
    const V s12 = t[1] + t[2], d12 = t[1] - t[2];
    const V s34 = t[3] + t[4], d34 = t[3] - t[4];
    out[0] = t[0] + s12 + s34;
    out[1] = d12 + 2.0f * d34;
    out[2] = s12 + 4.0f * s34;
    out[3] = d12 + 8.0f * d34 + t[5];
  }
};
// [docs:end]

}  // namespace convlab::winograd_detail
