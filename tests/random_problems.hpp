// Random problems for every op of the op table, for the differential test of every registered
// variant against the double reference (test_registry_random.cpp).
//
// Sizes are drawn from awkward lists (widths 1, 7, 15, 17, 33; channel counts that are not
// multiples of the SIMD width), parameters from every range the reference supports (stride,
// asymmetric and odd padding, dilation, groups and depthwise, ceil_mode, count_include_pad,
// output_padding, padding modes, align_corners, ...). A drawn combination that the shape module
// rejects is drawn again, so every problem is valid.
#pragma once

#include <cstdint>
#include <string>

#include "corpus/corpus.hpp"

namespace convlab::test {

// Problem `index` of op `spec` (forward or backward) as an in-memory case: inputs drawn from
// std::mt19937_64(seed) with seed = problem_seed(spec, index), expected outputs from
// run_reference<double>. Throws std::logic_error for an op without a generator here.
Case random_case(const OpSpec& spec, int index);

// The seed of problem `index`, printed by the tests so a failure can be replayed.
std::uint64_t problem_seed(const OpSpec& spec, int index);

// "conv2d stride_h=2 ... x=[2, 3, 7, 7] w=[...]" for failure messages.
std::string describe_problem(const Case& c);

}  // namespace convlab::test
