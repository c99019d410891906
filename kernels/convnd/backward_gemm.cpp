// conv1d_backward_gemm and conv3d_backward_gemm: the three gradients of a convolution through
// the GEMM core and the column buffer of the forward lowering (convnd_common.hpp).
//
//   per sample n and group g, K = C_in/G * KD*KH*KW, P = D_out*H_out*W_out:
//     dcol (K x P)     = w_g^T (K x C_out/G) * dy_g (C_out/G x P)       (M = K, N = P, K = C_out/G)
//     dx[n][group g]   = col2vol(dcol)            (the adjoint of vol2col: scatter-add)
//     dw_g (C_out/G x K) += dy_g (C_out/G x P) * col^T (P x K)          (M = C_out/G, N = K, K = P)
//     db[oc]           = sum_{n, positions} dy[n][oc]
//
// Parent: the backward reference loop of each op. What this adds: both products run in the
// packed GEMM (transposes are read in place by gemm(), nothing is copied but the column
// buffer). Memory: one K x P buffer per thread for dx, one per group for dw.
// Threads: dx over the (sample, group) pairs, whose dx slices are disjoint; dw over the groups,
// each summing its samples in order; db one channel after another. Every element is written by one
// thread in a fixed order: the result does not depend on the number of threads.
// Accuracy: dx is a dot product of C_out/G terms per column entry, then up to KD*KH*KW such
// entries added per input element; dw a dot product of P terms per sample added sample by
// sample; db is summed in double. Each is a float sum of at most K terms of the reference's
// reduction, nested (tolerance factor 2: convnd_kernels.hpp).
#include <algorithm>
#include <string>
#include <vector>

#include "kernels/convnd/convnd_common.hpp"
#include "kernels/convnd/convnd_kernels.hpp"
#include "kernels/gemm/gemm.hpp"
#include "kernels/parallel.hpp"

namespace convlab {
namespace {

using convnd_detail::Geometry;

template <class P>
Geometry backward_geometry(std::string_view variant, const Tensor<float>& x, const Tensor<float>& w,
                           const Tensor<float>& dy, const P& p, const Tensor<float>& dx,
                           const Tensor<float>& dw, const Tensor<float>& db) {
  Shape out;
  const Geometry g = convnd_detail::geometry(x.shape(), w.shape(), Shape{}, p, out);
  require_same_shape(variant, "dy", dy.shape(), out);
  require_same_shape(variant, "dx", dx.shape(), x.shape());
  require_same_shape(variant, "dw", dw.shape(), w.shape());
  if (!db.empty()) require_same_shape(variant, "db", db.shape(), Shape{g.C_out});
  return g;
}

void run_backward(const Geometry& g, const Tensor<float>& x, const Tensor<float>& w,
                  const Tensor<float>& dy, Tensor<float>& dx, Tensor<float>& dw,
                  Tensor<float>& db) {
  const std::int64_t K = g.taps(), P = g.out_volume(), pairs = g.N * g.groups;
  const float* xd = x.data();
  const float* wd = w.data();
  const float* dyd = dy.data();
  float* dxd = dx.data();
  float* dwd = dw.data();
  const bool gemms = K > 0 && P > 0 && g.C_out_g > 0;
  const bool threaded = pairs > 1 && g.C_out_g * K * P * pairs >= (std::int64_t{1} << 21);

  // dx: one (sample, group) pair per iteration; their slices of dx are disjoint.
  parallel_region(threaded, [&] {
    std::vector<float> dcol(static_cast<std::size_t>(K * P));
#pragma omp for schedule(static)
    for (std::int64_t pair = 0; pair < pairs; ++pair) {
      const std::int64_t n = pair / g.groups, grp = pair % g.groups;
      float* dxg = dxd + (n * g.C_in + grp * g.C_in_g) * g.in_volume();
      std::fill(dxg, dxg + g.C_in_g * g.in_volume(), 0.0f);
      if (!gemms) continue;
      GemmProblem gp;
      gp.M = K;
      gp.N = P;
      gp.K = g.C_out_g;
      gp.A = wd + grp * g.C_out_g * K;  // stored C_out/G x K
      gp.lda = K;
      gp.trans_a = true;
      gp.B = dyd + (n * g.C_out + grp * g.C_out_g) * P;
      gp.ldb = P;
      gp.C = dcol.data();
      gp.ldc = P;
      gemm(gp);
      convnd_detail::col2vol(g, dcol.data(), P, dxg);
    }
  });

  // dw: one group per iteration, its samples in order.
  const bool threaded_w = g.groups > 1 && threaded;
  parallel_region(threaded_w, [&] {
    std::vector<float> col(static_cast<std::size_t>(K * P));
#pragma omp for schedule(static)
    for (std::int64_t grp = 0; grp < g.groups; ++grp) {
      float* dwg = dwd + grp * g.C_out_g * K;
      std::fill(dwg, dwg + g.C_out_g * K, 0.0f);
      if (!gemms) continue;
      for (std::int64_t n = 0; n < g.N; ++n) {
        convnd_detail::vol2col(g, xd + (n * g.C_in + grp * g.C_in_g) * g.in_volume(), col.data(),
                               P);
        gemm_add_abt(dyd + (n * g.C_out + grp * g.C_out_g) * P, col.data(), g.C_out_g, K, P, dwg);
      }
    }
  });

  // db: sums in double, rounded once.
  if (!db.empty()) {
    for (std::int64_t oc = 0; oc < g.C_out; ++oc) {
      double sum = 0;
      for (std::int64_t n = 0; n < g.N; ++n) {
        const float* d = dyd + (n * g.C_out + oc) * P;
        for (std::int64_t i = 0; i < P; ++i) sum += double(d[i]);
      }
      db[oc] = static_cast<float>(sum);
    }
  }
}

}  // namespace

void conv1d_backward_gemm(const Tensor<float>& x, const Tensor<float>& w, const Tensor<float>& dy,
                          const Conv1dParams& p, Tensor<float>& dx, Tensor<float>& dw,
                          Tensor<float>& db) {
  const Geometry g = backward_geometry("conv1d_backward_gemm", x, w, dy, p, dx, dw, db);
  run_backward(g, x, w, dy, dx, dw, db);
}

void conv3d_backward_gemm(const Tensor<float>& x, const Tensor<float>& w, const Tensor<float>& dy,
                          const Conv3dParams& p, Tensor<float>& dx, Tensor<float>& dw,
                          Tensor<float>& db) {
  const Geometry g = backward_geometry("conv3d_backward_gemm", x, w, dy, p, dx, dw, db);
  run_backward(g, x, w, dy, dx, dw, db);
}

}  // namespace convlab
