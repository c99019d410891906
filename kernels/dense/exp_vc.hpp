// e^x for a Vc::float_v, used by sigmoid_vc and tanh_vc (and their backward passes).
//
//   e^x = 2^n * e^r,   n = round(x / ln 2),   r = x - n ln 2,   |r| <= ln 2 / 2 = 0.3466
//
// Range reduction: r = (x - n * ln2_hi) - n * ln2_lo with two FMAs; ln2_hi is ln 2 rounded to
// float and ln2_lo the float nearest to ln 2 - ln2_hi, so n ln 2 is carried to about 48 bits and
// r's own rounding is at most half an ulp of r.
// e^r: the Taylor polynomial of degree 7, sum_{k=0..7} r^k / k!, in Horner form with FMA. Its
// truncation error is below r^8 / 8! * e^|r| = 7.5e-9 relative at |r| = ln 2 / 2, an eighth of
// float's half-ulp (2^-24 = 6.0e-8); the rest is the rounding of Horner's steps.
// Scaling by 2^n in two factors 2^(n1) * 2^(n - n1), n1 = floor(n / 2), each a normal float,
// so results in the subnormal range are rounded once (gradual underflow, not flushed to 0) and
// results above FLT_MAX become +inf. x is clamped to [-104, 89] first (e^-104 rounds to 0,
// e^89 overflows), so the integer n cannot overflow; NaN in gives NaN out.
//
// Measured accuracy (tests/test_dense_kernels.cpp, DenseExp.*): over EVERY float x in
// [-87.3365, 88.7228] (normal results, 2^-126 <= e^x <= FLT_MAX; about 2.2e9 values, the test
// DenseExp.DISABLED_ExhaustiveNormalRange, run by hand) the largest relative error against
// std::exp in double is 7.894e-8 = 0.6622 eps(float) (eps = 2^-23), at x = 26.688921. The test
// run by default sweeps every 97th float of that range plus a 1e-4 step (worst 0.647 eps) and
// asserts the bound below. Subnormal results are within 2 * 2^-149 (absolute).
#pragma once

#include <Vc/Vc>
#include <cstdint>

namespace convlab::dense_detail {

// The measured maximum relative error of exp_vc over the normal range (see above), in units of
// eps(float) = 2^-23. Tests assert the sweep stays below it; tolerances are derived from it.
inline constexpr double kExpVcMaxRelativeErrorEps = 0.67;  // measured 0.6622, see above

inline Vc::float_v exp_vc(Vc::float_v x) {
  using Vc::float_v;
  using Int = float_v::IndexType;  // Vc::SimdArray<int, float_v::size()>
  const float_v input = x;
  x = Vc::min(Vc::max(x, float_v(-104.0f)), float_v(89.0f));
  // round(x / ln 2): floor(x log2(e) + 1/2); x log2(e) is within [-151, 129], so the float is
  // exact enough that an off-by-one n only moves |r| a hair past ln 2 / 2.
  const float_v nf = Vc::floor(Vc::fma(x, float_v(1.44269504088896341f), float_v(0.5f)));
  constexpr float ln2_hi = 0.693145751953125f;     // 0x3f317200: ln 2 with 8 trailing zeros
  constexpr float ln2_lo = 1.42860676533018e-06f;  // ln 2 - ln2_hi, rounded to float
  float_v r = Vc::fma(-nf, float_v(ln2_hi), x);
  r = Vc::fma(-nf, float_v(ln2_lo), r);
  // sum_{k=0..7} r^k / k!
  float_v p(1.0f / 5040.0f);
  p = Vc::fma(p, r, float_v(1.0f / 720.0f));
  p = Vc::fma(p, r, float_v(1.0f / 120.0f));
  p = Vc::fma(p, r, float_v(1.0f / 24.0f));
  p = Vc::fma(p, r, float_v(1.0f / 6.0f));
  p = Vc::fma(p, r, float_v(0.5f));
  p = Vc::fma(p, r, float_v(1.0f));
  p = Vc::fma(p, r, float_v(1.0f));
  // 2^n = 2^n1 * 2^n2 with n1, n2 in [-76, 65]: both normal floats.
  const Int n = Vc::simd_cast<Int>(nf);
  const Int n1 = n >> 1;
  const Int n2 = n - n1;
  const float_v one(1.0f);
  float_v y = (p * Vc::ldexp(one, n1)) * Vc::ldexp(one, n2);
  y(Vc::isnan(input)) = input;
  return y;
}

}  // namespace convlab::dense_detail
