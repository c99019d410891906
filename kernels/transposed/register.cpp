// The variants of conv_transpose2d and the conv2d backward pass, as registry entries.
#include "kernels/registration.hpp"

namespace convlab {

void add_transposed_variants(std::vector<Variant>& all) {
  (void)all;
}

}  // namespace convlab
