// A small training engine: a chain of layers (conv2d, pooling, flatten, linear, activations)
// built from a nets::Network, whose forward and backward passes are the ops of the op table
// (core/ops.hpp), run by name.
//
//   Model<float>   runs every op through the registry (kernels/registry.hpp): for each layer
//                  and direction, the reference variant ("reference") or the fastest variant
//                  that supports the layer's shapes ("fastest", timed once, below). This is how
//                  `convlab train` trains.
//   Model<double>  runs every op with the double reference (reference/dispatch.hpp), for the
//                  gradient checks of the whole network against finite differences.
//
// Training step, for a batch x (N, C, H, W) with labels t:
//   z = forward(x)                       logits (N, classes); each layer keeps its input
//   L, dz = softmax_cross_entropy(z, t)  mean loss over the batch and dL/dz
//   backward(dz)                         dL/dw, dL/db of every layer (overwritten, not summed)
//   sgd_step(lr)                         w -= lr * dL/dw, b -= lr * dL/db
//
// Initialization (init): weights Xavier-uniform, U(-a, a) with a = sqrt(6 / (fan_in + fan_out)),
// fan_in = C_in * KH * KW (conv) or in_features (linear) and fan_out = C_out * KH * KW or
// out_features, as PyTorch's xavier_uniform_ that d2l applies to every Conv2d and Linear
// weight (W21). Biases keep PyTorch's default, U(-1/sqrt(fan_in), 1/sqrt(fan_in)), as d2l
// leaves them. Draws come from train/random.hpp in layer order, weight before bias, so a seed
// gives the same network everywhere.
//
// Choosing the fastest variant: the first time a layer meets an input shape in a direction,
// every registered variant of that op and direction is asked supports(params, shapes); each
// one that accepts is run once on the actual tensors and timed; the quickest is kept for that
// (layer, direction, input shape) for the rest of the run. A variant that throws
// convlab::Unsupported (a refusal that depends on values) is skipped; if a kept variant refuses
// later, the choice is made again and a line says so. The list of variants comes from the
// registry at run time, so a variant registered tomorrow is considered without any change here.
// Every choice, with the times and the reasons of the skips, is reported through a callback.
//
// Determinism: with "reference" (or with the same choices of variants), the same seed and the
// same number of threads give bit-identical runs: nothing here depends on timing, and the
// kernels parallelize only over independent outputs.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/ops.hpp"
#include "kernels/registry.hpp"
#include "nets/network.hpp"

namespace convlab::train {

enum class VariantMode { reference, fastest };
// "reference" or "fastest"; anything else is std::invalid_argument naming the value.
VariantMode parse_variant_mode(std::string_view text);
std::string_view to_string(VariantMode mode);

// The LeNet of W21 (nets::lenet_d2l) with its activations replaced by `activation` (sigmoid,
// relu or tanh) and its pooling by `pool` (avg or max).
nets::Network lenet_for_training(std::string_view activation, std::string_view pool);

// Runs one op: (layer name, op, params, inputs) -> outputs.
template <class T>
using OpRunner = std::function<TensorMap<T>(const std::string& layer, const OpSpec& spec,
                                            const OpParams& params, const TensorMap<T>& inputs)>;

// Runs ops through the registry, choosing variants as described above.
class RegistryRunner {
 public:
  struct Choice {
    std::string layer;
    Direction direction = Direction::forward;
    Shape input;                                               // the shape of x
    std::string variant;                                       // the variant kept
    std::vector<std::pair<std::string, double>> seconds;       // every variant timed
    std::vector<std::pair<std::string, std::string>> skipped;  // variant, reason
  };

  explicit RegistryRunner(VariantMode mode,
                          std::function<void(const std::string&)> report = nullptr);

  TensorMap<float> run(const std::string& layer, const OpSpec& spec, const OpParams& params,
                       const TensorMap<float>& inputs);
  OpRunner<float> runner() {
    return [this](const std::string& l, const OpSpec& s, const OpParams& p,
                  const TensorMap<float>& in) { return run(l, s, p, in); };
  }
  // Every choice made so far, in order.
  const std::vector<Choice>& choices() const { return choices_; }
  VariantMode mode() const { return mode_; }

 private:
  TensorMap<float> choose(const std::string& key, const std::string& layer, const OpSpec& spec,
                          const OpParams& params, const TensorMap<float>& inputs);

  VariantMode mode_;
  std::function<void(const std::string&)> report_;
  std::map<std::string, const Variant*> chosen_;
  std::vector<Choice> choices_;
};

// Runs ops with the reference in double.
OpRunner<double> reference_runner();

template <class T>
struct TrainLayer {
  std::string name;
  std::string op;  // conv2d, linear, avg_pool2d, max_pool2d, flatten, sigmoid, relu, tanh
  OpParams params;
  Tensor<T> w, b;    // empty for layers without parameters (or without bias)
  Tensor<T> dw, db;  // gradients from the last backward()
  Tensor<T> x, y;    // input and output of the last forward()
};

template <class T>
struct Parameter {
  std::string name;  // "conv1.w", "fc3.b"
  Tensor<T> value;   // handles: writing through them changes the model
  Tensor<T> grad;
};

template <class T>
class Model {
 public:
  // Builds the layers of `net` for inputs of one sample shaped net.input (1, C, H, W); weights
  // are zero until init(). Throws std::invalid_argument naming a layer of a type it cannot train
  // (LRN, batch norm, branches) or a layer with an inline activation.
  Model(const nets::Network& net, OpRunner<T> run);

  // Xavier-uniform weights and PyTorch-default biases (see the top of this file).
  void init(std::mt19937_64& rng);

  // x: (N, C, H, W) -> logits (N, classes). Keeps every layer's input and output.
  Tensor<T> forward(const Tensor<T>& x);
  // dy: dL/d(logits), (N, classes). Sets dw, db of every layer; returns dL/dx.
  Tensor<T> backward(const Tensor<T>& dy);
  void sgd_step(double lr);

  std::vector<Parameter<T>> parameters();
  std::vector<TrainLayer<T>>& layers() { return layers_; }
  const std::vector<TrainLayer<T>>& layers() const { return layers_; }

 private:
  std::vector<TrainLayer<T>> layers_;
  OpRunner<T> run_;
};

template <class T>
struct LossResult {
  double loss = 0;           // mean over the batch
  Tensor<T> grad;            // dL/dz, (N, K)
  std::int64_t correct = 0;  // samples whose largest logit is their label (first max on ties)
};

// Softmax cross-entropy of logits z (N, K) against labels t (N, each in 0..K-1), the mean over
// the batch as in PyTorch's nn.CrossEntropyLoss. Stable form, in double:
//   m_n = max_k z[n][k],  lse_n = m_n + log(sum_k exp(z[n][k] - m_n))   (every exp <= 1)
//   L = (1/N) sum_n (lse_n - z[n][t_n]),  dL/dz[n][k] = (exp(z[n][k] - lse_n) - [k == t_n]) / N
// Throws std::invalid_argument for a label out of range or a count mismatch.
template <class T>
LossResult<T> softmax_cross_entropy(const Tensor<T>& logits, std::span<const int> labels);

}  // namespace convlab::train
