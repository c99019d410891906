// `convlab plot` (tools/plot.hpp): reading Google Benchmark's CSV (aggregates, error rows, peers,
// bench_gemm's own names), the accuracy CSV, the summary ratios, the errors, and the figures.
//
// Samples in tests/data/bench_sample/ (see its README.md): bench_gemm.csv is the file of a real
// bench/bench_gemm run; speed.csv and accuracy.csv are small hand-made files in the format of
// bench_variants / bench_accuracy with round numbers, so every expected ratio below is computed
// by hand from the numbers in the file.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "tools/plot.hpp"

namespace convlab::plot {
namespace {

namespace fs = std::filesystem;

const fs::path kSamples = fs::path(__FILE__).parent_path() / "data" / "bench_sample";

const SpeedResult* find(const SpeedData& d, const std::string& op, const std::string& variant,
                        const std::string& set, const std::string& layer, int threads = 1) {
  for (const SpeedResult& r : d.results) {
    if (r.op == op && r.variant == variant && r.set == set && r.layer == layer &&
        r.threads == threads) {
      return &r;
    }
  }
  return nullptr;
}

std::string slurp(const fs::path& file) {
  std::ifstream in(file);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// A scratch file per test, removed with its folder at the end of the test.
class PlotFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("convlab_test_plot_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path write(const std::string& name, const std::string& text) {
    const fs::path p = dir_ / name;
    std::ofstream(p) << text;
    return p;
  }
  fs::path dir_;
};

// The message of the PlotError `f` throws (fails the test when it throws none).
template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const PlotError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no PlotError thrown";
  return "";
}

TEST(PlotRead, AggregatesBecomeMedianAndStddev) {
  const SpeedData d = read_speed_csv(kSamples / "speed.csv");
  const SpeedResult* w = find(d, "conv2d", "conv2d_winograd_f2x3", "resnet50", "res2_3x3");
  ASSERT_NE(w, nullptr);
  // speed.csv lines 17-18: median 60 GFLOP/s, stddev 2; cpu_time 3.85 ms (median), 0.13 ms.
  EXPECT_DOUBLE_EQ(w->gflops.median, 60);
  EXPECT_DOUBLE_EQ(w->gflops.stddev, 2);
  EXPECT_DOUBLE_EQ(w->seconds.median, 3.85e-3);
  EXPECT_DOUBLE_EQ(w->seconds.stddev, 0.13e-3);
  EXPECT_DOUBLE_EQ(w->ai, 231.2);
  EXPECT_EQ(w->threads, 1);
  EXPECT_EQ(w->line, 17);
  // _mean and _cv rows do not replace the median: the reference's median is 0.5 (line 14).
  const SpeedResult* ref = find(d, "conv2d", "conv2d_reference", "resnet50", "res2_3x3");
  ASSERT_NE(ref, nullptr);
  EXPECT_DOUBLE_EQ(ref->gflops.median, 0.5);
  EXPECT_DOUBLE_EQ(ref->gflops.stddev, 0.01);
  // The machine rows: peaks 100 and 120 GFLOP/s, triad 2e10 bytes/s = 20 GB/s.
  EXPECT_DOUBLE_EQ(d.machine.peak_avx2_gflops, 100);
  EXPECT_DOUBLE_EQ(d.machine.peak_avx512_gflops, 120);
  EXPECT_DOUBLE_EQ(d.machine.bandwidth_gbs, 20);
  EXPECT_DOUBLE_EQ(d.machine.peak_gflops(), 120);
  // The thread count is the counter: gemm_threaded ran with 2.
  EXPECT_NE(find(d, "gemm", "gemm_threaded", "gemm", "square_64", 2), nullptr);
  EXPECT_EQ(find(d, "gemm", "gemm_threaded", "gemm", "square_64", 1), nullptr);
  // 19 benchmarks with a median: conv2d 5 on res2_3x3 and 4 on res3_1x1, 4 scaling, 2 pooling,
  // 4 gemm (the machine rows apart; the erroring one has none).
  EXPECT_EQ(d.results.size(), 19u);
}

TEST(PlotRead, PeersAreVariantsOfTheirOp) {
  const SpeedData d = read_speed_csv(kSamples / "speed.csv");
  const SpeedResult* onednn = find(d, "conv2d", "onednn", "resnet50", "res2_3x3");
  const SpeedResult* reorders = find(d, "conv2d", "onednn_with_reorders", "resnet50", "res2_3x3");
  const SpeedResult* pool = find(d, "max_pool2d", "onednn", "pooling", "resnet50_pool1");
  ASSERT_NE(onednn, nullptr);
  ASSERT_NE(reorders, nullptr);
  ASSERT_NE(pool, nullptr);
  EXPECT_DOUBLE_EQ(onednn->gflops.median, 80);
  EXPECT_DOUBLE_EQ(reorders->gflops.median, 70);
  EXPECT_TRUE(is_peer("onednn"));
  EXPECT_TRUE(is_peer("onednn_with_reorders"));
  EXPECT_TRUE(is_peer("openblas_im2col"));
  EXPECT_FALSE(is_peer("conv2d_im2col_gemm"));
}

TEST(PlotRead, ErrorRowsAreNotedNotFatal) {
  // Google Benchmark writes an erroring benchmark with 10 columns, fewer than the header's 13.
  const SpeedData d = read_speed_csv(kSamples / "speed.csv");
  EXPECT_EQ(find(d, "conv2d", "conv2d_direct_vc", "resnet50", "res2_3x3"), nullptr);
  ASSERT_EQ(d.notes.size(), 1u);  // three rows, one note
  EXPECT_NE(d.notes[0].find("conv2d_direct_vc"), std::string::npos) << d.notes[0];
  EXPECT_NE(d.notes[0].find("line 21"), std::string::npos) << d.notes[0];
  EXPECT_NE(d.notes[0].find("a sample error, with a comma"), std::string::npos) << d.notes[0];
}

TEST(PlotRead, BenchGemmOwnOutput) {
  // A real bench_gemm file: names <step>/n:<size>, counter FLOPS in FLOP/s.
  const SpeedData d = read_speed_csv(kSamples / "bench_gemm.csv");
  const SpeedResult* naive = find(d, "gemm", "gemm_naive", "gemm", "n64");
  ASSERT_NE(naive, nullptr);
  // Line 21: "gemm_naive/n:64_median",...,3.51551e+09 FLOP/s; line 22 stddev 6.49116e+07.
  EXPECT_DOUBLE_EQ(naive->gflops.median, 3.51551);
  EXPECT_DOUBLE_EQ(naive->gflops.stddev, 0.0649116);
  EXPECT_DOUBLE_EQ(naive->seconds.median, 0.149136e-3);  // cpu_time in ms
  EXPECT_DOUBLE_EQ(d.machine.peak_avx2_gflops, 116.122);
  EXPECT_DOUBLE_EQ(d.machine.peak_avx512_gflops, 116.608);
  EXPECT_FALSE(present(d.machine.bandwidth_gbs));
  EXPECT_EQ(d.results.size(), 6u);  // 3 steps x 2 sizes
  EXPECT_EQ(parent_of("gemm_loop_order"), "gemm_naive");
  EXPECT_EQ(parent_of("gemm_packed_avx512_14x32"), "gemm_packed_vc_6x16");
  EXPECT_EQ(parent_of("conv2d_reference"), "");
}

TEST(PlotRead, RealBenchVariantsRun) {
  // A real bench_variants run on the lenet set (2 repetitions): 54 benchmarks with a median
  // beside the 3 machine rows, and conv2d_separable_rank1 refusing every layer (its kernels are
  // random, not rank 1), 2 error rows per layer.
  const SpeedData d = read_speed_csv(kSamples / "bench_variants_lenet.csv");
  EXPECT_EQ(d.results.size(), 54u);
  ASSERT_EQ(d.notes.size(), 3u);
  for (const std::string& n : d.notes) {
    EXPECT_NE(n.find("conv2d_separable_rank1 refuses"), std::string::npos) << n;
  }
  // Lines 21 and 25.
  EXPECT_DOUBLE_EQ(d.machine.peak_avx512_gflops, 114.693);
  EXPECT_DOUBLE_EQ(d.machine.bandwidth_gbs, 17.8519);
  // Line 59: onednn on c1 (with a label column, "direct brgconv:avx512_core").
  const SpeedResult* onednn = find(d, "conv2d", "onednn", "lenet", "c1");
  ASSERT_NE(onednn, nullptr);
  EXPECT_DOUBLE_EQ(onednn->gflops.median, 25.7007);
  EXPECT_EQ(onednn->line, 59);
  EXPECT_NE(find(d, "linear", "openblas_sgemm", "lenet", "f6"), nullptr);
  EXPECT_TRUE(is_peer("openblas_sgemm"));
  // c1's fastest convlab variant: conv2d_direct_vc 26.7432 (line 41) > direct_avx512 26.0139 >
  // direct_vc_ow 22.2549 > ...; against onednn 25.7007: 26.7432 / 25.7007 = 1.04056...
  for (const SummaryRow& r : summarize(d, 1)) {
    if (r.kind == "layer_best" && r.layer == "c1") {
      EXPECT_EQ(r.variant, "conv2d_direct_vc");
      EXPECT_NEAR(r.ratio, 1.04056, 1e-5);
    }
  }
}

TEST_F(PlotFiles, ConcatenatedRuns) {
  // scripts/figures concatenates one file per group: each run's context and header start a
  // new section; line numbers stay those of the whole file.
  const fs::path f = write(
      "both.csv", slurp(kSamples / "bench_variants_lenet.csv") + slurp(kSamples / "speed.csv"));
  const SpeedData d = read_speed_csv(f);
  EXPECT_EQ(d.results.size(), 54u + 19u);
  const SpeedResult* w = find(d, "conv2d", "conv2d_winograd_f2x3", "resnet50", "res2_3x3");
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(w->line, 249 + 17);                         // bench_variants_lenet.csv has 249 lines
  EXPECT_DOUBLE_EQ(d.machine.peak_avx512_gflops, 120);  // the later run's measurement
  EXPECT_EQ(d.notes.size(), 4u);
}

TEST_F(PlotFiles, GflopsColumnInFlopPerSecondIsScaled) {
  const fs::path f = write("flops.csv",
                           "name,iterations,real_time,cpu_time,time_unit,bytes_per_second,"
                           "items_per_second,label,error_occurred,error_message,\"GFLOPS\"\n"
                           "\"conv2d/v/s:l1_median\",3,1,1,ms,,,,,,4.5e+10\n");
  const SpeedData d = read_speed_csv(f);
  ASSERT_EQ(d.results.size(), 1u);
  EXPECT_DOUBLE_EQ(d.results[0].gflops.median, 45);
  EXPECT_FALSE(present(d.results[0].gflops.stddev));
  EXPECT_FALSE(present(d.results[0].ai));  // no AI column: absent, not 0
  ASSERT_EQ(d.notes.size(), 1u);
  EXPECT_NE(d.notes[0].find("FLOP/s"), std::string::npos);
}

TEST_F(PlotFiles, SingleRunsWithoutRepetitions) {
  // Without --benchmark_repetitions there are no aggregates: the runs' own median counts.
  const fs::path f = write("single.csv",
                           "name,iterations,real_time,cpu_time,time_unit,bytes_per_second,"
                           "items_per_second,label,error_occurred,error_message,\"GFLOPS\"\n"
                           "\"conv2d/v/s:l1\",3,1,1,us,,,,,,10\n"
                           "\"conv2d/v/s:l1\",3,1,3,us,,,,,,30\n"
                           "\"conv2d/v/s:l1\",3,1,2,us,,,,,,20\n");
  const SpeedData d = read_speed_csv(f);
  ASSERT_EQ(d.results.size(), 1u);
  EXPECT_DOUBLE_EQ(d.results[0].gflops.median, 20);
  // Sample standard deviation of 10, 20, 30: sqrt((100 + 0 + 100) / 2) = 10.
  EXPECT_DOUBLE_EQ(d.results[0].gflops.stddev, 10);
  EXPECT_DOUBLE_EQ(d.results[0].seconds.median, 2e-6);
}

TEST(PlotRead, TrailingNumberOfLayerNames) {
  EXPECT_EQ(trailing_number("ih64"), 64);
  EXPECT_EQ(trailing_number("kh11"), 11);
  EXPECT_EQ(trailing_number("c512"), 512);
  EXPECT_EQ(trailing_number("square_1024"), 1024);
  EXPECT_FALSE(present(trailing_number("res2_3x3_im2col")));
  EXPECT_FALSE(present(trailing_number("")));
}

TEST(PlotRead, Accuracy) {
  const std::vector<AccuracyRow> rows = read_accuracy_csv(kSamples / "accuracy.csv");
  ASSERT_EQ(rows.size(), 7u);
  EXPECT_EQ(rows[2].variant, "conv2d_winograd_f2x3");
  EXPECT_EQ(rows[2].layer, "res2_3x3");
  EXPECT_DOUBLE_EQ(rows[2].max_rel_error, 2e-6);
  EXPECT_DOUBLE_EQ(rows[2].error_over_bound, 0.2);
  EXPECT_EQ(rows[2].line, 4);
}

// Every summary row of speed.csv, worked out by hand from the file.
TEST(PlotSummary, RatiosByHand) {
  const SpeedData d = read_speed_csv(kSamples / "speed.csv");
  const std::vector<SummaryRow> rows = summarize(d, 1);
  std::map<std::string, SummaryRow> by;  // kind/op/set/layer
  for (const SummaryRow& r : rows) by[r.kind + "/" + r.op + "/" + r.set + "/" + r.layer] = r;

  EXPECT_DOUBLE_EQ(by.at("machine_peak///").value, 120);  // the later (avx512) row wins the key
  EXPECT_DOUBLE_EQ(by.at("machine_bandwidth///").value, 20);

  // res2_3x3: convlab's fastest is winograd_f2x3 at 60; onednn 80 -> 60 / 80 = 0.75.
  const SummaryRow& res2 = by.at("layer_best/conv2d/resnet50/res2_3x3");
  EXPECT_EQ(res2.variant, "conv2d_winograd_f2x3");
  EXPECT_DOUBLE_EQ(res2.value, 60);
  EXPECT_DOUBLE_EQ(res2.value_stddev, 2);
  EXPECT_EQ(res2.versus, "onednn");
  EXPECT_DOUBLE_EQ(res2.versus_value, 80);
  EXPECT_DOUBLE_EQ(res2.ratio, 0.75);
  // res3_1x1: gemm_1x1 50 beats im2col 45; onednn 40 -> 50 / 40 = 1.25.
  const SummaryRow& res3 = by.at("layer_best/conv2d/resnet50/res3_1x1");
  EXPECT_EQ(res3.variant, "conv2d_gemm_1x1");
  EXPECT_DOUBLE_EQ(res3.ratio, 1.25);
  // The pooling layer has only the reference (0.3) beside onednn (3): 0.3 / 3 = 0.1.
  const SummaryRow& pool = by.at("layer_best/max_pool2d/pooling/resnet50_pool1");
  EXPECT_EQ(pool.variant, "max_pool2d_reference");
  EXPECT_DOUBLE_EQ(pool.ratio, 0.1);
  // No scaling layer is a "network layer".
  for (const SummaryRow& r : rows) EXPECT_NE(r.set, "scaling_input") << r.kind;

  // conv2d speed-ups over the reference on network layers (the scaling sweep, where im2col is
  // 100 / 0.2 = 500x, does not count):
  //   winograd_f2x3: res2 60 / 0.5 = 120                      -> geomean 120 (1 layer)
  //   im2col_gemm:   res2 40 / 0.5 = 80, res3 45 / 1 = 45     -> sqrt(80 * 45) = 60
  //   gemm_1x1:      res3 50 / 1 = 50                         -> 50
  const SummaryRow& conv = by.at("op_speedup/conv2d//geomean of 1 layers");
  EXPECT_EQ(conv.variant, "conv2d_winograd_f2x3");
  EXPECT_EQ(conv.versus, "conv2d_reference");
  EXPECT_DOUBLE_EQ(conv.ratio, 120);
  const SummaryRow& conv_max = by.at("op_max_speedup/conv2d/resnet50/res2_3x3");
  EXPECT_EQ(conv_max.variant, "conv2d_winograd_f2x3");
  EXPECT_DOUBLE_EQ(conv_max.ratio, 120);
  EXPECT_DOUBLE_EQ(conv_max.versus_value, 0.5);

  // gemm at 1 thread: no gemm_reference, so gemm_naive (2) is the base: loop_order 20 / 2 = 10,
  // avx512 90 / 2 = 45. gemm_threaded ran with 2 threads and is left out.
  const SummaryRow& gemm = by.at("op_speedup/gemm//geomean of 1 layers");
  EXPECT_EQ(gemm.variant, "gemm_packed_avx512_14x32");
  EXPECT_EQ(gemm.versus, "gemm_naive");
  EXPECT_DOUBLE_EQ(gemm.ratio, 45);
  // Fraction of the AVX-512 peak: 90 / 120 = 0.75 (the 2-thread 170 would exceed 1).
  const SummaryRow& frac = by.at("gemm_peak_fraction/gemm/gemm/square_64");
  EXPECT_EQ(frac.variant, "gemm_packed_avx512_14x32");
  EXPECT_EQ(frac.versus, "fma_peak_avx512");
  EXPECT_DOUBLE_EQ(frac.ratio, 0.75);
  EXPECT_DOUBLE_EQ(by.at("gemm_best/gemm/gemm/square_64").ratio, 0.75);

  // At 2 threads only gemm_threaded exists: 170 / 120.
  const std::vector<SummaryRow> two = summarize(d, 2);
  bool found = false;
  for (const SummaryRow& r : two) {
    if (r.kind == "gemm_best") {
      found = true;
      EXPECT_EQ(r.variant, "gemm_threaded");
      EXPECT_DOUBLE_EQ(r.ratio, 170.0 / 120.0);
    }
  }
  EXPECT_TRUE(found);
}

TEST_F(PlotFiles, SummaryCsvReadsBack) {
  const SpeedData d = read_speed_csv(kSamples / "speed.csv");
  write_summary_csv(dir_ / "summary.csv", summarize(d, 1));
  const std::string text = slurp(dir_ / "summary.csv");
  EXPECT_EQ(text.rfind("kind,op,set,layer,variant,value,value_stddev,unit,versus,versus_value,"
                       "ratio\n",
                       0),
            0u);
  EXPECT_NE(text.find("layer_best,conv2d,resnet50,res2_3x3,conv2d_winograd_f2x3,60,2,GFLOP/s,"
                      "onednn,80,0.75\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("gemm_best,gemm,gemm,square_64,gemm_packed_avx512_14x32,90,1,GFLOP/s,"
                      "fma_peak_avx512,120,0.75\n"),
            std::string::npos)
      << text;
}

// --- Errors name the file and the line. -------------------------------------------------------

TEST_F(PlotFiles, MissingFile) {
  const std::string m = error_of([&] { read_speed_csv(dir_ / "nope.csv"); });
  EXPECT_NE(m.find("nope.csv"), std::string::npos) << m;
  EXPECT_NE(m.find("does not exist"), std::string::npos) << m;
  const std::string a = error_of([&] { read_accuracy_csv(dir_ / "nope2.csv"); });
  EXPECT_NE(a.find("nope2.csv"), std::string::npos) << a;
}

TEST_F(PlotFiles, TruncatedFile) {
  // speed.csv cut in its line 24 (the first onednn row), inside the quoted name and after it.
  const std::string text = slurp(kSamples / "speed.csv");
  std::size_t at = 0;
  for (int line = 1; line < 24; ++line) at = text.find('\n', at) + 1;
  const fs::path in_name = write("cut_in_name.csv", text.substr(0, at + 30));
  const std::string m = error_of([&] { read_speed_csv(in_name); });
  EXPECT_NE(m.find("cut_in_name.csv, line 24: a quoted field is not closed"), std::string::npos)
      << m;
  const fs::path in_numbers = write("cut_in_numbers.csv", text.substr(0, at + 60));
  const std::string n = error_of([&] { read_speed_csv(in_numbers); });
  EXPECT_NE(n.find("cut_in_numbers.csv, line 24: too few columns"), std::string::npos) << n;
}

TEST_F(PlotFiles, NotABenchmarkFile) {
  const fs::path f = write("other.csv", "a,b\n1,2\n");
  const std::string m = error_of([&] { read_speed_csv(f); });
  EXPECT_NE(m.find("other.csv"), std::string::npos) << m;
  EXPECT_NE(m.find("no header line"), std::string::npos) << m;
}

TEST_F(PlotFiles, MissingColumn) {
  // The header (line 7) without GFLOPS: the sample's counters renamed.
  std::string text = slurp(kSamples / "speed.csv");
  text.replace(text.find("\"GFLOPS\""), 8, "\"GFLOP\"");
  const fs::path f = write("no_gflops.csv", text);
  const std::string m = error_of([&] { read_speed_csv(f); });
  EXPECT_NE(m.find("no_gflops.csv, line 7: missing column 'GFLOPS'"), std::string::npos) << m;

  std::string acc = slurp(kSamples / "accuracy.csv");
  acc.replace(acc.find("max_rel_error"), 13, "max_relative");
  const fs::path g = write("no_rel.csv", acc);
  const std::string a = error_of([&] { read_accuracy_csv(g); });
  EXPECT_NE(a.find("no_rel.csv, line 1: missing column 'max_rel_error'"), std::string::npos) << a;
}

TEST_F(PlotFiles, MalformedNumber) {
  std::string text = slurp(kSamples / "speed.csv");
  // Line 17, the winograd median: cpu_time 3.85 -> 3.8x5.
  text.replace(text.find("3.9,3.85,ms"), 11, "3.9,3.8x5,ms");
  const fs::path f = write("bad_number.csv", text);
  const std::string m = error_of([&] { read_speed_csv(f); });
  EXPECT_NE(m.find("bad_number.csv, line 17: column 'cpu_time': \"3.8x5\" is not a number"),
            std::string::npos)
      << m;

  std::string acc = slurp(kSamples / "accuracy.csv");
  acc.replace(acc.find("2e-06"), 5, "2e-0six");
  const fs::path g = write("bad_acc.csv", acc);
  const std::string a = error_of([&] { read_accuracy_csv(g); });
  EXPECT_NE(a.find("bad_acc.csv, line 4: column 'max_rel_error'"), std::string::npos) << a;

  const fs::path u = write("bad_unit.csv",
                           "name,iterations,real_time,cpu_time,time_unit,bytes_per_second,"
                           "items_per_second,label,error_occurred,error_message,\"GFLOPS\"\n"
                           "\"conv2d/v/s:l1_median\",3,1,1,fortnights,,,,,,4\n");
  const std::string b = error_of([&] { read_speed_csv(u); });
  EXPECT_NE(b.find("bad_unit.csv, line 2: column 'time_unit'"), std::string::npos) << b;
}

// --- Figures (need gnuplot). --------------------------------------------------------------------

bool have_gnuplot() {
  return std::system("gnuplot --version > /dev/null 2>&1") == 0;
}

TEST_F(PlotFiles, FiguresAreWritten) {
  if (!have_gnuplot()) GTEST_SKIP() << "gnuplot is not installed";
  const SpeedData d = read_speed_csv(kSamples / "speed.csv");
  const std::vector<AccuracyRow> acc = read_accuracy_csv(kSamples / "accuracy.csv");
  std::ostringstream log;
  const auto stems = draw_figures(d, acc, dir_, 1, log);
  for (const char* stem : {"speed_resnet50", "speed_pooling", "speed_vs_accuracy", "scaling_input",
                           "roofline", "gemm_steps"}) {
    for (const char* ext : {".svg", ".png"}) {
      const fs::path f = dir_ / (std::string(stem) + ext);
      EXPECT_TRUE(fs::exists(f) && fs::file_size(f) > 1000) << f;
    }
  }
  EXPECT_EQ(stems.size(), 6u);
  // Sets without results are skipped with a note, not drawn.
  EXPECT_FALSE(fs::exists(dir_ / "speed_lenet.svg"));
  EXPECT_NE(log.str().find("speed_lenet: no results for set 'lenet'"), std::string::npos)
      << log.str();
  EXPECT_NE(log.str().find("scaling_kernel: no results"), std::string::npos) << log.str();
}

}  // namespace
}  // namespace convlab::plot
