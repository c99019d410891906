// The op table (core/ops), the reference dispatch (reference/dispatch) and the fixture corpus
// (corpus/): parameter reflection, the error scale K*M on hand-computed examples, the document
// cases of fixtures/, a write/load round trip, and one malformed file per error class, each
// asserting that the error names the file, the line and the column.
#include <gtest/gtest.h>

#include <unistd.h>
#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>

#include "corpus/corpus.hpp"
#include "reference/dispatch.hpp"
#include "tests/support.hpp"

namespace convlab {
namespace {

namespace fs = std::filesystem;

// ---------------------------------------------------------------------------------------------
// The op table.

TEST(OpTable, EveryOpHasForwardAndAllButCorr2dAndGemmBackward) {
  for (const OpSpec& spec : all_ops()) {
    SCOPED_TRACE(spec.name);
    EXPECT_EQ(&find_op(spec.name, spec.direction), &spec);
    EXPECT_FALSE(spec.outputs.empty());
    EXPECT_FALSE(spec.summary.empty());
    // corr2d is the single-channel teaching form of conv2d, and gemm the matrix product the
    // dense and im2col kernels are built on: neither is a layer that needs its own backward.
    if (spec.name != "corr2d" && spec.name != "gemm") {
      EXPECT_NO_THROW(find_op(spec.name, Direction::backward));
    }
  }
  EXPECT_EQ(all_ops().size(), 30u);  // 16 ops forward, 14 backward (not corr2d, gemm)
}

TEST(OpTable, UnknownOpAndDirectionAreErrors) {
  try {
    find_op("conv4d", Direction::forward);
    FAIL() << "no error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("conv4d"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("conv_transpose2d"), std::string::npos) << e.what();
  }
  EXPECT_THROW(find_op("corr2d", Direction::backward), std::invalid_argument);
  EXPECT_EQ(parse_direction("backward"), Direction::backward);
  EXPECT_THROW(parse_direction("Forward"), std::invalid_argument);
}

// A value different from `value` of the same kind of field.
std::string other_value(const std::string& value) {
  if (value == "true") return "false";
  if (value == "false") return "true";
  if (value == "zeros") return "circular";
  if (value == "nearest") return "bilinear";
  return std::to_string(std::stoll(value) + 3);
}

TEST(OpTable, EveryParameterRoundTripsThroughText) {
  for (const OpSpec& spec : all_ops()) {
    const auto defaults = param_entries(spec.default_params);
    for (std::size_t i = 0; i < defaults.size(); ++i) {
      SCOPED_TRACE(spec.name + "." + defaults[i].first);
      OpParams p = spec.default_params;
      const std::string v = other_value(defaults[i].second);
      set_param(spec.name, p, defaults[i].first, v);
      const auto now = param_entries(p);
      ASSERT_EQ(now.size(), defaults.size());
      for (std::size_t j = 0; j < now.size(); ++j) {
        EXPECT_EQ(now[j].first, defaults[j].first);
        EXPECT_EQ(now[j].second, i == j ? v : defaults[j].second);
      }
    }
  }
}

TEST(OpTable, ParameterNamesAreTheStructFields) {
  const auto e = param_entries(Conv2dParams{.stride_h = 2, .padding_mode = PaddingMode::reflect});
  ASSERT_EQ(e.size(), 10u);
  EXPECT_EQ(e[0], (std::pair<std::string, std::string>{"stride_h", "2"}));
  EXPECT_EQ(e[9], (std::pair<std::string, std::string>{"padding_mode", "reflect"}));
  EXPECT_TRUE(param_entries(NoParams{}).empty());
}

std::string set_error(std::string_view op, OpParams p, std::string_view key,
                      std::string_view value) {
  try {
    set_param(op, p, key, value);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(OpTable, UnknownParameterListsTheKnownOnes) {
  const std::string e = set_error("conv2d", Conv2dParams{}, "stride", "2");
  EXPECT_NE(e.find("conv2d"), std::string::npos) << e;
  EXPECT_NE(e.find("\"stride\""), std::string::npos) << e;
  EXPECT_NE(e.find("stride_h, stride_w"), std::string::npos) << e;
  const std::string none = set_error("linear", NoParams{}, "bias", "true");
  EXPECT_NE(none.find("linear has no parameters"), std::string::npos) << none;
}

TEST(OpTable, BadParameterValuesAreRejected) {
  const auto expect_error = [](std::string_view key, std::string_view value, OpParams p,
                               const std::string& why) {
    const std::string e = set_error("op", p, key, value);
    EXPECT_NE(e.find(std::string(key)), std::string::npos) << e;
    EXPECT_NE(e.find("\"" + std::string(value) + "\""), std::string::npos) << e;
    EXPECT_NE(e.find(why), std::string::npos) << e;
  };
  expect_error("stride_h", "1x", Conv2dParams{}, "unexpected \"x\" after \"1\"");
  expect_error("stride_h", "99999999999999999999", Conv2dParams{}, "out of range");
  expect_error("stride_h", "-99999999999999999999", Conv2dParams{}, "out of range");
  expect_error("stride_h", "maybe", Conv2dParams{}, "not an integer");
  expect_error("stride_h", "", Conv2dParams{}, "not an integer");
  expect_error("stride_h", " 1", Conv2dParams{}, "not an integer");
  expect_error("stride_h", "+1", Conv2dParams{}, "not an integer");
  expect_error("stride_h", "1.0", Conv2dParams{}, "unexpected \".0\"");
  expect_error("ceil_mode", "maybe", Pool2dParams{}, "must be true or false");
  expect_error("ceil_mode", "1", Pool2dParams{}, "must be true or false");
  expect_error("padding_mode", "mirror", Conv2dParams{}, "zeros, reflect, replicate, circular");
  expect_error("mode", "Bilinear", Upsample2dParams{}, "nearest, bilinear");
  // start_dim is an int: 2^31 does not fit although it fits in int64.
  expect_error("start_dim", "2147483648", FlattenParams{}, "out of range");
  OpParams p = FlattenParams{};
  set_param("flatten", p, "start_dim", "-2147483648");
  EXPECT_EQ(std::get<FlattenParams>(p).start_dim, std::numeric_limits<int>::min());
}

TEST(OpTable, OutputShapesNameTheTensorAtFault) {
  const OpSpec& fwd = find_op("conv2d", Direction::forward);
  const OpSpec& bwd = find_op("conv2d", Direction::backward);
  const Shape x{1, 2, 5, 5}, w{4, 2, 3, 3}, b{4}, y{1, 4, 3, 3};
  EXPECT_EQ(output_shapes(fwd, Conv2dParams{}, {{"x", x}, {"w", w}}), (ShapeMap{{"y", y}}));
  EXPECT_EQ(output_shapes(bwd, Conv2dParams{}, {{"x", x}, {"w", w}, {"dy", y}}),
            (ShapeMap{{"dx", x}, {"dw", w}}));
  EXPECT_EQ(output_shapes(bwd, Conv2dParams{}, {{"x", x}, {"w", w}, {"b", b}, {"dy", y}}),
            (ShapeMap{{"dx", x}, {"dw", w}, {"db", b}}));
  const auto message = [&](const OpSpec& s, const ShapeMap& in) -> std::string {
    try {
      output_shapes(s, Conv2dParams{}, in);
    } catch (const std::invalid_argument& e) {
      return e.what();
    }
    return "(no error)";
  };
  EXPECT_NE(message(fwd, {{"x", x}, {"weight", w}}).find("\"weight\""), std::string::npos);
  EXPECT_NE(message(fwd, {{"x", x}}).find("missing required input tensor \"w\""),
            std::string::npos);
  const std::string dy = message(bwd, {{"x", x}, {"w", w}, {"dy", Shape{1, 4, 4, 4}}});
  EXPECT_NE(dy.find("dy shape (1, 4, 4, 4)"), std::string::npos) << dy;
  EXPECT_THROW(output_shapes(fwd, Pool2dParams{}, {{"x", x}, {"w", w}}), std::invalid_argument);
  EXPECT_EQ(output_shapes(find_op("corr2d", Direction::forward), NoParams{},
                          {{"x", Shape{6, 8}}, {"k", Shape{1, 2}}}),
            (ShapeMap{{"y", Shape{6, 7}}}));  // W18's edge detector
}

// ---------------------------------------------------------------------------------------------
// The reference dispatch.

TEST(Dispatch, BiasDecidesWhetherDbExists) {
  const OpSpec& bwd = find_op("linear", Direction::backward);
  TensorMap<double> in{{"x", Tensor<double>(Shape{1, 2}, {1, 2})},
                       {"w", Tensor<double>(Shape{1, 2}, {3, 4})},
                       {"dy", Tensor<double>(Shape{1, 1}, {5})}};
  EXPECT_FALSE(run_reference(bwd, NoParams{}, in).contains("db"));
  in["b"] = Tensor<double>(Shape{1}, {0});
  const TensorMap<double> g = run_reference(bwd, NoParams{}, in);
  // dx = dy * w = (15, 20), dw = dy * x = (5, 10), db = dy = 5.
  EXPECT_TRUE(test::all_equal(g.at("dx"), Tensor<double>(Shape{1, 2}, {15, 20})));
  EXPECT_TRUE(test::all_equal(g.at("dw"), Tensor<double>(Shape{1, 2}, {5, 10})));
  EXPECT_TRUE(test::all_equal(g.at("db"), Tensor<double>(Shape{1}, {5})));
}

TEST(Dispatch, OutputsDoNotShareStorageWithInputs) {
  const Tensor<double> x(Shape{1, 2, 2}, {1, 2, 3, 4});
  const TensorMap<double> y =
      run_reference<double>(find_op("flatten", Direction::forward), FlattenParams{}, {{"x", x}});
  EXPECT_EQ(y.at("y").shape(), (Shape{1, 4}));
  EXPECT_FALSE(y.at("y").shares_storage_with(x));
}

TEST(Dispatch, IndicesTravelAsExactIntegers) {
  const OpSpec& unpool = find_op("max_unpool2d", Direction::forward);
  const Unpool2dParams p{};  // 2x2, stride 2: a 1x1 input unpools to 2x2
  const Tensor<float> x(Shape{1, 1, 1, 1}, {7});
  const auto run = [&](float index) {
    return run_reference<float>(unpool, p,
                                {{"x", x}, {"indices", Tensor<float>(Shape{1, 1, 1, 1}, {index})}});
  };
  EXPECT_EQ(run(3).at("y")(0, 0, 1, 1), 7.0f);
  for (float bad : {2.5f, -1.0f, std::numeric_limits<float>::quiet_NaN(), 16777218.0f}) {
    SCOPED_TRACE(bad);
    try {
      run(bad);
      FAIL() << "no error";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("16777216"), std::string::npos) << e.what();
    }
  }
  // In range but outside the 2x2 plane: the reference's own check.
  EXPECT_THROW(run(4), std::invalid_argument);
  // max_pool2d writes its indices as numbers: W4's maximum of window (0, 0) is at 2 * 4 + 2.
  Tensor<float> x44(Shape{1, 1, 4, 4});
  for (int i = 0; i < 16; ++i) x44[i] = float(i + 1);
  const auto pooled = run_reference<float>(
      find_op("max_pool2d", Direction::forward),
      Pool2dParams{.kernel_h = 3, .kernel_w = 3, .stride_h = 1, .stride_w = 1}, {{"x", x44}});
  EXPECT_EQ(pooled.at("indices")(0, 0, 0, 0), 10.0f);
}

// K * M by hand for conv1d: x = (1, -2, 3), w = (2, -1), b = 0.5.
TEST(ErrorScale, ConvCountsTermsAndSumsMagnitudes) {
  const OpSpec& conv = find_op("conv1d", Direction::forward);
  const TensorMap<double> in{{"x", Tensor<double>(Shape{1, 1, 3}, {1, -2, 3})},
                             {"w", Tensor<double>(Shape{1, 1, 2}, {2, -1})},
                             {"b", Tensor<double>(Shape{1}, {0.5})}};
  // y0 = 1*2 + (-2)(-1) + 0.5: K = 3 terms, M = 2 + 2 + 0.5 = 4.5 -> 13.5
  // y1 = (-2)*2 + 3*(-1) + 0.5: K = 3, M = 4 + 3 + 0.5 = 7.5 -> 22.5
  EXPECT_TRUE(test::all_equal(error_scale(conv, Conv1dParams{}, in).at("y"),
                              Tensor<double>(Shape{1, 1, 2}, {13.5, 22.5})));
  // With pad_left 1 the first window reads the padding and x0 only: y0 = x0 * w1 + b,
  // K = 2, M = 1 + 0.5 = 1.5 -> 3. The padding is not a term.
  const Tensor<double> padded = error_scale(conv, Conv1dParams{.pad_left = 1}, in).at("y");
  EXPECT_EQ(padded[0], 3.0);
  // Backward: dw[k] = sum_l dy[l] x[l + k]; with dy = (1, -1): dw0 = 1*1 + (-1)(-2),
  // K = 2, M = 1 + 2 = 3 -> 6; db = dy0 + dy1: K = 2, M = 2 -> 4.
  TensorMap<double> bin = in;
  bin["dy"] = Tensor<double>(Shape{1, 1, 2}, {1, -1});
  const TensorMap<double> g =
      error_scale(find_op("conv1d", Direction::backward), Conv1dParams{}, bin);
  EXPECT_EQ(g.at("dw")[0], 6.0);
  EXPECT_EQ(g.at("db")[0], 4.0);
}

TEST(ErrorScale, SelectionsAndElementwise) {
  Tensor<double> x(Shape{1, 1, 2, 2}, {-3, 1, 2, -5});
  const TensorMap<double> pool =
      error_scale(find_op("max_pool2d", Direction::forward), Pool2dParams{}, {{"x", x}});
  EXPECT_EQ(pool.at("y")[0], 2.0);        // K = 1, M = |max| = 2
  EXPECT_EQ(pool.at("indices")[0], 0.0);  // indices must be exact
  // sigmoid(0) = 0.5: 4 roundings of |y| and no condition term (x = 0) -> 2.
  const TensorMap<double> sig = error_scale(find_op("sigmoid", Direction::forward), NoParams{},
                                            {{"x", Tensor<double>(Shape{1}, {0})}});
  EXPECT_EQ(sig.at("y")[0], 2.0);
  // Average of 9 terms (W5's first window: 1..11 without 4, 8): K = 9 + 1, M = 54 / 9.
  Tensor<double> x44(Shape{1, 1, 4, 4});
  for (int i = 0; i < 16; ++i) x44[i] = i + 1;
  const TensorMap<double> avg = error_scale(
      find_op("avg_pool2d", Direction::forward),
      Pool2dParams{.kernel_h = 3, .kernel_w = 3, .stride_h = 1, .stride_w = 1}, {{"x", x44}});
  EXPECT_DOUBLE_EQ(avg.at("y")[0], 10 * 6.0);
}

// ---------------------------------------------------------------------------------------------
// The corpus: every case of fixtures/ passes the reference, in double and in float.

// The hand-written document cases of this format's README (the whole corpus is run by
// tests/test_generated_corpus.cpp and the registry tests).
TEST(Corpus, DocumentExamplesPassTheReferenceInDoubleAndFloat) {
  for (const char* name :
       {"max_pool2d/w4_doc000_k3_s1", "avg_pool2d/w5_doc000_k3_s1", "conv2d/w24_doc003_stride2"}) {
    SCOPED_TRACE(name);
    const Case c = load_case(bundled_corpus_dir() / name);
    EXPECT_TRUE(c.provenance.starts_with("doc:"));
    const CompareResult d = compare(c, run_reference(*c.spec, c.params, c.inputs), 1.0,
                                    std::numeric_limits<double>::epsilon());
    EXPECT_TRUE(d.passed) << d.message;
    TensorMap<float> in;
    for (const auto& [tensor, t] : c.inputs) in[tensor] = t.cast<float>();
    TensorMap<double> out;
    for (const auto& [tensor, t] : run_reference(*c.spec, c.params, in)) {
      out[tensor] = t.cast<double>();
    }
    const CompareResult f = compare(c, out, 1.0);
    EXPECT_TRUE(f.passed) << f.message;
  }
}

TEST(Corpus, DocumentCasesKeepThePrintedValues) {
  const Case w4 = load_case(bundled_corpus_dir() / "max_pool2d" / "w4_doc000_k3_s1");
  EXPECT_EQ(w4.name, "max_pool2d/w4_doc000_k3_s1");
  EXPECT_EQ(w4.provenance, "doc:000_3ddde5b97f33cba7.txt#W4");
  EXPECT_TRUE(w4.exact);
  EXPECT_TRUE(
      test::all_equal(w4.expected.at("y"), Tensor<double>(Shape{1, 1, 2, 2}, {11, 12, 15, 16})));
  const Pool2dParams& p = std::get<Pool2dParams>(w4.params);
  EXPECT_EQ(p.kernel_h, 3);
  EXPECT_EQ(p.stride_w, 1);
}

TEST(Compare, ReportsTheFirstBadElement) {
  const Case c = load_case(bundled_corpus_dir() / "conv2d" / "w24_doc003_stride2");
  TensorMap<double> y{{"y", c.expected.at("y").clone()}};
  y["y"](0, 0, 1, 0) += 1;  // 251 -> 252
  const CompareResult r = compare(c, y, 4.0);
  EXPECT_FALSE(r.passed);
  EXPECT_EQ(r.bad_tensor, "y");
  EXPECT_EQ(r.bad_index, (std::vector<std::int64_t>{0, 0, 1, 0}));
  EXPECT_EQ(r.expected, 251);
  EXPECT_EQ(r.actual, 252);
  EXPECT_EQ(r.worst_ratio, std::numeric_limits<double>::infinity());  // exact case
  EXPECT_NE(r.message.find("0:0:1:0"), std::string::npos) << r.message;

  y["y"](0, 0, 1, 0) = std::numeric_limits<double>::quiet_NaN();
  EXPECT_FALSE(compare(c, y, 4.0).passed);
  EXPECT_FALSE(compare(c, {}, 4.0).passed);
  EXPECT_FALSE(compare(c, {{"y", Tensor<double>(Shape{1, 1, 4})}}, 4.0).passed);
}

TEST(Compare, BoundPolicyAllowsFactorTimesEpsTimesKM) {
  // W5: y[0] = 6, K * M = 10 * 6 = 60 (see ErrorScale above); with factor 1 in float the
  // allowed error is 60 * 2^-23 = 7.15e-6 (tolerance.abs is 0).
  const Case c = load_case(bundled_corpus_dir() / "avg_pool2d" / "w5_doc000_k3_s1");
  ASSERT_FALSE(c.exact);
  const double allowed = 60 * std::numeric_limits<float>::epsilon();
  TensorMap<double> y{{"y", c.expected.at("y").clone()}};
  y["y"][0] = 6 + 0.99 * allowed;
  CompareResult r = compare(c, y, 1.0);
  EXPECT_TRUE(r.passed) << r.message;
  EXPECT_NEAR(r.worst_ratio, 0.99, 1e-6);
  y["y"][0] = 6 + 1.01 * allowed;
  r = compare(c, y, 1.0);
  EXPECT_FALSE(r.passed);
  EXPECT_NEAR(r.allowed, allowed, 1e-18);
  EXPECT_TRUE(compare(c, y, 2.0).passed);  // a variant declaring factor 2
}

// ---------------------------------------------------------------------------------------------
// Writing and reading back.

class TempDir : public ::testing::Test {
 protected:
  void SetUp() override {
    static int counter = 0;
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() / ("convlab_test_corpus_" + std::to_string(::getpid()) + "_" +
                                        std::to_string(counter++) + "_" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

using CaseRoundTrip = TempDir;

TEST_F(CaseRoundTrip, WriteThenLoadGivesTheSameCaseBitForBit) {
  Case c;
  c.spec = &find_op("conv2d", Direction::backward);
  c.params = Conv2dParams{
      .stride_h = 2, .pad_left = 1, .groups = 2, .padding_mode = PaddingMode::replicate};
  c.inputs["x"] = test::random_tensor<double>(Shape{2, 4, 5, 6}, 11);
  c.inputs["w"] = test::random_tensor<double>(Shape{6, 2, 3, 2}, 12);
  c.inputs["b"] = test::random_tensor<double>(Shape{6}, 13);
  c.inputs["dy"] = test::random_tensor<double>(Shape{2, 6, 2, 6}, 14, -1e-300, 1e300);
  c.expected = run_reference(*c.spec, c.params, c.inputs);
  c.expected["dx"][0] = -0.0;
  c.expected["dx"][1] = 5e-324;  // the smallest subnormal
  c.abs_tol = 1e-17;
  c.tolerance_reason = "generated \"exact\", with a comma";
  c.provenance = "generated:test_corpus@seed=11";
  c.description = " leading and trailing spaces ";
  c.note = "";
  write_case(c, dir_ / "case");
  const Case r = load_case(dir_ / "case");
  EXPECT_EQ(r.spec, c.spec);
  EXPECT_EQ(param_entries(r.params), param_entries(c.params));
  EXPECT_EQ(r.abs_tol, c.abs_tol);
  EXPECT_EQ(r.exact, c.exact);
  EXPECT_EQ(r.tolerance_reason, c.tolerance_reason);
  EXPECT_EQ(r.provenance, c.provenance);
  EXPECT_EQ(r.description, c.description);
  EXPECT_EQ(r.name, "conv2d/case");
  for (const auto* which : {&c.inputs, &c.expected}) {
    const TensorMap<double>& got = which == &c.inputs ? r.inputs : r.expected;
    ASSERT_EQ(got.size(), which->size());
    for (const auto& [name, t] : *which) {
      SCOPED_TRACE(name);
      ASSERT_EQ(got.at(name).shape(), t.shape());
      for (std::int64_t i = 0; i < t.numel(); ++i) {
        ASSERT_EQ(std::signbit(got.at(name)[i]), std::signbit(t[i])) << i;
        ASSERT_EQ(got.at(name)[i], t[i]) << i;
      }
    }
  }
}

TEST_F(CaseRoundTrip, DocumentCaseSurvivesRewriting) {
  const Case w4 = load_case(bundled_corpus_dir() / "max_pool2d" / "w4_doc000_k3_s1");
  write_case(w4, dir_ / "w4");
  const Case r = load_case(dir_ / "w4");
  EXPECT_EQ(r.note, w4.note);
  EXPECT_TRUE(test::all_equal(r.expected.at("indices"), w4.expected.at("indices")));
}

TEST_F(CaseRoundTrip, WriteRejectsWhatCannotBeRead) {
  Case c = load_case(bundled_corpus_dir() / "conv2d" / "w24_doc003_stride2");
  Case bad = c;
  bad.description = "two\nlines";
  EXPECT_THROW(write_case(bad, dir_ / "a"), CaseError);
  bad = c;
  bad.expected["y"] = Tensor<double>(Shape{1, 1, 3, 3});  // not the shape conv2d gives
  EXPECT_THROW(write_case(bad, dir_ / "b"), CaseError);
  bad = c;
  bad.inputs["x"] = bad.inputs["x"].clone();
  bad.inputs["x"][3] = std::numeric_limits<double>::infinity();
  EXPECT_THROW(write_case(bad, dir_ / "c"), CaseError);
  bad = c;
  bad.provenance = "from the internet";
  EXPECT_THROW(write_case(bad, dir_ / "d"), CaseError);
  EXPECT_FALSE(fs::exists(dir_ / "a"));
  EXPECT_FALSE(fs::exists(dir_ / "b"));
  EXPECT_FALSE(fs::exists(dir_ / "c"));
  EXPECT_FALSE(fs::exists(dir_ / "d"));
}

TEST_F(CaseRoundTrip, TensorFileWithoutAShapeInfersIt) {
  const Tensor<double> t = test::random_tensor<double>(Shape{2, 3, 1, 4}, 5);
  write_tensor_csv(dir_ / "t.csv", t);
  const Tensor<double> r = read_tensor_csv(dir_ / "t.csv");
  EXPECT_EQ(r.shape(), t.shape());
  EXPECT_TRUE(test::all_equal(r, t));
}

TEST(FindCases, AcceptsCaseDirsFoldersAndManifests) {
  const fs::path root = bundled_corpus_dir();
  const auto all = find_cases({root});
  EXPECT_TRUE(std::is_sorted(all.begin(), all.end()));
  for (const fs::path& dir : all) {  // fixtures/architecture/ is another format
    EXPECT_EQ(dir.string().find("architecture"), std::string::npos) << dir;
  }
  const fs::path w24 = root / "conv2d" / "w24_doc003_stride2";
  EXPECT_EQ(find_cases({w24}), (std::vector<fs::path>{w24}));
  EXPECT_EQ(find_cases({w24 / "manifest.csv"}), (std::vector<fs::path>{w24}));
  const auto conv2d = find_cases({root / "conv2d"});
  EXPECT_NE(std::find(conv2d.begin(), conv2d.end(), w24), conv2d.end());
  EXPECT_EQ(find_cases({root / "conv2d", w24}), conv2d);  // no duplicates
  EXPECT_THROW(find_cases({root / "no_such_op"}), CaseError);
}

// ---------------------------------------------------------------------------------------------
// Malformed cases: one per error class. The base is a valid conv2d case whose values are
// checked by hand: x = 1..9 (3x3), w = (1, 0; 0, -1), y = x[i][j] - x[i+1][j+1] = -4.

const char* const kManifest =
    "key,value\n"                                           // line 1
    "format,convlab-case-1\n"                               // 2
    "op,conv2d\n"                                           // 3
    "direction,forward\n"                                   // 4
    "description,\"a 2x2 diagonal difference, by hand\"\n"  // 5
    "provenance,derived:hand-computed for test_corpus\n"    // 6
    "param.stride_h,1\n"                                    // 7
    "param.stride_w,1\n"                                    // 8
    "param.pad_top,0\n"                                     // 9
    "param.pad_bottom,0\n"                                  // 10
    "param.pad_left,0\n"                                    // 11
    "param.pad_right,0\n"                                   // 12
    "param.dilation_h,1\n"                                  // 13
    "param.dilation_w,1\n"                                  // 14
    "param.groups,1\n"                                      // 15
    "param.padding_mode,zeros\n"                            // 16
    "input.x,1x1x3x3\n"                                     // 17
    "input.w,1x1x2x2\n"                                     // 18
    "output.y,1x1x2x2\n"                                    // 19
    "tolerance.abs,0\n"                                     // 20
    "tolerance.policy,exact\n"                              // 21
    "tolerance.reason,small integers\n";                    // 22

const char* const kX =
    "index,value\n0:0:0:0,1\n0:0:0:1,2\n0:0:0:2,3\n0:0:1:0,4\n0:0:1:1,5\n0:0:1:2,6\n"
    "0:0:2:0,7\n0:0:2:1,8\n0:0:2:2,9\n";
const char* const kW = "index,value\n0:0:0:0,1\n0:0:0:1,0\n0:0:1:0,0\n0:0:1:1,-1\n";
const char* const kY = "index,value\n0:0:0:0,-4\n0:0:0:1,-4\n0:0:1:0,-4\n0:0:1:1,-4\n";

class Malformed : public TempDir {
 protected:
  void SetUp() override {
    TempDir::SetUp();
    write("manifest.csv", kManifest);
    write("x.csv", kX);
    write("w.csv", kW);
    write("y.csv", kY);
  }
  void write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name, std::ios::binary | std::ios::trunc) << text;
  }
  // Replaces the first occurrence of `from` in file `name` by `to`.
  void edit(const std::string& name, const std::string& from, const std::string& to) {
    std::ifstream in(dir_ / name, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string text = ss.str();
    const std::size_t at = text.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    text.replace(at, from.size(), to);
    write(name, text);
  }
  // Loading fails with a CaseError about `file` at `line` and `column` whose message says
  // where (file, "line N", "column C") and contains `text`.
  void expect_error(const std::string& file, std::int64_t line, int column,
                    const std::string& text) {
    try {
      load_case(dir_);
      ADD_FAILURE() << "loaded without an error; expected: " << text;
    } catch (const CaseError& e) {
      const std::string what = e.what();
      EXPECT_EQ(e.file(), dir_ / file) << what;
      EXPECT_EQ(e.line(), line) << what;
      EXPECT_EQ(e.column(), column) << what;
      EXPECT_NE(what.find((dir_ / file).string()), std::string::npos) << what;
      if (line > 0) {
        EXPECT_NE(what.find("line " + std::to_string(line)), std::string::npos) << what;
      }
      if (column > 0) {
        EXPECT_NE(what.find("column " + std::to_string(column)), std::string::npos) << what;
      }
      EXPECT_NE(what.find(text), std::string::npos) << what;
    }
  }
};

TEST_F(Malformed, TheBaseCaseIsValid) {
  const Case c = load_case(dir_);
  EXPECT_TRUE(compare(c, run_reference(*c.spec, c.params, c.inputs), 1.0).passed);
}

TEST_F(Malformed, MissingFiles) {
  fs::remove(dir_ / "w.csv");
  expect_error("w.csv", 0, 0, "is missing (declared as input.w on line 18");
  fs::remove(dir_ / "manifest.csv");
  expect_error("manifest.csv", 0, 0, "is missing");
}

TEST_F(Malformed, EmptyManifestAndWrongHeader) {
  write("manifest.csv", "");
  expect_error("manifest.csv", 0, 0, "is empty");
  write("manifest.csv", "\n\n");
  expect_error("manifest.csv", 0, 0, "is empty");
  write("manifest.csv", std::string(kManifest).replace(0, 9, "key,val"));
  expect_error("manifest.csv", 1, 2, "the header must be exactly key,value");
}

TEST_F(Malformed, Keys) {
  edit("manifest.csv", "description,", "descripton,");
  expect_error("manifest.csv", 5, 1, "unknown key \"descripton\"");
  write("manifest.csv", std::string(kManifest) + "op,conv2d\n");
  expect_error("manifest.csv", 23, 1, "duplicate key \"op\" (first on line 3)");
  write("manifest.csv", kManifest);
  edit("manifest.csv", "tolerance.reason,small integers\n", "");
  expect_error("manifest.csv", 0, 0, "missing key tolerance.reason");
}

TEST_F(Malformed, UnknownOpOrDirection) {
  edit("manifest.csv", "op,conv2d", "op,conv2x");
  expect_error("manifest.csv", 3, 2, "unknown op \"conv2x\"");
  write("manifest.csv", kManifest);
  edit("manifest.csv", "direction,forward", "direction,sideways");
  expect_error("manifest.csv", 4, 2, "not one of: forward, backward");
}

TEST_F(Malformed, Parameters) {
  edit("manifest.csv", "param.groups,1", "param.group,1");
  expect_error("manifest.csv", 15, 1, "unknown parameter \"group\" for conv2d; its parameters are");
  write("manifest.csv", kManifest);
  edit("manifest.csv", "param.groups,1\n", "");
  expect_error("manifest.csv", 0, 0, "missing parameters param.groups");
  write("manifest.csv", kManifest);
  edit("manifest.csv", "param.stride_w,1", "param.stride_w,1x");
  expect_error("manifest.csv", 8, 2, "\"1x\" is not an integer");
  write("manifest.csv", kManifest);
  edit("manifest.csv", "param.stride_w,1", "param.stride_w,99999999999999999999");
  expect_error("manifest.csv", 8, 2, "out of range");
  write("manifest.csv", kManifest);
  edit("manifest.csv", "param.pad_top,0", "param.pad_top,16777217");
  expect_error("manifest.csv", 9, 2, "beyond the limit");
  write("manifest.csv", kManifest);
  edit("manifest.csv", "param.padding_mode,zeros", "param.padding_mode,maybe");
  expect_error("manifest.csv", 16, 2, "must be one of");
  // Valid numbers, invalid convolution: the shape module's message, naming the parameter.
  write("manifest.csv", kManifest);
  edit("manifest.csv", "param.stride_h,1", "param.stride_h,0");
  expect_error("manifest.csv", 0, 0, "stride_h must be >= 1, got 0");
}

TEST_F(Malformed, DeclaredShapes) {
  edit("manifest.csv", "output.y,1x1x2x2", "output.y,1x1x3x3");
  expect_error("manifest.csv", 19, 2, "the shape module gives 1x1x2x2");
  write("manifest.csv", kManifest);
  edit("manifest.csv", "input.x,1x1x3x3", "input.x,1x1x3x");
  expect_error("manifest.csv", 17, 2, "is malformed");
  write("manifest.csv", kManifest);
  edit("manifest.csv", "input.x,1x1x3x3", "input.x,1x1x1x1x3x3");
  expect_error("manifest.csv", 17, 2, "more than 5 dimensions");
  // A huge declared size is refused before anything is read or allocated.
  write("manifest.csv", kManifest);
  edit("manifest.csv", "input.x,1x1x3x3", "input.x,1x1x100000x100000");
  expect_error("manifest.csv", 17, 2, "limit of 134217728 elements");
  write("manifest.csv", kManifest);
  edit("manifest.csv", "input.x,1x1x3x3", "input.x,99999999999999999999");
  expect_error("manifest.csv", 17, 2, "is malformed");
  write("manifest.csv", kManifest);
  edit("manifest.csv", "input.w,", "input.weight,");
  expect_error("manifest.csv", 18, 1, "has no input \"weight\"");
  write("manifest.csv", kManifest);
  edit("manifest.csv", "output.y,1x1x2x2\n", "");
  expect_error("manifest.csv", 0, 0, "missing key output.y (expected shape 1x1x2x2)");
}

TEST_F(Malformed, ToleranceAndProvenance) {
  edit("manifest.csv", "tolerance.abs,0", "tolerance.abs,0.1");
  expect_error("manifest.csv", 20, 2, "must be 0 when tolerance.policy is exact");
  write("manifest.csv", kManifest);
  edit("manifest.csv", "tolerance.abs,0", "tolerance.abs,nan");
  expect_error("manifest.csv", 20, 2, "not finite");
  write("manifest.csv", kManifest);
  edit("manifest.csv", "tolerance.policy,exact", "tolerance.policy,loose");
  expect_error("manifest.csv", 21, 2, "not one of: exact, bound");
  for (const char* bad : {"doc:seed.txt#4", "doc:#W4", "doc:000_3ddde5b97f33cba7.txt#W0",
                          "generated:gen", "generated:gen@seed=x", "web:somewhere"}) {
    SCOPED_TRACE(bad);
    write("manifest.csv", kManifest);
    edit("manifest.csv", "provenance,derived:hand-computed for test_corpus",
         std::string("provenance,") + bad);
    expect_error("manifest.csv", 6, 2, "the forms are doc:<seed file name>#W<n>");
  }
}

TEST_F(Malformed, CsvStructure) {
  edit("manifest.csv", "op,conv2d", "op,conv2d,extra");
  expect_error("manifest.csv", 3, 0, "more than 2 fields");
  write("manifest.csv", kManifest);
  edit("manifest.csv", "op,conv2d", "op");
  expect_error("manifest.csv", 3, 0, "has 1 field");
  write("manifest.csv", kManifest);
  edit("manifest.csv", "description,\"a 2x2", "description,\"a 2x2\"\"");
  edit("manifest.csv", "by hand\"", "by hand");
  expect_error("manifest.csv", 5, 0, "a quoted field is not closed");
  write("manifest.csv", kManifest);
  edit("manifest.csv", "op,conv2d", std::string("op,conv2d\0d", 11));
  expect_error("manifest.csv", 3, 0, "NUL byte");
}

TEST_F(Malformed, TensorValues) {
  edit("x.csv", "0:0:1:1,5", "0:0:1:1,five");
  expect_error("x.csv", 6, 2, "value \"five\" is not a number");
  write("x.csv", kX);
  edit("x.csv", "0:0:1:1,5", "0:0:1:1,nan");
  expect_error("x.csv", 6, 2, "NaN and infinities are not allowed");
  write("x.csv", kX);
  edit("x.csv", "0:0:1:1,5", "0:0:1:1,-inf");
  expect_error("x.csv", 6, 2, "not finite");
  write("x.csv", kX);
  edit("x.csv", "0:0:1:1,5", "0:0:1:1,1e999");
  expect_error("x.csv", 6, 2, "outside the range of a double");
  write("x.csv", kX);
  edit("x.csv", "0:0:1:1,5", "0:0:1:1,5.5.5");
  expect_error("x.csv", 6, 2, "unexpected \".5\" after \"5.5\"");
  write("x.csv", kX);
  edit("x.csv", "0:0:1:1,5", "0:0:1:1,\"5\"");
  expect_error("x.csv", 6, 2, "is not a number");
  write("x.csv", kX);
  edit("x.csv", "0:0:1:1,5", "0:0:1:1,");
  expect_error("x.csv", 6, 2, "value is empty");
}

TEST_F(Malformed, TensorRowsAndIndices) {
  edit("x.csv", "0:0:1:1,5", "0:0:1:1,5,6");
  expect_error("x.csv", 6, 0, "more than 2 fields");
  write("x.csv", kX);
  edit("x.csv", "0:0:1:1,5", "0:0:1:1");
  expect_error("x.csv", 6, 0, "has 1 field");
  write("x.csv", kX);
  edit("x.csv", "index,value", "value,index");
  expect_error("x.csv", 1, 1, "the header must be exactly index,value");
  write("x.csv", kX);
  edit("x.csv", "0:0:1:1,5", "0:0:1:2,5");
  expect_error("x.csv", 6, 1, "is out of order: expected 0:0:1:1");
  write("x.csv", kX);
  edit("x.csv", "0:0:1:1,5", "0:0:1:a,5");
  expect_error("x.csv", 6, 1, "index \"0:0:1:a\" is malformed");
  write("x.csv", kX);
  edit("x.csv", "0:0:1:1,5", "0:0:1:-1,5");
  expect_error("x.csv", 6, 1, "is malformed");
  write("x.csv", kX);
  edit("x.csv", "0:0:1:1,5", "0:1:1,5");
  expect_error("x.csv", 6, 1, "has 3 dimensions");
  write("x.csv", kX);
  edit("x.csv", "0:0:2:2,9\n", "");
  expect_error("x.csv", 0, 0, "has 8 values, but the shape 1x1x3x3 needs 9");
  write("x.csv", std::string(kX) + "0:0:3:0,10\n");
  expect_error("x.csv", 11, 0, "one value too many");
  write("x.csv", std::string(kX) + "\n\n");  // trailing blank lines are fine
  EXPECT_NO_THROW(load_case(dir_));
}

TEST_F(Malformed, OutputsAndStrayFiles) {
  write("dy.csv", kY);
  expect_error("dy.csv", 0, 0, "is not a tensor of");
  fs::remove(dir_ / "dy.csv");
  // A backward case: db is declared but b is not an input.
  edit("manifest.csv", "direction,forward", "direction,backward");
  edit("manifest.csv", "output.y,1x1x2x2",
       "input.dy,1x1x2x2\noutput.dx,1x1x3x3\n"
       "output.dw,1x1x2x2\noutput.db,1");
  fs::rename(dir_ / "y.csv", dir_ / "dy.csv");
  write("dx.csv", kX);
  write("dw.csv", kW);
  write("db.csv", "index,value\n0,1\n");
  expect_error("manifest.csv", 22, 1, "output db is not produced with these inputs");
}

// fixtures/README.md documents every op's parameters; it must list exactly the struct fields.
TEST(CorpusReadme, ListsEveryOpWithItsParameters) {
  std::ifstream in(bundled_corpus_dir() / "README.md");
  ASSERT_TRUE(in) << "fixtures/README.md is missing";
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string readme = ss.str();
  for (const OpSpec& spec : all_ops()) {
    if (spec.direction != Direction::forward) continue;
    std::string names;
    for (const auto& [name, value] : param_entries(spec.default_params)) {
      names += (names.empty() ? "" : ", ") + name;
    }
    if (names.empty()) names = "(none)";
    const std::size_t row = readme.find("\n| `" + spec.name + "` |");
    ASSERT_NE(row, std::string::npos) << spec.name << " is not in fixtures/README.md";
    const std::size_t end = readme.find('\n', row + 1);
    const std::string line = readme.substr(row + 1, end - row - 1);
    EXPECT_TRUE(line.ends_with("| " + names + " |")) << line << "\nexpected parameters: " << names;
  }
}

}  // namespace
}  // namespace convlab
