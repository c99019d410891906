// Random numbers whose values are fixed by this file alone.
//
// std::mt19937_64 is fully specified by the C++ standard (the same seed gives the same 64-bit
// numbers everywhere), but std::uniform_real_distribution, std::uniform_int_distribution and
// std::shuffle are not: each standard library may turn those numbers into different values. So
// training draws its initial weights and its shuffles through the functions below, and a run is
// the same on every compiler and library for a given seed.
#pragma once

#include <cstdint>
#include <random>
#include <span>
#include <utility>

namespace convlab::train {

// Uniform in [0, 1): the top 53 bits of one draw, times 2^-53 (every value a multiple of 2^-53).
inline double uniform01(std::mt19937_64& rng) {
  return static_cast<double>(rng() >> 11) * 0x1.0p-53;
}

// Uniform in [lo, hi).
inline double uniform(std::mt19937_64& rng, double lo, double hi) {
  return lo + (hi - lo) * uniform01(rng);
}

// An integer in [0, n), n >= 1, by Lemire's multiply-shift: the high 64 bits of draw * n. The
// bias is at most n / 2^64 (below 1e-13 for a data set of 60,000 images), which does not matter
// for shuffling and keeps one draw per call.
inline std::uint64_t uniform_below(std::mt19937_64& rng, std::uint64_t n) {
  const unsigned __int128 product = static_cast<unsigned __int128>(rng()) * n;
  return static_cast<std::uint64_t>(product >> 64);
}

// Fisher-Yates: for i from the end, swap element i with a uniform element of [0, i].
template <class T>
void shuffle(std::span<T> items, std::mt19937_64& rng) {
  for (std::size_t i = items.size(); i > 1; --i) {
    const std::size_t j = uniform_below(rng, i);
    std::swap(items[i - 1], items[j]);
  }
}

}  // namespace convlab::train
