// Every registered variant on every corpus case of its op: one test per (variant, case), named
// "<variant>/<case>". A variant that does not support a case is a visible skip with its
// reason. Set CONVLAB_VARIANT=<name> to run one variant only (like benchdnn's --impl).
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "tools/verify.hpp"

namespace convlab {
namespace {

struct VariantCase {
  const Variant* variant;
  std::filesystem::path dir;
  std::string case_name;
};

std::vector<VariantCase> all_pairs() {
  const char* only = std::getenv("CONVLAB_VARIANT");
  std::vector<VariantCase> pairs;
  for (const auto& dir : find_cases({bundled_corpus_dir()})) {
    // The op and direction decide which variants apply; a case that does not load becomes a
    // test of its own below, so a broken fixture fails loudly instead of vanishing.
    Case c;
    try {
      c = load_case(dir);
    } catch (const std::exception&) {
      pairs.push_back(
          {nullptr, dir, dir.parent_path().filename().string() + "/" + dir.filename().string()});
      continue;
    }
    for (const Variant* v : variants_of(c.spec->name, c.spec->direction)) {
      if (only != nullptr && v->name != only) continue;
      pairs.push_back({v, dir, c.name});
    }
  }
  return pairs;
}

class RegistryCorpus : public ::testing::TestWithParam<VariantCase> {};

TEST_P(RegistryCorpus, MatchesExpected) {
  const VariantCase& p = GetParam();
  const Case c = load_case(p.dir);  // throws (a failure naming file and line) if unreadable
  ASSERT_NE(p.variant, nullptr);
  const Outcome o = run_variant_on_case(*p.variant, c);
  if (o.status == Status::skipped) GTEST_SKIP() << o.reason;
  EXPECT_EQ(o.status, Status::passed) << describe_failure(c, p.variant->name, o);
  EXPECT_GT(o.comparison.compared, 0) << "nothing was compared";
}

std::string test_name(const ::testing::TestParamInfo<VariantCase>& info) {
  std::string name = (info.param.variant ? info.param.variant->name : std::string("unreadable")) +
                     "__" + info.param.case_name;
  for (char& ch : name) {
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(Corpus, RegistryCorpus, ::testing::ValuesIn(all_pairs()), test_name);

// The corpus is not empty, and every op of the table has at least one case per direction that
// the reference can run (a missing op would otherwise pass by having no tests).
TEST(RegistryCorpusCoverage, EveryOpHasCases) {
  std::map<std::string, int> count;
  for (const auto& dir : find_cases({bundled_corpus_dir()})) {
    const Case c = load_case(dir);
    ++count[c.spec->name + "/" + std::string(to_string(c.spec->direction))];
  }
  for (const OpSpec& spec : all_ops()) {
    const std::string key = spec.name + "/" + std::string(to_string(spec.direction));
    EXPECT_GT(count[key], 0) << "no corpus case for " << key;
  }
}

}  // namespace
}  // namespace convlab
