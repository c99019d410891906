// Every registered variant of every op against the double reference on hundreds of random
// problems (tests/random_problems.hpp: awkward sizes, every parameter range), through the same
// engine as `convlab verify`: outputs are NaN-filled before each run, so an element a variant
// forgets to write fails, and the tolerance is the variant's own (DESIGN.md policy). Each
// problem runs under 1 and then 2 OpenMP threads, and the two outputs must be bit-identical.
//
// The reference variants run here too, but the double reference produced the expected values,
// so for them this only checks the float path and thread-independence; the reference itself
// answers to the documents, identities and finite differences in the per-op tests.
#include <gtest/gtest.h>
#include <omp.h>

#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "tests/random_problems.hpp"
#include "tools/verify.hpp"

namespace convlab::test {
namespace {

// Problems per op and direction. The sanitizer build (bounds-checked tensors) runs fewer.
#ifdef CONVLAB_BOUNDS_CHECK
constexpr int kProblems = 30;
#else
constexpr int kProblems = 200;
#endif

// The problems of one op, drawn once and shared by all its variants.
const std::vector<Case>& problems(const OpSpec& spec) {
  static std::map<const OpSpec*, std::vector<Case>> cache;
  auto [it, fresh] = cache.try_emplace(&spec);
  if (fresh) {
    for (int i = 0; i < kProblems; ++i) it->second.push_back(random_case(spec, i));
  }
  return it->second;
}

bool bit_identical(const TensorMap<float>& a, const TensorMap<float>& b) {
  if (a.size() != b.size()) return false;
  for (const auto& [name, t] : a) {
    const auto it = b.find(name);
    if (it == b.end() || !(it->second.shape() == t.shape())) return false;
    if (std::memcmp(t.values().data(), it->second.values().data(),
                    sizeof(float) * static_cast<std::size_t>(t.numel())) != 0) {
      return false;
    }
  }
  return true;
}

class RegistryRandom : public ::testing::TestWithParam<std::string> {};

TEST_P(RegistryRandom, WithinToleranceAndThreadIndependent) {
  const Variant& v = *find_variant(GetParam());
  const OpSpec& spec = find_op(v.op, v.direction);
  int ran = 0;
  std::string refused;
  for (const Case& c : problems(spec)) {
    SCOPED_TRACE(describe_problem(c));
    omp_set_num_threads(1);
    const Outcome one = run_variant_on_case(v, c);
    if (one.status == Status::skipped) {
      if (refused.empty()) refused = one.reason;
      continue;
    }
    ++ran;
    ASSERT_EQ(one.status, Status::passed) << describe_failure(c, v.name, one);
    omp_set_num_threads(2);
    const Outcome two = run_variant_on_case(v, c);
    omp_set_num_threads(1);
    ASSERT_EQ(two.status, Status::passed) << describe_failure(c, v.name, two);
    ASSERT_TRUE(bit_identical(one.outputs, two.outputs))
        << v.name << " gives different bits with 2 threads than with 1";
  }
  std::cout << "[ info     ] " << v.name << ": " << ran << " of " << kProblems
            << " random problems ran, seeds from " << problem_seed(spec, 0) << "\n";
  if (ran == 0) GTEST_SKIP() << "every random problem refused; e.g. " << refused;
  // A variant should apply to a fair share of its op's problems, or the test proves little.
  EXPECT_GE(ran, 10) << v.name << " ran on too few random problems; first refusal: " << refused;
}

// A variant's prepared form (Variant::prepare: the weights' work done once) gives run's bits.
TEST_P(RegistryRandom, PreparedFormGivesRunsBits) {
  const Variant& v = *find_variant(GetParam());
  if (!v.prepare) GTEST_SKIP() << v.name << " has no prepared form";
  const OpSpec& spec = find_op(v.op, v.direction);
  omp_set_num_threads(1);
  int ran = 0;
  for (const Case& c : problems(spec)) {
    SCOPED_TRACE(describe_problem(c));
    const Outcome run = run_variant_on_case(v, c);
    if (run.status == Status::skipped) continue;
    ++ran;
    const Outcome prepared = run_variant_on_case(v, c, /*prepared=*/true);
    ASSERT_EQ(prepared.status, Status::passed) << describe_failure(c, v.name, prepared);
    ASSERT_TRUE(bit_identical(run.outputs, prepared.outputs))
        << v.name << ": the prepared form gives different bits than run";
  }
  EXPECT_GE(ran, 10) << v.name << " ran on too few random problems";
}

std::vector<std::string> variant_names() {
  std::vector<std::string> names;
  for (const Variant& v : registry()) names.push_back(v.name);
  return names;
}

INSTANTIATE_TEST_SUITE_P(Variants, RegistryRandom, ::testing::ValuesIn(variant_names()),
                         [](const auto& info) { return info.param; });

// Every op in the table has a random-problem generator (the reference variant of an op
// without one would throw above; this names the op directly).
TEST(RegistryRandomCoverage, EveryOpHasAGenerator) {
  for (const OpSpec& spec : all_ops()) {
    EXPECT_NO_THROW(random_case(spec, 0)) << spec.name << " " << to_string(spec.direction);
  }
}

}  // namespace
}  // namespace convlab::test
