// Training LeNet on Fashion-MNIST as W21 describes (d2l's train_ch6): minibatch SGD on the mean
// softmax cross-entropy, the training set reshuffled every epoch, the test accuracy measured
// after every epoch.
//
// Per epoch the statistics are those d2l prints: the mean loss and the accuracy over the
// training batches *as they were seen* (each batch's forward pass before its update), the test
// accuracy after the epoch, and examples per second of training (forward, backward and update
// of the training batches; evaluation and data shuffling excluded).
//
// Randomness: one std::mt19937_64 seeded with `seed` draws the initial weights (Model::init),
// then one permutation of the training set per epoch (train/random.hpp's Fisher-Yates). The
// last batch of an epoch holds the remainder (60,000 = 234 * 256 + 96), as d2l's loader does.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "train/fashion_mnist.hpp"
#include "train/model.hpp"

namespace convlab::train {

struct TrainOptions {
  int epochs = 10;
  double lr = 0.9;
  std::int64_t batch = 256;
  std::uint64_t seed = 1;
  int threads = 1;  // OpenMP threads for the kernels (0 keeps the current setting)
  VariantMode variants = VariantMode::fastest;
  std::string activation = "sigmoid";
  std::string pool = "avg";
};

struct EpochStats {
  int epoch = 0;  // 1-based
  double loss = 0, train_acc = 0, test_acc = 0;
  double examples_per_sec = 0;
  double train_seconds = 0;  // forward + backward + update of this epoch's batches
  double seconds = 0;        // the whole epoch, evaluation included
};

struct TrainCallbacks {
  // After every training batch: epoch (1-based), batches done, batches per epoch, and the
  // running mean loss and accuracy of the epoch so far.
  std::function<void(int, std::int64_t, std::int64_t, double, double)> on_batch;
  std::function<void(const EpochStats&)> on_epoch;
  // Variant choices and other notes, one line each.
  std::function<void(const std::string&)> on_note;
};

struct TrainResult {
  std::vector<EpochStats> epochs;
  std::vector<RegistryRunner::Choice> choices;
  double total_seconds = 0;
  double examples_per_sec = 0;  // over all epochs: examples / training seconds (as d2l)
};

// Sets the OpenMP thread count when threads > 0 (a no-op without OpenMP).
void set_threads(int threads);

// Fraction of `set` whose largest logit is its label, in batches of `batch`.
double evaluate_accuracy(Model<float>& model, const LabelledImages& set, std::int64_t batch);

// Trains `model` (already initialized) on data.train, evaluating on data.test each epoch.
TrainResult train_model(Model<float>& model, RegistryRunner& runner, const FashionMnist& data,
                        const TrainOptions& options, std::mt19937_64& rng,
                        const TrainCallbacks& callbacks = {});

// Everything in one call: builds the LeNet of `options` with a RegistryRunner, seeds,
// initializes and trains. The trained model stays usable (e.g. for feature maps).
struct LenetRun {
  std::unique_ptr<RegistryRunner> runner;
  std::unique_ptr<Model<float>> model;
  TrainResult result;
};
LenetRun train_lenet(const FashionMnist& data, const TrainOptions& options,
                     const TrainCallbacks& callbacks = {});

}  // namespace convlab::train
