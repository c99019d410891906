#include "train/model.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <iomanip>
#include <limits>
#include <sstream>
#include <stdexcept>

#include "core/shape.hpp"
#include "nets/zoo.hpp"
#include "reference/dispatch.hpp"
#include "train/random.hpp"

namespace convlab::train {

VariantMode parse_variant_mode(std::string_view text) {
  if (text == "reference") return VariantMode::reference;
  if (text == "fastest") return VariantMode::fastest;
  throw std::invalid_argument("--variants \"" + std::string(text) +
                              "\" is not one of: reference, fastest");
}

std::string_view to_string(VariantMode mode) {
  return mode == VariantMode::reference ? "reference" : "fastest";
}

nets::Network lenet_for_training(std::string_view activation, std::string_view pool) {
  if (activation != "sigmoid" && activation != "relu" && activation != "tanh") {
    throw std::invalid_argument("lenet: activation \"" + std::string(activation) +
                                "\" is not one of: sigmoid, relu, tanh");
  }
  if (pool != "avg" && pool != "max") {
    throw std::invalid_argument("lenet: pool \"" + std::string(pool) +
                                "\" is not one of: avg, max");
  }
  nets::Network net = nets::lenet_d2l();
  for (nets::Layer& l : net.layers) {
    if (l.type == nets::LayerType::activation) {
      l.activation = std::string(activation);
      l.name = std::string(activation) + l.name.substr(l.name.size() - 1);  // sigmoid1 -> relu1
    }
    if (l.type == nets::LayerType::avg_pool2d && pool == "max") {
      l.type = nets::LayerType::max_pool2d;
    }
  }
  return net;
}

// ---------------------------------------------------------------------------------------------
// Running ops.

namespace {

TensorMap<float> allocate(const ShapeMap& shapes) {
  TensorMap<float> out;
  for (const auto& [name, shape] : shapes) out[name] = Tensor<float>(shape);
  return out;
}

std::string millis(double seconds) {
  std::ostringstream os;
  os << std::fixed << std::setprecision(seconds < 0.01 ? 3 : 1) << seconds * 1e3 << " ms";
  return os.str();
}

}  // namespace

RegistryRunner::RegistryRunner(VariantMode mode, std::function<void(const std::string&)> report)
    : mode_(mode), report_(std::move(report)) {}

TensorMap<float> RegistryRunner::run(const std::string& layer, const OpSpec& spec,
                                     const OpParams& params, const TensorMap<float>& inputs) {
  const std::string key =
      layer + "/" + std::string(to_string(spec.direction)) + "/" + inputs.at("x").shape().str();
  const auto it = chosen_.find(key);
  if (it == chosen_.end()) return choose(key, layer, spec, params, inputs);
  ShapeMap shapes;
  for (const auto& [name, t] : inputs) shapes[name] = t.shape();
  TensorMap<float> out = allocate(output_shapes(spec, params, shapes));
  try {
    it->second->run(params, inputs, out);
    return out;
  } catch (const Unsupported& e) {
    if (report_) {
      report_("variant " + it->second->name + " refuses layer " + layer + " now (" + e.what() +
              "); choosing again");
    }
    chosen_.erase(it);
    return choose(key, layer, spec, params, inputs);
  }
}

TensorMap<float> RegistryRunner::choose(const std::string& key, const std::string& layer,
                                        const OpSpec& spec, const OpParams& params,
                                        const TensorMap<float>& inputs) {
  ShapeMap shapes;
  for (const auto& [name, t] : inputs) shapes[name] = t.shape();
  const ShapeMap out_shapes = output_shapes(spec, params, shapes);
  std::vector<const Variant*> candidates = variants_of(spec.name, spec.direction);
  if (candidates.empty()) {
    throw std::invalid_argument("no variant of " + spec.name + " " +
                                std::string(to_string(spec.direction)) + " is registered");
  }
  // The registry lists the reference first; "reference" keeps only it.
  if (mode_ == VariantMode::reference) candidates.erase(candidates.begin() + 1, candidates.end());

  Choice choice;
  choice.layer = layer;
  choice.direction = spec.direction;
  choice.input = inputs.at("x").shape();
  TensorMap<float> best_out;
  const Variant* best = nullptr;
  double best_seconds = std::numeric_limits<double>::infinity();
  for (const Variant* v : candidates) {
    const std::string reason = v->supports(params, shapes);
    if (!reason.empty()) {
      choice.skipped.emplace_back(v->name, reason);
      continue;
    }
    TensorMap<float> out = allocate(out_shapes);
    const auto start = std::chrono::steady_clock::now();
    try {
      v->run(params, inputs, out);
    } catch (const Unsupported& e) {
      choice.skipped.emplace_back(v->name, e.what());
      continue;
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    choice.seconds.emplace_back(v->name, seconds);
    if (seconds < best_seconds) {
      best_seconds = seconds;
      best = v;
      best_out = std::move(out);
    }
  }
  if (best == nullptr) {
    std::string why;
    for (const auto& [name, reason] : choice.skipped) why += "; " + name + ": " + reason;
    throw std::invalid_argument("layer " + layer + ": no variant of " + spec.name + " " +
                                std::string(to_string(spec.direction)) + " supports input " +
                                choice.input.str() + why);
  }
  chosen_[key] = best;
  choice.variant = best->name;
  if (report_ && mode_ == VariantMode::fastest) {
    std::ostringstream os;
    os << std::left << std::setw(9) << layer << std::setw(9) << to_string(spec.direction)
       << std::setw(18) << choice.input.str() << " -> " << best->name << " ("
       << millis(best_seconds) << ")";
    std::string others;
    for (const auto& [name, s] : choice.seconds) {
      if (name != best->name) others += (others.empty() ? "" : ", ") + name + " " + millis(s);
    }
    if (!others.empty()) os << "; also timed: " << others;
    if (!choice.skipped.empty()) os << "; " << choice.skipped.size() << " not applicable";
    report_(os.str());
  }
  choices_.push_back(std::move(choice));
  return best_out;
}

OpRunner<double> reference_runner() {
  return
      [](const std::string&, const OpSpec& spec, const OpParams& params,
         const TensorMap<double>& inputs) { return run_reference<double>(spec, params, inputs); };
}

// ---------------------------------------------------------------------------------------------
// The model.

template <class T>
Model<T>::Model(const nets::Network& net, OpRunner<T> run) : run_(std::move(run)) {
  Shape x = net.input;  // one sample
  for (const nets::Layer& l : net.layers) {
    TrainLayer<T> layer;
    layer.name = l.name;
    const bool weighted = l.type == nets::LayerType::conv2d || l.type == nets::LayerType::linear;
    if (!l.activation.empty() && l.type != nets::LayerType::activation) {
      throw std::invalid_argument("train: layer " + l.name + " has an inline activation (" +
                                  l.activation + "); write it as its own activation layer");
    }
    switch (l.type) {
      case nets::LayerType::conv2d:
        layer.op = "conv2d";
        layer.params = l.conv;
        layer.w = Tensor<T>(Shape{l.out_channels, x[1] / l.conv.groups, l.kernel_h, l.kernel_w});
        break;
      case nets::LayerType::linear:
        layer.op = "linear";
        layer.params = NoParams{};
        if (x.rank() != 2) {
          throw std::invalid_argument("train: layer " + l.name + ": linear needs a flat input " +
                                      "(N, features), not " + x.str() + "; add a flatten layer");
        }
        layer.w = Tensor<T>(Shape{l.out_channels, x[1]});
        break;
      case nets::LayerType::avg_pool2d:
        layer.op = "avg_pool2d";
        layer.params = l.pool;
        break;
      case nets::LayerType::max_pool2d:
        layer.op = "max_pool2d";
        layer.params = l.pool;
        break;
      case nets::LayerType::flatten:
        layer.op = "flatten";
        layer.params = FlattenParams{.start_dim = 1};
        break;
      case nets::LayerType::activation:
        if (l.activation != "sigmoid" && l.activation != "relu" && l.activation != "tanh") {
          throw std::invalid_argument("train: layer " + l.name + ": activation \"" + l.activation +
                                      "\" is not one of: sigmoid, relu, tanh");
        }
        layer.op = l.activation;
        layer.params = NoParams{};
        break;
      default:
        throw std::invalid_argument("train: layer " + l.name + " of type " +
                                    std::string(nets::to_string(l.type)) +
                                    " cannot be trained (conv2d, linear, avg_pool2d, "
                                    "max_pool2d, flatten and activations can)");
    }
    if (weighted && l.bias) layer.b = Tensor<T>(Shape{l.out_channels});
    // The shape module validates the layer and gives the next input shape.
    ShapeMap in{{"x", x}};
    if (weighted) in["w"] = layer.w.shape();
    if (!layer.b.empty()) in["b"] = layer.b.shape();
    try {
      x = output_shapes(find_op(layer.op, Direction::forward), layer.params, in).at("y");
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument("train: layer " + l.name + ": " + e.what());
    }
    layers_.push_back(std::move(layer));
  }
}

template <class T>
void Model<T>::init(std::mt19937_64& rng) {
  for (TrainLayer<T>& l : layers_) {
    if (l.w.empty()) continue;
    const std::int64_t receptive = l.w.rank() == 4 ? l.w.dim(2) * l.w.dim(3) : 1;
    const double fan_in = double(l.w.dim(1) * receptive);
    const double fan_out = double(l.w.dim(0) * receptive);
    const double a = std::sqrt(6.0 / (fan_in + fan_out));
    for (T& v : l.w.values()) v = static_cast<T>(uniform(rng, -a, a));
    const double c = 1.0 / std::sqrt(fan_in);
    for (T& v : l.b.values()) v = static_cast<T>(uniform(rng, -c, c));
  }
}

template <class T>
Tensor<T> Model<T>::forward(const Tensor<T>& x) {
  Tensor<T> h = x;
  for (TrainLayer<T>& l : layers_) {
    TensorMap<T> in{{"x", h}};
    if (!l.w.empty()) in["w"] = l.w;
    if (!l.b.empty()) in["b"] = l.b;
    l.x = h;
    h = run_(l.name, find_op(l.op, Direction::forward), l.params, in).at("y");
    l.y = h;
  }
  return h;
}

template <class T>
Tensor<T> Model<T>::backward(const Tensor<T>& dy) {
  Tensor<T> g = dy;
  for (auto it = layers_.rbegin(); it != layers_.rend(); ++it) {
    TrainLayer<T>& l = *it;
    TensorMap<T> in{{"x", l.x}, {"dy", g}};
    if (!l.w.empty()) in["w"] = l.w;
    if (!l.b.empty()) in["b"] = l.b;
    TensorMap<T> out = run_(l.name, find_op(l.op, Direction::backward), l.params, in);
    if (!l.w.empty()) l.dw = out.at("dw");
    if (!l.b.empty()) l.db = out.at("db");
    g = out.at("dx");
  }
  return g;
}

template <class T>
void Model<T>::sgd_step(double lr) {
  const T step = static_cast<T>(lr);
  for (TrainLayer<T>& l : layers_) {
    for (std::int64_t i = 0; i < l.w.numel(); ++i) l.w[i] -= step * l.dw[i];
    for (std::int64_t i = 0; i < l.b.numel(); ++i) l.b[i] -= step * l.db[i];
  }
}

template <class T>
std::vector<Parameter<T>> Model<T>::parameters() {
  std::vector<Parameter<T>> p;
  for (TrainLayer<T>& l : layers_) {
    if (!l.w.empty()) p.push_back({l.name + ".w", l.w, l.dw});
    if (!l.b.empty()) p.push_back({l.name + ".b", l.b, l.db});
  }
  return p;
}

template <class T>
LossResult<T> softmax_cross_entropy(const Tensor<T>& logits, std::span<const int> labels) {
  if (logits.rank() != 2) {
    throw std::invalid_argument("softmax_cross_entropy: logits " + logits.shape().str() +
                                " are not (N, classes)");
  }
  const std::int64_t n = logits.dim(0), k = logits.dim(1);
  if (static_cast<std::int64_t>(labels.size()) != n) {
    throw std::invalid_argument("softmax_cross_entropy: " + std::to_string(labels.size()) +
                                " labels for logits " + logits.shape().str());
  }
  LossResult<T> r;
  r.grad = Tensor<T>(logits.shape());
  double total = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    const int t = labels[static_cast<std::size_t>(i)];
    if (t < 0 || t >= k) {
      throw std::invalid_argument("softmax_cross_entropy: label " + std::to_string(i) + " is " +
                                  std::to_string(t) + ", not in 0.." + std::to_string(k - 1));
    }
    // [docs:softmax-cross-entropy]
    const T* z = logits.data() + i * k;
    std::int64_t arg = 0;
    for (std::int64_t j = 1; j < k; ++j) {
      if (z[j] > z[arg]) arg = j;
    }
    const double m = double(z[arg]);
    double sum = 0;
    for (std::int64_t j = 0; j < k; ++j) sum += std::exp(double(z[j]) - m);
    const double lse = m + std::log(sum);
    total += lse - double(z[t]);
    if (arg == t) ++r.correct;
    for (std::int64_t j = 0; j < k; ++j) {
      const double p = std::exp(double(z[j]) - lse);
      r.grad[i * k + j] = static_cast<T>((p - (j == t ? 1.0 : 0.0)) / double(n));
    }
    // [docs:end]
  }
  r.loss = total / double(n);
  return r;
}

template class Model<float>;
template class Model<double>;
template LossResult<float> softmax_cross_entropy(const Tensor<float>&, std::span<const int>);
template LossResult<double> softmax_cross_entropy(const Tensor<double>&, std::span<const int>);

}  // namespace convlab::train
