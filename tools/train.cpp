// `convlab learn-edge` (W18) and `convlab train lenet` (W21): training with our own kernels,
// every forward and backward pass run through the registry (train/).
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "tools/commands.hpp"
#include "tools/figure.hpp"
#include "train/fashion_mnist.hpp"
#include "train/learn_edge.hpp"
#include "train/trainer.hpp"

namespace fs = std::filesystem;

namespace convlab {
namespace {

std::string kernel_text(const std::array<float, 2>& k) {
  std::ostringstream os;
  os << std::fixed << std::setprecision(4) << "[" << k[0] << ", " << k[1] << "]";
  return os.str();
}

struct LearnEdgeOptions {
  int iterations = 10;
  double lr = train::kLearnEdgeLr;
  std::string variants = "reference";
};

int run_learn_edge(const LearnEdgeOptions& o) {
  const train::LearnEdgeResult r = train::learn_edge(o.iterations, o.lr, train::kInitialKernel,
                                                     train::parse_variant_mode(o.variants));
  std::cout << "W18 (doc 002, 6.2.3): learning a 1x2 kernel that detects vertical edges\n"
            << "X: 6x8 ones, columns 2..5 zero; Y = corr2d(X, [1, -1]); conv2d 1x2, no bias\n"
            << "initial kernel (fixed): " << kernel_text(train::kInitialKernel) << ", lr " << o.lr
            << ", " << o.iterations << " iterations, loss = summed squared error, " << o.variants
            << " variants\n";
  for (const train::LearnEdgeStep& s : r.steps) {
    if (s.iteration % 2 == 0) {
      std::cout << "epoch " << s.iteration << ", loss " << std::fixed << std::setprecision(3)
                << s.loss << std::defaultfloat << "\n";
    }
  }
  std::cout << "learned kernel: " << kernel_text(r.kernel) << "  (the edge detector is [1, -1])\n";
  return 0;
}

struct LenetOptions {
  std::string network = "lenet";
  train::TrainOptions train;
  std::string variants = "fastest";
  fs::path data = std::string(train::kFashionMnistDir);
  std::int64_t limit = 0;
  fs::path log, plot, kernels_plot, feature_maps_plot;
};

void write_log_header(const fs::path& file) {
  if (!file.parent_path().empty()) fs::create_directories(file.parent_path());
  std::ofstream out(file, std::ios::trunc);
  if (!out) throw std::runtime_error("cannot write the log " + file.string());
  out << "epoch,loss,train_acc,test_acc,examples_per_sec,train_seconds,seconds\n";
}

void append_log(const fs::path& file, const train::EpochStats& s) {
  std::ofstream out(file, std::ios::app);
  out << s.epoch << "," << std::setprecision(6) << s.loss << "," << s.train_acc << "," << s.test_acc
      << "," << std::setprecision(8) << s.examples_per_sec << "," << s.train_seconds << ","
      << s.seconds << "\n";
  if (!out) throw std::runtime_error("cannot write the log " + file.string());
}

void progress_bar(int epoch, int epochs, std::int64_t done, std::int64_t total, double loss,
                  double acc) {
  constexpr int kWidth = 30;
  const int filled = static_cast<int>(kWidth * done / total);
  std::fprintf(stderr, "\repoch %d/%d [%s%s] %lld/%lld batches  loss %.3f  acc %.3f", epoch, epochs,
               std::string(static_cast<std::size_t>(filled), '#').c_str(),
               std::string(static_cast<std::size_t>(kWidth - filled), '.').c_str(),
               static_cast<long long>(done), static_cast<long long>(total), loss, acc);
  if (done == total) std::fputc('\n', stderr);
  std::fflush(stderr);
}

void plot_curves(const fs::path& stem, const std::vector<train::EpochStats>& epochs,
                 const std::string& title) {
  std::vector<std::pair<double, double>> loss, train_acc, test_acc;
  for (const auto& s : epochs) {
    loss.emplace_back(s.epoch, s.loss);
    train_acc.emplace_back(s.epoch, s.train_acc);
    test_acc.emplace_back(s.epoch, s.test_acc);
  }
  draw_figure(stem, [&](Gnuplot& gp) {
    gp << "set title " << gnuplot_quote(title) << "\n"
       << "set xlabel 'epoch'\nset key right center\nset xrange [1:" << epochs.size() << "]\n"
       << "set yrange [0:*]\n"
       << "plot '-' with linespoints lw 2 pt 7 title 'train loss', "
       << "'-' with linespoints lw 2 pt 5 title 'train acc', "
       << "'-' with linespoints lw 2 pt 9 title 'test acc'\n";
    gp.send1d(loss);
    gp.send1d(train_acc);
    gp.send1d(test_acc);
  });
}

// One (H, W) plane of a tensor as a gnuplot datablock, row 0 first.
void send_plane(Gnuplot& gp, const std::string& name, const Tensor<float>& t, std::int64_t n,
                std::int64_t c) {
  const std::int64_t h = t.dim(2), w = t.dim(3);
  gp << "$" << name << " << EOD\n";
  for (std::int64_t i = 0; i < h; ++i) {
    for (std::int64_t j = 0; j < w; ++j) gp << (j ? " " : "") << t(n, c, i, j);
    gp << "\n";
  }
  gp << "EOD\n";
}

const char* kImageStyle =
    "set size ratio -1\nunset xtics\nunset ytics\nunset border\nunset grid\n"
    "set yrange [] reverse\nset autoscale xfix\nset autoscale yfix\n";

void plot_kernels(const fs::path& stem, const train::TrainLayer<float>& conv) {
  const Tensor<float>& w = conv.w;  // (6, 1, 5, 5)
  double largest = 0;
  for (float v : w.values()) largest = std::max(largest, double(std::fabs(v)));
  const std::int64_t count = w.dim(0) * w.dim(1);
  draw_figure(
      stem,
      [&](Gnuplot& gp) {
        for (std::int64_t k = 0; k < count; ++k) {
          send_plane(gp, "k" + std::to_string(k), w, k / w.dim(1), k % w.dim(1));
        }
        gp << kImageStyle << "set palette defined (-1 '#2166ac', 0 '#f7f7f7', 1 '#b2182b')\n"
           << "set cbrange [" << -largest << ":" << largest << "]\nunset colorbox\n"
           << "set multiplot layout 1," << count << " title "
           << gnuplot_quote("The " + std::to_string(count) + " learned " +
                            std::to_string(w.dim(2)) + "x" + std::to_string(w.dim(3)) +
                            " kernels of " + conv.name +
                            " (blue negative, red positive, common scale)")
           << "\n";
        for (std::int64_t k = 0; k < count; ++k) {
          gp << "set title 'kernel " << k << "'\nplot $k" << k << " matrix with image notitle\n";
        }
        gp << "unset multiplot\n";
      },
      FigureSize{1100, 300});
}

void plot_feature_maps(const fs::path& stem, train::Model<float>& model,
                       const train::LabelledImages& test) {
  const Tensor<float> image = test.images.slice(0, 1).clone();
  const Tensor<float> logits = model.forward(image);
  std::int64_t predicted = 0;
  for (std::int64_t k = 1; k < logits.dim(1); ++k) {
    if (logits[k] > logits[predicted]) predicted = k;
  }
  // The activations that follow each convolution.
  std::vector<const train::TrainLayer<float>*> maps;
  const auto& layers = model.layers();
  for (std::size_t i = 0; i + 1 < layers.size(); ++i) {
    if (layers[i].op == "conv2d") maps.push_back(&layers[i + 1]);
  }
  const auto& classes = train::fashion_mnist_classes();
  const std::string title =
      "Test image 0 (" + std::string(classes[static_cast<std::size_t>(test.labels[0])]) +
      ", predicted " + std::string(classes[static_cast<std::size_t>(predicted)]) +
      ") and the feature maps after each convolution's activation";
  draw_figure(
      stem,
      [&](Gnuplot& gp) {
        send_plane(gp, "input", image, 0, 0);
        for (std::size_t m = 0; m < maps.size(); ++m) {
          for (std::int64_t c = 0; c < maps[m]->y.dim(1); ++c) {
            // (built with a stream: GCC 12 warns -Wrestrict, wrongly, on "m" + to_string(m))
            std::ostringstream name;
            name << "m" << m << "_" << c;
            send_plane(gp, name.str(), maps[m]->y, 0, c);
          }
        }
        gp << kImageStyle << "set palette grey\nunset colorbox\nset cbrange [0:1]\n"
           << "set multiplot layout 3,8 title " << gnuplot_quote(title) << "\n"
           << "set title 'input'\nplot $input matrix with image notitle\n";
        int panel = 1;
        for (std::size_t m = 0; m < maps.size(); ++m) {
          // Each map group starts on a new row of 8 panels.
          while (panel % 8 != 0 && m > 0) {
            gp << "set multiplot next\n";
            ++panel;
          }
          gp << "set cbrange [*:*]\n";
          for (std::int64_t c = 0; c < maps[m]->y.dim(1); ++c) {
            gp << "set title " << gnuplot_quote(maps[m]->name + " ch " + std::to_string(c))
               << "\nplot $m" << m << "_" << c << " matrix with image notitle\n";
            ++panel;
          }
        }
        gp << "unset multiplot\n";
      },
      FigureSize{1100, 520});
}

int run_train(LenetOptions o) {
  if (o.network != "lenet") {
    throw std::invalid_argument("train: network \"" + o.network + "\" is not one of: lenet");
  }
  o.train.variants = train::parse_variant_mode(o.variants);
  const auto start = std::chrono::steady_clock::now();
  const train::FashionMnist data = train::load_fashion_mnist(o.data, o.limit);
  std::cout << "LeNet (W21, " << o.train.activation << ", " << o.train.pool
            << " pooling) on Fashion-MNIST: " << data.train.images.dim(0) << " training and "
            << data.test.images.dim(0) << " test images from " << o.data.string() << "\n"
            << "epochs " << o.train.epochs << ", lr " << o.train.lr << ", batch " << o.train.batch
            << ", seed " << o.train.seed << ", threads " << o.train.threads << ", variants "
            << o.variants << "\n";
  if (!o.log.empty()) write_log_header(o.log);
  train::TrainCallbacks cb;
  cb.on_note = [&](const std::string& line) {
    std::cout << "variant " << line << "\n" << std::flush;
  };
  cb.on_batch = [&](int epoch, std::int64_t done, std::int64_t total, double loss, double acc) {
    progress_bar(epoch, o.train.epochs, done, total, loss, acc);
  };
  cb.on_epoch = [&](const train::EpochStats& s) {
    std::cout << "epoch " << s.epoch << "/" << o.train.epochs << ": loss " << std::fixed
              << std::setprecision(3) << s.loss << ", train acc " << s.train_acc << ", test acc "
              << s.test_acc << ", " << std::setprecision(1) << s.examples_per_sec
              << " examples/sec (" << s.seconds << " s)" << std::defaultfloat << "\n"
              << std::flush;
    if (!o.log.empty()) append_log(o.log, s);
  };
  const train::LenetRun run = train::train_lenet(data, o.train, cb);
  const train::EpochStats& last = run.result.epochs.back();
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << std::fixed << std::setprecision(3) << "loss " << last.loss << ", train acc "
            << last.train_acc << ", test acc " << last.test_acc << "\n"
            << std::setprecision(1) << run.result.examples_per_sec << " examples/sec on cpu ("
            << o.train.threads << " thread" << (o.train.threads == 1 ? "" : "s") << ", "
            << o.variants << " variants); wall time " << wall << " s" << std::defaultfloat << "\n";
  if (!o.log.empty()) std::cout << "log: " << o.log.string() << "\n";
  if (!o.plot.empty()) {
    std::ostringstream title;
    title << "LeNet on Fashion-MNIST (lr " << o.train.lr << ", batch " << o.train.batch << ", "
          << o.train.activation << ", " << o.train.pool << " pool): test acc " << std::fixed
          << std::setprecision(3) << last.test_acc;
    plot_curves(o.plot, run.result.epochs, title.str());
    std::cout << "plot: " << o.plot.string() << ".{svg,png}\n";
  }
  if (!o.kernels_plot.empty()) {
    plot_kernels(o.kernels_plot, run.model->layers().front());
    std::cout << "kernels: " << o.kernels_plot.string() << ".{svg,png}\n";
  }
  if (!o.feature_maps_plot.empty()) {
    plot_feature_maps(o.feature_maps_plot, *run.model, data.test);
    std::cout << "feature maps: " << o.feature_maps_plot.string() << ".{svg,png}\n";
  }
  return 0;
}

}  // namespace

Command add_learn_edge_command(CLI::App& app) {
  auto options = std::make_shared<LearnEdgeOptions>();
  CLI::App* cmd = app.add_subcommand(
      "learn-edge", "W18: learn the 1x2 edge-detector kernel [1, -1] by gradient descent");
  cmd->add_option("--iterations", options->iterations, "gradient steps")->capture_default_str();
  cmd->add_option("--lr", options->lr, "learning rate")->capture_default_str();
  cmd->add_option("--variants", options->variants, "reference|fastest conv2d variants")
      ->check(CLI::IsMember({"reference", "fastest"}))
      ->capture_default_str();
  cmd->footer(
      "X is 6x8 ones with columns 2..5 zero and Y = corr2d(X, [1, -1]). The kernel starts from "
      "the fixed [0.5, 0.5] (the 2-tap average), so the run is reproducible: its losses are "
      "those of fixtures/training/w18_learn_edge, where the closed form is derived. The loss "
      "(summed squared error, before each update) is printed every 2 iterations, as in the "
      "document.\nExample:\n  convlab learn-edge");
  return {cmd, [options] { return run_learn_edge(*options); }};
}

Command add_train_command(CLI::App& app) {
  auto o = std::make_shared<LenetOptions>();
  CLI::App* cmd = app.add_subcommand(
      "train", "W21: train LeNet on Fashion-MNIST with our kernels (forward and backward)");
  cmd->add_option("network", o->network, "the network: lenet")->required();
  cmd->add_option("--epochs", o->train.epochs, "passes over the training set")
      ->capture_default_str();
  cmd->add_option("--lr", o->train.lr, "SGD learning rate")->capture_default_str();
  cmd->add_option("--batch", o->train.batch, "minibatch size")->capture_default_str();
  cmd->add_option("--seed", o->train.seed, "seed of the initial weights and the shuffles")
      ->capture_default_str();
  cmd->add_option("--threads", o->train.threads, "OpenMP threads of the kernels")
      ->capture_default_str();
  cmd->add_option("--variants", o->variants,
                  "reference: the reference of every op; fastest: for each layer, the quickest "
                  "registered variant supporting its shapes, timed once on the first batch")
      ->check(CLI::IsMember({"reference", "fastest"}))
      ->capture_default_str();
  cmd->add_option("--activation", o->train.activation, "sigmoid (W21) or relu")
      ->check(CLI::IsMember({"sigmoid", "relu"}))
      ->capture_default_str();
  cmd->add_option("--pool", o->train.pool, "avg (W21) or max")
      ->check(CLI::IsMember({"avg", "max"}))
      ->capture_default_str();
  cmd->add_option("--data", o->data, "folder of the four Fashion-MNIST *-ubyte.gz files")
      ->capture_default_str();
  cmd->add_option("--limit", o->limit, "use only the first N training and N test images");
  cmd->add_option("--log", o->log, "write the per-epoch numbers to this CSV file");
  cmd->add_option("--plot", o->plot, "draw the curves to STEM.svg and STEM.png");
  cmd->add_option("--kernels-plot", o->kernels_plot,
                  "draw the learned first-layer kernels to STEM.svg and STEM.png");
  cmd->add_option("--feature-maps-plot", o->feature_maps_plot,
                  "draw the feature maps of test image 0 to STEM.svg and STEM.png");
  cmd->footer(
      "The published run of this setup (d2l) reports loss 0.469, train acc 0.823, test acc "
      "0.779 after 10 epochs. Data: Debian's dataset-fashion-mnist.\nExample:\n"
      "  convlab train lenet --threads 2 --log lenet.csv --plot lenet\n"
      "  convlab train lenet --epochs 1 --limit 2000 --variants reference");
  return {cmd, [o] { return run_train(*o); }};
}

}  // namespace convlab
