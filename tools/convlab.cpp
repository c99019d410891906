// convlab: the command line of the corpus and the registry.
//
//   convlab verify [PATH...]     run every registered implementation on every case
//   convlab check CASE --output  compare your own kernel's output file with a case
//   convlab run OP ...           compute an op with the reference from CSV tensors
//   convlab make-case OP ...     the same, written as a new case of the corpus
//   convlab describe NET         layer table of a network
//   convlab list                 the registry of variants
//   convlab generate [--out DIR]  rewrite the generated cases of the corpus
//
// Errors go to stderr with exit status 1 (2 for a usage error, from CLI11).
#include <CLI/CLI.hpp>

#include <filesystem>
#include <iomanip>
#include <iostream>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "corpus/corpus.hpp"
#include "nets/zoo.hpp"
#include "reference/dispatch.hpp"
#include "tools/commands.hpp"
#include "tools/generate.hpp"
#include "tools/verify.hpp"

namespace fs = std::filesystem;
using namespace convlab;

namespace {

// "name=file" -> {name, file}; a bare "file" takes `default_name`.
std::pair<std::string, std::string> split_named(const std::string& text,
                                                const std::string& default_name,
                                                const std::string& option) {
  const auto eq = text.find('=');
  if (eq == std::string::npos) {
    if (default_name.empty()) {
      throw std::invalid_argument(option + " '" + text + "': expected NAME=FILE");
    }
    return {default_name, text};
  }
  if (eq == 0 || eq + 1 == text.size()) {
    throw std::invalid_argument(option + " '" + text + "': expected NAME=FILE");
  }
  return {text.substr(0, eq), text.substr(eq + 1)};
}

// What `run` and `make-case` share: an op, its parameters and its input tensors from files.
struct OpInvocation {
  std::string op;
  bool backward = false;
  std::string input, weight, bias;
  std::vector<std::string> tensors;  // NAME=FILE
  std::vector<std::string> params;   // KEY=VALUE

  void add_options(CLI::App* cmd) {
    cmd->add_option("op", op, "the operation, e.g. conv2d, max_pool2d, linear (see `convlab list`)")
        ->required();
    cmd->add_flag("--backward", backward,
                  "the backward pass (inputs then include dy, the gradient of the output)");
    cmd->add_option("--input,-x", input, "input tensor x (CSV: index,value)");
    cmd->add_option("--weight,-w", weight, "weight tensor w");
    cmd->add_option("--bias,-b", bias, "bias tensor b");
    cmd->add_option("--tensor,-t", tensors, "any other input as NAME=FILE (e.g. dy=grad.csv)");
    cmd->add_option("--param,-p", params,
                    "a parameter as KEY=VALUE, repeatable (e.g. -p stride_h=2 -p pad_top=1); "
                    "unset parameters keep their defaults, listed by `convlab list --op OP`");
  }

  const OpSpec& spec() const {
    return find_op(op, backward ? Direction::backward : Direction::forward);
  }

  OpParams parsed_params() const {
    OpParams p = spec().default_params;
    for (const std::string& kv : params) {
      const auto [key, value] = split_named(kv, "", "--param");
      set_param(op, p, key, value);
    }
    return p;
  }

  TensorMap<double> read_inputs() const {
    TensorMap<double> in;
    const auto add = [&](const std::string& name, const std::string& file) {
      if (file.empty()) return;
      if (in.count(name)) throw std::invalid_argument("tensor '" + name + "' given twice");
      in[name] = read_tensor_csv(file);
    };
    add("x", input);
    add("w", weight);
    add("b", bias);
    for (const std::string& nt : tensors) {
      const auto [name, file] = split_named(nt, "", "--tensor");
      add(name, file);
    }
    return in;
  }
};

int cmd_verify(const VerifyOptions& options) {
  std::vector<const Variant*> variants;
  for (const Variant& v : registry()) variants.push_back(&v);
  const VerifyReport report = verify(options, variants, std::cout);
  return report.failed == 0 ? 0 : 1;
}

int cmd_check(const fs::path& case_dir, const std::vector<std::string>& outputs, double factor) {
  const Case c = load_case(case_dir);
  std::string primary;
  for (const TensorSpec& t : c.spec->outputs) {
    if (c.expected.count(t.name)) {
      primary = t.name;
      break;
    }
  }
  TensorMap<double> actual;
  for (const std::string& o : outputs) {
    const auto [name, file] = split_named(o, primary, "--output");
    actual[name] = read_tensor_csv(file);
  }
  const CompareResult r = compare(c, actual, factor);
  Outcome outcome;
  outcome.status = r.passed ? Status::passed : Status::failed;
  outcome.reason = r.message;
  outcome.comparison = r;
  if (r.passed) {
    std::cout << "PASS " << c.name << ": " << r.message << "\n";
  } else {
    std::cout << describe_failure(c, "your output", outcome) << "\n";
  }
  std::cout << "worst error / allowed: " << std::setprecision(3) << r.worst_ratio << " over "
            << r.compared << " elements\n"
            << (r.passed ? 1 : 0) << " passed, " << (r.passed ? 0 : 1) << " failed, 0 skipped\n";
  return r.passed ? 0 : 1;
}

int cmd_run(const OpInvocation& inv, const fs::path& out) {
  const TensorMap<double> inputs = inv.read_inputs();
  const TensorMap<double> outputs = run_reference<double>(inv.spec(), inv.parsed_params(), inputs);
  // The first output of the op goes to --out; any other output beside it as <stem>_<name>.csv.
  bool first = true;
  for (const TensorSpec& t : inv.spec().outputs) {
    const auto it = outputs.find(t.name);
    if (it == outputs.end()) continue;
    fs::path file = out;
    if (!first) file.replace_filename(out.stem().string() + "_" + t.name + ".csv");
    write_tensor_csv(file, it->second);
    std::cout << "wrote " << t.name << " " << format_shape(it->second.shape()) << " to "
              << file.string() << "\n";
    first = false;
  }
  return 0;
}

int cmd_make_case(const OpInvocation& inv, const fs::path& dir, const std::string& description,
                  const std::string& provenance, double abs_tol, const std::string& reason) {
  Case c;
  c.spec = &inv.spec();
  c.params = inv.parsed_params();
  c.inputs = inv.read_inputs();
  c.expected = run_reference<double>(*c.spec, c.params, c.inputs);
  c.abs_tol = abs_tol;
  c.exact = false;
  c.tolerance_reason = reason;
  c.provenance = provenance;
  c.description = description;
  write_case(c, dir);
  std::cout << "wrote case " << dir.string() << " (" << c.spec->name << ", " << c.expected.size()
            << " output tensor(s))\n";
  return 0;
}

int cmd_describe(const std::string& net, bool csv) {
  const nets::LayerTable table = nets::describe(nets::make_network(net));
  std::cout << (csv ? nets::render_csv(table) : nets::render_text(table));
  return 0;
}

std::string join_names(const std::vector<std::string>& names) {
  std::string s;
  for (const auto& n : names) s += (s.empty() ? "" : "|") + n;
  return s;
}

int cmd_list(const std::string& op) {
  if (!op.empty()) find_op(op, Direction::forward);  // throws for an unknown op
  std::cout << std::left << std::setw(25) << "op" << std::setw(42) << "variant" << std::setw(36)
            << "parent"
            << "tolerance factor / description\n";
  for (const Variant& v : registry()) {
    if (!op.empty() && v.op != op) continue;
    const std::string op_name = v.op + (v.direction == Direction::backward ? " (bwd)" : "");
    std::cout << std::left << std::setw(25) << op_name << std::setw(42) << v.name << std::setw(36)
              << (v.parent.empty() ? "-" : v.parent) << v.tolerance_factor << "  " << v.description
              << "\n";
  }
  if (!op.empty()) {
    const OpSpec& spec = find_op(op, Direction::forward);
    std::cout << "\n" << op << ": " << spec.summary << "\nparameters (defaults):";
    for (const auto& [key, value] : param_entries(spec.default_params)) {
      std::cout << " " << key << "=" << value;
    }
    std::cout << "\ninputs:";
    for (const TensorSpec& t : spec.inputs) {
      std::cout << "\n  " << t.name << (t.optional ? " (optional)" : "") << ": " << t.meaning;
    }
    std::cout << "\n";
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "convlab: reference CNN kernels, their optimized variants and a verified test corpus.\n"
      "Every command prints --help with an example."};
  app.require_subcommand(1);
  app.footer("Start with:  convlab verify      (checks every implementation on the corpus)");

  VerifyOptions vopt;
  auto* verify_cmd = app.add_subcommand(
      "verify", "Run every registered implementation of each case's op on every case");
  verify_cmd->add_option("paths", vopt.roots,
                         "case directories or folders holding cases (default: the bundled "
                         "fixtures/)");
  verify_cmd->add_option("--op", vopt.op, "only cases of this op (e.g. conv2d)");
  verify_cmd->add_option("--variant", vopt.variant, "only this variant (see `convlab list`)");
  verify_cmd->add_flag("--verbose,-v", vopt.verbose, "print every pass and skip too");
  verify_cmd->footer(
      "Example:\n  convlab verify fixtures/conv2d --variant conv2d_reference\n"
      "The last line is 'N passed, M failed, K skipped'; the exit status is 1 on any failure.");

  fs::path check_case;
  std::vector<std::string> check_outputs;
  double check_factor = 4;
  auto* check_cmd = app.add_subcommand(
      "check",
      "Compare the output of your own kernel (any language) with a case's expected "
      "output");
  check_cmd->add_option("case", check_case, "the case directory")->required();
  check_cmd
      ->add_option("--output,-o", check_outputs,
                   "your output as a CSV tensor file (index,value); NAME=FILE for ops with "
                   "several outputs (e.g. indices=idx.csv)")
      ->required();
  check_cmd
      ->add_option("--factor", check_factor,
                   "tolerance factor of the bound abs + factor * eps(float) * K * M "
                   "(DESIGN.md: 1-4 for direct and GEMM kernels)")
      ->capture_default_str();
  check_cmd->footer(
      "Example:\n  convlab check fixtures/conv2d/w24_doc003_stride2 --output my_y.csv\n"
      "Write your output in the case's tensor format: a header 'index,value', then one row per "
      "element in row-major order, index as colon-separated coordinates (0:0:1:1).");

  OpInvocation run_inv;
  fs::path run_out;
  auto* run_cmd =
      app.add_subcommand("run", "Compute an operation with the double-precision reference");
  run_inv.add_options(run_cmd);
  run_cmd
      ->add_option("--out,-o", run_out,
                   "output file for the op's first output; further "
                   "outputs go beside it as <stem>_<name>.csv")
      ->required();
  run_cmd->footer(
      "Example:\n  convlab run conv2d -x x.csv -w w.csv -p stride_h=2 -p stride_w=2 -o y.csv");

  OpInvocation make_inv;
  fs::path make_dir;
  std::string make_description, make_provenance,
      make_reason =
          "generated by the double reference; compare with the DESIGN.md dot-product bound";
  double make_abs = 0;
  auto* make_cmd = app.add_subcommand(
      "make-case", "Compute an operation with the reference and write it as a new corpus case");
  make_inv.add_options(make_cmd);
  make_cmd
      ->add_option("--case-dir", make_dir,
                   "where to write the case (e.g. "
                   "fixtures/conv2d/my_edge_case)")
      ->required();
  make_cmd->add_option("--description", make_description, "one line: what the case exercises")
      ->required();
  make_cmd
      ->add_option("--provenance", make_provenance,
                   "doc:<seed file>#W<n>, derived:<from which case, how> or "
                   "generated:<generator>@seed=<n>")
      ->required();
  make_cmd->add_option("--abs-tol", make_abs, "absolute part of the tolerance")
      ->capture_default_str();
  make_cmd->add_option("--tolerance-reason", make_reason, "why that tolerance")
      ->capture_default_str();
  make_cmd->footer(
      "Example:\n  convlab make-case conv2d -x x.csv -w w.csv -p pad_top=1 --case-dir "
      "fixtures/conv2d/my_case --description 'pad top only' --provenance derived:by-hand");

  std::string net;
  bool describe_csv = false;
  auto* describe_cmd = app.add_subcommand(
      "describe", "Layer table of a network: output shapes, parameters, MACs, receptive field");
  describe_cmd->add_option("network", net, "one of: " + join_names(nets::network_names()))
      ->required();
  describe_cmd->add_flag("--csv", describe_csv, "CSV instead of an aligned table");
  describe_cmd->footer("Example:\n  convlab describe lenet5");

  std::string list_op;
  auto* list_cmd = app.add_subcommand("list", "The registry: every variant of every op");
  list_cmd->add_option("--op", list_op, "only this op, with its parameters and tensors");
  list_cmd->footer("Example:\n  convlab list --op conv2d");

  fs::path generate_out;
  auto* generate_cmd = app.add_subcommand(
      "generate", "Rewrite the generated corpus cases (gen_*) with the double reference");
  generate_cmd->add_option("--out", generate_out,
                           "the corpus folder to write into (default: the bundled fixtures/); "
                           "its old gen_* cases are removed first");
  generate_cmd->footer(
      "Example:\n  convlab generate --out /tmp/corpus\n"
      "Deterministic: the same bytes on every run (seeds are recorded in each manifest).");

  // Subcommands defined in their own files (tools/commands.hpp), one line each.
  const std::vector<Command> commands = {add_docs_command(app), add_learn_edge_command(app),
                                         add_train_command(app), add_plot_command(app)};

  CLI11_PARSE(app, argc, argv);

  try {
    if (*verify_cmd) return cmd_verify(vopt);
    if (*check_cmd) return cmd_check(check_case, check_outputs, check_factor);
    if (*run_cmd) return cmd_run(run_inv, run_out);
    if (*make_cmd) {
      return cmd_make_case(make_inv, make_dir, make_description, make_provenance, make_abs,
                           make_reason);
    }
    if (*describe_cmd) return cmd_describe(net, describe_csv);
    if (*list_cmd) return cmd_list(list_op);
    for (const Command& c : commands) {
      if (*c.app) return c.run();
    }
    if (*generate_cmd) {
      generate_corpus(generate_out.empty() ? bundled_corpus_dir() : generate_out, std::cout);
      return 0;
    }
  } catch (const std::exception& e) {
    std::cerr << "convlab: error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
