#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <stdexcept>

#include "core/tensor.hpp"

namespace convlab {
namespace {

TEST(Tensor, RowMajorLayout) {
  Tensor<float> t(Shape{2, 3, 4});
  for (std::int64_t i = 0; i < t.numel(); ++i) t[i] = static_cast<float>(i);
  EXPECT_EQ(t(0, 0, 1), 1.0f);
  EXPECT_EQ(t(0, 1, 0), 4.0f);
  EXPECT_EQ(t(1, 0, 0), 12.0f);
  EXPECT_EQ(t(1, 2, 3), 23.0f);
}

TEST(Tensor, StorageIs64ByteAligned) {
  for (std::int64_t n : {1, 3, 17, 1000}) {
    Tensor<double> t(Shape{n});
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(t.data()) % 64, 0u) << "n = " << n;
  }
}

TEST(Tensor, ZeroInitializedAndInitializerList) {
  Tensor<int> z(Shape{2, 2});
  for (int v : z.values()) EXPECT_EQ(v, 0);
  Tensor<int> t(Shape{2, 2}, {1, 2, 3, 4});
  EXPECT_EQ(t(1, 0), 3);
  EXPECT_THROW((Tensor<int>(Shape{2, 2}, {1, 2, 3})), std::invalid_argument);
}

TEST(Tensor, ViewsShareStorageCloneDoesNot) {
  Tensor<float> t(Shape{2, 3}, {0, 1, 2, 3, 4, 5});
  Tensor<float> row1 = t.slice(1, 2);
  EXPECT_EQ(row1.shape(), (Shape{1, 3}));
  EXPECT_EQ(row1(0, 0), 3.0f);
  row1(0, 0) = 30.0f;
  EXPECT_EQ(t(1, 0), 30.0f);  // a view writes through

  Tensor<float> flat = t.reshape(Shape{6});
  EXPECT_TRUE(flat.shares_storage_with(t));
  EXPECT_EQ(flat[3], 30.0f);

  Tensor<float> copy = t.clone();
  copy(0, 0) = -1.0f;
  EXPECT_EQ(t(0, 0), 0.0f);
  EXPECT_FALSE(copy.shares_storage_with(t));
}

TEST(Tensor, BadReshapeAndSliceThrow) {
  Tensor<float> t(Shape{2, 3});
  EXPECT_THROW(t.reshape(Shape{4}), std::invalid_argument);
  EXPECT_THROW(t.slice(1, 3), std::out_of_range);
  EXPECT_THROW(t.slice(2, 1), std::out_of_range);
}

TEST(Tensor, AtIsAlwaysBoundsChecked) {
  Tensor<float> t(Shape{2, 3});
  EXPECT_NO_THROW(t.at(1, 2));
  EXPECT_THROW(t.at(2, 0), std::out_of_range);
  EXPECT_THROW(t.at(0, -1), std::out_of_range);
  EXPECT_THROW(t.at(0, 0, 0), std::out_of_range);  // wrong rank
  try {
    t.at(0, 3);
    FAIL() << "expected out_of_range";
  } catch (const std::out_of_range& e) {
    EXPECT_STREQ(e.what(), "Tensor index (0, 3) is out of bounds for shape (2, 3)");
  }
}

#ifdef CONVLAB_BOUNDS_CHECK
TEST(Tensor, DebugBuildsCheckOperatorCall) {
  Tensor<float> t(Shape{2, 3});
  EXPECT_THROW(t(0, 3), std::out_of_range);
}
#endif

TEST(Shape, RanksOneToFive) {
  EXPECT_EQ((Shape{7}).numel(), 7);
  EXPECT_EQ((Shape{1, 2, 3, 4, 5}).numel(), 120);
  EXPECT_EQ((Shape{1, 2, 3, 4, 5}).str(), "(1, 2, 3, 4, 5)");
  EXPECT_THROW((Shape{1, 2, 3, 4, 5, 6}), std::invalid_argument);
  EXPECT_TRUE(Shape().empty());
}

TEST(Shape, NegativeExtentIsAnError) {
  try {
    Shape s{2, -1};
    FAIL() << "expected invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("dimension 1 is -1"), std::string::npos) << e.what();
  }
}

TEST(Shape, ElementCountOverflowIsAnError) {
  const std::int64_t big = std::int64_t{1} << 32;
  try {
    Shape s{big, big, 4};
    FAIL() << "expected invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("overflows"), std::string::npos) << e.what();
  }
  // Fits in int64 but not in memory as doubles.
  EXPECT_THROW((Shape{big, big / 2}), std::invalid_argument);
}

}  // namespace
}  // namespace convlab
