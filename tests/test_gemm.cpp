// Every step of the GEMM core (kernels/gemm/gemm_steps()) against a double-precision triple loop
// written here. The tests are parameterized over the table of steps, so a new step is tested
// without touching this file; a test's name is <case>/<step>.
//
// Two kinds of data:
//  - small integers in [-3, 3]: every partial sum is an integer below 2^24 (at most
//    9 * 517 + 9 in magnitude here), so float arithmetic is exact in any order and every step
//    must equal the double loop exactly (==);
//  - uniform values in [-1, 1): the DESIGN.md bound |c - c_ref| <= 2 * eps * n * sum |terms|
//    (eps = FLT_EPSILON, n = K terms, K + 1 with accumulate, the old C being the extra term).
//    Any summation order of n float terms, with or without FMA, stays within
//    (n - 1 + 1) * eps/2 * sum |terms| (products rounded once, n - 1 additions), so factor 2
//    leaves a 4x margin and still fails for a missing or doubled term.
// Inputs are stored with padded rows (ld > width) whose padding holds NaN: a step that reads it
// produces NaN. Outputs are pre-filled with NaN when not accumulating, so an unwritten element
// fails; C's padding holds a sentinel that must survive untouched.
#include <gtest/gtest.h>
#include <omp.h>

#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "kernels/gemm/gemm.hpp"
#include "tests/support.hpp"

namespace convlab {
namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr float kSentinel = -12345.5f;  // in C's row padding; no step may write there
constexpr double kFactor = 2.0;         // the tolerance factor of every GEMM step (see above)

// Sizes that straddle the SIMD widths (8, 16) and the micro-tile heights (6, 14).
const std::int64_t kSizes[] = {1, 2, 7, 8, 9, 15, 16, 17, 31, 33, 64, 100};

struct Case {
  std::int64_t M, N, K;
  bool trans_a, trans_b, accumulate;
  std::int64_t pad_a = 0, pad_b = 0, pad_c = 0;  // ld = row width + pad
  bool integers = true;
  std::uint64_t seed = 1;

  std::string str() const {
    std::ostringstream os;
    os << "M=" << M << " N=" << N << " K=" << K << " trans_a=" << trans_a << " trans_b=" << trans_b
       << " accumulate=" << accumulate << " pads=" << pad_a << "," << pad_b << "," << pad_c
       << (integers ? " integers" : " uniform") << " seed=" << seed;
    return os.str();
  }
};

// The stored operands and C of a case, plus the reference in double.
struct Data {
  Case c;
  std::int64_t lda, ldb, ldc;
  Tensor<float> a, b, c0;     // stored A, stored B, C before the call (with padding)
  Tensor<double> ref, bound;  // M x N
};

// A rows x (cols + pad) matrix: values in the first cols columns, `padding` after them.
Tensor<float> stored(std::int64_t rows, std::int64_t cols, std::int64_t pad, bool integers,
                     std::uint64_t seed, float padding) {
  Tensor<float> m = integers ? test::random_int_tensor<float>(Shape{rows, cols + pad}, seed)
                             : test::random_tensor<float>(Shape{rows, cols + pad}, seed);
  for (std::int64_t i = 0; i < rows; ++i) {
    for (std::int64_t j = cols; j < cols + pad; ++j) m(i, j) = padding;
  }
  return m;
}

Data make_data(const Case& c) {
  Data d{c, 0, 0, 0, {}, {}, {}, {}, {}};
  const std::int64_t a_rows = c.trans_a ? c.K : c.M, a_cols = c.trans_a ? c.M : c.K;
  const std::int64_t b_rows = c.trans_b ? c.N : c.K, b_cols = c.trans_b ? c.K : c.N;
  d.lda = a_cols + c.pad_a;
  d.ldb = b_cols + c.pad_b;
  d.ldc = c.N + c.pad_c;
  d.a = stored(a_rows, a_cols, c.pad_a, c.integers, c.seed, kNaN);
  d.b = stored(b_rows, b_cols, c.pad_b, c.integers, c.seed + 1, kNaN);
  d.c0 = stored(c.M, c.N, c.pad_c, c.integers, c.seed + 2, kSentinel);
  if (!c.accumulate) {
    for (std::int64_t i = 0; i < c.M; ++i) {
      for (std::int64_t j = 0; j < c.N; ++j) d.c0(i, j) = kNaN;
    }
  }
  // The double triple loop: ref = [C +] sum_p op(A)[i][p] op(B)[p][j], bound from |terms|.
  // Raw pointers rather than the bounds-checked accessors: debug builds run this loop too.
  d.ref = Tensor<double>(Shape{c.M, c.N});
  d.bound = Tensor<double>(Shape{c.M, c.N});
  const double eps = FLT_EPSILON;
  // op(A)[i][p] = a[i * a_i + p * a_p], op(B)[p][j] = b[p * b_p + j * b_j].
  const std::int64_t a_i = c.trans_a ? 1 : d.lda, a_p = c.trans_a ? d.lda : 1;
  const std::int64_t b_p = c.trans_b ? 1 : d.ldb, b_j = c.trans_b ? d.ldb : 1;
  const float* a = d.a.data();
  const float* b = d.b.data();
  for (std::int64_t i = 0; i < c.M; ++i) {
    for (std::int64_t j = 0; j < c.N; ++j) {
      const double c0 = d.c0.data()[i * d.ldc + j];
      double sum = c.accumulate ? c0 : 0.0;
      double mag = c.accumulate ? std::fabs(c0) : 0.0;
      for (std::int64_t p = 0; p < c.K; ++p) {
        const double term = double(a[i * a_i + p * a_p]) * double(b[p * b_p + j * b_j]);
        sum += term;
        mag += std::fabs(term);
      }
      d.ref.data()[i * c.N + j] = sum;
      d.bound.data()[i * c.N + j] = kFactor * eps * double(c.K + (c.accumulate ? 1 : 0)) * mag;
    }
  }
  return d;
}

GemmProblem problem(const Data& d, Tensor<float>& out) {
  return GemmProblem{.M = d.c.M,
                     .N = d.c.N,
                     .K = d.c.K,
                     .A = d.a.data(),
                     .lda = d.lda,
                     .trans_a = d.c.trans_a,
                     .B = d.b.data(),
                     .ldb = d.ldb,
                     .trans_b = d.c.trans_b,
                     .C = out.data(),
                     .ldc = d.ldc,
                     .accumulate = d.c.accumulate};
}

// Runs `run` on the case and checks C: exact for integers, within the bound otherwise; the
// padding of C untouched.
::testing::AssertionResult run_and_check(void (*run)(const GemmProblem&), const Data& d) {
  Tensor<float> out = d.c0.clone();
  run(problem(d, out));
  for (std::int64_t i = 0; i < d.c.M; ++i) {
    for (std::int64_t j = 0; j < d.ldc; ++j) {
      const float v = out.data()[i * d.ldc + j];
      if (j >= d.c.N) {
        if (!(v == kSentinel)) {
          return ::testing::AssertionFailure()
                 << "C(" << i << ", " << j << ") in the row padding was overwritten with " << v;
        }
        continue;
      }
      const double ref = d.ref.data()[i * d.c.N + j];
      const double err = std::fabs(double(v) - ref);
      const double tol = d.c.integers ? 0.0 : d.bound.data()[i * d.c.N + j];
      if (!(err <= tol)) {
        return ::testing::AssertionFailure()
               << "C(" << i << ", " << j << ") = " << v << ", reference " << ref << ", |diff| "
               << err << " > tolerance " << tol;
      }
    }
  }
  return ::testing::AssertionSuccess();
}

// `count` cases with M, N, K drawn from kSizes, random transposes, accumulate and padding.
std::vector<Case> random_cases(std::uint64_t seed, int count, bool integers) {
  std::mt19937_64 rng(seed);
  auto size = [&] { return kSizes[std::uniform_int_distribution<int>(0, 11)(rng)]; };
  auto flip = [&] { return std::uniform_int_distribution<int>(0, 1)(rng) == 1; };
  auto pad = [&] { return flip() ? 0 : std::uniform_int_distribution<std::int64_t>(1, 5)(rng); };
  std::vector<Case> cases;
  for (int n = 0; n < count; ++n) {
    Case c{size(), size(), size(), flip(), flip(), flip()};
    c.pad_a = pad();
    c.pad_b = pad();
    c.pad_c = pad();
    c.integers = integers;
    c.seed = seed * 1000 + 3 * std::uint64_t(n);
    cases.push_back(c);
  }
  return cases;
}

// ---- the parameterized suite: every case kind x every step ----

class GemmStepTest : public ::testing::TestWithParam<std::size_t> {
 protected:
  const GemmStep& step() const { return gemm_steps()[GetParam()]; }
  // Tests run single-threaded by default (DESIGN.md); GemmThreaded below uses 2 threads.
  void SetUp() override {
    if (!step().available()) GTEST_SKIP() << step().name << ": " << step().unsupported_reason();
    saved_threads_ = omp_get_max_threads();
    omp_set_num_threads(1);
  }
  void TearDown() override { omp_set_num_threads(saved_threads_); }
  void check_all(const std::vector<Case>& cases) {
    for (const Case& c : cases) {
      SCOPED_TRACE(c.str());
      ASSERT_TRUE(run_and_check(step().run, make_data(c)));
    }
  }

 private:
  int saved_threads_ = 1;
};

// Random shapes from the awkward sizes; small integers, so the result must be exact.
TEST_P(GemmStepTest, ExactSmallIntegersRandomShapes) {
  check_all(random_cases(/*seed=*/11, 300, /*integers=*/true));
}

// Random shapes from the awkward sizes; uniform values within the error bound.
TEST_P(GemmStepTest, UniformWithinBoundRandomShapes) {
  check_all(random_cases(/*seed=*/12, 300, /*integers=*/false));
}

// Each awkward size as M, as N and as K, under all 4 transpose combinations, accumulate on/off.
TEST_P(GemmStepTest, EverySizeEveryTransposeAndAccumulate) {
  std::vector<Case> cases;
  std::uint64_t seed = 13000;
  for (std::int64_t s : kSizes) {
    for (int t = 0; t < 8; ++t) {
      const bool ta = t & 1, tb = t & 2, acc = t & 4;
      const std::int64_t shapes[3][3] = {{s, 17, 9}, {9, s, 17}, {17, 9, s}};
      for (const auto& mnk : shapes) {
        Case c{mnk[0], mnk[1], mnk[2], ta, tb, acc, 0, 3, 1};
        c.seed = seed += 3;
        c.integers = (t % 3) != 0;  // mostly exact, some uniform
        cases.push_back(c);
      }
    }
  }
  check_all(cases);
}

// Shapes one past (and one short of) the step's blocks and micro-tile (mc + mr + 1 rows, nc + 1
// columns, 2 kc + 1 deep, ...), so every loop of the blocked and packed steps has a partial last
// iteration. A step without blocks gets the same shapes from placeholder sizes.
TEST_P(GemmStepTest, PartialTilesAndBlocks) {
  const GemmTiling t = step().tiling;
  const std::int64_t mr = t.mr ? t.mr : 1, nr = t.nr ? t.nr : 1;
  const std::int64_t mc = t.mc ? t.mc : 64, kc = t.kc ? t.kc : 64, nc = t.nc ? t.nc : 64;
  SCOPED_TRACE("tiling mr=" + std::to_string(mr) + " nr=" + std::to_string(nr) + " mc=" +
               std::to_string(mc) + " kc=" + std::to_string(kc) + " nc=" + std::to_string(nc));
  std::vector<Case> cases = {
      {mc + mr + 1, 2 * nr + 3, kc + 1, false, false, false, 2, 0, 3},
      {mc - 1, nr > 1 ? nr - 1 : 1, kc - 1, true, true, true, 0, 1, 0},
      {mr + 1, nc + 1, kc + 3, false, true, true, 1, 1, 1},
      {2 * mc + 1, nr + 1, 2 * kc + 1, true, false, false, 0, 0, 2},
      {3, nc - 1, 7, true, true, false, 1, 0, 0},
  };
  std::uint64_t seed = 14000;
  for (Case& c : cases) c.seed = seed += 3;
  check_all(cases);
  for (Case& c : cases) {
    c.integers = false;
    c.seed = seed += 3;
  }
  check_all(cases);
}

// A large-ish problem, 300 x 200 x 500: untransposed with exact integers, both transposed with
// uniform values and accumulate. (PartialTilesAndBlocks crosses each step's own kc with every
// transpose combination; two cases here keep the debug build's run time down.)
TEST_P(GemmStepTest, Large300x200x500) {
  Case nn{300, 200, 500, false, false, false, 1, 2, 3};
  nn.seed = 15003;
  Case tt{300, 200, 500, true, true, true, 3, 0, 1};
  tt.integers = false;
  tt.seed = 15006;
  check_all({nn, tt});
}

// W6 (doc:000_3ddde5b97f33cba7.txt#W6): a fully connected layer 4 -> 2 is
// y (1 x 2) = x (1 x 4) * W^T + b: a GEMM with trans_b, accumulating onto C = b.
// By hand from the printed (4-decimal) weights:
//   y0 = -0.3949 + 0.1*-0.4654 + 0.2*0.0059 + 0.2*0.2813 + 0.1*-0.2186 = -0.40586
//   y1 = -0.1806 + 0.1*0.4194 + 0.2*0.0747 + 0.2*0.2652 + 0.1*0.0923 = -0.06145
// printed: -0.4059, -0.0615. Tolerance: 0.5e-4 for the printed output, 0.5e-4 for the printed
// bias, 0.5e-4 * sum|x| = 0.3e-4 for the printed weights: 1.3e-4.
TEST_P(GemmStepTest, W6Doc000FullyConnected) {
  const float x[4] = {0.1f, 0.2f, 0.2f, 0.1f};
  const float w[2][4] = {{-0.4654f, 0.0059f, 0.2813f, -0.2186f},
                         {0.4194f, 0.0747f, 0.2652f, 0.0923f}};
  float y[2] = {-0.3949f, -0.1806f};
  step().run(GemmProblem{.M = 1,
                         .N = 2,
                         .K = 4,
                         .A = x,
                         .lda = 4,
                         .B = &w[0][0],
                         .ldb = 4,
                         .trans_b = true,
                         .C = y,
                         .ldc = 2,
                         .accumulate = true});
  EXPECT_NEAR(y[0], -0.4059, 1.3e-4);
  EXPECT_NEAR(y[1], -0.0615, 1.3e-4);
  // And against the hand sums above (float rounding of inputs and sums: well below 1e-6).
  EXPECT_NEAR(y[0], -0.40586, 1e-6);
  EXPECT_NEAR(y[1], -0.06145, 1e-6);
}

// Invalid problems throw std::invalid_argument naming the step, the argument and the value.
TEST_P(GemmStepTest, RejectsInvalidProblems) {
  std::vector<float> a(6 * 4, 1.0f), b(5 * 5, 1.0f), c(6 * 5, 0.0f);
  const GemmProblem ok{.M = 6,
                       .N = 5,
                       .K = 4,
                       .A = a.data(),
                       .lda = 4,
                       .B = b.data(),
                       .ldb = 5,
                       .C = c.data(),
                       .ldc = 5};
  ASSERT_NO_THROW(step().run(ok));
  const std::string name(step().name);
  auto expect_error = [&](GemmProblem p, const std::string& message) {
    try {
      step().run(p);
      ADD_FAILURE() << "no exception; expected \"" << message << "\"";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(name + ": " + message), std::string::npos) << e.what();
    }
  };
  GemmProblem p = ok;
  p.M = 0;
  expect_error(p, "M must be >= 1, got 0");
  p = ok;
  p.N = -3;
  expect_error(p, "N must be >= 1, got -3");
  p = ok;
  p.K = 0;
  expect_error(p, "K must be >= 1, got 0");
  p = ok;
  p.A = nullptr;
  expect_error(p, "A is null");
  p = ok;
  p.lda = 3;
  expect_error(p, "lda must be >= K = 4");
  p = ok;
  p.trans_a = true;  // stored A is then K x M = 4 x 6
  expect_error(p, "lda must be >= M = 6");
  p = ok;
  p.ldb = 4;
  expect_error(p, "ldb must be >= N = 5");
  p = ok;
  p.trans_b = true;  // stored B is then N x K = 5 x 4: lda-like check passes with ldb = 5
  ASSERT_NO_THROW(step().run(p));
  p.ldb = 3;
  expect_error(p, "ldb must be >= K = 4");
  p = ok;
  p.ldc = 4;
  expect_error(p, "ldc must be >= N = 5");
  p = ok;
  p.C = a.data() + 3;
  expect_error(p, "C (M x N = 6 x 5) overlaps A");
  p = ok;
  p.C = b.data();
  expect_error(p, "C (M x N = 6 x 5) overlaps B");
}

std::vector<std::size_t> all_steps() {
  std::vector<std::size_t> idx(gemm_steps().size());
  for (std::size_t i = 0; i < idx.size(); ++i) idx[i] = i;
  return idx;
}

INSTANTIATE_TEST_SUITE_P(Steps, GemmStepTest, ::testing::ValuesIn(all_steps()),
                         [](const ::testing::TestParamInfo<std::size_t>& info) {
                           return std::string(gemm_steps()[info.param].name);
                         });

// ---- the table itself, the dispatcher and the threads ----

TEST(GemmSteps, TableIsAChainOfUniquelyNamedSteps) {
  const auto& steps = gemm_steps();
  ASSERT_GE(steps.size(), 7u);
  EXPECT_EQ(steps[0].name, "gemm_naive");
  EXPECT_EQ(steps[0].parent, "");
  for (std::size_t i = 0; i < steps.size(); ++i) {
    SCOPED_TRACE(std::string(steps[i].name));
    EXPECT_EQ(steps[i].name.substr(0, 5), "gemm_");
    EXPECT_FALSE(steps[i].description.empty());
    EXPECT_TRUE(steps[i].isa == "scalar" || steps[i].isa == "avx2" || steps[i].isa == "avx512");
    bool parent_before = i == 0;
    for (std::size_t j = 0; j < i; ++j) {
      EXPECT_NE(steps[j].name, steps[i].name) << "duplicate name";
      parent_before = parent_before || steps[j].name == steps[i].parent;
    }
    EXPECT_TRUE(parent_before) << "parent " << steps[i].parent << " is not an earlier step";
  }
}

TEST(GemmSteps, Avx512AvailabilityFollowsTheCpu) {
  for (const GemmStep& s : gemm_steps()) {
    if (s.isa != "avx512" || s.name == "gemm_threaded") continue;
    EXPECT_EQ(s.available(), cpu_has_avx512()) << s.name;
    EXPECT_EQ(s.unsupported_reason().empty(), gemm_avx512_supported()) << s.name;
  }
}

// gemm() is the AVX-512 step when the CPU has it, else the Vc step: bit-identical to that step.
TEST(GemmDispatch, GemmIsTheFastestSerialStep) {
  Case c{101, 67, 300, false, true, true, 1, 0, 2};
  c.integers = false;
  c.seed = 16001;
  const Data d = make_data(c);
  Tensor<float> via_gemm = d.c0.clone(), via_step = d.c0.clone();
  gemm(problem(d, via_gemm));
  if (cpu_has_avx512()) {
    gemm_packed_avx512_14x32(problem(d, via_step));
  } else {
    gemm_packed_vc_6x16(problem(d, via_step));
  }
  ASSERT_EQ(std::memcmp(via_gemm.data(), via_step.data(), sizeof(float) * via_gemm.numel()), 0);
}

// A GemmPackedA is op(A) packed once: products through it are bit-identical to gemm() (same
// kernel, same kc blocks), correct against the double reference, and the same packed A serves
// several B. Shapes straddle the micro-panel heights (6, 14) and two kc blocks (K > 512).
TEST(GemmPackedA, SameBitsAsGemmAndReusable) {
  std::vector<Case> cases = {
      {101, 67, 300, false, true, true, 1, 0, 2}, {14, 32, 1030, true, false, false, 3, 0, 0},
      {15, 1, 7, false, false, false, 0, 2, 1},   {1, 45, 1, true, true, true, 0, 0, 0},
      {64, 9, 800, true, false, true, 0, 5, 0},   {29, 100, 513, false, false, false, 0, 0, 3},
  };
  std::uint64_t seed = 16100;
  for (Case& c : cases) {
    c.integers = false;
    c.seed = seed += 3;
    SCOPED_TRACE(c.str());
    const Data d = make_data(c);
    const GemmPackedA packed(d.a.data(), d.lda, c.trans_a, c.M, c.K);
    EXPECT_EQ(packed.M(), c.M);
    EXPECT_EQ(packed.K(), c.K);
    for (int use = 0; use < 2; ++use) {  // the packed A is read, never consumed
      Tensor<float> via_packed = d.c0.clone(), via_gemm = d.c0.clone();
      gemm(packed, problem(d, via_packed));
      gemm(problem(d, via_gemm));
      ASSERT_EQ(std::memcmp(via_packed.data(), via_gemm.data(),
                            sizeof(float) * static_cast<std::size_t>(via_gemm.numel())),
                0);
    }
    EXPECT_TRUE(run_and_check(
        [](const GemmProblem& p) {
          // Packs from p itself, so run_and_check's problem is the one multiplied.
          gemm(GemmPackedA(p.A, p.lda, p.trans_a, p.M, p.K), p);
        },
        d));
  }
}

// A GemmBSource that packs op(B) from a stored B (not transposed) gives gemm()'s bits: the
// panels, their zero columns past N and the kc blocks are the core's own.
TEST(GemmPackedA, BSourceGivesGemmsBits) {
  struct Stored {
    const float* b;
    std::int64_t ldb;
  };
  const auto pack = [](const void* context, std::int64_t k0, std::int64_t j0, std::int64_t kb,
                       std::int64_t nb, std::int64_t nr, float* dst) {
    const Stored& s = *static_cast<const Stored*>(context);
    for (std::int64_t j = 0; j < (nb + nr - 1) / nr * nr; ++j) {
      for (std::int64_t k = 0; k < kb; ++k) {
        dst[(j / nr) * kb * nr + k * nr + j % nr] = j < nb ? s.b[(k0 + k) * s.ldb + j0 + j] : 0.0f;
      }
    }
  };
  std::vector<Case> cases = {{14, 33, 1030, false, false, false, 0, 2, 0},
                             {5, 2100, 40, true, false, true, 0, 0, 3},
                             {29, 1, 513, false, false, false, 1, 0, 0}};
  std::uint64_t seed = 16200;
  for (Case& c : cases) {
    c.integers = false;
    c.seed = seed += 3;
    SCOPED_TRACE(c.str());
    const Data d = make_data(c);
    const GemmPackedA packed(d.a.data(), d.lda, c.trans_a, c.M, c.K);
    const Stored stored{d.b.data(), d.ldb};
    Tensor<float> via_source = d.c0.clone(), via_gemm = d.c0.clone();
    GemmProblem p = problem(d, via_source);
    p.B = nullptr;  // not read
    gemm(packed, GemmBSource{pack, &stored}, p);
    gemm(problem(d, via_gemm));
    ASSERT_EQ(std::memcmp(via_source.data(), via_gemm.data(),
                          sizeof(float) * static_cast<std::size_t>(via_gemm.numel())),
              0);
  }
  Tensor<float> out(Shape{14, 33});
  GemmProblem p{.M = 14, .N = 33, .K = 1030, .C = out.data(), .ldc = 33};
  const Data d = make_data(cases[0]);
  const GemmPackedA packed(d.a.data(), d.lda, false, 14, 1030);
  EXPECT_THROW(gemm(packed, GemmBSource{}, p), std::invalid_argument);  // no pack function
  p.ldc = 32;
  EXPECT_THROW(gemm(packed, GemmBSource{pack, nullptr}, p), std::invalid_argument);
}

TEST(GemmPackedA, RejectsMismatchedOrInvalidProblems) {
  const std::vector<float> a(6 * 4, 1.0f), b(4 * 5, 1.0f);
  std::vector<float> c(6 * 5, 0.0f);
  const GemmPackedA packed(a.data(), 4, false, 6, 4);
  GemmProblem p{.M = 6, .N = 5, .K = 4, .B = b.data(), .ldb = 5, .C = c.data(), .ldc = 5};
  p.K = 3;
  EXPECT_THROW(
      {
        try {
          gemm(packed, p);
        } catch (const std::invalid_argument& e) {
          EXPECT_NE(std::string(e.what()).find("packed as 6 x 4"), std::string::npos) << e.what();
          throw;
        }
      },
      std::invalid_argument);
  p.K = 4;
  p.ldb = 4;  // < N
  EXPECT_THROW(gemm(packed, p), std::invalid_argument);
  EXPECT_THROW(gemm(GemmPackedA(), GemmProblem{}), std::invalid_argument);
  EXPECT_THROW(GemmPackedA(a.data(), 3, false, 6, 4), std::invalid_argument);  // lda < K
  EXPECT_THROW(GemmPackedA(nullptr, 4, false, 6, 4), std::invalid_argument);
}

// Restores the OpenMP thread count on scope exit.
struct ThreadCount {
  int saved = omp_get_max_threads();
  explicit ThreadCount(int n) { omp_set_num_threads(n); }
  ~ThreadCount() { omp_set_num_threads(saved); }
};

// gemm_threaded splits blocks of C over threads without changing any sum: with 1 and 2 threads
// the bits are identical, and equal to the serial step whose kernel it uses (gemm()).
TEST(GemmThreaded, BitIdenticalForOneAndTwoThreads) {
  std::vector<Case> cases = {
      {300, 200, 500, false, false, false, 0, 0, 0}, {300, 200, 500, true, true, true, 1, 2, 3},
      {7, 2100, 300, false, true, false, 0, 1, 0},   {100, 64, 9, true, false, true, 0, 0, 1},
      {1, 1, 1, false, false, false, 0, 0, 0},       {45, 130, 401, false, false, true, 2, 0, 0},
  };
  // K across two kc blocks of the kernel gemm_threaded uses: the order of the additions of an
  // element depends on kc, so kc must not depend on the thread count.
  for (const GemmStep& s : gemm_steps()) {
    if (s.name == "gemm_threaded")
      cases.push_back({50, 70, 2 * s.tiling.kc + 5, true, false, true});
  }
  std::uint64_t seed = 17000;
  for (Case& c : cases) {
    c.integers = false;
    c.seed = seed += 3;
    SCOPED_TRACE(c.str());
    const Data d = make_data(c);
    Tensor<float> one = d.c0.clone(), two = d.c0.clone(), serial = d.c0.clone();
    {
      ThreadCount t(1);
      gemm_threaded(problem(d, one));
    }
    {
      ThreadCount t(2);
      gemm_threaded(problem(d, two));
    }
    gemm(problem(d, serial));
    const std::size_t bytes = sizeof(float) * static_cast<std::size_t>(one.numel());
    EXPECT_EQ(std::memcmp(one.data(), two.data(), bytes), 0) << "1 vs 2 threads";
    EXPECT_EQ(std::memcmp(one.data(), serial.data(), bytes), 0) << "threaded vs gemm()";
    ThreadCount t(2);
    EXPECT_TRUE(run_and_check(gemm_threaded, d));  // and correct, with 2 threads
  }
}

}  // namespace
}  // namespace convlab
