// Training (train/): the IDX reader, the loss, Xavier initialization, a gradient check of the
// whole LeNet against finite differences, W18's learn-edge against its closed-form fixture, a
// short real-data run whose loss falls, and determinism.
#include <gtest/gtest.h>
#include <zlib.h>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <numeric>
#include <sstream>
#include <string>
#include <vector>

#include "corpus/corpus.hpp"
#include "tests/support.hpp"
#include "train/fashion_mnist.hpp"
#include "train/idx.hpp"
#include "train/learn_edge.hpp"
#include "train/model.hpp"
#include "train/random.hpp"
#include "train/trainer.hpp"

namespace convlab {
namespace {

namespace fs = std::filesystem;
using test::expect_error;

// A fresh folder for one test's files.
fs::path scratch(const std::string& name) {
  const fs::path dir =
      fs::temp_directory_path() / ("convlab_test_train_" + std::to_string(::getpid())) / name;
  fs::create_directories(dir);
  return dir;
}

std::vector<unsigned char> be32(std::uint32_t v) {
  return {static_cast<unsigned char>(v >> 24), static_cast<unsigned char>(v >> 16),
          static_cast<unsigned char>(v >> 8), static_cast<unsigned char>(v)};
}

// An IDX file: magic, extents, data; gzip'd through zlib when `gzip`.
void write_idx(const fs::path& file, std::uint32_t magic, const std::vector<std::uint32_t>& dims,
               const std::vector<unsigned char>& data, bool gzip = true) {
  std::vector<unsigned char> bytes = be32(magic);
  for (std::uint32_t d : dims) {
    const auto b = be32(d);
    bytes.insert(bytes.end(), b.begin(), b.end());
  }
  bytes.insert(bytes.end(), data.begin(), data.end());
  if (gzip) {
    gzFile out = gzopen(file.c_str(), "wb");
    ASSERT_NE(out, nullptr);
    ASSERT_EQ(gzwrite(out, bytes.data(), static_cast<unsigned>(bytes.size())),
              static_cast<int>(bytes.size()));
    ASSERT_EQ(gzclose(out), Z_OK);
  } else {
    std::ofstream(file, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()),
               static_cast<std::streamsize>(bytes.size()));
  }
}

// ---------------------------------------------------------------------------------------------
// The IDX reader.

TEST(IdxReader, ReadsGzippedImagesAndLabels) {
  const fs::path dir = scratch("idx_ok");
  // 3 images of 2x4: image i, pixel p holds 10 * i + p.
  std::vector<unsigned char> pixels;
  for (int i = 0; i < 3; ++i) {
    for (int p = 0; p < 8; ++p) pixels.push_back(static_cast<unsigned char>(10 * i + p));
  }
  write_idx(dir / "images.gz", train::kIdxImagesMagic, {3, 2, 4}, pixels);
  write_idx(dir / "labels.gz", train::kIdxLabelsMagic, {3}, {7, 0, 9});
  const train::IdxImages images = train::read_idx_images(dir / "images.gz");
  EXPECT_EQ(images.count, 3);
  EXPECT_EQ(images.rows, 2);
  EXPECT_EQ(images.cols, 4);
  EXPECT_EQ(images.pixels, std::vector<std::uint8_t>(pixels.begin(), pixels.end()));
  EXPECT_EQ(train::read_idx_labels(dir / "labels.gz").labels, (std::vector<std::uint8_t>{7, 0, 9}));

  // As a labelled set: grey levels / 255, in (N, 1, rows, cols); limit keeps the first images.
  const train::LabelledImages set = train::load_idx_set(dir / "images.gz", dir / "labels.gz", 2);
  EXPECT_EQ(set.images.shape(), (Shape{2, 1, 2, 4}));
  EXPECT_EQ(set.images(1, 0, 1, 3), 17.0f / 255.0f);  // image 1, pixel 7
  EXPECT_EQ(set.labels, (std::vector<int>{7, 0}));
}

TEST(IdxReader, ReadsUncompressedFilesToo) {
  const fs::path dir = scratch("idx_plain");
  write_idx(dir / "labels", train::kIdxLabelsMagic, {2}, {4, 5}, /*gzip=*/false);
  EXPECT_EQ(train::read_idx_labels(dir / "labels").labels, (std::vector<std::uint8_t>{4, 5}));
}

TEST(IdxReader, TruncatedDataNamesFileAndCounts) {
  const fs::path dir = scratch("idx_truncated");
  // The header promises 3 images of 2x2 = 12 bytes; only 10 follow.
  write_idx(dir / "short.gz", train::kIdxImagesMagic, {3, 2, 2}, std::vector<unsigned char>(10, 1));
  expect_error([&] { train::read_idx_images(dir / "short.gz"); },
               {(dir / "short.gz").string(), "truncated", "promises 12", "holds 10"});
  // A header cut inside its extents.
  write_idx(dir / "header.gz", train::kIdxImagesMagic, {3}, {});
  expect_error([&] { train::read_idx_images(dir / "header.gz"); },
               {(dir / "header.gz").string(), "before extent 2 of 3"});
}

TEST(IdxReader, CutGzipStreamIsAnError) {
  const fs::path dir = scratch("idx_cut_gzip");
  write_idx(dir / "full.gz", train::kIdxImagesMagic, {20, 28, 28},
            std::vector<unsigned char>(20 * 28 * 28, 3));
  // Keep the first half of the compressed bytes: a download cut short.
  std::ifstream in(dir / "full.gz", std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::ofstream(dir / "cut.gz", std::ios::binary)
      .write(bytes.data(), static_cast<std::streamsize>(bytes.size() / 2));
  try {
    train::read_idx_images(dir / "cut.gz");
    ADD_FAILURE() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find((dir / "cut.gz").string()), std::string::npos) << what;
    // zlib may notice the cut stream itself, or our count check does.
    EXPECT_TRUE(what.find("cut short") != std::string::npos ||
                what.find("truncated") != std::string::npos)
        << what;
  }
}

TEST(IdxReader, WrongMagicNamesBothNumbers) {
  const fs::path dir = scratch("idx_magic");
  write_idx(dir / "labels.gz", train::kIdxLabelsMagic, {2}, {1, 2});
  expect_error([&] { train::read_idx_images(dir / "labels.gz"); },
               {(dir / "labels.gz").string(), "magic number 0x00000801 is not 0x00000803",
                "labels file given in place of the images file"});
  write_idx(dir / "junk.gz", 0x1f8b0800, {}, {});
  expect_error([&] { train::read_idx_labels(dir / "junk.gz"); },
               {"magic number 0x1f8b0800 is not 0x00000801"});
}

TEST(IdxReader, TrailingBytesZeroExtentAndBadLabelsAreErrors) {
  const fs::path dir = scratch("idx_other");
  write_idx(dir / "long.gz", train::kIdxLabelsMagic, {2}, {1, 2, 3});
  expect_error([&] { train::read_idx_labels(dir / "long.gz"); },
               {(dir / "long.gz").string(), "bytes after the 2 data bytes"});
  write_idx(dir / "zero.gz", train::kIdxImagesMagic, {4, 0, 28}, {});
  expect_error([&] { train::read_idx_images(dir / "zero.gz"); }, {"extent 2 of the header is 0"});
  write_idx(dir / "images.gz", train::kIdxImagesMagic, {2, 1, 1}, {0, 0});
  write_idx(dir / "labels.gz", train::kIdxLabelsMagic, {2}, {3, 10});
  expect_error([&] { train::load_idx_set(dir / "images.gz", dir / "labels.gz"); },
               {(dir / "labels.gz").string(), "label 1 is 10"});
  write_idx(dir / "three.gz", train::kIdxLabelsMagic, {3}, {1, 2, 3});
  expect_error([&] { train::load_idx_set(dir / "images.gz", dir / "three.gz"); },
               {"2 images but 3 labels"});
}

TEST(IdxReader, MissingFilesNameThePathAndThePackage) {
  const fs::path dir = scratch("idx_missing");
  expect_error([&] { train::read_idx_labels(dir / "nothing.gz"); },
               {(dir / "nothing.gz").string(), "does not exist"});
  expect_error([&] { train::load_fashion_mnist(dir); },
               {(dir / "train-images-idx3-ubyte.gz").string(), "dataset-fashion-mnist"});
}

// ---------------------------------------------------------------------------------------------
// Loss, initialization, random numbers.

TEST(SoftmaxCrossEntropy, HandValuesAndNoOverflow) {
  // Logits (0, 0) and label 0: softmax (1/2, 1/2), loss log 2, gradient (1/2 - 1, 1/2) / N.
  // Logits (1000, 1000, 0), label 1: exp(1000) overflows a double, the stable form does not:
  // lse = 1000 + log(2 + e^-1000) = 1000 + log 2, loss log 2, softmax (1/2, 1/2, e^-1000 ~ 0).
  const Tensor<double> z(Shape{2, 3}, {0, 0, -800, 1000, 1000, 0});
  // Row 0 has a third logit of -800: e^-800 underflows to 0 (below 2^-1074), so the loss stays
  // log 2 and that gradient is exactly 0.
  const std::vector<int> t = {0, 1};
  const train::LossResult<double> r = train::softmax_cross_entropy(z, t);
  // Row 1's lse = 1000 + log 2 is a double near 1000, rounded to within ulp(1000) / 2 = 5.7e-14
  // absolute; lse - z and exp(z - lse) inherit that absolute error (the price of the stable
  // form: eps * |max logit|). Bound: 1000 * 2^-52 = 2.3e-13 for row 1's terms; row 0's are exact
  // up to a few eps.
  const double big = 1000 * 0x1.0p-52;
  EXPECT_NEAR(r.loss, std::log(2.0), big);
  EXPECT_NEAR(r.grad[0], (0.5 - 1) / 2, 1e-16);
  EXPECT_NEAR(r.grad[1], 0.5 / 2, 1e-16);
  EXPECT_EQ(r.grad[2], 0.0);
  EXPECT_NEAR(r.grad[3], 0.5 / 2, big);
  EXPECT_NEAR(r.grad[4], (0.5 - 1) / 2, big);
  EXPECT_NEAR(r.grad[5], 0.0, 1e-300);
  EXPECT_TRUE(std::isfinite(r.loss));
  // Ties go to the first maximum: row 0 predicts 0 (= label), row 1 predicts 0 (label 1).
  EXPECT_EQ(r.correct, 1);
  // One-hot-like logits (3, 0): loss log(1 + e^-3) = 0.048587351573742..., by hand.
  const Tensor<double> z2(Shape{1, 2}, {3, 0});
  EXPECT_NEAR(train::softmax_cross_entropy(z2, std::vector<int>{0}).loss, 0.048587351573742, 1e-14);
  expect_error([&] { train::softmax_cross_entropy(z2, std::vector<int>{2}); },
               {"softmax_cross_entropy", "label 0 is 2", "0..1"});
}

TEST(TrainRandom, UniformDrawsAreFixedByOurCode) {
  // mt19937_64's first output for the default seed 5489 is 14514284786278117030 (fixed by the
  // standard's specification of the engine); uniform01 is its top 53 bits times 2^-53.
  std::mt19937_64 rng;
  EXPECT_EQ(train::uniform01(rng), double(14514284786278117030ull >> 11) * 0x1.0p-53);
  // A shuffle is a permutation.
  std::vector<int> v(1000);
  std::iota(v.begin(), v.end(), 0);
  train::shuffle(std::span<int>(v), rng);
  std::vector<int> sorted = v;
  std::sort(sorted.begin(), sorted.end());
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(sorted[static_cast<std::size_t>(i)], i);
  EXPECT_NE(v[0] * 1000 + v[1], 1);  // not the identity
}

TEST(TrainModel, XavierUniformBoundsAndPyTorchBiases) {
  train::Model<double> m(train::lenet_for_training("sigmoid", "avg"), train::reference_runner());
  std::mt19937_64 rng(7);
  m.init(rng);
  // conv1 (6, 1, 5, 5): fan_in 25, fan_out 150, a = sqrt(6 / 175) = 0.18516...; fc1 (120, 400):
  // a = sqrt(6 / 520); biases U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
  const std::map<std::string, double> bound = {
      {"conv1.w", std::sqrt(6.0 / 175)}, {"conv1.b", 1 / 5.0},
      {"conv2.w", std::sqrt(6.0 / 550)}, {"conv2.b", 1 / std::sqrt(150.0)},
      {"fc1.w", std::sqrt(6.0 / 520)},   {"fc1.b", 1 / 20.0},
      {"fc2.w", std::sqrt(6.0 / 204)},   {"fc2.b", 1 / std::sqrt(120.0)},
      {"fc3.w", std::sqrt(6.0 / 94)},    {"fc3.b", 1 / std::sqrt(84.0)}};
  const auto params = m.parameters();
  ASSERT_EQ(params.size(), bound.size());
  for (const auto& p : params) {
    SCOPED_TRACE(p.name);
    const double a = bound.at(p.name);
    double largest = 0;
    for (double v : p.value.values()) {
      EXPECT_LE(std::fabs(v), a);
      largest = std::max(largest, std::fabs(v));
    }
    // Uniform over [-a, a): with >= 6 draws the largest |v| is below a / 2 with probability
    // 2^-6; the seed is fixed, so this only guards against a wrong scale.
    EXPECT_GT(largest, a / 2);
  }
}

// ---------------------------------------------------------------------------------------------
// Gradient check of the whole network in double: every parameter tensor and the input, each
// at a fixed sample of elements, against central differences of the mean loss.

void check_lenet_gradients(const std::string& activation, const std::string& pool,
                           std::uint64_t seed) {
  SCOPED_TRACE("lenet " + activation + "/" + pool + ", seed " + std::to_string(seed));
  train::Model<double> m(train::lenet_for_training(activation, pool), train::reference_runner());
  std::mt19937_64 rng(seed);
  m.init(rng);
  Tensor<double> x = test::random_tensor<double>(Shape{2, 1, 28, 28}, seed + 1, 0.0, 1.0);
  const std::vector<int> labels = {3, 8};
  const auto loss = [&] { return train::softmax_cross_entropy(m.forward(x), labels).loss; };
  const train::LossResult<double> r = train::softmax_cross_entropy(m.forward(x), labels);
  const Tensor<double> dx = m.backward(r.grad);

  // Error of a central difference with h = 1e-5: truncation h^2 / 6 |L'''| (below 1e-9 for
  // these smooth compositions of sigmoids; relu and max are piecewise linear, exact away from
  // a kink, and random inputs keep h away from kinks) plus rounding eps |L| / h ~ 2.2e-16 * 2.3
  // / 1e-5 = 5e-11. So 1e-8 absolute plus 1e-6 relative to the gradient is a wide margin that
  // still catches any wrong term (a missing factor or index shows up at the size of the
  // gradient itself, 1e-4..1e-1 here).
  const double h = 1e-5;
  const auto check = [&](const std::string& name, Tensor<double> value,
                         const Tensor<double>& grad) {
    SCOPED_TRACE(name);
    ASSERT_EQ(value.shape(), grad.shape());
    std::mt19937_64 pick(seed ^ std::hash<std::string>{}(name));
    const int samples = static_cast<int>(std::min<std::int64_t>(value.numel(), 12));
    double largest = 0;
    for (int s = 0; s < samples; ++s) {
      const std::int64_t i = static_cast<std::int64_t>(
          train::uniform_below(pick, static_cast<std::uint64_t>(value.numel())));
      const double saved = value[i];
      value[i] = saved + h;
      const double up = loss();
      value[i] = saved - h;
      const double down = loss();
      value[i] = saved;
      const double numeric = (up - down) / (2 * h);
      EXPECT_NEAR(grad[i], numeric, 1e-8 + 1e-6 * std::fabs(numeric)) << "element " << i;
      largest = std::max(largest, std::fabs(numeric));
    }
    EXPECT_GT(largest, 1e-7) << "gradient of " << name << " is all but zero: a vacuous check";
  };
  for (const auto& p : m.parameters()) check(p.name, p.value, p.grad);
  check("input x", x, dx);
}

TEST(TrainModel, WholeLenetGradientMatchesFiniteDifferencesSigmoidAvg) {
  check_lenet_gradients("sigmoid", "avg", 11);
}

TEST(TrainModel, WholeLenetGradientMatchesFiniteDifferencesReluMax) {
  check_lenet_gradients("relu", "max", 12);
}

// The float network through the registry's fastest variants computes the same gradients as
// the double reference, within float rounding. Every op's variant is held by the registry
// tests to |err| <= factor * eps * K * M (factor <= 4, K up to 400 for fc1, eps = 2^-23);
// chained through 12 layers with |w| < 0.25, the relative error of a gradient tensor stays
// near K * eps ~ 5e-5 of its largest element. We allow 1e-3 of the largest element: 20x that
// estimate, yet 1000x below what one wrong term would give.
TEST(TrainModel, RegistryFloatGradientsMatchDoubleReference) {
  const nets::Network net = train::lenet_for_training("sigmoid", "avg");
  train::Model<double> md(net, train::reference_runner());
  std::mt19937_64 rng(21);
  md.init(rng);
  train::RegistryRunner runner(train::VariantMode::fastest);
  train::Model<float> mf(net, runner.runner());
  auto pd = md.parameters();
  auto pf = mf.parameters();
  ASSERT_EQ(pd.size(), pf.size());
  for (std::size_t i = 0; i < pd.size(); ++i) {
    for (std::int64_t e = 0; e < pd[i].value.numel(); ++e) {
      pf[i].value[e] = static_cast<float>(pd[i].value[e]);
      pd[i].value[e] = double(pf[i].value[e]);  // the same (float) weights in both
    }
  }
  const Tensor<float> xf = test::random_tensor<float>(Shape{8, 1, 28, 28}, 22, 0.0, 1.0);
  const std::vector<int> labels = {0, 1, 2, 3, 4, 5, 6, 7};
  const auto rd = train::softmax_cross_entropy(md.forward(xf.cast<double>()), labels);
  md.backward(rd.grad);
  const auto rf = train::softmax_cross_entropy(mf.forward(xf), labels);
  mf.backward(rf.grad);
  EXPECT_NEAR(rf.loss, rd.loss, 1e-5);
  pd = md.parameters();
  pf = mf.parameters();
  for (std::size_t i = 0; i < pd.size(); ++i) {
    SCOPED_TRACE(pd[i].name);
    double largest = 0;
    for (double g : pd[i].grad.values()) largest = std::max(largest, std::fabs(g));
    EXPECT_TRUE(test::all_near(pf[i].grad, pd[i].grad, 1e-3 * largest));
  }
  // Every layer and direction chose a registered variant that supports it.
  EXPECT_EQ(runner.choices().size(), 2 * net.layers.size());
  for (const auto& c : runner.choices()) EXPECT_NE(find_variant(c.variant), nullptr) << c.variant;
}

// ---------------------------------------------------------------------------------------------
// W18: learn-edge against its fixture.

std::vector<train::TrajectoryRow> read_trajectory() {
  return train::read_learn_edge_trajectory(bundled_corpus_dir() / "training" / "w18_learn_edge" /
                                           "trajectory.csv");
}

TEST(LearnEdge, TrajectoryReaderNamesFileAndLine) {
  const fs::path dir = scratch("trajectory");
  expect_error([&] { train::read_learn_edge_trajectory(dir / "absent.csv"); },
               {(dir / "absent.csv").string(), "missing"});
  std::ofstream(dir / "header.csv") << "iteration,loss,k0\n1,27,0.5\n";
  expect_error([&] { train::read_learn_edge_trajectory(dir / "header.csv"); },
               {(dir / "header.csv").string(), "k1"});
  std::ofstream(dir / "value.csv") << "iteration,loss,k0,k1\n1,27,0.5,0.5\n2,x,0.1,0.1\n";
  expect_error([&] { train::read_learn_edge_trajectory(dir / "value.csv"); },
               {(dir / "value.csv").string(), "column \"loss\"", "line \"3\""});
}

// doc:002_cc048f6e0360e15b.txt#W18. The fixture was computed outside convlab (exact rational
// arithmetic); here it is held to the closed form of train/learn_edge.hpp, in double:
// L_i = 15 * 0.64^(i-1) u0^2 + 3 * 0.4096^(i-1) (v0 - 2)^2, u_i = (-0.8)^i u0,
// v_i - 2 = 0.64^i (v0 - 2), u0 = 1, v0 = 0.
TEST(LearnEdge, FixtureIsTheClosedForm) {
  const std::vector<train::TrajectoryRow> rows = read_trajectory();
  ASSERT_EQ(rows.size(), 10u);
  for (const train::TrajectoryRow& r : rows) {
    SCOPED_TRACE("iteration " + std::to_string(r.iteration));
    const int i = r.iteration;
    const double loss = 15 * std::pow(0.64, i - 1) + 12 * std::pow(0.4096, i - 1);
    const double u = std::pow(-0.8, i), v = 2 - 2 * std::pow(0.64, i);
    // 17 printed digits and a few roundings of pow: 1e-14 relative.
    EXPECT_NEAR(r.loss, loss, 1e-14 * loss);
    EXPECT_NEAR(r.k0, (u + v) / 2, 1e-14);
    EXPECT_NEAR(r.k1, (u - v) / 2, 1e-14);
  }
}

TEST(LearnEdge, FloatRunThroughRegistryMatchesFixtureAndConverges) {
  const std::vector<train::TrajectoryRow> rows = read_trajectory();
  // Y = corr2d(X, [1, -1]) is the document's target: rows 0 1 0 0 0 -1 0.
  const Tensor<float> y = train::learn_edge_target();
  for (std::int64_t i = 0; i < 6; ++i) {
    const float expected[7] = {0, 1, 0, 0, 0, -1, 0};
    for (std::int64_t j = 0; j < 7; ++j) ASSERT_EQ(y(0, 0, i, j), expected[j]);
  }
  for (const auto mode : {train::VariantMode::reference, train::VariantMode::fastest}) {
    SCOPED_TRACE(std::string(train::to_string(mode)));
    const train::LearnEdgeResult r =
        train::learn_edge(10, train::kLearnEdgeLr, train::kInitialKernel, mode);
    ASSERT_EQ(r.steps.size(), rows.size());
    // Float rounding: every step rounds y, dL/dk, lr * dL/dk and the update once each (and
    // lr = 0.03f itself differs from 0.03 by 2.3e-8 relative): at most 4 eps |k| per step with
    // |k| <= 1.1, eps = 2^-23, and the iteration map contracts (|-0.8|, 0.64 < 1), so after i
    // steps |k - k_exact| <= i * 4.4 eps. The loss then differs by at most |grad L| times that
    // distance (first order; the second-order term is below 1e-10), with
    // |grad L| = 6 |(6 k0 + 4 k1 - 2, 4 k0 + 6 k1 + 2)| from the closed form.
    const double eps = 0x1.0p-23;
    double k0 = 0.5, k1 = 0.5;  // the exact kernel before step i
    for (std::size_t s = 0; s < rows.size(); ++s) {
      const train::TrajectoryRow& row = rows[s];
      SCOPED_TRACE("iteration " + std::to_string(row.iteration));
      const double k_tol_before = double(s) * 4.4 * eps, k_tol_after = double(s + 1) * 4.4 * eps;
      const double grad = 6 * std::hypot(6 * k0 + 4 * k1 - 2, 4 * k0 + 6 * k1 + 2);
      EXPECT_EQ(r.steps[s].iteration, row.iteration);
      EXPECT_NEAR(r.steps[s].loss, row.loss, grad * k_tol_before * std::sqrt(2.0) + 1e-12);
      EXPECT_NEAR(r.steps[s].kernel[0], row.k0, k_tol_after);
      EXPECT_NEAR(r.steps[s].kernel[1], row.k1, k_tol_after);
      k0 = row.k0;
      k1 = row.k1;
    }
    // What the document states: the loss falls (every printed value, iterations 2, 4, ..., 10,
    // below the one before) and the kernel approaches [1, -1].
    for (std::size_t s = 3; s < r.steps.size(); s += 2) {
      EXPECT_LT(r.steps[s].loss, r.steps[s - 2].loss);
    }
    EXPECT_LT(std::hypot(r.kernel[0] - 1.0, r.kernel[1] + 1.0), 0.08);
  }
}

// ---------------------------------------------------------------------------------------------
// Short runs.

// Random images with labels that depend on them (the brightest quarter of the image), so a
// network can learn something; for tests that must run without the data set.
train::FashionMnist synthetic_data(std::int64_t n, std::uint64_t seed) {
  train::FashionMnist d;
  for (auto* set : {&d.train, &d.test}) {
    set->images = test::random_tensor<float>(Shape{n, 1, 28, 28}, seed++, 0.0, 1.0);
    set->labels.resize(static_cast<std::size_t>(n));
    for (std::int64_t i = 0; i < n; ++i) {
      double q[4] = {0, 0, 0, 0};
      for (std::int64_t h = 0; h < 28; ++h)
        for (std::int64_t w = 0; w < 28; ++w) q[(h / 14) * 2 + w / 14] += set->images(i, 0, h, w);
      set->labels[static_cast<std::size_t>(i)] = static_cast<int>(std::max_element(q, q + 4) - q);
    }
  }
  return d;
}

TEST(TrainLenet, SameSeedSameThreadsGivesIdenticalRuns) {
  const train::FashionMnist data = synthetic_data(16, 5);
  train::TrainOptions o;
  o.epochs = 2;
  o.batch = 8;  // two batches an epoch: the shuffle decides their content
  o.seed = 42;
  o.threads = 1;
  o.variants = train::VariantMode::reference;
  const train::LenetRun a = train::train_lenet(data, o);
  const train::LenetRun b = train::train_lenet(data, o);
  ASSERT_EQ(a.result.epochs.size(), 2u);
  for (std::size_t e = 0; e < 2; ++e) {
    EXPECT_EQ(a.result.epochs[e].loss, b.result.epochs[e].loss);
    EXPECT_EQ(a.result.epochs[e].train_acc, b.result.epochs[e].train_acc);
    EXPECT_EQ(a.result.epochs[e].test_acc, b.result.epochs[e].test_acc);
  }
  const auto pa = a.model->parameters(), pb = b.model->parameters();
  for (std::size_t i = 0; i < pa.size(); ++i) {
    SCOPED_TRACE(pa[i].name);
    EXPECT_TRUE(test::all_equal(pa[i].value, pb[i].value));
  }
  // Another seed gives another run (the check above is not vacuous).
  o.seed = 43;
  const train::LenetRun c = train::train_lenet(data, o);
  EXPECT_NE(c.result.epochs[0].loss, a.result.epochs[0].loss);
}

TEST(TrainLenet, ShortRunOnRealDataLowersTheLoss) {
  const fs::path dir(train::kFashionMnistDir);
  if (!fs::exists(dir / "train-images-idx3-ubyte.gz")) {
    GTEST_SKIP() << "Fashion-MNIST is not installed at " << dir.string()
                 << " (Debian package dataset-fashion-mnist)";
  }
  const train::FashionMnist data = train::load_fashion_mnist(dir, 512);
  ASSERT_EQ(data.train.images.shape(), (Shape{512, 1, 28, 28}));
  train::TrainOptions o;
  o.epochs = 1;
  o.batch = 16;
  o.seed = 3;
  o.variants = train::VariantMode::fastest;
  std::vector<double> batch_loss;
  train::TrainCallbacks cb;
  double previous_sum = 0;
  cb.on_batch = [&](int, std::int64_t done, std::int64_t, double mean, double) {
    // Recover each batch's loss from the running mean (all batches hold 16 images).
    const double sum = mean * double(done);
    batch_loss.push_back(sum - previous_sum);
    previous_sum = sum;
  };
  const train::LenetRun run = train::train_lenet(data, o, cb);
  ASSERT_EQ(batch_loss.size(), 32u);
  // The loss of the last 8 batches is below that of the first 8 (the first is ~ log 10 = 2.30,
  // the loss of a uniform guess).
  const double first = std::accumulate(batch_loss.begin(), batch_loss.begin() + 8, 0.0) / 8;
  const double last = std::accumulate(batch_loss.end() - 8, batch_loss.end(), 0.0) / 8;
  EXPECT_LT(last, first);
  RecordProperty("first_loss", std::to_string(first));
  RecordProperty("last_loss", std::to_string(last));
  std::cout << "mean loss of the first 8 batches " << first << ", of the last 8 " << last
            << "; test acc " << run.result.epochs[0].test_acc << "\n";
}

}  // namespace
}  // namespace convlab
