#include "core/tensor.hpp"

#include <sstream>
#include <stdexcept>

namespace convlab {

Shape::Shape(std::initializer_list<std::int64_t> dims) {
  init(std::span<const std::int64_t>(dims.begin(), dims.size()));
}

Shape::Shape(std::span<const std::int64_t> dims) {
  init(dims);
}

void Shape::init(std::span<const std::int64_t> dims) {
  if (dims.size() > static_cast<std::size_t>(kMaxRank)) {
    throw std::invalid_argument("Shape: rank " + std::to_string(dims.size()) +
                                " is not supported (rank must be 1 to 5)");
  }
  rank_ = static_cast<int>(dims.size());
  numel_ = rank_ == 0 ? 0 : 1;
  for (std::size_t i = 0; i < dims.size(); ++i) {
    if (dims[i] < 0) {
      throw std::invalid_argument("Shape: dimension " + std::to_string(i) + " is " +
                                  std::to_string(dims[i]) + ", must be >= 0");
    }
    dims_[i] = dims[i];
    if (__builtin_mul_overflow(numel_, dims[i], &numel_)) {
      std::ostringstream os;
      os << "Shape: the element count of (";
      for (std::size_t j = 0; j < dims.size(); ++j) os << (j ? ", " : "") << dims[j];
      os << ") overflows int64";
      throw std::invalid_argument(os.str());
    }
  }
  // Tensor allocates numel * sizeof(element) bytes; keep that representable for doubles too.
  if (numel_ > (std::int64_t{1} << 59)) {
    throw std::invalid_argument("Shape: " + str() + " has " + std::to_string(numel_) +
                                " elements, more than can be allocated");
  }
}

std::string Shape::str() const {
  std::ostringstream os;
  os << '(';
  for (int i = 0; i < rank_; ++i) os << (i ? ", " : "") << dims_[static_cast<std::size_t>(i)];
  os << ')';
  return os.str();
}

namespace detail {

void throw_index_error(const Shape& shape, std::span<const std::int64_t> index) {
  std::ostringstream os;
  os << "Tensor index (";
  for (std::size_t i = 0; i < index.size(); ++i) os << (i ? ", " : "") << index[i];
  os << ") is out of bounds for shape " << shape.str();
  throw std::out_of_range(os.str());
}

void throw_reshape_error(const Shape& from, const Shape& to) {
  throw std::invalid_argument("Tensor: cannot view " + from.str() + " (" +
                              std::to_string(from.numel()) + " elements) as " + to.str() + " (" +
                              std::to_string(to.numel()) + " elements)");
}

void throw_slice_error(const Shape& shape, std::int64_t begin, std::int64_t end) {
  throw std::out_of_range("Tensor: slice [" + std::to_string(begin) + ", " + std::to_string(end) +
                          ") of the first dimension is out of range for shape " + shape.str());
}

}  // namespace detail
}  // namespace convlab
