// The variants of gemm, linear, activations and flatten, as registry entries.
#include "kernels/registration.hpp"

namespace convlab {

void add_dense_variants(std::vector<Variant>& all) {
  (void)all;
}

}  // namespace convlab
