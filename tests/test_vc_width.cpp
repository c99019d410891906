// The build must compile Vc for the ISA it was configured with (CONVLAB_ISA). Vc's own
// detection falls back to SSE on CPUs it does not know, which silently halves every SIMD
// kernel; this test catches that.
#include <gtest/gtest.h>
#include <Vc/Vc>

TEST(VcWidth, FloatVectorMatchesConfiguredIsa) {
  EXPECT_EQ(Vc::float_v::size(), std::size_t{CONVLAB_EXPECTED_VC_FLOAT_WIDTH})
      << "Vc::float_v has " << Vc::float_v::size() << " lanes; the configured ISA implies "
      << CONVLAB_EXPECTED_VC_FLOAT_WIDTH << ". Check CONVLAB_ISA.";
}
