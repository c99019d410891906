// Tensor<T>: a dense, contiguous, row-major array of rank 1 to 5.
//
// Layout is NCHW for images (NCDHW for volumes, NCL for sequences): the last index moves
// fastest. Storage is 64-byte aligned so SIMD kernels may use aligned loads on the first row.
//
// A Tensor is a *handle*, like a NumPy array or torch.Tensor: copying a Tensor is cheap and the
// copy shares the same storage. `reshape()` and `slice()` return views that share storage too;
// `clone()` makes an independent deep copy. This keeps "take sample n of a batch" or "see the
// weight as a matrix" free of copies, which the kernels rely on.
//
// Element access: `x(n, c, h, w)` is bounds-checked when CONVLAB_BOUNDS_CHECK is defined (debug
// builds define it) and unchecked otherwise; `x.at(...)` is always checked.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <new>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

namespace convlab {

// Shape: rank (1..5) and the extent of each dimension. Rank 0 is the empty shape of a
// default-constructed Tensor ("no tensor", e.g. a convolution without bias).
class Shape {
 public:
  static constexpr int kMaxRank = 5;

  Shape() = default;
  // Throws std::invalid_argument for rank > 5, a negative extent, or an element count that
  // does not fit in int64_t.
  Shape(std::initializer_list<std::int64_t> dims);
  explicit Shape(std::span<const std::int64_t> dims);

  int rank() const { return rank_; }
  std::int64_t operator[](int i) const { return dims_[static_cast<std::size_t>(i)]; }
  std::int64_t numel() const { return numel_; }
  std::span<const std::int64_t> dims() const {
    return {dims_.data(), static_cast<std::size_t>(rank_)};
  }
  bool empty() const { return rank_ == 0; }

  friend bool operator==(const Shape& a, const Shape& b) {
    return a.rank_ == b.rank_ &&
           std::equal(a.dims_.begin(), a.dims_.begin() + a.rank_, b.dims_.begin());
  }

  // "(1, 3, 5, 5)"; "()" for the empty shape.
  std::string str() const;

 private:
  void init(std::span<const std::int64_t> dims);

  int rank_ = 0;
  std::array<std::int64_t, kMaxRank> dims_{};
  std::int64_t numel_ = 0;
};

namespace detail {
struct AlignedFree {
  void operator()(void* p) const { ::operator delete (p, std::align_val_t{64}); }
};
[[noreturn]] void throw_index_error(const Shape& shape, std::span<const std::int64_t> index);
[[noreturn]] void throw_reshape_error(const Shape& from, const Shape& to);
[[noreturn]] void throw_slice_error(const Shape& shape, std::int64_t begin, std::int64_t end);
}  // namespace detail

template <class T>
class Tensor {
  static_assert(std::is_arithmetic_v<T>, "Tensor holds numbers");

 public:
  static constexpr std::size_t kAlignment = 64;

  // The empty tensor: rank 0, no storage. Used for "absent" (e.g. no bias).
  Tensor() = default;

  // A zero-filled tensor of the given shape.
  explicit Tensor(const Shape& shape) : shape_(shape) {
    if (shape_.numel() > 0) {
      const auto bytes = static_cast<std::size_t>(shape_.numel()) * sizeof(T);
      void* raw = ::operator new (bytes, std::align_val_t{kAlignment});
      storage_ = std::shared_ptr<T>(static_cast<T*>(raw), detail::AlignedFree{});
      data_ = storage_.get();
      std::fill(data_, data_ + shape_.numel(), T{});
    }
  }

  // A tensor of the given shape holding `values` in row-major order (sizes must agree).
  Tensor(const Shape& shape, std::initializer_list<T> values) : Tensor(shape) {
    assign(std::span<const T>(values.begin(), values.size()));
  }

  static Tensor full(const Shape& shape, T value) {
    Tensor t(shape);
    t.fill(value);
    return t;
  }

  const Shape& shape() const { return shape_; }
  int rank() const { return shape_.rank(); }
  std::int64_t dim(int i) const { return shape_[i]; }
  std::int64_t numel() const { return shape_.numel(); }
  bool empty() const { return shape_.empty(); }

  T* data() { return data_; }
  const T* data() const { return data_; }
  std::span<T> values() { return {data_, static_cast<std::size_t>(numel())}; }
  std::span<const T> values() const { return {data_, static_cast<std::size_t>(numel())}; }

  T& operator[](std::int64_t flat) { return data_[flat]; }
  const T& operator[](std::int64_t flat) const { return data_[flat]; }

  template <class... I>
  T& operator()(I... index) {
#ifdef CONVLAB_BOUNDS_CHECK
    return data_[checked_offset(index...)];
#else
    return data_[offset(index...)];
#endif
  }
  template <class... I>
  const T& operator()(I... index) const {
    return const_cast<Tensor&>(*this)(index...);
  }
  template <class... I>
  T& at(I... index) {
    return data_[checked_offset(index...)];
  }
  template <class... I>
  const T& at(I... index) const {
    return data_[checked_offset(index...)];
  }

  void fill(T value) {
    std::fill(data_, data_ + numel(), value);
  }
  void assign(std::span<const T> values) {
    if (static_cast<std::int64_t>(values.size()) != numel()) {
      detail::throw_reshape_error(shape_, Shape{static_cast<std::int64_t>(values.size())});
    }
    std::copy(values.begin(), values.end(), data_);
  }

  // A view with the same storage and another shape of the same element count.
  Tensor reshape(const Shape& shape) const {
    if (shape.numel() != numel()) detail::throw_reshape_error(shape_, shape);
    Tensor v = *this;
    v.shape_ = shape;
    return v;
  }

  // A view of indices [begin, end) of the first dimension (e.g. samples of a batch).
  Tensor slice(std::int64_t begin, std::int64_t end) const {
    if (rank() == 0 || begin < 0 || end > dim(0) || begin > end) {
      detail::throw_slice_error(shape_, begin, end);
    }
    std::array<std::int64_t, Shape::kMaxRank> dims{};
    std::copy(shape_.dims().begin(), shape_.dims().end(), dims.begin());
    const std::int64_t inner = dim(0) == 0 ? 0 : numel() / dim(0);
    dims[0] = end - begin;
    Tensor v = *this;
    v.shape_ = Shape(std::span<const std::int64_t>(dims.data(), static_cast<std::size_t>(rank())));
    v.data_ = data_ + begin * inner;
    return v;
  }

  // An independent copy of the data.
  Tensor clone() const {
    Tensor c(shape_);
    std::copy(data_, data_ + numel(), c.data_);
    return c;
  }

  // Element-wise conversion, e.g. float -> double to run the double reference.
  template <class U>
  Tensor<U> cast() const {
    Tensor<U> c(shape_);
    for (std::int64_t i = 0; i < numel(); ++i) c[i] = static_cast<U>(data_[i]);
    return c;
  }

  bool shares_storage_with(const Tensor& other) const {
    return storage_ == other.storage_;
  }

 private:
  template <class... I>
  std::int64_t offset(I... index) const {
    const std::array<std::int64_t, sizeof...(I)> idx{static_cast<std::int64_t>(index)...};
    std::int64_t off = 0;
    for (std::size_t d = 0; d < idx.size(); ++d) off = off * shape_[static_cast<int>(d)] + idx[d];
    return off;
  }
  template <class... I>
  std::int64_t checked_offset(I... index) const {
    static_assert(sizeof...(I) >= 1 && sizeof...(I) <= Shape::kMaxRank, "rank is 1 to 5");
    const std::array<std::int64_t, sizeof...(I)> idx{static_cast<std::int64_t>(index)...};
    bool ok = static_cast<int>(idx.size()) == rank();
    for (std::size_t d = 0; ok && d < idx.size(); ++d) {
      ok = idx[d] >= 0 && idx[d] < shape_[static_cast<int>(d)];
    }
    if (!ok) detail::throw_index_error(shape_, idx);
    return offset(index...);
  }

  Shape shape_;
  std::shared_ptr<T> storage_;
  T* data_ = nullptr;
};

}  // namespace convlab
