#include "train/trainer.hpp"

#include <algorithm>
#include <chrono>
#include <numeric>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "train/random.hpp"

namespace convlab::train {
namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Copies the images `order[begin, end)` of `set` into one batch.
Tensor<float> gather(const LabelledImages& set, std::span<const std::int64_t> order,
                     std::vector<int>& labels) {
  const Shape& s = set.images.shape();
  const std::int64_t per = s[1] * s[2] * s[3];
  Tensor<float> batch(Shape{static_cast<std::int64_t>(order.size()), s[1], s[2], s[3]});
  labels.resize(order.size());
  for (std::size_t i = 0; i < order.size(); ++i) {
    const float* src = set.images.data() + order[i] * per;
    std::copy(src, src + per, batch.data() + static_cast<std::int64_t>(i) * per);
    labels[i] = set.labels[static_cast<std::size_t>(order[i])];
  }
  return batch;
}

}  // namespace

void set_threads(int threads) {
#ifdef _OPENMP
  if (threads > 0) omp_set_num_threads(threads);
#else
  (void)threads;
#endif
}

double evaluate_accuracy(Model<float>& model, const LabelledImages& set, std::int64_t batch) {
  const std::int64_t n = set.images.dim(0);
  std::int64_t correct = 0;
  std::vector<int> labels;
  for (std::int64_t begin = 0; begin < n; begin += batch) {
    const std::int64_t end = std::min(n, begin + batch);
    const Tensor<float> logits = model.forward(set.images.slice(begin, end));
    const std::span<const int> t(set.labels.data() + begin, static_cast<std::size_t>(end - begin));
    correct += softmax_cross_entropy(logits, t).correct;
  }
  return n == 0 ? 0.0 : double(correct) / double(n);
}

TrainResult train_model(Model<float>& model, RegistryRunner& runner, const FashionMnist& data,
                        const TrainOptions& options, std::mt19937_64& rng,
                        const TrainCallbacks& callbacks) {
  if (options.epochs < 1 || options.batch < 1 || !(options.lr > 0)) {
    throw std::invalid_argument("train: epochs (" + std::to_string(options.epochs) + "), batch (" +
                                std::to_string(options.batch) + ") and lr (" +
                                std::to_string(options.lr) + ") must be positive");
  }
  const std::int64_t n = data.train.images.dim(0);
  const std::int64_t batches = (n + options.batch - 1) / options.batch;
  std::vector<std::int64_t> order(static_cast<std::size_t>(n));
  std::vector<int> labels;
  TrainResult result;
  double train_seconds = 0;
  std::int64_t examples = 0;
  const auto run_start = Clock::now();
  for (int epoch = 1; epoch <= options.epochs; ++epoch) {
    const auto epoch_start = Clock::now();
    std::iota(order.begin(), order.end(), std::int64_t{0});
    shuffle(std::span<std::int64_t>(order), rng);
    double loss_sum = 0, epoch_train_seconds = 0;
    std::int64_t correct = 0, seen = 0;
    for (std::int64_t b = 0; b < batches; ++b) {
      const std::int64_t begin = b * options.batch, end = std::min(n, begin + options.batch);
      const Tensor<float> x = gather(
          data.train, std::span<const std::int64_t>(order).subspan(begin, end - begin), labels);
      const auto step_start = Clock::now();
      const Tensor<float> logits = model.forward(x);
      const LossResult<float> loss = softmax_cross_entropy(logits, std::span<const int>(labels));
      model.backward(loss.grad);
      model.sgd_step(options.lr);
      epoch_train_seconds += since(step_start);
      loss_sum += loss.loss * double(end - begin);
      correct += loss.correct;
      seen += end - begin;
      if (callbacks.on_batch) {
        callbacks.on_batch(epoch, b + 1, batches, loss_sum / double(seen),
                           double(correct) / double(seen));
      }
    }
    EpochStats stats;
    stats.epoch = epoch;
    stats.loss = loss_sum / double(seen);
    stats.train_acc = double(correct) / double(seen);
    stats.test_acc = evaluate_accuracy(model, data.test, options.batch);
    stats.train_seconds = epoch_train_seconds;
    stats.examples_per_sec = double(seen) / epoch_train_seconds;
    stats.seconds = since(epoch_start);
    train_seconds += epoch_train_seconds;
    examples += seen;
    result.epochs.push_back(stats);
    if (callbacks.on_epoch) callbacks.on_epoch(stats);
  }
  result.total_seconds = since(run_start);
  result.examples_per_sec = double(examples) / train_seconds;
  result.choices = runner.choices();
  return result;
}

LenetRun train_lenet(const FashionMnist& data, const TrainOptions& options,
                     const TrainCallbacks& callbacks) {
  set_threads(options.threads);
  LenetRun run;
  run.runner = std::make_unique<RegistryRunner>(options.variants, callbacks.on_note);
  run.model = std::make_unique<Model<float>>(lenet_for_training(options.activation, options.pool),
                                             run.runner->runner());
  std::mt19937_64 rng(options.seed);
  run.model->init(rng);
  run.result = train_model(*run.model, *run.runner, data, options, rng, callbacks);
  return run;
}

}  // namespace convlab::train
