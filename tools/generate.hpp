// `convlab generate`: the generated part of the fixture corpus.
//
// Writes one case per edge that an implementation can get wrong (1x1 inputs, a kernel as large
// as the padded input, stride larger than the kernel, large dilation, asymmetric padding,
// groups == channels, channel counts around SIMD widths, ceil_mode windows in the padding,
// count_include_pad both ways, output_padding at its maximum, ...), for every op and every
// parameter the reference supports, forward and backward. Each case lives in
// `<out_root>/<op>/gen_<edge>[_backward]/`, so a reader sees at a glance which cases are
// generated and which come from the documents (`w<n>_doc...`).
//
// How a case is made (the recipe is in each manifest's note, so it can be re-made without
// this code):
//   - its seed is the 32-bit FNV-1a hash of "<op>/<edge>" (so adding a case changes no other
//     case), recorded as provenance `generated:convlab-generate@seed=<n>`; the forward case
//     and its backward twin share the seed and hence the same forward inputs;
//   - inputs are drawn from std::mt19937_64(seed) in the order the table lists them, then dy:
//     reals as lo + (hi - lo) * u with u = (r >> 11) * 2^-53 from one 64-bit draw r (the
//     standard fixes mt19937_64's output but not uniform_real_distribution's, so that is not
//     used), small integers as -3 + r % 7;
//   - expected outputs come from the double reference (run_reference<double>) and are written
//     with 17 significant digits by write_case.
// Cases of small integers are marked tolerance.policy exact: every product, sum and
// power-of-two division is exact in float, so every correct variant must give the values with
// ==. The generator checks that claim by running the reference in float too and refuses to
// write an exact case whose float result differs.
//
// Generation is deterministic: the same bytes on every run.
#pragma once

#include <filesystem>
#include <ostream>

namespace convlab {

// Removes the generated cases under out_root (directories `<op>/gen_*` whose manifest has a
// `generated:convlab-generate@` provenance; nothing else is touched) and writes the whole
// generated corpus again. Logs a per-op summary to `log`. Returns the number of cases written.
// Throws CaseError, std::invalid_argument or std::filesystem::filesystem_error on failure, and
// std::logic_error when a case marked exact is not exact in float.
int generate_corpus(const std::filesystem::path& out_root, std::ostream& log);

}  // namespace convlab
