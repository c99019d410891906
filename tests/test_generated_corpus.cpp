// The content of fixtures/: the generated cases cannot drift from their generator, every case
// loads, and every worked example of the source documents that has an operation is there.
//
// - Regenerating (tools/generate.cpp) into a temporary folder must give the committed gen_*
//   cases file for file: the same set of case directories, the same files, the same bytes for
//   manifests and inputs. Expected outputs must have the same bytes too, with one allowance:
//   the double reference's last bits depend on the build (GCC contracts a * b + c into a fused
//   multiply-add at -O2 and above when -march has FMA, even with -std=c++20, and not at -O0)
//   and on the libm behind exp and tanh. So a differing expected value passes only within
//   4 * eps(double) * K * M of the committed one (error_scale, reference/dispatch.hpp):
//   rounding noise of the same computation, far below any change of meaning and far below
//   what a float variant is allowed.
// - Every case below fixtures/ loads (the format's own checks are in test_corpus.cpp).
// - The worked examples W<n> of shared/WORKED_EXAMPLES.md that have an operation to check each
//   have a case whose provenance is exactly doc:<seed file>#W<n> (the list is below; the
//   shape and architecture facts W16, W21, W22 and W26-W29 live in fixtures/architecture/).
//
// ctest runs each test in its own process and loading a case is slow under the sanitizers, so
// only the tests that must load every case do; the others read manifests as text.
#include <gtest/gtest.h>

#include <unistd.h>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <limits>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "corpus/corpus.hpp"
#include "reference/dispatch.hpp"
#include "tools/generate.hpp"

namespace convlab {
namespace {

namespace fs = std::filesystem;

std::string read_all(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// A manifest as key -> value: the key is up to the first comma, the value the rest, unquoted
// when quoted ("" inside for "). Enough for the files the corpus writer produces; the strict
// reader is load_case.
std::map<std::string, std::string> manifest_of(const fs::path& case_dir) {
  std::map<std::string, std::string> m;
  for (const std::string& line : lines_of(read_all(case_dir / "manifest.csv"))) {
    const auto comma = line.find(',');
    if (comma == std::string::npos) continue;
    std::string value = line.substr(comma + 1);
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      std::string unquoted;
      for (std::size_t i = 1; i + 1 < value.size(); ++i) {
        unquoted += value[i];
        if (value[i] == '"') ++i;  // "" -> "
      }
      value = unquoted;
    }
    m[line.substr(0, comma)] = value;
  }
  return m;
}

// Every case directory of fixtures/ as "<op>/<directory>" -> its path.
std::map<std::string, fs::path> committed_case_dirs() {
  std::map<std::string, fs::path> dirs;
  for (const fs::path& dir : find_cases({bundled_corpus_dir()})) {
    dirs[dir.parent_path().filename().string() + "/" + dir.filename().string()] = dir;
  }
  return dirs;
}

// "<op>/gen_<edge>[_backward]" -> the files of that case directory, for every generated case
// below root.
std::map<std::string, std::set<std::string>> generated_cases(const fs::path& root) {
  std::map<std::string, std::set<std::string>> cases;
  for (const fs::directory_entry& op : fs::directory_iterator(root)) {
    if (!op.is_directory()) continue;
    for (const fs::directory_entry& dir : fs::directory_iterator(op.path())) {
      const std::string name = dir.path().filename().string();
      if (!dir.is_directory() || !name.starts_with("gen_")) continue;
      auto& files = cases[op.path().filename().string() + "/" + name];
      for (const fs::directory_entry& f : fs::directory_iterator(dir.path())) {
        files.insert(f.path().filename().string());
      }
    }
  }
  return cases;
}

// ---------------------------------------------------------------------------------------------
// The generated cases.

TEST(GeneratedCorpus, CommittedCasesAreExactlyWhatTheGeneratorWrites) {
  const fs::path fresh_root =
      fs::temp_directory_path() / ("convlab_test_generate_" + std::to_string(::getpid()));
  fs::remove_all(fresh_root);
  std::ostringstream log;
  const int written = generate_corpus(fresh_root, log);

  const auto fresh = generated_cases(fresh_root);
  const auto committed = generated_cases(bundled_corpus_dir());
  EXPECT_EQ(static_cast<int>(fresh.size()), written);
  for (const auto& [name, files] : fresh) {
    const auto it = committed.find(name);
    if (it == committed.end()) {
      ADD_FAILURE() << name << " is generated but not in fixtures/: run `convlab generate`";
      continue;
    }
    EXPECT_EQ(it->second, files) << name << " holds other files than the generator writes";
  }
  for (const auto& [name, files] : committed) {
    EXPECT_TRUE(fresh.count(name)) << name << " is in fixtures/ but the generator no longer "
                                   << "writes it: run `convlab generate`";
  }

  int rounding_only = 0;
  for (const auto& [name, files] : fresh) {
    if (!committed.count(name)) continue;
    SCOPED_TRACE(name);
    const fs::path a_dir = fresh_root / name, b_dir = bundled_corpus_dir() / name;
    Case c;  // loaded only when an expected value differs
    TensorMap<double> scale;
    for (const std::string& file : files) {
      const std::string a = read_all(a_dir / file), b = read_all(b_dir / file);
      if (a == b) continue;
      if (!c.spec) c = load_case(b_dir);
      const std::string tensor = file.substr(0, file.size() - 4);  // without ".csv"
      if (file == "manifest.csv" || !c.expected.count(tensor)) {
        ADD_FAILURE() << file << " differs from the generator's output";
        continue;
      }
      if (scale.empty()) scale = error_scale(*c.spec, c.params, c.inputs);
      const std::vector<std::string> la = lines_of(a), lb = lines_of(b);
      ASSERT_EQ(la.size(), lb.size()) << file;
      const Tensor<double>& s = scale.at(tensor);
      for (std::size_t i = 1; i < la.size(); ++i) {
        if (la[i] == lb[i]) continue;
        const auto ca = la[i].find(','), cb = lb[i].find(',');
        ASSERT_EQ(la[i].substr(0, ca), lb[i].substr(0, cb)) << file << " line " << i + 1;
        const double va = std::stod(la[i].substr(ca + 1)), vb = std::stod(lb[i].substr(cb + 1));
        const double allowed =
            4 * std::numeric_limits<double>::epsilon() * s[static_cast<std::int64_t>(i) - 1];
        EXPECT_LE(std::fabs(va - vb), allowed)
            << file << " line " << i + 1 << ": generated " << la[i] << ", committed " << lb[i];
        ++rounding_only;
      }
    }
  }
  // Reported, not failed: how many values differ in their last bits on this build.
  RecordProperty("expected_values_differing_in_rounding_only", rounding_only);
  fs::remove_all(fresh_root);
}

// The next tests read the committed generated cases, which the test above shows to be the
// generator's.

TEST(GeneratedCorpus, AFewHundredCasesCoverEveryOpBothWays) {
  const auto cases = generated_cases(bundled_corpus_dir());
  EXPECT_GE(cases.size(), 200u);
  EXPECT_LE(cases.size(), 1000u);
  std::set<std::pair<std::string, std::string>> covered;
  for (const auto& [name, files] : cases) {
    const auto m = manifest_of(bundled_corpus_dir() / name);
    covered.insert({m.at("op"), m.at("direction")});
  }
  for (const OpSpec& spec : all_ops()) {
    const std::string direction(to_string(spec.direction));
    EXPECT_TRUE(covered.count({spec.name, direction}))
        << spec.name << " " << direction << " has no generated case";
  }
}

TEST(GeneratedCorpus, SeedsAreTheHashOfTheCaseName) {
  // generate.hpp: seed = 32-bit FNV-1a of "<op>/<edge>", shared by a forward case and its
  // backward twin. Written out here again so the recipe in the header is checked.
  const auto fnv1a = [](const std::string& text) {
    std::uint32_t h = 2166136261u;
    for (char ch : text) {
      h ^= static_cast<unsigned char>(ch);
      h *= 16777619u;
    }
    return h;
  };
  for (const auto& [name, files] : generated_cases(bundled_corpus_dir())) {
    const auto m = manifest_of(bundled_corpus_dir() / name);
    std::string edge = name.substr(name.find('/') + 5);  // after "<op>/gen_"
    if (m.at("direction") == "backward") {
      ASSERT_TRUE(edge.ends_with("_backward")) << name;
      edge.resize(edge.size() - 9);
    }
    EXPECT_EQ(m.at("provenance"),
              "generated:convlab-generate@seed=" + std::to_string(fnv1a(m.at("op") + "/" + edge)))
        << name;
  }
}

TEST(GeneratedCorpus, ExactCasesHoldSmallIntegers) {
  int exact = 0;
  for (const auto& [name, files] : generated_cases(bundled_corpus_dir())) {
    const fs::path dir = bundled_corpus_dir() / name;
    const auto m = manifest_of(dir);
    if (m.at("tolerance.policy") != "exact") continue;
    ++exact;
    for (const auto& [key, shape] : m) {
      if (!key.starts_with("input.") || key == "input.indices") continue;
      const std::string tensor = key.substr(6);
      const auto lines = lines_of(read_all(dir / (tensor + ".csv")));
      for (std::size_t i = 1; i < lines.size(); ++i) {
        const std::string value = lines[i].substr(lines[i].find(',') + 1);
        const bool small = value == "0" || value == "1" || value == "2" || value == "3" ||
                           value == "-1" || value == "-2" || value == "-3";
        ASSERT_TRUE(small) << name << " " << tensor << " line " << i + 1 << ": " << value;
      }
    }
  }
  EXPECT_GE(exact, 30);
}

// ---------------------------------------------------------------------------------------------
// The whole corpus.

TEST(Fixtures, EveryCaseLoads) {
  const auto dirs = committed_case_dirs();
  EXPECT_GE(dirs.size(), 300u);
  for (const auto& [name, dir] : dirs) {
    try {
      const Case c = load_case(dir);
      EXPECT_EQ(c.name, name);
    } catch (const CaseError& e) {
      ADD_FAILURE() << e.what();
    }
  }
}

// The worked examples with an operation to check, and the seed file each comes from.
struct Example {
  int id;
  const char* seed;
};
constexpr const char* kDoc0 = "000_3ddde5b97f33cba7.txt";
constexpr const char* kDoc1 = "001_a5e5184ddd425933.txt";
constexpr const char* kDoc2 = "002_cc048f6e0360e15b.txt";
constexpr const char* kDoc3 = "003_c7ad4989b7e76a0f.txt";
const Example kExamplesWithAnOperation[] = {
    {1, kDoc0},  {2, kDoc0},  {3, kDoc0},  {4, kDoc0},  {5, kDoc0},  {6, kDoc0},
    {7, kDoc1},  {8, kDoc1},  {9, kDoc1},  {10, kDoc1}, {11, kDoc1}, {12, kDoc1},
    {13, kDoc1}, {14, kDoc1}, {15, kDoc1}, {17, kDoc2}, {18, kDoc2}, {19, kDoc2},
    {20, kDoc2}, {23, kDoc3}, {24, kDoc3}, {25, kDoc3},
};

TEST(Fixtures, EveryWorkedExampleWithAnOperationHasACase) {
  std::map<std::string, std::vector<std::string>> by_provenance;
  for (const auto& [name, dir] : committed_case_dirs()) {
    by_provenance[manifest_of(dir).at("provenance")].push_back(name);
  }
  std::set<std::string> expected;
  for (const Example& e : kExamplesWithAnOperation) {
    const std::string p = std::string("doc:") + e.seed + "#W" + std::to_string(e.id);
    expected.insert(p);
    EXPECT_TRUE(by_provenance.count(p)) << "no case has provenance " << p;
  }
  // And no document case names an example outside that list (a typo in a seed or an id).
  for (const auto& [provenance, names] : by_provenance) {
    if (provenance.starts_with("doc:")) {
      EXPECT_TRUE(expected.count(provenance)) << provenance << " (" << names.front() << ")";
    }
  }
}

TEST(Fixtures, DocumentExamplesHaveTheirBackwardCases) {
  // W1 and W6 also have a backward case derived from them (dy chosen by hand, gradients
  // computed independently in exact arithmetic).
  const Case w1 = load_case(bundled_corpus_dir() / "conv2d" / "w1_doc000_k3_backward");
  EXPECT_EQ(w1.spec->direction, Direction::backward);
  EXPECT_TRUE(w1.provenance.starts_with("derived:conv2d/w1_doc000_k3 ")) << w1.provenance;
  // db = sum(dy) = 5 and dx[0][0] = dy[0][0] * w[0][0] = -0.3229 (the note shows the rest).
  EXPECT_EQ(w1.expected.at("db")[0], 5.0);
  EXPECT_EQ(w1.expected.at("dx")[0], -0.3229);
  const Case w6 = load_case(bundled_corpus_dir() / "linear" / "w6_doc000_fc_4to2_backward");
  EXPECT_EQ(w6.spec->direction, Direction::backward);
  EXPECT_TRUE(w6.provenance.starts_with("derived:linear/w6_doc000_fc_4to2 ")) << w6.provenance;
  // dx[0] = 1 * -0.4654 + (-2) * 0.4194 = -1.3042
  EXPECT_EQ(w6.expected.at("dx")[0], -1.3042);
}

TEST(Fixtures, W23KeepsThePrintedFirstRow) {
  // WORKED_EXAMPLES.md gives the first row of W23's 5x5 output: 91 168 224 215 127.
  const Case c = load_case(bundled_corpus_dir() / "conv2d" / "w23_doc003_pad1");
  const Tensor<double>& y = c.expected.at("y");
  ASSERT_EQ(y.shape(), (Shape{1, 1, 5, 5}));
  const double first_row[] = {91, 168, 224, 215, 127};
  for (int j = 0; j < 5; ++j) EXPECT_EQ(y(0, 0, 0, j), first_row[j]) << j;
  EXPECT_TRUE(c.exact);
}

}  // namespace
}  // namespace convlab
