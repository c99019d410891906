// The GEMM core's shared parts: validation, scratch memory, CPU detection, the dispatching
// gemm() and the table of steps. Compiled for the baseline ISA (CONVLAB_ISA); the AVX-512 code
// is reached only through the checks here.
#include "kernels/gemm/gemm.hpp"

#include <cstdint>
#include <functional>
#include <new>
#include <sstream>
#include <stdexcept>
#include <string>

#include "kernels/gemm/detail.hpp"

namespace convlab {
namespace gemm_detail {
namespace {

template <class... Parts>
[[noreturn]] void fail(std::string_view op, const Parts&... parts) {
  std::ostringstream os;
  os << op << ": ";
  (os << ... << parts);
  throw std::invalid_argument(os.str());
}

// [first, last) address range of a matrix with `rows` rows of `cols` floats, row stride ld.
struct Range {
  const float* first;
  const float* last;
};
Range extent(const float* m, std::int64_t rows, std::int64_t cols, std::int64_t ld) {
  return {m, m + (rows - 1) * ld + cols};
}
bool overlap(Range a, Range b) {
  const std::less<const float*> lt;
  return lt(a.first, b.last) && lt(b.first, a.last);
}

}  // namespace

void check_a(std::string_view op, const GemmProblem& p) {
  if (p.M < 1) fail(op, "M must be >= 1, got ", p.M);
  if (p.K < 1) fail(op, "K must be >= 1, got ", p.K);
  if (p.A == nullptr) fail(op, "A is null");
  // Stored shape: A is M x K (K x M when trans_a).
  const std::int64_t a_cols = p.trans_a ? p.M : p.K;
  if (p.lda < a_cols) {
    fail(op, "lda must be >= ", p.trans_a ? "M" : "K", " = ", a_cols, " (the row width of A",
         p.trans_a ? ", stored K x M" : "", "), got ", p.lda);
  }
}

void check_problem(std::string_view op, const GemmProblem& p) {
  check_a(op, p);
  if (p.N < 1) fail(op, "N must be >= 1, got ", p.N);
  if (p.B == nullptr) fail(op, "B is null");
  if (p.C == nullptr) fail(op, "C is null");
  // Stored shapes: A is M x K (K x M when trans_a), B is K x N (N x K when trans_b).
  const std::int64_t a_rows = p.trans_a ? p.K : p.M, a_cols = p.trans_a ? p.M : p.K;
  const std::int64_t b_rows = p.trans_b ? p.N : p.K, b_cols = p.trans_b ? p.K : p.N;
  if (p.ldb < b_cols) {
    fail(op, "ldb must be >= ", p.trans_b ? "K" : "N", " = ", b_cols, " (the row width of B",
         p.trans_b ? ", stored N x K" : "", "), got ", p.ldb);
  }
  if (p.ldc < p.N) fail(op, "ldc must be >= N = ", p.N, " (the row width of C), got ", p.ldc);
  const Range c = extent(p.C, p.M, p.N, p.ldc);
  if (overlap(c, extent(p.A, a_rows, a_cols, p.lda))) {
    fail(op, "C (M x N = ", p.M, " x ", p.N, ") overlaps A; the output must not alias an input");
  }
  if (overlap(c, extent(p.B, b_rows, b_cols, p.ldb))) {
    fail(op, "C (M x N = ", p.M, " x ", p.N, ") overlaps B; the output must not alias an input");
  }
}

float* scratch(int slot, std::size_t floats) {
  struct Buffer {
    float* data = nullptr;
    std::size_t capacity = 0;
    ~Buffer() { ::operator delete[](data, std::align_val_t{64}); }
  };
  thread_local Buffer buffers[2];
  Buffer& b = buffers[slot];
  if (b.capacity < floats) {
    ::operator delete[](b.data, std::align_val_t{64});
    b.data = nullptr;
    b.capacity = 0;
    b.data = static_cast<float*>(::operator new[](floats * sizeof(float), std::align_val_t{64}));
    b.capacity = floats;
  }
  return b.data;
}

}  // namespace gemm_detail

bool cpu_has_avx512() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq");
}

std::string gemm_avx512_unsupported_reason() {
  return cpu_has_avx512() ? std::string()
                          : std::string("this CPU lacks AVX-512F/AVX-512DQ (cpuid)");
}

void gemm_packed_avx512_14x32(const GemmProblem& p) {
  gemm_detail::check_problem("gemm_packed_avx512_14x32", p);
  // Checked here, in baseline code, before any AVX-512 instruction can execute.
  if (!cpu_has_avx512()) {
    throw std::runtime_error("gemm_packed_avx512_14x32: " + gemm_avx512_unsupported_reason());
  }
  gemm_detail::packed_avx512_14x32_run(p, 1);
}

void gemm(const GemmProblem& p) {
  if (cpu_has_avx512()) {
    gemm_packed_avx512_14x32(p);
  } else {
    gemm_packed_vc_6x16(p);
  }
}

GemmPackedA::GemmPackedA(const float* A, std::int64_t lda, bool trans_a, std::int64_t M,
                         std::int64_t K)
    : M_(M), K_(K), avx512_(cpu_has_avx512()) {
  const GemmProblem p{.M = M, .N = 1, .K = K, .A = A, .lda = lda, .trans_a = trans_a};
  gemm_detail::check_a("GemmPackedA", p);
  const GemmTiling& t = avx512_ ? gemm_detail::kPackedAvx512Tiling : gemm_detail::kPackedVcTiling;
  panels_.resize(static_cast<std::size_t>((M + t.mr - 1) / t.mr * t.mr * K));
  if (avx512_) {
    gemm_detail::packed_avx512_14x32_pack_a(p, panels_.data());
  } else {
    gemm_detail::packed_vc_6x16_pack_a(p, panels_.data());
  }
}

// Both gemm(GemmPackedA, ...) overloads: b_source null means op(B) is p.B.
void GemmPackedA::run(const GemmProblem& p, const GemmBSource* b_source) const {
  using gemm_detail::fail;
  const char* op = b_source ? "gemm(GemmPackedA, GemmBSource)" : "gemm(GemmPackedA)";
  if (empty()) throw std::invalid_argument(std::string(op) + ": the packed A is empty");
  if (p.M != M_ || p.K != K_) {
    std::ostringstream os;
    os << op << ": the problem is M x K = " << p.M << " x " << p.K << " but A was packed as " << M_
       << " x " << K_;
    throw std::invalid_argument(os.str());
  }
  if (b_source != nullptr && b_source->pack == nullptr) {
    throw std::invalid_argument(std::string(op) + ": the B source has no pack function");
  }
  GemmProblem q = p;  // validated with the packed panels standing for A
  q.A = panels_.data();
  q.lda = K_;
  q.trans_a = false;
  if (b_source == nullptr) {
    gemm_detail::check_problem(op, q);
  } else {  // no B in memory: only N and C to check (C cannot overlap the packed panels)
    if (q.N < 1) fail(op, "N must be >= 1, got ", q.N);
    if (q.C == nullptr) fail(op, "C is null");
    if (q.ldc < q.N) {
      fail(op, "ldc must be >= N = ", q.N, " (the row width of C), got ", q.ldc);
    }
  }
  if (avx512_) {
    gemm_detail::packed_avx512_14x32_run(q, 1, q.A, b_source);
  } else {
    gemm_detail::packed_vc_6x16_run(q, 1, q.A, b_source);
  }
}

void gemm(const GemmPackedA& a, const GemmProblem& p) {
  a.run(p, nullptr);
}

void gemm(const GemmPackedA& a, const GemmBSource& b, const GemmProblem& p) {
  a.run(p, &b);
}

namespace {
std::string always_available() {
  return {};
}
}  // namespace

const std::vector<GemmStep>& gemm_steps() {
  using namespace gemm_detail;
  static const std::vector<GemmStep> steps = {
      {"gemm_naive", "", "i, j, p triple loop: one float dot product per element of C", "scalar",
       gemm_naive, always_available, GemmTiling{}},
      {"gemm_loop_order", "gemm_naive",
       "i, p, j order: unit-stride inner loop over a row of B and C, vectorized by the compiler",
       "scalar", gemm_loop_order, always_available, GemmTiling{}},
      {"gemm_blocked", "gemm_loop_order",
       "mc x kc x nc cache blocks around the i, p, j loops so B's block stays in L2", "scalar",
       gemm_blocked, always_available, kBlockedTiling},
      {"gemm_packed", "gemm_blocked",
       "A and B blocks packed into contiguous micro-panels; plain C++ 6 x 16 micro-kernel",
       "scalar", gemm_packed, always_available, kPackedTiling},
      {"gemm_packed_vc_6x16", "gemm_packed",
       "register-blocked Vc::float_v micro-kernel: 6 x 16 tile of C in 12 AVX2 registers, FMA",
       "avx2", gemm_packed_vc_6x16, always_available, kPackedVcTiling},
      {"gemm_packed_avx512_14x32", "gemm_packed_vc_6x16",
       "AVX-512 intrinsics micro-kernel: 14 x 32 tile of C in 28 zmm registers, masked edges",
       "avx512", gemm_packed_avx512_14x32, gemm_avx512_unsupported_reason, kPackedAvx512Tiling},
      {"gemm_threaded", cpu_has_avx512() ? "gemm_packed_avx512_14x32" : "gemm_packed_vc_6x16",
       "OpenMP over row blocks of C with the fastest micro-kernel; same result for any thread "
       "count",
       cpu_has_avx512() ? "avx512" : "avx2", gemm_threaded, always_available,
       cpu_has_avx512() ? kPackedAvx512Tiling : kPackedVcTiling},
  };
  return steps;
}

}  // namespace convlab
