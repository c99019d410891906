#include "train/idx.hpp"

#include <zlib.h>

#include <array>
#include <cstdio>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <string>

namespace convlab::train {
namespace {

std::string hex32(std::uint32_t v) {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "0x%08x", v);
  return buffer;
}

[[noreturn]] void fail(const std::filesystem::path& file, const std::string& what) {
  throw std::invalid_argument("IDX file " + file.string() + ": " + what);
}

// An open gzip stream, closed on every path out.
class GzFile {
 public:
  explicit GzFile(const std::filesystem::path& file) : file_(file) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(file, ec)) {
      fail(file, "does not exist or is not a regular file");
    }
    handle_ = gzopen(file.c_str(), "rb");
    if (handle_ == nullptr) fail(file, "cannot be opened");
  }
  GzFile(const GzFile&) = delete;
  GzFile& operator=(const GzFile&) = delete;
  ~GzFile() { gzclose(handle_); }

  // Reads up to `size` bytes; returns how many were read. A stream that does not decode (a
  // corrupt or cut gzip member) is an error naming zlib's reason.
  std::size_t read(void* out, std::size_t size) {
    std::size_t done = 0;
    auto* bytes = static_cast<unsigned char*>(out);
    while (done < size) {
      const std::size_t chunk =
          std::min<std::size_t>(size - done, std::numeric_limits<unsigned>::max() / 2);
      const int got = gzread(handle_, bytes + done, static_cast<unsigned>(chunk));
      if (got < 0) {
        int code = 0;
        const char* message = gzerror(handle_, &code);
        fail(file_, std::string("gzip data is corrupt or cut short (zlib: ") + message + ")");
      }
      if (got == 0) break;
      done += static_cast<std::size_t>(got);
    }
    // zlib reports a gzip stream cut short only through gzerror after the short read.
    int code = Z_OK;
    const char* message = gzerror(handle_, &code);
    if (code != Z_OK && code != Z_STREAM_END) {
      fail(file_, std::string("gzip data is corrupt or cut short (zlib: ") + message + ")");
    }
    return done;
  }

 private:
  std::filesystem::path file_;
  gzFile handle_ = nullptr;
};

std::uint32_t big_endian(const unsigned char* b) {
  return (std::uint32_t{b[0]} << 24) | (std::uint32_t{b[1]} << 16) | (std::uint32_t{b[2]} << 8) |
         std::uint32_t{b[3]};
}

// Reads the header (magic and `dims` extents), checks them, and returns the extents.
std::vector<std::int64_t> read_header(GzFile& in, const std::filesystem::path& file,
                                      std::uint32_t magic, const char* kind) {
  const int dims = static_cast<int>(magic & 0xff);
  std::array<unsigned char, 4> word{};
  if (in.read(word.data(), 4) != 4) fail(file, "is shorter than the 4-byte magic number");
  const std::uint32_t found = big_endian(word.data());
  if (found != magic) {
    std::ostringstream os;
    os << "magic number " << hex32(found) << " is not " << hex32(magic) << " (" << kind
       << ": unsigned bytes, " << dims << " dimension" << (dims == 1 ? "" : "s") << ")";
    if (found == kIdxImagesMagic || found == kIdxLabelsMagic) {
      os << "; is this the " << (found == kIdxImagesMagic ? "images" : "labels")
         << " file given in place of the " << kind << " file?";
    }
    fail(file, os.str());
  }
  std::vector<std::int64_t> extents;
  for (int d = 0; d < dims; ++d) {
    if (in.read(word.data(), 4) != 4) {
      fail(file, "the header ends before extent " + std::to_string(d + 1) + " of " +
                     std::to_string(dims) + " (truncated file)");
    }
    const std::int64_t e = big_endian(word.data());
    if (e == 0) fail(file, "extent " + std::to_string(d + 1) + " of the header is 0");
    extents.push_back(e);
  }
  return extents;
}

// Reads exactly `size` data bytes and checks that nothing follows them.
std::vector<std::uint8_t> read_data(GzFile& in, const std::filesystem::path& file,
                                    std::int64_t size, const std::string& header) {
  // The largest extents are 60,000 x 28 x 28 (47 MB); refuse a header promising over 1 GiB
  // before allocating it.
  if (size > (std::int64_t{1} << 30)) {
    fail(file, "the header (" + header + ") promises " + std::to_string(size) +
                   " bytes, more than the 1 GiB this reader accepts");
  }
  std::vector<std::uint8_t> data(static_cast<std::size_t>(size));
  const std::size_t got = in.read(data.data(), data.size());
  if (got != data.size()) {
    fail(file, "truncated: the header (" + header + ") promises " + std::to_string(size) +
                   " data bytes, the file holds " + std::to_string(got));
  }
  unsigned char extra = 0;
  if (in.read(&extra, 1) != 0) {
    fail(file, "has bytes after the " + std::to_string(size) + " data bytes its header (" + header +
                   ") promises");
  }
  return data;
}

}  // namespace

IdxImages read_idx_images(const std::filesystem::path& file) {
  GzFile in(file);
  const auto e = read_header(in, file, kIdxImagesMagic, "images");
  IdxImages images;
  images.count = e[0];
  images.rows = e[1];
  images.cols = e[2];
  const std::string header =
      std::to_string(e[0]) + " images of " + std::to_string(e[1]) + "x" + std::to_string(e[2]);
  images.pixels = read_data(in, file, e[0] * e[1] * e[2], header);
  return images;
}

IdxLabels read_idx_labels(const std::filesystem::path& file) {
  GzFile in(file);
  const auto e = read_header(in, file, kIdxLabelsMagic, "labels");
  IdxLabels labels;
  labels.labels = read_data(in, file, e[0], std::to_string(e[0]) + " labels");
  return labels;
}

}  // namespace convlab::train
