// The GEMM core: single-precision matrix multiplication, taught as a chain of steps.
//
//   C (M x N) = op(A) (M x K) * op(B) (K x N)   [+ C when accumulate]
//   op(A) = A, or A^T when trans_a;  op(B) = B, or B^T when trans_b.
//
// Everything is row-major. The stored A is M x K (K x M when trans_a) with row stride lda;
// the stored B is K x N (N x K when trans_b) with row stride ldb; C has row stride ldc. A row
// stride may exceed the row width (a view into a wider matrix); the padding is never read or
// written.
//
// Every step below computes the same function and stays callable, so the steps are tested and
// benchmarked side by side; each lives in its own file whose header says what it adds:
//   gemm_naive -> gemm_loop_order -> gemm_blocked -> gemm_packed -> gemm_packed_vc_6x16
//   -> gemm_packed_avx512_14x32, and gemm_threaded (OpenMP over blocks of C, fastest kernel).
// Other kernels call gemm(), which picks the fastest single-threaded step this CPU runs.
//
// Every entry point validates the problem and throws std::invalid_argument naming the step,
// the argument and its value: M, N, K >= 1, non-null A, B, C, leading dimensions at least the
// stored row width, and C not overlapping A or B.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace convlab {

struct GemmProblem {
  std::int64_t M = 0, N = 0, K = 0;
  const float* A = nullptr;  // M x K (K x M when trans_a), row stride lda
  std::int64_t lda = 0;
  bool trans_a = false;
  const float* B = nullptr;  // K x N (N x K when trans_b), row stride ldb
  std::int64_t ldb = 0;
  bool trans_b = false;
  float* C = nullptr;  // M x N, row stride ldc
  std::int64_t ldc = 0;
  bool accumulate = false;  // C += op(A) op(B) instead of C = op(A) op(B)
};

// 1. i, j, p triple loop; each C element is one float dot product summed in p order.
void gemm_naive(const GemmProblem& p);
// 2. i, p, j loop order: the inner loop walks a row of B and a row of C with unit stride.
void gemm_loop_order(const GemmProblem& p);
// 3. Cache blocking: the i, p, j loops run over mc x kc x nc blocks that fit the caches.
void gemm_blocked(const GemmProblem& p);
// 4. Packing: blocks of A and B copied into contiguous micro-panels; scalar 6 x 16 micro-kernel.
void gemm_packed(const GemmProblem& p);
// 5. Register-blocked micro-kernel in Vc::float_v (8 floats with AVX2): a 6 x 16 tile of C in
//    12 vector registers, one FMA per register per step of k.
void gemm_packed_vc_6x16(const GemmProblem& p);
// 6. AVX-512 micro-kernel: a 14 x 32 tile of C in 28 zmm registers. Throws std::runtime_error
//    when the CPU lacks AVX-512F (check gemm_avx512_supported() first).
void gemm_packed_avx512_14x32(const GemmProblem& p);
// 7. OpenMP over independent blocks of C with the fastest available micro-kernel; every element
//    is computed by one thread in a fixed order, so the result does not depend on the number of
//    threads (omp_get_max_threads() threads; one below 128^3 multiply-adds).
void gemm_threaded(const GemmProblem& p);

// The fastest single-threaded step on this CPU (AVX-512 when available, else Vc). Kernels call
// this one; they parallelize over their own independent work (batch, channel blocks).
void gemm(const GemmProblem& p);

// op(B) produced on demand instead of read from memory. pack(context, k0, j0, kb, nb, nr, dst)
// writes rows [k0, k0 + kb) and columns [j0, j0 + nb) of op(B) as nr-wide micro-panels,
// dst[(j / nr) * kb * nr + k * nr + j % nr] (k, j counted from k0, j0), and zeros in the
// columns of the last panel past nb. A convolution builds its im2col columns this way straight
// into the GEMM's panels, without the K x N buffer (conv2d_implicit_gemm).
struct GemmBSource {
  void (*pack)(const void* context, std::int64_t k0, std::int64_t j0, std::int64_t kb,
               std::int64_t nb, std::int64_t nr, float* dst) = nullptr;
  const void* context = nullptr;
};

// op(A) packed once into the micro-panels of the step gemm() runs, for an A that many products
// share (a layer's transformed weights). Packing reads and writes each element of A once per
// product; when N is small (Winograd's per-position products over a few dozen tiles) that
// costs as much as the multiplication, and a GemmPackedA pays it once. Holds
// round_up(M, mr) * K floats.
class GemmPackedA {
 public:
  GemmPackedA() = default;
  // op(A) is M x K: A stored M x K, or K x M when trans_a, with row stride lda (validated like
  // a GemmProblem; throws std::invalid_argument naming the argument).
  GemmPackedA(const float* A, std::int64_t lda, bool trans_a, std::int64_t M, std::int64_t K);
  std::int64_t M() const { return M_; }
  std::int64_t K() const { return K_; }
  bool empty() const { return panels_.empty(); }

 private:
  friend void gemm(const GemmPackedA& a, const GemmProblem& p);
  friend void gemm(const GemmPackedA& a, const GemmBSource& b, const GemmProblem& p);
  void run(const GemmProblem& p, const GemmBSource* b_source) const;
  std::vector<float> panels_;
  std::int64_t M_ = 0, K_ = 0;
  bool avx512_ = false;  // packed for gemm_packed_avx512_14x32 (else gemm_packed_vc_6x16)
};

// C (M x N) (+)= op(A) op(B) with op(A) from `a` (p.M and p.K must equal a.M() and a.K(); p.A,
// p.lda and p.trans_a are ignored): the same step as gemm(), and the same result bit for bit.
void gemm(const GemmPackedA& a, const GemmProblem& p);

// C (M x N) (+)= op(A) op(B) with op(A) from `a` and op(B) from `b` (p.A, p.B and their
// strides and transposes are ignored; p.M, p.N, p.K, p.C, p.ldc and p.accumulate are used).
void gemm(const GemmPackedA& a, const GemmBSource& b, const GemmProblem& p);

// C (M x N) += A (M x K) B^T through gemm(), B stored N x K, all rows contiguous: a convolution's
// weight gradient dy col^T from its im2col (vol2col) buffer col, N = rows of col, K = positions.
inline void gemm_add_abt(const float* A, const float* B, std::int64_t M, std::int64_t N,
                         std::int64_t K, float* C) {
  gemm(GemmProblem{.M = M,
                   .N = N,
                   .K = K,
                   .A = A,
                   .lda = K,
                   .B = B,
                   .ldb = K,
                   .trans_b = true,
                   .C = C,
                   .ldc = N,
                   .accumulate = true});
}

// Whether this CPU executes AVX-512F and AVX-512DQ instructions (cpuid, via the compiler).
bool cpu_has_avx512();
// "" when gemm_packed_avx512_14x32 can run here, else the reason it cannot.
std::string gemm_avx512_unsupported_reason();
inline bool gemm_avx512_supported() {
  return gemm_avx512_unsupported_reason().empty();
}

// The tile and block sizes of a step (0 where the step has no such notion). Tests build shapes
// that straddle them; the benchmarks print them.
struct GemmTiling {
  std::int64_t mr = 0, nr = 0;          // micro-tile of C held in registers
  std::int64_t mc = 0, kc = 0, nc = 0;  // cache blocks: A block mc x kc, B panel kc x nc
};

// One step of the chain, for the registry, the tests and the benchmarks.
struct GemmStep {
  std::string_view name;         // gemm_<algorithm>[_<isa>][_<tile>]
  std::string_view parent;       // the step this one improves on ("" for the first)
  std::string_view description;  // one line: what it adds
  std::string_view isa;          // "scalar", "avx2" or "avx512": whose FMA peak it is held to
  void (*run)(const GemmProblem&);
  // "" when this CPU runs the step, else why not (shown as a skip, never replaced by another).
  std::string (*unsupported_reason)();
  GemmTiling tiling;
  bool available() const { return unsupported_reason().empty(); }
};

// Every step, in teaching order (each step's parent comes before it).
const std::vector<GemmStep>& gemm_steps();

}  // namespace convlab
