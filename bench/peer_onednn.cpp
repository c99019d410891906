// oneDNN peers (see peers.cpp), through the oneDNN 2.x C++ API (dnnl.hpp):
//   conv2d      convolution_forward, forward_inference, source/weights/destination with
//               format_tag::any (oneDNN picks its blocked layouts) and an f32 bias;
//   max_pool2d, avg_pool2d   pooling_forward, forward_inference (no workspace);
//   linear      inner_product_forward, forward_inference.
// `onednn` times the primitive alone on data already reordered into oneDNN's layouts;
// `onednn_with_reorders` adds the reorders from NCHW input and OIHW weights and back to NCHW
// output (each only where the layout differs). For conv2d the algorithm is the faster of
// convolution_direct and convolution_winograd (where oneDNN implements Winograd: 3x3, stride 1,
// and its own conditions), decided once per problem by timing a few runs of each; the label
// says which, with oneDNN's implementation name (primitive_desc::impl_info_str()).
#include <oneapi/dnnl/dnnl.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <optional>

#include "bench/bench_common.hpp"
#include "core/shape.hpp"

namespace convlab::bench {

std::string onednn_version() {
  const dnnl::version_t* v = dnnl::version();
  return std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->patch);
}

namespace {

using dnnl::memory;
using tag = memory::format_tag;
using dt = memory::data_type;

dnnl::engine& engine() {
  static dnnl::engine e(dnnl::engine::kind::cpu, 0);
  return e;
}
dnnl::stream& stream() {
  static dnnl::stream s(engine());
  return s;
}

memory::dims dims_of(const Shape& s) {
  memory::dims d;
  for (int i = 0; i < s.rank(); ++i) d.push_back(s[i]);
  return d;
}

// A primitive with its arguments in oneDNN's chosen layouts, and the user's NCHW tensors.
struct Prepared {
  dnnl::primitive prim;
  std::string impl;
  std::unordered_map<int, memory> args;  // in oneDNN's layouts
  // (user memory, primitive memory) pairs to reorder before and after the primitive.
  std::vector<std::pair<memory, memory>> before, after;
  std::vector<dnnl::reorder> before_r, after_r;
  std::shared_ptr<TensorMap<float>> out;  // keeps the user output alive

  void run() {
    prim.execute(stream(), args);
    stream().wait();
  }
  void run_with_reorders() {
    for (std::size_t i = 0; i < before.size(); ++i) {
      before_r[i].execute(stream(), before[i].first, before[i].second);
    }
    prim.execute(stream(), args);
    for (std::size_t i = 0; i < after.size(); ++i) {
      after_r[i].execute(stream(), after[i].first, after[i].second);
    }
    stream().wait();
  }
};

// Binds argument `arg`: user memory over our tensor's storage (layout `user`), and the
// primitive's memory in `wanted` (the same memory when the layouts agree). Input values are
// reordered once now, so `onednn` computes on the real data.
void bind(Prepared& prep, int arg, const memory::desc& wanted, const memory::desc& user_desc,
          float* data, bool is_output) {
  memory user(user_desc, engine(), data);
  if (wanted == user_desc) {
    prep.args[arg] = user;
    return;
  }
  memory inner(wanted, engine());
  prep.args[arg] = inner;
  if (is_output) {
    prep.after.emplace_back(inner, user);
    prep.after_r.emplace_back(inner, user);
  } else {
    dnnl::reorder(user, inner).execute(stream(), user, inner);
    stream().wait();
    prep.before.emplace_back(user, inner);
    prep.before_r.emplace_back(user, inner);
  }
}

std::optional<dnnl::convolution_forward::primitive_desc> conv_pd(const Problem& p,
                                                                 dnnl::algorithm alg) {
  const Conv2dParams& cp = std::get<Conv2dParams>(p.params);
  const Shape x = p.inputs.at("x"), w = p.inputs.at("w"), y = p.outputs.at("y");
  memory::dims wd = dims_of(w);
  if (cp.groups > 1) wd = {cp.groups, w[0] / cp.groups, w[1], w[2], w[3]};
  const memory::desc src(dims_of(x), dt::f32, tag::any), wei(wd, dt::f32, tag::any),
      bias({w[0]}, dt::f32, tag::x), dst(dims_of(y), dt::f32, tag::any);
  try {
    dnnl::convolution_forward::desc d(dnnl::prop_kind::forward_inference, alg, src, wei, bias, dst,
                                      {cp.stride_h, cp.stride_w},
                                      {cp.dilation_h - 1, cp.dilation_w - 1},
                                      {cp.pad_top, cp.pad_left}, {cp.pad_bottom, cp.pad_right});
    return dnnl::convolution_forward::primitive_desc(d, engine());
  } catch (const dnnl::error&) {
    return std::nullopt;  // this algorithm is not implemented for this problem
  }
}

std::shared_ptr<Prepared> prepare_conv(const Problem& p,
                                       const dnnl::convolution_forward::primitive_desc& pd,
                                       const std::string& alg_name) {
  auto prep = std::make_shared<Prepared>();
  const TensorMap<float>& in = problem_inputs(p);
  prep->out = std::make_shared<TensorMap<float>>(problem_outputs(p));
  const Conv2dParams& cp = std::get<Conv2dParams>(p.params);
  const Shape w = p.inputs.at("w");
  memory::dims wd = dims_of(w);
  if (cp.groups > 1) wd = {cp.groups, w[0] / cp.groups, w[1], w[2], w[3]};
  bind(*prep, DNNL_ARG_SRC, pd.src_desc(),
       memory::desc(dims_of(p.inputs.at("x")), dt::f32, tag::nchw),
       const_cast<float*>(in.at("x").data()), false);
  bind(*prep, DNNL_ARG_WEIGHTS, pd.weights_desc(),
       memory::desc(wd, dt::f32, cp.groups > 1 ? tag::goihw : tag::oihw),
       const_cast<float*>(in.at("w").data()), false);
  bind(*prep, DNNL_ARG_BIAS, pd.bias_desc(), memory::desc({w[0]}, dt::f32, tag::x),
       const_cast<float*>(in.at("b").data()), false);
  bind(*prep, DNNL_ARG_DST, pd.dst_desc(),
       memory::desc(dims_of(p.outputs.at("y")), dt::f32, tag::nchw), prep->out->at("y").data(),
       true);
  prep->prim = dnnl::convolution_forward(pd);
  prep->impl = alg_name + " " + pd.impl_info_str();
  return prep;
}

double best_seconds(Prepared& prep, int runs) {
  double best = 1e300;
  prep.run();  // warm-up
  for (int i = 0; i < runs; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    prep.run();
    best = std::min(best,
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  return best;
}

// The faster algorithm of a conv2d problem, decided once (same choice for every repetition
// and for onednn_with_reorders).
dnnl::algorithm faster_algorithm(const Problem& p) {
  static std::map<const Problem*, dnnl::algorithm> chosen;
  const auto it = chosen.find(&p);
  if (it != chosen.end()) return it->second;
  dnnl::algorithm best = dnnl::algorithm::convolution_direct;
  if (auto wino = conv_pd(p, dnnl::algorithm::convolution_winograd)) {
    auto direct = conv_pd(p, dnnl::algorithm::convolution_direct);
    if (!direct) {
      best = dnnl::algorithm::convolution_winograd;
    } else {
      auto a = prepare_conv(p, *direct, "direct"), b = prepare_conv(p, *wino, "winograd");
      if (best_seconds(*b, 5) < best_seconds(*a, 5)) best = dnnl::algorithm::convolution_winograd;
    }
  }
  chosen[&p] = best;
  return best;
}

std::string alg_name(dnnl::algorithm a) {
  return a == dnnl::algorithm::convolution_winograd ? "winograd" : "direct";
}

void register_conv2d(const Problem& p) {
  const Conv2dParams& cp = std::get<Conv2dParams>(p.params);
  if (cp.padding_mode != PaddingMode::zeros) return;
  for (const bool reorders : {false, true}) {
    register_problem_benchmark(
        p, reorders ? "onednn_with_reorders" : "onednn",
        [&p, reorders](benchmark::State& state) -> Body {
          const dnnl::algorithm a = faster_algorithm(p);
          const auto pd = conv_pd(p, a);
          if (!pd) {
            state.SkipWithError("oneDNN has no convolution for this problem");
            return {};
          }
          auto prep = prepare_conv(p, *pd, alg_name(a));
          state.SetLabel(prep->impl);
          if (reorders) return [prep] { prep->run_with_reorders(); };
          return [prep] { prep->run(); };
        },
        false);
  }
  if (!options().onednn_algorithms) return;
  for (const dnnl::algorithm a :
       {dnnl::algorithm::convolution_direct, dnnl::algorithm::convolution_winograd}) {
    if (!conv_pd(p, a)) continue;
    register_problem_benchmark(
        p, "onednn_" + alg_name(a),
        [&p, a](benchmark::State& state) -> Body {
          auto prep = prepare_conv(p, *conv_pd(p, a), alg_name(a));
          state.SetLabel(prep->impl);
          return [prep] { prep->run(); };
        },
        false);
  }
}

std::optional<dnnl::pooling_forward::primitive_desc> pool_pd(const Problem& p) {
  const Pool2dParams& pp = std::get<Pool2dParams>(p.params);
  if (pp.dilation_h != 1 || pp.dilation_w != 1) return std::nullopt;
  const Shape x = p.inputs.at("x"), y = p.outputs.at("y");
  const dnnl::algorithm alg = p.op == "max_pool2d"   ? dnnl::algorithm::pooling_max
                              : pp.count_include_pad ? dnnl::algorithm::pooling_avg_include_padding
                                                     : dnnl::algorithm::pooling_avg_exclude_padding;
  // ceil_mode: the right/bottom padding that makes oneDNN's floor formula give our size.
  const std::int64_t pb = (y[2] - 1) * pp.stride_h + pp.kernel_h - x[2] - pp.pad_top;
  const std::int64_t pr = (y[3] - 1) * pp.stride_w + pp.kernel_w - x[3] - pp.pad_left;
  if (pp.ceil_mode && p.op == "avg_pool2d") return std::nullopt;  // divisors would differ
  try {
    dnnl::pooling_forward::desc d(
        dnnl::prop_kind::forward_inference, alg, memory::desc(dims_of(x), dt::f32, tag::nchw),
        memory::desc(dims_of(y), dt::f32, tag::any), {pp.stride_h, pp.stride_w},
        {pp.kernel_h, pp.kernel_w}, {pp.pad_top, pp.pad_left}, {pb, pr});
    return dnnl::pooling_forward::primitive_desc(d, engine());
  } catch (const dnnl::error&) {
    return std::nullopt;
  }
}

void register_pool(const Problem& p) {
  if (!pool_pd(p)) return;
  for (const bool reorders : {false, true}) {
    register_problem_benchmark(
        p, reorders ? "onednn_with_reorders" : "onednn",
        [&p, reorders](benchmark::State& state) -> Body {
          const auto pd = *pool_pd(p);
          auto prep = std::make_shared<Prepared>();
          const TensorMap<float>& in = problem_inputs(p);
          prep->out = std::make_shared<TensorMap<float>>(problem_outputs(p));
          // The source is given as NCHW (a pooling layer reads what the previous layer
          // wrote); oneDNN chooses the destination layout.
          bind(*prep, DNNL_ARG_SRC, pd.src_desc(), pd.src_desc(),
               const_cast<float*>(in.at("x").data()), false);
          bind(*prep, DNNL_ARG_DST, pd.dst_desc(),
               memory::desc(dims_of(p.outputs.at("y")), dt::f32, tag::nchw),
               prep->out->at("y").data(), true);
          prep->prim = dnnl::pooling_forward(pd);
          prep->impl = pd.impl_info_str();
          state.SetLabel(prep->impl);
          if (reorders) return [prep] { prep->run_with_reorders(); };
          return [prep] { prep->run(); };
        },
        false);
  }
}

void register_linear(const Problem& p) {
  register_problem_benchmark(
      p, "onednn",
      [&p](benchmark::State& state) -> Body {
        const Shape x = p.inputs.at("x"), w = p.inputs.at("w"), y = p.outputs.at("y");
        dnnl::inner_product_forward::desc d(
            dnnl::prop_kind::forward_inference, memory::desc(dims_of(x), dt::f32, tag::any),
            memory::desc(dims_of(w), dt::f32, tag::any), memory::desc({w[0]}, dt::f32, tag::x),
            memory::desc(dims_of(y), dt::f32, tag::any));
        const dnnl::inner_product_forward::primitive_desc pd(d, engine());
        auto prep = std::make_shared<Prepared>();
        const TensorMap<float>& in = problem_inputs(p);
        prep->out = std::make_shared<TensorMap<float>>(problem_outputs(p));
        bind(*prep, DNNL_ARG_SRC, pd.src_desc(), memory::desc(dims_of(x), dt::f32, tag::nc),
             const_cast<float*>(in.at("x").data()), false);
        bind(*prep, DNNL_ARG_WEIGHTS, pd.weights_desc(), memory::desc(dims_of(w), dt::f32, tag::oi),
             const_cast<float*>(in.at("w").data()), false);
        bind(*prep, DNNL_ARG_BIAS, pd.bias_desc(), memory::desc({w[0]}, dt::f32, tag::x),
             const_cast<float*>(in.at("b").data()), false);
        bind(*prep, DNNL_ARG_DST, pd.dst_desc(), memory::desc(dims_of(y), dt::f32, tag::nc),
             prep->out->at("y").data(), true);
        prep->prim = dnnl::inner_product_forward(pd);
        prep->impl = pd.impl_info_str();
        state.SetLabel(prep->impl);
        return [prep] { prep->run(); };
      },
      false);
}

}  // namespace

void register_onednn(const Problem& p) {
  if (p.direction != Direction::forward) return;
  if (p.op == "conv2d") register_conv2d(p);
  if (p.op == "max_pool2d" || p.op == "avg_pool2d") register_pool(p);
  if (p.op == "linear") register_linear(p);
}

}  // namespace convlab::bench
