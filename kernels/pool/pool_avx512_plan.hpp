// Internal to kernels/pool/: what max_pool2d_avx512 and avg_pool2d_avx512 share in ordinary
// (non-AVX-512) code: the CPU check, the plans of pool_avx512.hpp (per plane, with the tables
// they point to, and channel-blocked, with the rule that picks the planes it takes), and the
// OpenMP loops over the (n, c) planes and over the blocks of 16 planes.
#pragma once

#include <omp.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "kernels/gemm/gemm.hpp"
#include "kernels/parallel.hpp"
#include "kernels/pool/pool_avx512.hpp"
#include "kernels/pool/pool_common.hpp"

namespace convlab::pool_detail {

// "" when this CPU runs the AVX-512 plane kernels, else the reason.
inline std::string avx512_supports() {
  return gemm_avx512_supported() ? std::string() : std::string("this CPU has no AVX-512F");
}

// Bit i set when column b + step * i lies in [0, W), for i < 16.
inline std::uint16_t lanes_inside(std::int64_t b, std::int64_t step, std::int64_t W) {
  std::uint16_t m = 0;
  for (std::int64_t i = 0; i < kAvx512Lanes; ++i) {
    const std::int64_t c = b + step * i;
    if (c >= 0 && c < W) m = static_cast<std::uint16_t>(m | (1u << i));
  }
  return m;
}

// The geometry of one problem and the plan over it (built in place: the plan points into the
// members, so the object is neither copied nor moved).
struct Avx512Problem {
  Geometry g;
  std::vector<std::uint16_t> masks;
  std::vector<std::uint8_t> inside;
  std::vector<float> first_col, divisor_w;
  std::vector<std::int32_t> first_tap_w;
  Avx512Plan plan;

  explicit Avx512Problem(Geometry geometry) : g(std::move(geometry)) {
    Avx512Plan& p = plan;
    p.H = g.H;
    p.W = g.W;
    p.H_out = g.H_out;
    p.W_out = g.W_out;
    p.kernel_w = g.w.k;
    p.stride_w = g.w.s;
    p.dilation_w = g.w.d;
    p.pad_left = g.w.lo;
    p.dilation_h = g.h.d;
    p.kernel_h = g.h.k;
    p.row_start = g.h.start.data();
    p.row_t_lo = g.h.t_lo.data();
    p.row_t_hi = g.h.t_hi.data();
    p.row_first = g.h.first.data();
    p.vectors = (g.W_out + kAvx512Lanes - 1) / kAvx512Lanes;
    p.loads = g.w.s == 2 ? 2 : 1;
    masks.reserve(static_cast<std::size_t>(p.vectors * g.w.k * p.loads));
    inside.reserve(static_cast<std::size_t>(p.vectors));
    for (std::int64_t j = 0; j < p.vectors; ++j) {
      bool full = true;
      for (std::int64_t kw = 0; kw < g.w.k; ++kw) {
        const std::int64_t b = j * kAvx512Lanes * g.w.s + kw * g.w.d - g.w.lo;
        masks.push_back(lanes_inside(b, g.w.s == 2 ? 1 : g.w.s, g.W));
        if (g.w.s == 2) masks.push_back(lanes_inside(b + kAvx512Lanes, 1, g.W));
        full = full && masks.back() == 0xFFFF && masks[masks.size() - p.loads] == 0xFFFF;
      }
      inside.push_back(full ? 1 : 0);
    }
    p.masks = masks.data();
    p.inside = inside.data();
    const std::int64_t padded = p.vectors * kAvx512Lanes;
    first_col.assign(static_cast<std::size_t>(padded), 0.0f);
    divisor_w.assign(static_cast<std::size_t>(padded), 1.0f);
    first_tap_w.assign(static_cast<std::size_t>(padded), 0);
    for (std::int64_t ow = 0; ow < g.W_out; ++ow) {
      first_col[static_cast<std::size_t>(ow)] = static_cast<float>(g.w.first[ow]);
      divisor_w[static_cast<std::size_t>(ow)] = static_cast<float>(g.w.divisor[ow]);
      first_tap_w[static_cast<std::size_t>(ow)] = static_cast<std::int32_t>(g.w.t_lo[ow]);
    }
    p.first_tap_w = first_tap_w.data();
    if (g.h.k * g.w.k <= 16) {
      for (std::int64_t t = 0; t < g.h.k; ++t) {
        for (std::int64_t kw = 0; kw < g.w.k; ++kw) {
          p.tap_offset[t * g.w.k + kw] = static_cast<float>(t * g.h.d * g.W + kw * g.w.d);
        }
      }
    }
    p.first_col = first_col.data();
    p.divisor_w = divisor_w.data();
    p.divisor_h = g.h.divisor.data();
    p.col_first = g.w.first[0];
    p.col_end = g.w.end[0];
  }
  Avx512Problem(const Avx512Problem&) = delete;
  Avx512Problem& operator=(const Avx512Problem&) = delete;

  // f(plane) for the (n, c) planes [first, N * C), OpenMP over planes above
  // kMinElementsForThreads (`elements` is what the problem touches).
  // No region at all when it would have one thread (parallel_region): even then entering it
  // costs more than a small problem (LeNet's 6 planes of 28 x 28) takes.
  template <class F>
  void for_each_plane(std::int64_t elements, F f, std::int64_t first = 0) const {
    const std::int64_t planes = g.N * g.C;
    parallel_region(worth_threads(elements), [&] {
#pragma omp for schedule(static)
      for (std::int64_t pl = first; pl < planes; ++pl) f(pl);
    });
  }
};

// ---- the channel-blocked form (Avx512BlockPlan) ----

// Whole planes up to this many slots (32 KiB) stay in the ring; larger ones keep only the rows
// a window needs. The ring then stays in L1 (48 KiB here): on 27x27 to 55x55 planes, rings of
// whole planes (47 to 190 KiB) measured 5 to 15% slower (max_pool2d, the shapes of AlexNet
// pool1 and pool2 and GoogLeNet 3a).
inline constexpr std::int64_t kWholePlaneSlots = 512;

// Rings above this many slots (512 KiB per thread: rows of about 2000 pixels for 3x3 windows)
// are left to the per-plane path: such rows fill the per-plane path's vectors anyway, and the
// blocked form was measured on rows of up to 224 pixels only.
inline constexpr std::int64_t kMaxRingSlots = 8192;

// Max outputs (values and indices, whole problem) from this many bytes up are streamed past the
// caches (Avx512BlockPlan::stream) when every plane's outputs start 64-byte aligned: the L2
// (1 MiB here) cannot hold them anyway, and written through it each line is read before it is
// written and evicts input still to be read. The indices wait for the backward pass; the next
// layer reads the values from memory either way. Measured (one thread, 16-plane blocks of 28x28
// planes, 3x3/s1): 192 planes (1.2 MB of outputs) 1.07 to 1.10x. Not taken: planes whose
// outputs are not aligned (AlexNet pool1's 729): whole lines would have to be assembled first
// (a permute and a carried vector per plane and run, about what the stores save; with the
// lines merely rounded down, a wrong result, 8% faster); outputs that fit the L2 (AlexNet
// pool5's 74 KB: 2 to 3x slower, the lines going to memory and back each call).
inline constexpr std::int64_t kStreamOutputBytes = std::int64_t{1} << 20;

inline bool stream_outputs(const Geometry& g) {
  const std::int64_t out_plane = g.H_out * g.W_out;
  return out_plane % kAvx512Lanes == 0 &&
         2 * g.N * g.C * out_plane * std::int64_t{sizeof(float)} >= kStreamOutputBytes;
}

// The ring of the channel-blocked form (Avx512BlockPlan::ring), 0 when the form does not apply
// (a window of more than 32 rows, or a ring above kMaxRingSlots).
inline std::int64_t block_ring(const Geometry& g) {
  const std::int64_t window_rows = (g.h.k - 1) * g.h.d + 1;
  if (window_rows > 32) return 0;
  const std::int64_t whole = (g.H * g.W + 15 + g.W - 1) / g.W * g.W;
  const std::int64_t rows = (window_rows + (15 + g.W - 1) / g.W) * g.W;
  const std::int64_t ring = whole <= std::max(kWholePlaneSlots, rows) ? whole : rows;
  return ring <= kMaxRingSlots ? ring : 0;
}

// How many of the N * C planes the channel-blocked form computes (the first ones; the rest go
// plane by plane): all, or the whole blocks of 16 when the last block would have fewer than 12
// planes, or none. Measured (one thread, ratios per-plane time / blocked time, 16 planes of
// 28x28 unless said): max 3x3/s2 1.67 with 16 planes, 1.32 with 12, 1.00 with 8, 0.62 with 4;
// on 112x112, 1.38, 1.13, 0.83, 0.44; average 2x2/s2 1.17, 1.05, 0.78, 0.55. Max pooling takes
// the form on every plane size measured (64 planes, 3x3/s2, 2x2/s2 and 3x3/s1 on 28 to 224:
// 1.22 to 1.81). The average takes it unless the output rows are long and the per-plane path's
// row sums are cheap: 64 planes, 2x2/s2 on 56 and 112 (W_out 28 and 56) 0.99 and 0.91, 3x3/s1
// on 112 0.99, against 1.18 to 2.70 on W_out up to 28 and 1.22 for 3x3/s1 on 56, 1.44 for
// 3x3/s2 on 112.
inline std::int64_t block_planes(const Geometry& g, bool max) {
  if (block_ring(g) == 0) return 0;
  if (!max && ((g.W_out >= 48 && g.w.k <= 2) || (g.W_out >= 96 && g.w.s == 1))) return 0;
  const std::int64_t planes = g.N * g.C, tail = planes % kAvx512Lanes;
  return tail >= 12 ? planes : planes - tail;
}

// The channel-blocked form's plan (pool_avx512.hpp's Avx512BlockPlan) over g, for max or the
// average, with a ring of `ring` slots (block_ring). g must outlive it. (No allocation: the
// kernels build their small tables in the scratch.)
struct Avx512BlockProblem {
  const Geometry& g;
  Avx512BlockPlan plan;

  Avx512BlockProblem(const Geometry& geometry, bool max, std::int64_t ring) : g(geometry) {
    Avx512BlockPlan& p = plan;
    p.H = g.H;
    p.W = g.W;
    p.H_out = g.H_out;
    p.W_out = g.W_out;
    p.stride_h = g.h.s;
    p.stride_w = g.w.s;
    p.pad_top = g.h.lo;
    p.pad_left = g.w.lo;
    p.kernel_h = g.h.k;
    p.kernel_w = g.w.k;
    p.dilation_h = g.h.d;
    p.dilation_w = g.w.d;
    p.window_rows = (g.h.k - 1) * g.h.d + 1;
    p.ring = ring;
    p.t_lo_h = g.h.t_lo.data();
    p.t_hi_h = g.h.t_hi.data();
    p.t_lo_w = g.w.t_lo.data();
    p.t_hi_w = g.w.t_hi.data();
    p.divisor_h = g.h.divisor.data();
    p.divisor_w = g.w.divisor.data();
    p.ow_lo = g.W_out;
    p.ow_hi = g.W_out;
    for (std::int64_t ow = 0; ow < g.W_out; ++ow) {
      if (g.w.t_lo[ow] == 0 && g.w.t_hi[ow] == g.w.k) {
        p.ow_lo = std::min(p.ow_lo, ow);
      } else if (p.ow_lo < g.W_out && p.ow_hi == g.W_out) {
        p.ow_hi = ow;
      }
    }
    p.stream = max && stream_outputs(g);
    const std::int64_t taps = (g.h.k * g.w.k + kAvx512Lanes - 1) / kAvx512Lanes;
    p.scratch = kAvx512Lanes *
                (ring + 16 + 2 * (g.W_out + 32) + (max ? taps + 2 * p.window_rows * g.W_out : 0));
  }
  Avx512BlockProblem(const Avx512BlockProblem&) = delete;
  Avx512BlockProblem& operator=(const Avx512BlockProblem&) = delete;

  // f(first plane, planes, scratch) for the blocks of 16 consecutive (n, c) planes of
  // [0, planes) (the last may have fewer), OpenMP over blocks as for_each_plane. scratch:
  // plan.scratch floats, 64-byte aligned, per thread.
  template <class F>
  void for_each_block(std::int64_t elements, std::int64_t planes, F f) const {
    const std::int64_t blocks = (planes + kAvx512Lanes - 1) / kAvx512Lanes;
    const auto run = [&](std::int64_t begin, std::int64_t end) {
      // Kept per thread across calls: a fresh allocation costs as much as a small problem.
      thread_local std::vector<float> storage;
      const std::size_t need = static_cast<std::size_t>(plan.scratch + kAvx512Lanes);
      if (storage.size() < need) storage.resize(need);
      const std::uintptr_t a = reinterpret_cast<std::uintptr_t>(storage.data());
      float* scratch = storage.data() + ((64 - a % 64) % 64) / sizeof(float);
      for (std::int64_t b = begin; b < end; ++b) {
        const std::int64_t pl = b * kAvx512Lanes;
        f(pl, std::min(kAvx512Lanes, planes - pl), scratch);
      }
    };
    parallel_region(worth_threads(elements), [&] {
      const std::int64_t threads = omp_get_num_threads(), id = omp_get_thread_num();
      run(blocks * id / threads, blocks * (id + 1) / threads);
    });
  }
};

// Both forms over the N * C planes of g: the first block_planes(g, max) channel-blocked,
// block(plan, first plane, planes, scratch) per block of 16, the rest one by one,
// plane(plan, plane). `elements` is what the problem touches (threads above
// kMinElementsForThreads).
template <class Block, class Plane>
void run_planes(Geometry g, bool max, std::int64_t elements, Block block, Plane plane) {
  const std::int64_t blocked = block_planes(g, max);
  if (blocked > 0) {
    const Avx512BlockProblem prob(g, max, block_ring(g));
    prob.for_each_block(elements, blocked,
                        [&](std::int64_t pl, std::int64_t planes, float* scratch) {
                          block(prob.plan, pl, planes, scratch);
                        });
    if (blocked == g.N * g.C) return;
  }
  const Avx512Problem prob(std::move(g));
  prob.for_each_plane(
      elements, [&](std::int64_t pl) { plane(prob.plan, pl); }, blocked);
}

}  // namespace convlab::pool_detail
