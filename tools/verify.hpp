// Running registered variants on corpus cases: the engine behind `convlab verify`, `convlab
// check` and the corpus tests. One function decides pass, fail or skip, so the command line
// and the tests cannot disagree.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "corpus/corpus.hpp"
#include "kernels/registry.hpp"

namespace convlab {

enum class Status { passed, failed, skipped };

struct Outcome {
  Status status = Status::skipped;
  std::string reason;  // why it was skipped, or what failed
  CompareResult comparison;
  TensorMap<float> outputs;  // what the variant wrote (empty when it was skipped or threw)
};

// Runs `variant` on case `c`: asks supports() (a refusal is a skip with its reason), converts
// the inputs to float, allocates every output filled with NaN, runs, and compares with the
// case's expected outputs using the variant's tolerance factor. An exception thrown by the
// variant is a failure that quotes it. prepared: run through variant.prepare (its weights
// prepared from this case's inputs) instead of variant.run; a variant without prepare skips.
Outcome run_variant_on_case(const Variant& variant, const Case& c, bool prepared = false);

// Per-op totals of a verification run.
struct OpSummary {
  std::int64_t cases = 0, passed = 0, failed = 0, skipped = 0;
  double worst_ratio = 0;  // worst |error| / allowed over the passing and failing comparisons
  // Per variant: how many cases it skipped and the reason it gave for the first of them
  // (`verify --verbose` prints every skip with its reason).
  std::map<std::string, std::pair<std::int64_t, std::string>> skip_reasons;
};

struct VerifyOptions {
  std::vector<std::filesystem::path> roots;  // empty: the bundled corpus
  std::string op;                            // "" = every op
  std::string variant;                       // "" = every registered variant
  bool verbose = false;                      // print every outcome, not only failures
};

struct VerifyReport {
  std::map<std::string, OpSummary> per_op;  // key "<op>" or "<op> (backward)"
  std::int64_t passed = 0, failed = 0, skipped = 0;
  std::int64_t unreadable = 0;  // cases that failed to load (counted as failures)
};

// Loads every case under the roots and runs every matching variant on it, printing progress,
// failure reports and the per-op table to `out`, and the final line
// "N passed, M failed, K skipped". Throws std::invalid_argument for an unknown op or variant.
VerifyReport verify(const VerifyOptions& options, const std::vector<const Variant*>& variants,
                    std::ostream& out);

// A failure report: case, variant, first bad tensor and index, expected, actual, allowed.
std::string describe_failure(const Case& c, const std::string& variant, const Outcome& o);

}  // namespace convlab
