// The architecture calculator (nets/): every fixture of fixtures/architecture checked against
// it, the documents' and the published totals re-derived by hand in comments, receptive fields
// by the recurrence against explicit index sets, and malformed fixture files rejected with the
// file and line in the message.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/shape.hpp"
#include "nets/arch_fixtures.hpp"
#include "nets/connectivity.hpp"
#include "nets/network.hpp"
#include "nets/zoo.hpp"
#include "tests/support.hpp"

namespace convlab::nets {
namespace {

namespace fs = std::filesystem;

using test::expect_error;

LayerRow row(const LayerTable& t, const std::string& name) {
  const auto r = t.find(name);
  if (!r) throw std::runtime_error("no layer " + name + " in " + t.network);
  return *r;
}

// Sum of params / MACs of the rows whose name starts with `prefix` (a block's own row has none).
std::int64_t params_under(const LayerTable& t, const std::string& prefix) {
  std::int64_t s = 0;
  for (const LayerRow& r : t.rows) {
    if (r.name.starts_with(prefix)) s += r.params;
  }
  return s;
}
std::int64_t macs_under(const LayerTable& t, const std::string& prefix) {
  std::int64_t s = 0;
  for (const LayerRow& r : t.rows) {
    if (r.name.starts_with(prefix)) s += r.macs;
  }
  return s;
}

// ---- the bundled fixtures ----

std::vector<std::string> bundled_fixture_names() {
  std::vector<std::string> names;
  try {
    for (const fs::path& p : find_arch_fixtures(bundled_arch_fixtures())) {
      names.push_back(p.filename().string());
    }
  } catch (const std::exception&) {
    // ArchFixtures.CorpusIsComplete reports the missing folder.
  }
  return names;
}

// Every W example with an architecture fact has its folder (a deleted fixture fails here).
TEST(ArchFixtures, CorpusIsComplete) {
  const std::vector<std::string> names = bundled_fixture_names();
  for (const char* expected : {"w16_output_size_formula", "w21_lenet_d2l", "w22_conv_5to10_k3",
                               "w26_sparse_connectivity_2x2_s2", "w27_receptive_field_1d_k3",
                               "w28_lenet5", "w29_alexnet"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), expected), names.end()) << expected;
  }
}

class BundledArchFixture : public ::testing::TestWithParam<std::string> {};

// Every non-empty cell of every fixture agrees exactly with the calculator.
TEST_P(BundledArchFixture, AgreesWithCalculator) {
  const ArchFixture f = load_arch_fixture(bundled_arch_fixtures() / GetParam());
  EXPECT_TRUE(f.manifest.provenance.starts_with("doc:")) << f.manifest.provenance;
  const std::vector<std::string> bad = check_arch_fixture(f);
  for (const std::string& b : bad) ADD_FAILURE() << b;
}

INSTANTIATE_TEST_SUITE_P(Corpus, BundledArchFixture, ::testing::ValuesIn(bundled_fixture_names()),
                         [](const auto& info) { return info.param; });

// ---- temporary fixture folders ----

class TempDir {
 public:
  TempDir() {
    static int counter = 0;
    path_ = fs::temp_directory_path() /
            ("convlab_test_nets_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }
  void write(const std::string& name, const std::string& text) const {
    std::ofstream(path_ / name) << text;
  }

 private:
  fs::path path_;
};

const std::string kLayerManifest =
    "key,value\n"
    "format,convlab-arch-1\n"
    "kind,layer_table\n"
    "description,LeNet-5 totals\n"
    "provenance,doc:004_a789a249ec90b2a4.txt#W28\n"
    "note,\"test copy, values as in w28_lenet5\"\n"
    "network,lenet5\n"
    "input_c,1\n"
    "input_h,32\n"
    "input_w,32\n";
const std::string kLayerData =
    "layer,type,out_c,out_h,out_w,params,macs,rf,jump\n"
    "C1,conv2d,6,28,28,156,,,\n"
    "total,total,10,1,1,61706,,,\n";

const std::string kConnManifest =
    "key,value\n"
    "format,convlab-arch-1\n"
    "kind,connectivity\n"
    "description,W27\n"
    "provenance,doc:004_a789a249ec90b2a4.txt#W27\n"
    "note,test copy\n"
    "index_base,1\n"
    "input_name,x\n"
    "input_length,5\n"
    "layers,2\n"
    "layer1.name,h\n"
    "layer1.op,conv1d\n"
    "layer1.kernel,3\n"
    "layer1.stride,1\n"
    "layer1.pad_left,1\n"
    "layer1.pad_right,1\n"
    "layer1.dilation,1\n"
    "layer2.name,g\n"
    "layer2.op,conv1d\n"
    "layer2.kernel,3\n"
    "layer2.stride,1\n"
    "layer2.pad_left,1\n"
    "layer2.pad_right,1\n"
    "layer2.dilation,1\n";
const std::string kConnData =
    "output,inputs\n"
    "h2,x1 x2 x3\n"
    "g3,x1 x2 x3 x4 x5\n";

const std::string kShapeManifest =
    "key,value\n"
    "format,convlab-arch-1\n"
    "kind,shape_formula\n"
    "description,W16\n"
    "provenance,doc:002_cc048f6e0360e15b.txt#W16\n"
    "note,test copy\n"
    "formula,out = floor((n - k + p_total + s) / s)\n";
const std::string kShapeData =
    "n,k,p_total,s,expected_out,source\n"
    "8,3,2,2,4,\"floor(9 / 2) = 4\"\n";

// Replaces the first occurrence of `from` (which must occur) in `text`.
std::string replace(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  if (at == std::string::npos) throw std::logic_error("test bug: '" + from + "' not found");
  return text.replace(at, from.size(), to);
}

// A fixture folder holding `manifest` and `data` (named after the manifest's kind).
struct TempFixture {
  TempDir dir;
  fs::path manifest, data;
  TempFixture(const std::string& manifest_text, const std::string& data_name,
              const std::string& data_text) {
    dir.write("manifest.csv", manifest_text);
    dir.write(data_name, data_text);
    manifest = dir.path() / "manifest.csv";
    data = dir.path() / data_name;
  }
  ArchFixture load() const { return load_arch_fixture(dir.path()); }
};

TEST(ArchFixtureLoader, ValidCopiesLoadAndAgree) {
  const TempFixture lt(kLayerManifest, "layers.csv", kLayerData);
  EXPECT_TRUE(check_arch_fixture(lt.load()).empty());
  const TempFixture conn(kConnManifest, "connectivity.csv", kConnData);
  EXPECT_TRUE(check_arch_fixture(conn.load()).empty());
  const TempFixture shape(kShapeManifest, "shapes.csv", kShapeData);
  EXPECT_TRUE(check_arch_fixture(shape.load()).empty());
}

// The checker can fail: one wrong value gives one message naming the file, line and column.
TEST(ArchFixtureChecker, ReportsEveryDisagreement) {
  const TempFixture lt(kLayerManifest, "layers.csv", replace(kLayerData, "61706", "61707"));
  const auto bad = check_arch_fixture(lt.load());
  ASSERT_EQ(bad.size(), 1u);
  EXPECT_NE(bad[0].find(lt.data.string() + ":3: total params: fixture 61707, calculator 61706"),
            std::string::npos)
      << bad[0];

  const TempFixture shape_wrong(kLayerManifest, "layers.csv",
                                replace(kLayerData, "C1,conv2d,6,28,28", "C1,max_pool2d,6,27,28"));
  EXPECT_EQ(check_arch_fixture(shape_wrong.load()).size(), 2u);  // type and out_h

  const TempFixture rf(
      kLayerManifest, "layers.csv",
      replace(kLayerData, "C1,conv2d,6,28,28,156,,,", "C1,conv2d,6,28,28,156,,4,"));
  EXPECT_EQ(check_arch_fixture(rf.load()).size(), 2u);  // rf 5 along h and along w

  const TempFixture unknown_layer(kLayerManifest, "layers.csv", replace(kLayerData, "C1,", "C9,"));
  const auto missing = check_arch_fixture(unknown_layer.load());
  ASSERT_EQ(missing.size(), 1u);
  EXPECT_NE(missing[0].find("C9 is not a layer of network lenet5"), std::string::npos);

  const TempFixture input(replace(kLayerManifest, "input_h,32", "input_h,28"), "layers.csv",
                          kLayerData);
  EXPECT_EQ(check_arch_fixture(input.load()).size(), 1u);

  const TempFixture conn(kConnManifest, "connectivity.csv",
                         replace(kConnData, "h2,x1 x2 x3", "h2,x2 x3 x4"));
  const auto cbad = check_arch_fixture(conn.load());
  ASSERT_EQ(cbad.size(), 1u);
  EXPECT_NE(cbad[0].find(":2: h2 reads {x1 x2 x3} (calculator), fixture lists {x2 x3 x4}"),
            std::string::npos)
      << cbad[0];

  const TempFixture shape(kShapeManifest, "shapes.csv",
                          replace(kShapeData, "8,3,2,2,4", "8,3,2,2,5"));
  // Both ways of splitting the padding are reported.
  EXPECT_EQ(check_arch_fixture(shape.load()).size(), 2u);
}

// ---- malformed fixture files ----

TEST(ArchFixtureLoader, MissingFilesAndFolders) {
  const TempDir empty;
  expect_error([&] { load_arch_fixture(empty.path() / "nope"); }, {"nope", "no such directory"});
  expect_error([&] { load_arch_fixture(empty.path()); }, {"manifest.csv", "missing"});
  expect_error([&] { find_arch_fixtures(empty.path() / "nope"); }, {"nope"});
  TempDir only_manifest;
  only_manifest.write("manifest.csv", kLayerManifest);
  expect_error([&] { load_arch_fixture(only_manifest.path()); }, {"layers.csv", "missing"});
}

TEST(ArchFixtureLoader, MalformedManifest) {
  const auto bad_manifest = [](const std::string& manifest,
                               std::initializer_list<std::string> parts) {
    const TempFixture f(manifest, "layers.csv", kLayerData);
    std::vector<std::string> all = {f.manifest.string()};
    all.insert(all.end(), parts.begin(), parts.end());
    try {
      f.load();
      ADD_FAILURE() << "expected an error for manifest:\n" << manifest;
    } catch (const std::invalid_argument& e) {
      const std::string what = e.what();
      for (const auto& part : all) {
        EXPECT_NE(what.find(part), std::string::npos)
            << "message: " << what << "\nmissing: " << part;
      }
    }
  };
  bad_manifest("", {"Header missing"});  // empty file
  bad_manifest(replace(kLayerManifest, "key,value", "name,value"), {":1:", "key,value"});
  bad_manifest(kLayerManifest + "input_h,30\n", {":11:", "'input_h' repeats line 9"});
  bad_manifest(kLayerManifest + "colour,blue\n", {":11:", "unknown key 'colour'"});
  bad_manifest(replace(kLayerManifest, "convlab-arch-1", "convlab-arch-2"), {":2:", "format"});
  bad_manifest(replace(kLayerManifest, "layer_table", "layer_list"), {":3:", "unknown kind"});
  bad_manifest(replace(kLayerManifest, "004_a789a249ec90b2a4.txt#W28", "004.txt#W28"),
               {":5:", "provenance"});
  bad_manifest(replace(kLayerManifest, "#W28", "#28"), {":5:", "provenance"});
  bad_manifest(replace(kLayerManifest, "network,lenet5\n", ""), {"missing key 'network'"});
  bad_manifest(replace(kLayerManifest, "input_c,1", "input_c,one"), {":8:", "input_c", "'one'"});
  bad_manifest(replace(kLayerManifest, "input_c,1", "input_c,0"), {":8:", "input_c"});
  bad_manifest(replace(kLayerManifest, "input_c,1", "input_c,1,2"), {"line 8"});  // ragged
  bad_manifest(replace(kLayerManifest, "\"test copy, values as in w28_lenet5\"", "\"unterminated"),
               {"line 6"});
  bad_manifest(replace(kLayerManifest, "description,LeNet-5 totals", "description,"),
               {":4:", "empty description"});
  // An unknown network loads (the name is data) but cannot be checked.
  const TempFixture f(replace(kLayerManifest, "network,lenet5", "network,lenet6"), "layers.csv",
                      kLayerData);
  expect_error([&] { check_arch_fixture(f.load()); },
               {f.manifest.string() + ":7:", "unknown network 'lenet6'", "lenet5"});
}

TEST(ArchFixtureLoader, MalformedLayerTable) {
  const auto bad_data = [](const std::string& data, std::initializer_list<std::string> parts) {
    const TempFixture f(kLayerManifest, "layers.csv", data);
    std::vector<std::string> all = {f.data.string()};
    all.insert(all.end(), parts.begin(), parts.end());
    try {
      f.load();
      ADD_FAILURE() << "expected an error for layers.csv:\n" << data;
    } catch (const std::invalid_argument& e) {
      const std::string what = e.what();
      for (const auto& part : all) {
        EXPECT_NE(what.find(part), std::string::npos)
            << "message: " << what << "\nmissing: " << part;
      }
    }
  };
  bad_data("", {"Header missing"});
  bad_data(replace(kLayerData, ",jump\n", ",jump,layer\n"), {"Duplicated column", "layer"});
  bad_data("layer,type,out_c,out_h,out_w,params,macs,rf,jump\n", {"no rows"});
  bad_data(replace(kLayerData, ",jump\n", "\n"), {":1:", "missing column 'jump'"});
  bad_data(replace(kLayerData, "C1,conv2d,6,28,28,156,,,", "C1,conv2d,6,28,28,156,,"), {"line 2"});
  bad_data(replace(kLayerData, "C1,conv2d,6,28,28,156,,,", "C1,conv2d,6,28,28,156,,,,"),
           {"line 2"});
  bad_data(replace(kLayerData, "156", "156x"), {":2:", "column 'params'", "'156x'"});
  bad_data(replace(kLayerData, "156", "-156"), {":2:", "column 'params'"});
  bad_data(replace(kLayerData, "156", "1e3"), {":2:", "column 'params'"});
  bad_data(replace(kLayerData, "61706", "99999999999999999999"), {":3:", "column 'params'"});
  bad_data(replace(kLayerData, "61706", "\"61,706\""), {":3:", "'61,706'"});
  bad_data(replace(kLayerData, "C1,conv2d", "C1,convolution"), {":2:", "unknown type"});
  bad_data(replace(kLayerData, "C1,conv2d", ",conv2d"), {":2:", "empty layer name"});
  bad_data(kLayerData + "C1,,,,,,,,\n", {":4:", "'C1' is listed twice"});
}

TEST(ArchFixtureLoader, MalformedConnectivity) {
  const auto bad = [](const std::string& manifest, const std::string& data,
                      std::initializer_list<std::string> parts, bool at_check = false) {
    const TempFixture f(manifest, "connectivity.csv", data);
    try {
      const ArchFixture loaded = f.load();
      if (!at_check) ADD_FAILURE() << "expected a load error";
      check_arch_fixture(loaded);
      ADD_FAILURE() << "expected an error";
    } catch (const std::invalid_argument& e) {
      const std::string what = e.what();
      for (const auto& part : parts) {
        EXPECT_NE(what.find(part), std::string::npos)
            << "message: " << what << "\nmissing: " << part;
      }
    }
  };
  bad(kConnManifest, replace(kConnData, "h2,", "q2,"), {"connectivity.csv:2:", "'q2'", "prefixes"});
  bad(kConnManifest, replace(kConnData, "h2,x1 x2 x3", "h2,g1"),
      {"connectivity.csv:2:", "'g1' is not in a layer before"});
  bad(kConnManifest, replace(kConnData, "g3,x1 x2 x3 x4 x5", "g3,x1 h2"),
      {"connectivity.csv:3:", "different layers"});
  bad(kConnManifest, replace(kConnData, "h2,x1 x2 x3", "h2,x1 x1"), {":2:", "listed twice"});
  bad(kConnManifest, replace(kConnData, "h2,x1 x2 x3", "h2,"), {":2:", "no inputs"});
  bad(kConnManifest, replace(kConnData, "h2,x1 x2 x3", "x2,x1"), {":2:", "input position"});
  bad(kConnManifest, replace(kConnData, "h2,", "h6,"),
      {"connectivity.csv:2:", "'h6' is outside its layer", "h1 to h5"}, /*at_check=*/true);
  bad(kConnManifest, replace(kConnData, "x1 x2 x3\n", "x0 x2 x3\n"), {":2:", "'x0' is outside"},
      /*at_check=*/true);
  bad(replace(kConnManifest, "layer1.op,conv1d", "layer1.op,conv3d"), kConnData,
      {"manifest.csv:12:", "unknown op 'conv3d'"});
  bad(replace(kConnManifest, "layer2.dilation,1\n", ""), kConnData,
      {"missing key 'layer2.dilation'"});
  bad(replace(kConnManifest, "layer1.stride,1", "layer1.stride,0"), kConnData,
      {"manifest.csv:14:", "layer1.stride"});
  bad(replace(kConnManifest, "layers,2", "layers,1"), kConnData,
      {"manifest.csv:", "unknown key 'layer2."});  // g is no longer a layer: its keys are unknown
  bad(replace(kConnManifest, "layer2.name,g", "layer2.name,h"), kConnData, {"used twice"});
  bad(replace(kConnManifest, "index_base,1", "index_base,2"), kConnData, {":7:", "index_base"});
  // Geometry the shape module rejects: a kernel larger than the padded input.
  bad(replace(kConnManifest, "layer1.kernel,3", "layer1.kernel,9"), kConnData,
      {"manifest.csv:12:", "layer1 (h)", "conv1d", "kernel 9"}, /*at_check=*/true);
}

TEST(ArchFixtureLoader, MalformedShapeFormula) {
  const auto bad = [](const std::string& data, std::initializer_list<std::string> parts) {
    const TempFixture f(kShapeManifest, "shapes.csv", data);
    expect_error([&] { f.load(); }, parts);
  };
  bad(replace(kShapeData, ",expected_out", ""), {"shapes.csv:1:", "missing column 'expected_out'"});
  bad(replace(kShapeData, "8,3,2,2,4", "0,3,2,2,4"), {"shapes.csv:2:", "column 'n'", "'0'"});
  bad(replace(kShapeData, "8,3,2,2,4", "8,3,,2,4"), {"shapes.csv:2:", "column 'p_total'"});
  bad(replace(kShapeData, "8,3,2,2,4", "8,3,2,2,four"), {"shapes.csv:2:", "'four'"});
  // The source column is optional.
  const TempFixture f(kShapeManifest, "shapes.csv", "n,k,p_total,s,expected_out\n8,3,2,2,4\n");
  EXPECT_TRUE(check_arch_fixture(f.load()).empty());
  // A kernel larger than the padded input is reported, not crashed on.
  const TempFixture g(kShapeManifest, "shapes.csv", "n,k,p_total,s,expected_out\n3,5,0,1,1\n");
  const auto msgs = check_arch_fixture(g.load());
  ASSERT_EQ(msgs.size(), 2u);
  EXPECT_NE(msgs[0].find("the shape module rejects it"), std::string::npos) << msgs[0];
}

// ---- W28: LeNet-5 (doc:004_a789a249ec90b2a4.txt#W28) ----

TEST(LayerTables, W28LeNet5) {
  const LayerTable t = describe(lenet5());
  // Shapes printed by the document: 32x32x1 -> 28x28x6 -> 14x14x6 -> 10x10x16 -> 5x5x16.
  EXPECT_EQ(row(t, "C1").output, (Shape{1, 6, 28, 28}));
  EXPECT_EQ(row(t, "S2").output, (Shape{1, 6, 14, 14}));
  EXPECT_EQ(row(t, "C3").output, (Shape{1, 16, 10, 10}));
  EXPECT_EQ(row(t, "S4").output, (Shape{1, 16, 5, 5}));
  EXPECT_EQ(row(t, "C5").output, (Shape{1, 120, 1, 1}));
  // Parameter counts, weights + biases, by hand:
  EXPECT_EQ(row(t, "C1").params, 5 * 5 * 1 * 6 + 6);       // 156
  EXPECT_EQ(row(t, "C3").params, 5 * 5 * 6 * 16 + 16);     // 2,416
  EXPECT_EQ(row(t, "C5").params, 5 * 5 * 16 * 120 + 120);  // 48,120
  EXPECT_EQ(row(t, "F6").params, 120 * 84 + 84);           // 10,164
  EXPECT_EQ(row(t, "OUTPUT").params, 84 * 10 + 10);        // 850
  EXPECT_EQ(t.total_params(), 61706);                      // 156 + 2416 + 48120 + 10164 + 850
  // "5 layers with learnable parameters".
  EXPECT_EQ(
      std::count_if(t.rows.begin(), t.rows.end(), [](const LayerRow& r) { return r.params > 0; }),
      5);
  // MACs: output elements x (C_in * K * K): C1 28*28*6 * 25 = 117,600.
  EXPECT_EQ(row(t, "C1").macs, 28 * 28 * 6 * 25);
  // Receptive field by hand: C1 5 (j 1); S2 5 + 1*1 = 6 (j 2); C3 6 + 4*2 = 14 (j 2);
  // S4 14 + 1*2 = 16 (j 4); C5 16 + 4*4 = 32 (j 4): C5 sees the whole 32x32 input.
  const struct {
    const char* name;
    std::int64_t rf, jump;
  } expected[] = {{"C1", 5, 1}, {"S2", 6, 2}, {"C3", 14, 2}, {"S4", 16, 4}, {"C5", 32, 4}};
  for (const auto& e : expected) {
    EXPECT_EQ(row(t, e.name).rf_h, e.rf) << e.name;
    EXPECT_EQ(row(t, e.name).rf_w, e.rf) << e.name;
    EXPECT_EQ(row(t, e.name).jump_h, e.jump) << e.name;
    EXPECT_EQ(row(t, e.name).jump_w, e.jump) << e.name;
  }
}

// W21 (doc:002_cc048f6e0360e15b.txt#W21): the d2l LeNet.
TEST(LayerTables, W21LeNetD2l) {
  const LayerTable t = describe(lenet_d2l());
  EXPECT_EQ(row(t, "conv1").output, (Shape{1, 6, 28, 28}));  // padding 2 keeps 28
  EXPECT_EQ(row(t, "flatten").output, (Shape{1, 400}));      // Linear(16 * 5 * 5, 120)
  EXPECT_EQ(row(t, "fc3").output, (Shape{1, 10}));
  // The same counts as LeNet-5: conv1 156, conv2 2,416, fc1 400*120 + 120 = 48,120 (as C5's
  // 5*5*16*120 + 120), fc2 10,164, fc3 850.
  EXPECT_EQ(row(t, "fc1").params, 400 * 120 + 120);
  EXPECT_EQ(t.total_params(), 61706);
  // fc1 reads the whole 5x5 map behind the flatten: a 5x5 kernel with stride 1 on pool2
  // (rf 16, jump 4): 16 + (5 - 1) * 4 = 32, jump 4 -- the same as LeNet-5's C5, which is a
  // convolution covering the same map.
  EXPECT_EQ(row(t, "flatten").rf_h, 16);
  EXPECT_EQ(row(t, "fc1").rf_h, 32);
  EXPECT_EQ(row(t, "fc1").jump_h, 4);
  const LayerTable l5 = describe(lenet5());
  EXPECT_EQ(row(l5, "C5").rf_h, 32);
  EXPECT_EQ(row(l5, "C5").jump_h, 4);
}

// W22 (doc:003_c7ad4989b7e76a0f.txt#W22): the printed weight shape.
TEST(LayerTables, W22WeightShape) {
  const LayerTable t = describe(doc003_conv());
  EXPECT_EQ(row(t, "conv").weight, (Shape{10, 5, 3, 3}));
  EXPECT_EQ(row(t, "conv").output, (Shape{1, 10, 98, 98}));
}

// ---- W29: AlexNet (doc:004_a789a249ec90b2a4.txt#W29) ----

TEST(LayerTables, W29AlexNet) {
  const LayerTable t = describe(alexnet());
  EXPECT_EQ(row(t, "conv1").output, (Shape{1, 96, 55, 55}));  // (227 - 11) / 4 + 1 = 55
  EXPECT_EQ(row(t, "pool1").output, (Shape{1, 96, 27, 27}));  // (55 - 3) / 2 + 1 = 27
  // 5 convolutional and 3 fully connected layers carry the parameters.
  int convs = 0, fcs = 0;
  for (const LayerRow& r : t.rows) {
    if (r.params > 0) (r.type == "conv2d" ? convs : fcs)++;
  }
  EXPECT_EQ(convs, 5);
  EXPECT_EQ(fcs, 3);
  // Single tower, by hand:
  //   conv1 11*11*3*96 + 96      =     34,944
  //   conv2 5*5*96*256 + 256     =    614,656
  //   conv3 3*3*256*384 + 384    =    885,120
  //   conv4 3*3*384*384 + 384    =  1,327,488
  //   conv5 3*3*384*256 + 256    =    884,992
  //   fc6   9216*4096 + 4096     = 37,752,832   (9216 = 256 * 6 * 6)
  //   fc7   4096*4096 + 4096     = 16,781,312
  //   fc8   4096*1000 + 1000     =  4,097,000
  //   total                        62,378,344   ("about 62 million")
  EXPECT_EQ(row(t, "conv2").params, 614656);
  EXPECT_EQ(row(t, "flatten").output, (Shape{1, 9216}));
  EXPECT_EQ(row(t, "fc6").params, 37752832);
  EXPECT_EQ(t.total_params(), 62378344);
  // Receptive field: conv1 11 (j 4); pool1 11 + 2*4 = 19 (j 8); conv2 19 + 4*8 = 51;
  // pool2 51 + 2*8 = 67 (j 16); conv3..5 +2*16 each: 99, 131, 163; pool5 163 + 2*16 = 195 (j 32).
  EXPECT_EQ(row(t, "conv2").rf_h, 51);
  EXPECT_EQ(row(t, "conv5").rf_h, 163);
  EXPECT_EQ(row(t, "pool5").rf_h, 195);
  EXPECT_EQ(row(t, "pool5").jump_h, 32);
}

// ---- VGG-16: the published 138,357,544 parameters and 15.47 GMACs ----

TEST(LayerTables, Vgg16) {
  const LayerTable t = describe(vgg16());
  // By hand (3x3 convolutions, weights + biases):
  //   conv1_1 3*9*64 + 64 = 1,792        conv1_2 64*9*64 + 64 = 36,928
  //   conv2_1 64*9*128 + 128 = 73,856    conv2_2 128*9*128 + 128 = 147,584
  //   conv3_1 128*9*256 + 256 = 295,168  conv3_2, conv3_3 256*9*256 + 256 = 590,080 each
  //   conv4_1 256*9*512 + 512 = 1,180,160
  //   conv4_2, conv4_3, conv5_1..3: 512*9*512 + 512 = 2,359,808 each (5 layers)
  //   convolutions: 14,714,688
  //   fc6 25088*4096 + 4096 = 102,764,544; fc7 16,781,312; fc8 4,097,000: 123,642,856
  //   total 138,357,544
  EXPECT_EQ(row(t, "conv3_2").params, 590080);
  EXPECT_EQ(row(t, "fc6").params, 102764544);
  EXPECT_EQ(t.total_params(), 138357544);
  // MACs by hand, output positions x (C_in * 9) x C_out:
  //   224^2: conv1_1 50,176*27*64 = 86,704,128; conv1_2 50,176*576*64 = 1,849,688,064
  //   112^2, 56^2, 28^2: conv2_2, conv3_2, conv3_3, conv4_2, conv4_3 each 1,849,688,064;
  //          conv2_1, conv3_1, conv4_1 each 924,844,032
  //   14^2:  conv5_1..3 each 196*4608*512 = 462,422,016
  //   fc: 25088*4096 + 4096*4096 + 4096*1000 = 123,633,664
  //   86,704,128 + 6 * 1,849,688,064 + 3 * 924,844,032 + 3 * 462,422,016 + 123,633,664
  //   = 15,470,264,320 (the published 15.47 G)
  EXPECT_EQ(row(t, "conv1_2").macs, 1849688064);
  EXPECT_EQ(t.total_macs(), 15470264320);
  // Receptive field: two 3x3 convolutions add 2 + 2 at jump 1 (5), pool1 6 (j 2), +4+4 -> 14,
  // pool2 16 (j 4), +8*3 -> 40, pool3 44 (j 8), +16*3 -> 92, pool4 100 (j 16), +32*3 -> 196,
  // pool5 212 (j 32).
  EXPECT_EQ(row(t, "conv5_3").rf_h, 196);
  EXPECT_EQ(row(t, "pool5").rf_h, 212);
  EXPECT_EQ(row(t, "pool5").jump_h, 32);
  EXPECT_EQ(row(t, "pool5").output, (Shape{1, 512, 7, 7}));
}

// ---- ResNet-18: the published 11,689,512 parameters and 1.81 GMACs ----

TEST(LayerTables, ResNet18) {
  const LayerTable t = describe(resnet18());
  // By hand, batch norm 2 per channel, convolutions without bias:
  //   stem: conv1 7*7*3*64 = 9,408; bn1 128
  //   layer1: 4 x (64*9*64 = 36,864 + bn 128)                                   = 147,968
  //   layer2: 64*9*128 = 73,728 + 3 x 147,456 + 1x1 downsample 8,192 + 5 bn x 256 = 525,568
  //   layer3: 294,912 + 3 x 589,824 + 32,768 + 5 x 512                          = 2,099,712
  //   layer4: 1,179,648 + 3 x 2,359,296 + 131,072 + 5 x 1,024                   = 8,393,728
  //   fc: 512*1000 + 1000 = 513,000
  //   total 9,536 + 147,968 + 525,568 + 2,099,712 + 8,393,728 + 513,000 = 11,689,512
  EXPECT_EQ(params_under(t, "layer1."), 147968);
  EXPECT_EQ(params_under(t, "layer2."), 525568);
  EXPECT_EQ(params_under(t, "layer3."), 2099712);
  EXPECT_EQ(params_under(t, "layer4."), 8393728);
  EXPECT_EQ(t.total_params(), 11689512);
  // MACs: conv1 112^2 * 147 * 64 = 118,013,952; layer1 4 x 56^2*576*64 = 462,422,016;
  // layers 2-4 each 57,802,752 + 3 x 115,605,504 + 6,422,528 = 411,041,792; fc 512,000;
  // total 1,814,073,344 (the published 1.81 G).
  EXPECT_EQ(macs_under(t, "layer3."), 411041792);
  EXPECT_EQ(t.total_macs(), 1814073344);
  EXPECT_EQ(row(t, "layer4.1").output, (Shape{1, 512, 7, 7}));
  // Receptive field: conv1 7 (j 2); maxpool 7 + 2*2 = 11 (j 4); layer1 four 3x3 convs at jump
  // 4: 11 + 4 * 8 = 43. A stride-2 conv grows at the incoming jump and doubles it afterwards:
  // layer2 43 + 2*4 = 51 (j 8), then 3 x 16 -> 99; layer3 99 + 2*8 = 115 (j 16), 3 x 32 -> 211;
  // layer4 211 + 2*16 = 243 (j 32), 3 x 64 -> 435.
  EXPECT_EQ(row(t, "layer2.1").rf_h, 99);
  EXPECT_EQ(row(t, "layer4.1").rf_h, 435);
  EXPECT_EQ(row(t, "layer4.1").jump_h, 32);
  // The projection shortcut sees less than the main path; the block takes the larger.
  EXPECT_EQ(row(t, "layer2.0/downsample.0").rf_h, 43);
  EXPECT_EQ(row(t, "layer2.0").rf_h, 67);  // 51 + 2*8
}

// ---- GoogLeNet: the shapes of table 1 (Szegedy et al. 2014) and inception 3a/3b by hand ----

TEST(LayerTables, GoogLeNet) {
  const LayerTable t = describe(googlenet());
  // Stem: 224 -> conv 7x7/2 p3: floor((224 + 6 - 7) / 2) + 1 = 112; max pool 3x3/2 in ceil
  // mode: ceil((112 - 3) / 2) + 1 = 56; conv 3x3 p1 keeps 56; pool: ceil(53 / 2) + 1 = 28.
  EXPECT_EQ(row(t, "conv1").output, (Shape{1, 64, 112, 112}));
  EXPECT_EQ(row(t, "pool1").output, (Shape{1, 64, 56, 56}));
  EXPECT_EQ(row(t, "conv2").output, (Shape{1, 192, 56, 56}));
  EXPECT_EQ(row(t, "pool2").output, (Shape{1, 192, 28, 28}));
  // Table 1's output sizes.
  const struct {
    const char* name;
    std::int64_t c, hw;
  } blocks[] = {{"inception3a", 256, 28}, {"inception3b", 480, 28}, {"pool3", 480, 14},
                {"inception4a", 512, 14}, {"inception4b", 512, 14}, {"inception4c", 512, 14},
                {"inception4d", 528, 14}, {"inception4e", 832, 14}, {"pool4", 832, 7},
                {"inception5a", 832, 7},  {"inception5b", 1024, 7}, {"avgpool", 1024, 1}};
  for (const auto& b : blocks) {
    EXPECT_EQ(row(t, b.name).output, (Shape{1, b.c, b.hw, b.hw})) << b.name;
  }
  // Inception 3a on 28x28x192, weights by hand: 1x1 192*64 = 12,288; 3x3 reduce 192*96 =
  // 18,432; 3x3 96*9*128 = 110,592; 5x5 reduce 192*16 = 3,072; 5x5 16*25*32 = 12,800; pool proj
  // 192*32 = 6,144; total 163,328 (table 1's "159K" is 163,328 / 1024). Biases 64 + 96 + 128 +
  // 16 + 32 + 32 = 368, so 163,696 parameters; MACs 28*28*163,328 = 128,049,152 (table: 128M).
  EXPECT_EQ(params_under(t, "inception3a/"), 163328 + 368);
  EXPECT_EQ(macs_under(t, "inception3a/"), 128049152);
  // Inception 3b on 28x28x256: 256*128 + 256*128 + 128*9*192 + 256*32 + 32*25*96 + 256*64 =
  // 32,768 + 32,768 + 221,184 + 8,192 + 76,800 + 16,384 = 388,096 weights, biases 640;
  // MACs 784 * 388,096 = 304,267,264 (table: 304M).
  EXPECT_EQ(params_under(t, "inception3b/"), 388096 + 640);
  EXPECT_EQ(macs_under(t, "inception3b/"), 304267264);
  // Receptive field: conv1 7 (j 2), pool1 11 (j 4), conv2 19, pool2 27 (j 8); in 3a the 5x5
  // branch reaches 27 + 4*8 = 59, the largest branch.
  EXPECT_EQ(row(t, "pool2").rf_h, 27);
  EXPECT_EQ(row(t, "inception3a/b3_5x5").rf_h, 59);
  EXPECT_EQ(row(t, "inception3a/b1_1x1").rf_h, 27);
  EXPECT_EQ(row(t, "inception3a").rf_h, 59);
  // A block row carries nothing of its own, so the columns add up to the totals.
  EXPECT_EQ(row(t, "inception3a").params, 0);
}

TEST(LayerTables, EveryNetworkDescribes) {
  for (const std::string& name : network_names()) {
    SCOPED_TRACE(name);
    const LayerTable t = describe(make_network(name));
    EXPECT_FALSE(t.rows.empty());
    EXPECT_GT(t.total_params(), 0);
  }
  expect_error([] { make_network("lenet6"); },
               {"unknown network 'lenet6'", "alexnet", "googlenet"});
}

// ---- rendering ----

TEST(Render, CsvIsTheFixtureFormat) {
  // The calculator's CSV, as a fixture with every cell filled, loads and agrees with itself:
  // this checks the format (columns, F x 1 x 1 for flat outputs, the total row), not values.
  const LayerTable t = describe(lenet5());
  const std::string csv = render_csv(t);
  EXPECT_TRUE(csv.starts_with("layer,type,out_c,out_h,out_w,params,macs,rf,jump\n"));
  EXPECT_NE(csv.find("\nF6,linear,84,1,1,10164,10080,32,4\n"), std::string::npos) << csv;
  EXPECT_NE(csv.find("\ntotal,total,10,1,1,61706,"), std::string::npos) << csv;
  const TempFixture f(kLayerManifest, "layers.csv", csv);
  EXPECT_TRUE(check_arch_fixture(f.load()).empty());
}

TEST(Render, TextColumnsAreAligned) {
  const std::string text = render_text(describe(alexnet()));
  EXPECT_NE(text.find("62,378,344"), std::string::npos);
  // Every table line right-aligns the params column at the same offset as the header's.
  std::vector<std::string> lines;
  std::string line;
  for (char c : text) {
    if (c == '\n') {
      lines.push_back(line);
      line.clear();
    } else {
      line += c;
    }
  }
  const auto header = std::find_if(lines.begin(), lines.end(),
                                   [](const std::string& l) { return l.starts_with("layer "); });
  ASSERT_NE(header, lines.end());
  const std::size_t params_end = header->find("params") + 6;
  int checked = 0;
  for (auto it = header + 1; it != lines.end(); ++it) {
    if (it->starts_with("-") || it->empty()) continue;
    // The character before the params column end is a digit, the one after a space.
    ASSERT_GT(it->size(), params_end) << *it;
    EXPECT_TRUE(std::isdigit(static_cast<unsigned char>((*it)[params_end - 1]))) << *it;
    EXPECT_EQ((*it)[params_end], ' ') << *it;
    ++checked;
  }
  EXPECT_EQ(checked, 15);  // 14 layers and the total
}

// ---- receptive fields: the recurrence against explicit index sets ----

// W26 (doc:004_a789a249ec90b2a4.txt#W26) without the fixture: pixels 1..16, 2x2 filter,
// stride 2. 0-based: H11 reads {0, 1, 4, 5}, i.e. pixels 1, 2, 5, 6.
TEST(Connectivity, W26SparseConnectivity) {
  const Connectivity c = conv2d_connectivity(4, 4, 2, 2, conv_params(2, 0));
  ASSERT_EQ(c.reads.size(), 4u);
  EXPECT_EQ(c.reads[0], (std::vector<std::int64_t>{0, 1, 4, 5}));
  EXPECT_EQ(c.reads[1], (std::vector<std::int64_t>{2, 3, 6, 7}));
  EXPECT_EQ(c.reads[2], (std::vector<std::int64_t>{8, 9, 12, 13}));
  EXPECT_EQ(c.reads[3], (std::vector<std::int64_t>{10, 11, 14, 15}));
  // A 2x2 pooling window with stride 2 reads the same pixels.
  EXPECT_EQ(pool2d_connectivity("max_pool2d", 4, 4, pool_params(2, 2)).reads, c.reads);
}

// W27 (doc:004_a789a249ec90b2a4.txt#W27): no unit of h reads both x1 and x5; g3 reads all.
TEST(Connectivity, W27ReceptiveFieldGrows) {
  const Conv1dParams same{.stride = 1, .pad_left = 1, .pad_right = 1};
  const Connectivity h = conv1d_connectivity(5, 3, same);
  for (const auto& reads : h.reads) {
    const bool x1 = std::count(reads.begin(), reads.end(), 0) > 0;
    const bool x5 = std::count(reads.begin(), reads.end(), 4) > 0;
    EXPECT_FALSE(x1 && x5);
  }
  const Connectivity g = compose(h, conv1d_connectivity(5, 3, same));
  EXPECT_EQ(g.reads[2], (std::vector<std::int64_t>{0, 1, 2, 3, 4}));  // g3: x1..x5
  EXPECT_EQ(g.reads[0], (std::vector<std::int64_t>{0, 1, 2}));        // g1: x1..x3
  expect_error([&] { compose(h, conv1d_connectivity(4, 3, same)); }, {"compose", "4"});
}

// Padding that copies pixels is followed: reflect reads x[-1] = x[1]. By hand, a 1x4 row with
// a 1x3 kernel and one column of reflect padding on the left: output 0 reads columns -1 -> 1,
// 0 and 1, i.e. {0, 1}; with zero padding it reads {0, 1} too but through two taps only.
TEST(Connectivity, PaddingModes) {
  Conv2dParams p{.pad_left = 1, .pad_right = 1, .padding_mode = PaddingMode::reflect};
  EXPECT_EQ(conv2d_connectivity(1, 4, 1, 3, p).reads[0], (std::vector<std::int64_t>{0, 1}));
  p.padding_mode = PaddingMode::circular;  // x[-1] = x[3]
  EXPECT_EQ(conv2d_connectivity(1, 4, 1, 3, p).reads[0], (std::vector<std::int64_t>{0, 1, 3}));
  p.padding_mode = PaddingMode::replicate;  // x[-1] = x[0]
  EXPECT_EQ(conv2d_connectivity(1, 4, 1, 3, p).reads[0], (std::vector<std::int64_t>{0, 1}));
  // Max pooling's padding is -inf: never an input.
  EXPECT_EQ(pool2d_connectivity("max_pool2d", 3, 3, pool_params(3, 2, 1)).reads[0],
            (std::vector<std::int64_t>{0, 1, 3, 4}));
  expect_error([] { conv2d_connectivity(4, 4, 5, 5, conv_params(1, 0)); }, {"conv2d", "kernel"});
  Conv2dParams grouped = conv_params(1, 0);
  grouped.groups = 2;
  expect_error([&] { conv2d_connectivity(4, 4, 2, 2, grouped); }, {"conv2d", "groups 2"});
}

// Property: for random stacks of convolutions and pools without padding, the input span read by
// output (0, 0) equals the receptive field of the recurrence, and the shift between outputs
// (0, 0) and (0, 1) equals the jump. Two independent computations (describe's recurrence, and
// index sets composed layer by layer with the reference's index formula).
TEST(Connectivity, RecurrenceMatchesIndexSets) {
  const std::uint64_t seed = 7;
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> layers_d(1, 4), k_d(1, 4), s_d(1, 3), d_d(1, 2), pool_d(0, 2);
  int checked = 0;
  for (int trial = 0; trial < 40; ++trial) {
    SCOPED_TRACE("seed " + std::to_string(seed) + ", trial " + std::to_string(trial));
    Network net;
    net.name = "random";
    const std::int64_t size = 48;
    net.input = Shape{1, 1, size, size};
    std::vector<Connectivity> maps;
    std::int64_t h = size, w = size;
    bool fits = true;
    const int n_layers = layers_d(rng);
    for (int l = 0; l < n_layers && fits; ++l) {
      const std::int64_t k = k_d(rng), s = s_d(rng), d = d_d(rng);
      const int kind = pool_d(rng);  // 0, 1: conv; 2: max pool
      if (effective_kernel(k, d) > std::min(h, w)) {
        fits = false;
        break;
      }
      if (kind < 2) {
        Conv2dParams p = conv_params(s, 0);
        p.dilation_h = p.dilation_w = d;
        net.layers.push_back(conv2d(std::string("c").append(std::to_string(l)), 1, k, p));
        maps.push_back(conv2d_connectivity(h, w, k, k, p));
      } else {
        Pool2dParams p = pool_params(k, s);
        p.dilation_h = p.dilation_w = d;
        net.layers.push_back(max_pool2d(std::string("p").append(std::to_string(l)), p));
        maps.push_back(pool2d_connectivity("max_pool2d", h, w, p));
      }
      h = maps.back().out_h;
      w = maps.back().out_w;
    }
    if (maps.empty() || w < 2) continue;
    const LayerTable t = describe(net);
    Connectivity all = maps[0];
    for (std::size_t i = 1; i < maps.size(); ++i) all = compose(all, maps[i]);
    const auto& first = all.reads[0];
    const std::int64_t span = first.back() % size - first.front() % size + 1;
    EXPECT_EQ(span, t.total().rf_w);
    EXPECT_EQ(first.back() / size - first.front() / size + 1, t.total().rf_h);
    EXPECT_EQ(all.reads[1].front() - first.front(), t.total().jump_w);
    ++checked;
  }
  EXPECT_GE(checked, 20);  // most random stacks fit in 48 x 48
}

// ---- errors naming the network, the layer, the op and the values ----

TEST(Describe, InvalidNetworksAreRejected) {
  Network n;
  n.name = "broken";
  n.input = Shape{1, 3, 8, 8};
  n.layers = {conv2d("c1", 4, 3, conv_params(1, 0)), linear("fc", 10)};
  expect_error([&] { describe(n); }, {"broken", "layer fc", "linear", "rank 2"});

  n.layers = {conv2d("c1", 4, 11, conv_params(1, 0))};
  expect_error([&] { describe(n); }, {"broken", "layer c1", "conv2d", "kernel_h 11", "8"});

  // Inception branches must keep the spatial size: a stride-2 branch cannot be concatenated.
  n.layers = {concat(
      "block", {{conv2d("a", 4, 1, conv_params(1, 0))}, {conv2d("b", 4, 3, conv_params(2, 1))}})};
  expect_error([&] { describe(n); }, {"broken", "layer block", "(1, 4, 4, 4)", "dimension 2"});

  n.layers = {add("res", {conv2d("a", 8, 3, conv_params(1, 1))}, {})};
  expect_error([&] { describe(n); }, {"broken", "layer res", "shortcut output", "(1, 3, 8, 8)"});

  n.layers = {batch_norm2d("bn"), flatten("f"), batch_norm2d("bn2")};
  expect_error([&] { describe(n); }, {"layer bn2", "batch_norm2d", "rank 4", "(1, 192)"});

  n.input = Shape{2, 3, 8, 8};
  expect_error([&] { describe(n); }, {"broken", "(1, C, H, W)", "(2, 3, 8, 8)"});
}

TEST(Describe, ConcatShape) {
  const Shape a{1, 64, 28, 28}, b{1, 128, 28, 28};
  const Shape parts[] = {a, b};
  EXPECT_EQ(concat_output_shape("concat", parts, 1), (Shape{1, 192, 28, 28}));
  expect_error([&] { concat_output_shape("concat", parts, 4); }, {"concat", "dim 4"});
  const Shape ranks[] = {a, Shape{1, 64, 28}};
  expect_error([&] { concat_output_shape("concat", ranks, 1); }, {"concat", "input 1", "rank 3"});
  expect_error([&] { concat_output_shape("concat", std::span<const Shape>(), 1); },
               {"concat", "at least one"});
}

}  // namespace
}  // namespace convlab::nets
