// libFuzzer target for the fixture loader: every byte string must either load as a case or be
// rejected with a CaseError; no crash, no hang, no undefined behaviour, no other exception.
//
// The input is a bundle of files. When it starts with "===FILE <name>\n", each such line starts a
// file (name: letters, digits, '_', '-', '.', ending in .csv, at most 8 files); otherwise the
// whole input is manifest.csv. The files are written into a fresh temporary case directory and
// loaded with load_case. scripts/fuzz seeds the corpus with one bundle per case of fixtures/
// (and each manifest alone), so mutations start from valid cases.
//
// A case that loads and is small (every tensor <= 256 elements, every integer parameter <= 64)
// is also run through the reference and compared (run_reference, error_scale, compare): those
// may reject a case with std::invalid_argument (e.g. an index outside the unpooled plane), but
// must not crash either.
#include <unistd.h>

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <new>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "corpus/corpus.hpp"
#include "reference/dispatch.hpp"

namespace fs = std::filesystem;
using namespace convlab;

// fast-cpp-csv-parser's LineReader allocates a 48 MiB line buffer (3 * 2^24 bytes) for every
// file it opens. Under AddressSanitizer each such allocation costs about 35 ms (the page faults
// of 6 MiB of fresh shadow memory), which would hold the fuzzer to ~30 executions per second.
// This harness therefore keeps up to four such buffers and hands them out again. Every other
// array allocation goes to malloc/free, which ASan checks as usual; the recycled buffers stay
// ASan allocations too (bounds-checked), only a use after their release goes unseen.
namespace {
constexpr std::size_t kLineBufferBytes = std::size_t{3} << 24;
constexpr int kSlots = 4;
void* issued[kSlots] = {};  // line buffers in use
void* spare[kSlots] = {};   // line buffers released, ready to be reused
}  // namespace

void* operator new[](std::size_t n) {
  if (n == kLineBufferBytes) {
    for (void*& s : spare) {
      if (s == nullptr) continue;
      void* p = std::exchange(s, nullptr);
      for (void*& i : issued) {
        if (i == nullptr) {
          i = p;
          break;
        }
      }
      return p;
    }
  }
  void* p = std::malloc(n == 0 ? 1 : n);
  if (p == nullptr) throw std::bad_alloc();
  if (n == kLineBufferBytes) {
    for (void*& i : issued) {
      if (i == nullptr) {
        i = p;
        break;
      }
    }
  }
  return p;
}

void operator delete[](void* p) noexcept {
  for (void*& i : issued) {
    if (p != nullptr && i == p) {
      i = nullptr;
      for (void*& s : spare) {
        if (s == nullptr) {
          s = p;
          return;
        }
      }
    }
  }
  std::free(p);
}

void operator delete[](void* p, std::size_t) noexcept {
  operator delete[](p);
}

namespace {

// A directory of this process, removed at exit. Never destroyed itself, so the exit handler
// can still read it.
const fs::path& case_dir() {
  static const fs::path* const dir = [] {
    const auto* d = new fs::path(fs::temp_directory_path() /
                                 ("convlab_fuzz_" + std::to_string(::getpid())) / "case");
    fs::create_directories(*d);
    std::atexit([] {
      std::error_code ec;
      fs::remove_all(case_dir().parent_path(), ec);
    });
    return d;
  }();
  return *dir;
}

bool safe_name(std::string_view name) {
  if (name.size() < 5 || name.size() > 40 || !name.ends_with(".csv") || name.starts_with(".")) {
    return false;
  }
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-' || c == '.';
    if (!ok) return false;
  }
  return true;
}

std::vector<std::pair<std::string, std::string_view>> split_bundle(std::string_view in) {
  constexpr std::string_view marker = "===FILE ";
  std::vector<std::pair<std::string, std::string_view>> files;
  if (!in.starts_with(marker)) {
    files.emplace_back("manifest.csv", in);
    return files;
  }
  while (in.starts_with(marker) && files.size() < 8) {
    in.remove_prefix(marker.size());
    const std::size_t eol = in.find('\n');
    const std::string_view name = in.substr(0, eol);
    in.remove_prefix(eol == std::string_view::npos ? in.size() : eol + 1);
    std::size_t next = in.find(std::string("\n").append(marker));
    const std::string_view content =
        in.substr(0, next == std::string_view::npos ? in.size() : next + 1);
    in.remove_prefix(content.size());
    if (safe_name(name)) files.emplace_back(std::string(name), content);
  }
  return files;
}

bool small_enough_to_run(const Case& c) {
  for (const auto* tensors : {&c.inputs, &c.expected}) {
    for (const auto& [name, t] : *tensors) {
      if (t.numel() > 256) return false;
    }
  }
  for (const auto& [name, value] : param_entries(c.params)) {
    // Integers (the rest are true/false and enum names): kernels, strides, sizes <= 64 keep
    // the reference's loops short.
    std::int64_t v = 0;
    const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
    if (ec == std::errc{} && ptr == value.data() + value.size() && (v > 64 || v < -64)) {
      return false;
    }
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const fs::path& dir = case_dir();
  for (const fs::directory_entry& e : fs::directory_iterator(dir)) fs::remove_all(e.path());
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  for (const auto& [name, content] : split_bundle(input)) {
    std::ofstream(dir / name, std::ios::binary | std::ios::trunc)
        .write(content.data(), static_cast<std::streamsize>(content.size()));
  }
  Case c;
  try {
    c = load_case(dir);
  } catch (const CaseError&) {
    return 0;  // rejected with a located message: fine
  }
  if (!small_enough_to_run(c)) return 0;
  try {
    const TensorMap<double> y = run_reference(*c.spec, c.params, c.inputs);
    compare(c, y, 1.0);
  } catch (const std::invalid_argument&) {
    // The reference rejects this case (bad indices, average pooling with dilation, ...).
  }
  return 0;
}
