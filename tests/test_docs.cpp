// The docs machinery (tools/docs.hpp): markers found, blocks rendered, stale and broken blocks
// reported with the doc file, the line and the marker.
#include "tools/docs.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "corpus/corpus.hpp"

namespace fs = std::filesystem;
using namespace convlab;
using namespace convlab::docs;

namespace {

// A scratch source tree: <tmp>/src/a.cpp and <tmp>/docs/, removed at the end.
class DocsTree : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ =
        fs::temp_directory_path() /
        ("convlab_docs_test_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
         "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_ / "src");
    fs::create_directories(root_ / "docs");
    write("src/a.cpp",
          "int unrelated;\n"
          "  // [docs:add]\n"
          "  int add(int a, int b) {\n"
          "    return a + b;\n"
          "  }\n"
          "  // [docs:end]\n");
    ctx_.root = root_;
  }
  void TearDown() override { fs::remove_all(root_); }
  void write(const std::string& rel, const std::string& text) {
    std::ofstream(root_ / rel, std::ios::binary) << text;
  }
  fs::path root_;
  Context ctx_;
};

bool any_problem(const std::vector<Problem>& ps, const std::string& needle) {
  for (const Problem& p : ps) {
    if (p.str().find(needle) != std::string::npos) return true;
  }
  return false;
}

std::string all(const std::vector<Problem>& ps) {
  std::string s;
  for (const Problem& p : ps) s += p.str() + "\n";
  return s;
}

}  // namespace

TEST(DocsExcerpt, TakesTheLinesBetweenTheMarkersWithoutTheirCommonIndent) {
  const std::string src =
      "a\n    // [docs:x]\n    if (k) {\n      f();\n    }\n    // [docs:end]\nb\n";
  EXPECT_EQ(extract_excerpt(src, "x", "s.cpp"), "if (k) {\n  f();\n}\n");
}

TEST(DocsExcerpt, MissingUnendedAndRepeatedMarkersAreErrorsNamingTheSource) {
  const auto message = [](const std::string& src, const std::string& name) {
    try {
      extract_excerpt(src, name, "reference/s.cpp");
    } catch (const std::runtime_error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message("int a;\n", "x").find("no line '// [docs:x]' in reference/s.cpp"),
            std::string::npos);
  EXPECT_NE(message("// [docs:x]\nint a;\n", "x").find("has no '// [docs:end]'"),
            std::string::npos);
  EXPECT_NE(message("// [docs:x]\n// [docs:end]\n// [docs:x]\n// [docs:end]\n", "x")
                .find("appears twice"),
            std::string::npos);
}

TEST(DocsParse, FindsBlocksWithTheirLines) {
  std::vector<Problem> problems;
  const std::string text =
      "# T\n\n<!-- excerpt: src/a.cpp#add -->\nold\n<!-- /excerpt -->\n"
      "text\n<!-- describe: lenet5 -->\n<!-- /describe -->\n";
  const auto blocks = parse_blocks(text, "docs/t.md", problems);
  EXPECT_TRUE(problems.empty()) << all(problems);
  ASSERT_EQ(blocks.size(), 2u);
  EXPECT_EQ(blocks[0].kind, "excerpt");
  EXPECT_EQ(blocks[0].arg, "src/a.cpp#add");
  EXPECT_EQ(blocks[0].line, 3);
  EXPECT_EQ(text.substr(blocks[0].body_begin, blocks[0].body_end - blocks[0].body_begin),
            "\nold\n");
  EXPECT_EQ(blocks[1].kind, "describe");
  EXPECT_EQ(blocks[1].line, 7);
}

TEST(DocsParse, UnclosedUnknownAndStrayMarkersAreProblemsNamingFileAndLine) {
  std::vector<Problem> problems;
  const std::string text =
      "line 1\n<!-- excerpt: src/a.cpp#add -->\nno end\n"  // line 2: never closed
      "<!-- picture: cat -->\n<!-- /picture -->\n"         // line 4: unknown kind
      "<!-- /fixture -->\n";                               // line 6: stray closing comment
  parse_blocks(text, "docs/t.md", problems);
  EXPECT_TRUE(any_problem(problems, "docs/t.md:2: excerpt: src/a.cpp#add: never closed"))
      << all(problems);
  EXPECT_TRUE(any_problem(problems, "docs/t.md:4: picture: cat: unknown marker kind"))
      << all(problems);
  EXPECT_TRUE(any_problem(problems, "docs/t.md:6: /fixture: closing comment without"))
      << all(problems);
}

TEST_F(DocsTree, AStaleExcerptIsReportedAndUpdateMakesItFresh) {
  const std::string doc =
      "# Add\n\n<!-- excerpt: src/a.cpp#add -->\n```cpp\nint add(int a, int b) { return a - b; "
      "}\n```\n<!-- /excerpt -->\n";
  std::vector<Problem> problems;
  const std::string fresh = process_doc("docs/add.md", doc, ctx_, problems);
  ASSERT_EQ(problems.size(), 1u) << all(problems);
  EXPECT_EQ(problems[0].str().rfind("docs/add.md:3: excerpt: src/a.cpp#add: stale", 0), 0u)
      << problems[0].str();
  EXPECT_NE(fresh.find("int add(int a, int b) {\n  return a + b;\n}\n```"), std::string::npos)
      << fresh;
  // The rewritten text is up to date, and the prose around the block is untouched.
  std::vector<Problem> again;
  EXPECT_EQ(process_doc("docs/add.md", fresh, ctx_, again), fresh);
  EXPECT_TRUE(again.empty()) << all(again);
  EXPECT_EQ(fresh.rfind("# Add\n\n<!-- excerpt: src/a.cpp#add -->", 0), 0u);
}

TEST_F(DocsTree, AChangedSourceMakesTheDocStale) {
  std::vector<Problem> problems;
  const std::string doc = process_doc(
      "docs/add.md", "<!-- excerpt: src/a.cpp#add -->\n<!-- /excerpt -->\n", ctx_, problems);
  write("src/a.cpp", "// [docs:add]\nint add(int a, int b) { return b + a; }\n// [docs:end]\n");
  std::vector<Problem> after;
  process_doc("docs/add.md", doc, ctx_, after);
  EXPECT_TRUE(any_problem(after, "docs/add.md:1: excerpt: src/a.cpp#add: stale")) << all(after);
}

TEST_F(DocsTree, AMissingSourceMarkerIsBrokenNamingDocFileAndLine) {
  const std::string doc = "intro\n\n<!-- excerpt: src/a.cpp#mul -->\n<!-- /excerpt -->\n";
  std::vector<Problem> problems;
  const std::string out = process_doc("docs/mul.md", doc, ctx_, problems);
  EXPECT_TRUE(any_problem(problems,
                          "docs/mul.md:3: excerpt: src/a.cpp#mul: broken: no line '// "
                          "[docs:mul]' in src/a.cpp"))
      << all(problems);
  EXPECT_EQ(out, doc);  // a broken block is left as it is
}

TEST_F(DocsTree, CheckFailsAndUpdateRepairsTheFiles) {
  write("docs/a.md", "<!-- excerpt: src/a.cpp#add -->\nold\n<!-- /excerpt -->\n");
  std::ostringstream out;
  EXPECT_EQ(check_docs(ctx_, out), 1);
  EXPECT_NE(out.str().find("docs/a.md:1: excerpt: src/a.cpp#add: stale"), std::string::npos)
      << out.str();
  std::ostringstream upd;
  EXPECT_EQ(update_docs(ctx_, upd), 0) << upd.str();
  std::ostringstream again;
  EXPECT_EQ(check_docs(ctx_, again), 0) << again.str();
}

TEST_F(DocsTree, DeadLocalLinksAreReported) {
  std::vector<Problem> problems;
  process_doc("docs/l.md", "see [a](../src/a.cpp) and [b](../src/b.cpp) and [w](https://x.org)\n",
              ctx_, problems);
  ASSERT_EQ(problems.size(), 1u) << all(problems);
  EXPECT_EQ(problems[0].str(), "docs/l.md:1: dead link: ../src/b.cpp");
}

TEST(DocsBench, RendersTheRowsOfOneSet) {
  const std::string csv =
      "set,layer,best variant,GFLOP/s\nresnet,conv1,conv2d_im2col_gemm,10.5\n"
      "vgg,conv3,conv2d_winograd_f4x3,20\nresnet,conv2,conv2d_1x1_gemm,7\n";
  const std::string md = render_bench(csv, "resnet", "summary.csv");
  EXPECT_NE(md.find("| set | layer | best variant | GFLOP/s |"), std::string::npos) << md;
  EXPECT_NE(md.find("| resnet | conv1 | conv2d_im2col_gemm | 10.5 |"), std::string::npos) << md;
  EXPECT_NE(md.find("| resnet | conv2 | conv2d_1x1_gemm | 7 |"), std::string::npos) << md;
  EXPECT_EQ(md.find("vgg"), std::string::npos) << md;
  EXPECT_THROW(render_bench(csv, "alexnet", "summary.csv"), std::runtime_error);
  EXPECT_THROW(render_bench("layer,x\n", "all", "summary.csv"), std::runtime_error);
}

// doc:001_a5e5184ddd425933.txt#W13 prints the counts of a 7x7x3 input, 3x3 kernels, 128
// output channels: 128*3*3*3*5*5 = 86,400 for a standard convolution, 3*3*3*5*5 = 675 for the
// depthwise step and 128*3*5*5 = 9,600 for the pointwise step, 10,275 in all.
TEST(DocsCount, DepthwiseSeparableMatchesTheDocumentsNumbers) {
  const std::string md = render_count("depthwise_separable h=7 w=7 c_in=3 c_out=128 k=3");
  EXPECT_NE(md.find("| 86,400 |"), std::string::npos) << md;
  EXPECT_NE(md.find("| 675 |"), std::string::npos) << md;
  EXPECT_NE(md.find("| 9,600 |"), std::string::npos) << md;
  EXPECT_NE(md.find("| 10,275 |"), std::string::npos) << md;
}

// doc:001_a5e5184ddd425933.txt#W12: a 3x3 kernel on a 5x5 input gives 3x3 outputs, 9 * 9 = 81
// multiplications; as a 3x1 pass (3x5 outputs, 3 each: 45) and a 1x3 pass (3x3 outputs, 3 each:
// 27), 72.
TEST(DocsCount, SpatialSeparableByHand) {
  const std::string md = render_count("spatial_separable h=5 w=5 kh=3 kw=3");
  EXPECT_NE(md.find("| 81 |"), std::string::npos) << md;
  EXPECT_NE(md.find("| 45 |"), std::string::npos) << md;
  EXPECT_NE(md.find("| 27 |"), std::string::npos) << md;
  EXPECT_NE(md.find("| 72 |"), std::string::npos) << md;
  // Two groups halve the count: 4 filters of 3x3 on 4 channels, 3x3 output: 4*9*4*9 = 1,296
  // standard, 4*9*2*9 = 648 grouped.
  const std::string g = render_count("grouped h=5 w=5 c_in=4 c_out=4 k=3 groups=2");
  EXPECT_NE(g.find("| 1,296 |"), std::string::npos) << g;
  EXPECT_NE(g.find("| 648 |"), std::string::npos) << g;
  EXPECT_THROW(render_count("grouped h=5 w=5 c_in=4 c_out=4 k=3 groups=3"), std::runtime_error);
  EXPECT_THROW(render_count("magic h=1"), std::runtime_error);
}

// doc:003_c7ad4989b7e76a0f.txt#W25: max pooling k=2 on the 4x4 input gives [[4, 8], [9, 8]].
TEST(DocsFixture, RendersACaseAsLabelledMatrices) {
  Context ctx;
  ctx.root = bundled_corpus_dir().parent_path();
  Block b;
  b.kind = "fixture";
  b.arg = "max_pool2d/w25_doc003_k2_s2 y";
  const std::string md = render_block(b, ctx, ctx.root / "docs" / "x.md");
  EXPECT_NE(md.find("y[0,0] =\n  4 8\n  9 8\n"), std::string::npos) << md;
  EXPECT_NE(md.find("(../fixtures/max_pool2d/w25_doc003_k2_s2/)"), std::string::npos) << md;
  b.arg = "max_pool2d/w25_doc003_k2_s2 nothing";
  EXPECT_THROW(render_block(b, ctx, ctx.root / "docs" / "x.md"), std::runtime_error);
  b.arg = "max_pool2d/no_such_case y";
  EXPECT_THROW(render_block(b, ctx, ctx.root / "docs" / "x.md"), std::runtime_error);
}
