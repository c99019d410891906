#include "tools/verify.hpp"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <limits>
#include <sstream>
#include <stdexcept>

namespace convlab {

Outcome run_variant_on_case(const Variant& variant, const Case& c, bool prepared) {
  Outcome o;
  if (prepared && !variant.prepare) {
    o.reason = variant.name + " has no prepared form";
    return o;
  }
  ShapeMap shapes;
  for (const auto& [name, t] : c.inputs) shapes[name] = t.shape();
  if (std::string why = variant.supports(c.params, shapes); !why.empty()) {
    o.status = Status::skipped;
    o.reason = why;
    return o;
  }
  TensorMap<float> inputs;
  for (const auto& [name, t] : c.inputs) inputs[name] = t.cast<float>();
  TensorMap<float> outputs;
  for (const auto& [name, shape] : output_shapes(*c.spec, c.params, shapes)) {
    outputs[name] = Tensor<float>::full(shape, std::numeric_limits<float>::quiet_NaN());
  }
  try {
    if (prepared) {
      variant.prepare(c.params, inputs)(inputs, outputs);
    } else {
      variant.run(c.params, inputs, outputs);
    }
  } catch (const Unsupported& e) {
    o.status = Status::skipped;
    o.reason = e.what();
    return o;
  } catch (const std::exception& e) {
    o.status = Status::failed;
    o.reason = std::string("the variant threw: ") + e.what();
    o.comparison.passed = false;
    o.comparison.worst_ratio = std::numeric_limits<double>::infinity();
    return o;
  }
  TensorMap<double> actual;
  for (const auto& [name, t] : outputs) actual[name] = t.cast<double>();
  o.outputs = outputs;
  // A variant that is not exact on integers is held to its bound on exact cases too.
  Case held = c;
  if (!variant.exact_on_integers) held.exact = false;
  if (variant.error_scale && !held.exact) {
    const TensorMap<double> scale = variant.error_scale(held.params, held.inputs);
    o.comparison = compare(held, actual, variant.tolerance_factor,
                           std::numeric_limits<float>::epsilon(), &scale);
  } else {
    o.comparison = compare(held, actual, variant.tolerance_factor);
  }
  o.status = o.comparison.passed ? Status::passed : Status::failed;
  o.reason = o.comparison.message;
  return o;
}

std::string describe_failure(const Case& c, const std::string& variant, const Outcome& o) {
  std::ostringstream os;
  os << "FAIL " << c.name << " [" << variant << "]: " << o.reason;
  const CompareResult& r = o.comparison;
  if (!r.bad_tensor.empty()) {
    os << "\n     first bad element: " << r.bad_tensor << "[" << format_index(r.bad_index)
       << "] expected " << std::setprecision(17) << r.expected << ", actual " << r.actual
       << ", allowed error " << std::setprecision(3) << r.allowed;
  }
  os << "\n     case: " << c.dir.string() << " (" << c.provenance << ")";
  return os.str();
}

namespace {

std::string op_key(const Case& c) {
  return c.spec->name + (c.spec->direction == Direction::backward ? " (backward)" : "");
}

void print_table(const VerifyReport& report, std::ostream& out) {
  out << '\n'
      << std::left << std::setw(28) << "op" << std::right << std::setw(8) << "runs" << std::setw(8)
      << "passed" << std::setw(8) << "failed" << std::setw(9) << "skipped" << std::setw(14)
      << "worst err/tol" << '\n';
  for (const auto& [op, s] : report.per_op) {
    out << std::left << std::setw(28) << op << std::right << std::setw(8) << s.cases << std::setw(8)
        << s.passed << std::setw(8) << s.failed << std::setw(9) << s.skipped << std::setw(14)
        << std::setprecision(3) << s.worst_ratio << '\n';
    for (const auto& [variant, skips] : s.skip_reasons) {
      out << "    " << variant << " skipped " << skips.first << " (e.g. " << skips.second << ")\n";
    }
  }
}

}  // namespace

VerifyReport verify(const VerifyOptions& options, const std::vector<const Variant*>& variants,
                    std::ostream& out) {
  if (!options.op.empty()) {
    bool known = false;
    for (const OpSpec& s : all_ops()) known = known || s.name == options.op;
    if (!known) {
      std::string names;
      for (const OpSpec& s : all_ops()) {
        if (names.find(s.name + ",") == std::string::npos) names += s.name + ", ";
      }
      throw std::invalid_argument("--op: unknown op '" + options.op +
                                  "'; known ops: " + names.substr(0, names.size() - 2));
    }
  }
  if (!options.variant.empty() &&
      std::none_of(variants.begin(), variants.end(),
                   [&](const Variant* v) { return v->name == options.variant; })) {
    throw std::invalid_argument("--variant: no registered variant is named '" + options.variant +
                                "' (see `convlab list`)");
  }
  std::vector<std::filesystem::path> roots = options.roots;
  if (roots.empty()) roots.push_back(bundled_corpus_dir());
  const std::vector<std::filesystem::path> dirs = find_cases(roots);

  VerifyReport report;
  std::size_t done = 0;
  for (const auto& dir : dirs) {
    ++done;
    Case c;
    try {
      c = load_case(dir);
    } catch (const std::exception& e) {
      ++report.unreadable;
      ++report.failed;
      out << "FAIL cannot load case: " << e.what() << '\n';
      continue;
    }
    if (!options.op.empty() && c.spec->name != options.op) continue;
    OpSummary& summary = report.per_op[op_key(c)];
    for (const Variant* v : variants) {
      if (v->op != c.spec->name || v->direction != c.spec->direction) continue;
      if (!options.variant.empty() && v->name != options.variant) continue;
      ++summary.cases;
      const Outcome o = run_variant_on_case(*v, c);
      switch (o.status) {
        case Status::passed:
          ++summary.passed;
          ++report.passed;
          if (options.verbose) out << "pass " << c.name << " [" << v->name << "]\n";
          break;
        case Status::failed:
          ++summary.failed;
          ++report.failed;
          out << describe_failure(c, v->name, o) << '\n';
          break;
        case Status::skipped:
          ++summary.skipped;
          ++report.skipped;
          if (auto& skips = summary.skip_reasons[v->name]; skips.first++ == 0) {
            skips.second = o.reason;
          }
          if (options.verbose) {
            out << "skip " << c.name << " [" << v->name << "]: " << o.reason << '\n';
          }
          break;
      }
      if (o.status != Status::skipped && std::isfinite(o.comparison.worst_ratio)) {
        summary.worst_ratio = std::max(summary.worst_ratio, o.comparison.worst_ratio);
      } else if (o.status == Status::failed) {
        summary.worst_ratio = std::numeric_limits<double>::infinity();
      }
    }
    if (done % 100 == 0) out << "... " << done << " of " << dirs.size() << " cases\n";
  }
  print_table(report, out);
  out << report.passed << " passed, " << report.failed << " failed, " << report.skipped
      << " skipped" << std::endl;
  return report;
}

}  // namespace convlab
