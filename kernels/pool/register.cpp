// The variants of pooling, unpooling and upsampling, as registry entries.
#include "kernels/registration.hpp"

namespace convlab {

void add_pool_variants(std::vector<Variant>& all) {
  (void)all;
}

}  // namespace convlab
