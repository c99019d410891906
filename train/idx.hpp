// Reading IDX files (the format of MNIST and Fashion-MNIST), gzip'd or not, through zlib.
//
// An IDX file is a big-endian header followed by the data, row-major:
//   bytes 0-1  zero
//   byte  2    element type: 0x08 = unsigned byte (the only type these data sets use)
//   byte  3    number of dimensions d
//   then d big-endian uint32 extents, then prod(extents) elements.
// So the magic number (the first four bytes as a big-endian uint32) is 0x00000803 for a set of
// images (count, rows, cols) and 0x00000801 for a set of labels (count).
//
// Every check names the file and what is wrong: missing file, wrong magic, an extent of zero,
// fewer bytes than the header promises (truncated download), bytes after the data, a gzip
// stream that does not decode. gzread reads uncompressed files too, so a gunzip'd copy works.
#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

namespace convlab::train {

inline constexpr std::uint32_t kIdxImagesMagic = 0x00000803;  // unsigned bytes, 3 dimensions
inline constexpr std::uint32_t kIdxLabelsMagic = 0x00000801;  // unsigned bytes, 1 dimension

struct IdxImages {
  std::int64_t count = 0, rows = 0, cols = 0;
  std::vector<std::uint8_t> pixels;  // count * rows * cols, image after image, row-major
};

struct IdxLabels {
  std::vector<std::uint8_t> labels;
};

// Throw std::invalid_argument naming the file and the problem.
IdxImages read_idx_images(const std::filesystem::path& file);
IdxLabels read_idx_labels(const std::filesystem::path& file);

}  // namespace convlab::train
