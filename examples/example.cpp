#include "examples/example.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <limits>
#include <sstream>
#include <vector>

#include "kernels/registry.hpp"

namespace convlab::examples {

namespace fs = std::filesystem;

fs::path data_dir(int argc, char** argv, std::string_view what, std::string_view probe,
                  std::string_view example_arg) {
  const std::string program = argc > 0 ? fs::path(argv[0]).filename().string() : "example";
  std::ostringstream problem;
  if (argc != 2) {
    problem << "expected one argument, got " << std::max(argc - 1, 0);
  } else if (!fs::is_directory(argv[1])) {
    problem << "'" << argv[1] << "' is not a directory";
  } else if (!fs::exists(fs::path(argv[1]) / probe)) {
    problem << "'" << argv[1] << "' holds no '" << probe << "': is it the right folder?";
  } else {
    return argv[1];
  }
  std::cerr << program << ": " << problem.str() << "\n"
            << "usage: " << program << " " << what << "\n"
            << "  e.g., from the root of the convlab sources: build/release/examples/" << program
            << " " << example_arg << "\n";
  std::exit(2);
}

fs::path fixtures_dir(int argc, char** argv) {
  return data_dir(argc, argv, "FIXTURES_DIR (the fixtures/ folder of the convlab sources)",
                  "conv2d", "fixtures");
}

Case load_example(const fs::path& fixtures, std::string_view name) {
  try {
    Case c = load_case(fixtures / name);
    std::cout << "== " << c.name << " (" << c.provenance << ")\n" << c.description << "\n\n";
    return c;
  } catch (const CaseError& e) {
    std::cerr << "cannot load the worked example " << name << ": " << e.what() << "\n";
    std::exit(2);
  }
}

namespace {

// At most `decimals` decimals, trailing zeros dropped: 19, -0.4059, 0.5.
std::string format_value(double v, int decimals) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, v);
  std::string s = text;
  if (s.find('.') != std::string::npos) {
    s.erase(s.find_last_not_of('0') + 1);
    if (s.back() == '.') s.pop_back();
  }
  return s == "-0" ? "0" : s;
}

}  // namespace

void print_tensor(std::string_view label, const Tensor<double>& t, int decimals) {
  if (t.empty()) {
    std::cout << "# " << label << ": absent\n\n";
    return;
  }
  std::cout << "# " << label << ": " << format_shape(t.shape()) << "\n";
  const int rank = t.rank();
  const std::int64_t cols = t.dim(rank - 1);
  const std::int64_t rows = rank >= 2 ? t.dim(rank - 2) : 1;
  const std::int64_t per_matrix = rows * cols;
  for (std::int64_t first = 0; per_matrix > 0 && first < t.numel(); first += per_matrix) {
    // The leading indices of this matrix, e.g. [n,c] of an (N, C, H, W) tensor.
    std::string index;
    for (std::int64_t d = rank - 3, rest = first / per_matrix; d >= 0; --d) {
      index =
          std::to_string(rest % t.dim(static_cast<int>(d))) + (index.empty() ? "" : ",") + index;
      rest /= t.dim(static_cast<int>(d));
    }
    if (first > 0) std::cout << "\n";
    std::cout << label << (rank > 2 ? "[" + index + "]" : "") << " =\n";
    std::vector<std::string> cells;
    std::size_t width = 0;
    for (std::int64_t i = 0; i < per_matrix; ++i) {
      cells.push_back(format_value(t[first + i], decimals));
      width = std::max(width, cells.back().size());
    }
    for (std::int64_t r = 0; r < rows; ++r) {
      std::cout << " ";
      for (std::int64_t col = 0; col < cols; ++col) {
        const std::string& cell = cells[static_cast<std::size_t>(r * cols + col)];
        std::cout << " " << std::string(width - cell.size(), ' ') << cell;
      }
      std::cout << "\n";
    }
  }
  std::cout << "\n";
}

void print_tensor(std::string_view label, const Tensor<float>& t, int decimals) {
  print_tensor(label, t.cast<double>(), decimals);
}

bool Checks::record(bool ok, const std::string& line) {
  ++checks_;
  if (!ok) ++failed_;
  std::cout << (ok ? "check: " : "check FAILED: ") << line << "\n";
  return ok;
}

bool Checks::expect(const Case& c, const TensorMap<double>& actual) {
  const CompareResult r = compare(c, actual, 1, std::numeric_limits<double>::epsilon());
  return record(r.passed, c.name + ": " + r.message);
}

Outcome Checks::expect_variant(const Case& c, std::string_view variant_name, bool must_run) {
  const Variant* v = find_variant(variant_name);
  if (v == nullptr) {
    record(false, "no registered variant is named " + std::string(variant_name));
    return {};
  }
  Outcome o = run_variant_on_case(*v, c);
  const std::string what = v->name + " on " + c.name + ": ";
  if (o.status == Status::skipped && !must_run) {
    std::cout << "skipped: " << what << o.reason << "\n";
  } else if (o.status == Status::skipped) {
    record(false, what + "does not run here: " + o.reason);
  } else {
    char largest[32];
    std::snprintf(largest, sizeof largest, "%.2g", o.comparison.worst_abs_error);
    record(o.status == Status::passed, what + o.reason + " (largest |error| " + largest + ")");
  }
  return o;
}

bool Checks::expect(bool ok, std::string_view what) {
  return record(ok, std::string(what));
}

int Checks::exit_code() const {
  if (checks_ == 0) {
    std::cout << "FAILED: the example checked nothing\n";
    return 1;
  }
  if (failed_ == 0) {
    std::cout << "all checks passed (" << checks_ << " of " << checks_ << ")\n";
    return 0;
  }
  std::cout << "FAILED: " << failed_ << " of " << checks_ << " checks\n";
  return 1;
}

}  // namespace convlab::examples
