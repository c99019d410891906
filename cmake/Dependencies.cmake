# Finds every dependency through the Debian package's own CMake config (or, for the header-only
# libraries that ship none, a find_path). A missing dependency stops configuration with the name
# of the Debian package that provides it; scripts/setup installs them all.

function(convlab_missing what package)
  message(FATAL_ERROR
    "convlab: ${what} was not found. Install it with:\n"
    "  sudo apt-get install ${package}\n"
    "or run scripts/setup, which installs every dependency.")
endfunction()

find_package(GTest CONFIG QUIET)
if(NOT GTest_FOUND)
  convlab_missing("GoogleTest" "libgtest-dev")
endif()

find_package(benchmark CONFIG QUIET)
if(NOT benchmark_FOUND)
  convlab_missing("Google Benchmark" "libbenchmark-dev")
endif()

find_package(Vc 1.4 CONFIG QUIET)
if(NOT Vc_FOUND)
  convlab_missing("Vc (SIMD vector classes)" "vc-dev")
endif()

find_package(CLI11 CONFIG QUIET)
if(NOT CLI11_FOUND)
  convlab_missing("CLI11" "libcli11-dev")
endif()

find_package(ZLIB QUIET)
if(NOT ZLIB_FOUND)
  convlab_missing("zlib" "zlib1g-dev")
endif()

# fast-cpp-csv-parser: header-only, Debian installs it as <libfccp/csv.h>.
find_path(CONVLAB_FCCP_INCLUDE_DIR NAMES csv.h PATH_SUFFIXES libfccp)
if(NOT CONVLAB_FCCP_INCLUDE_DIR)
  convlab_missing("fast-cpp-csv-parser (csv.h)" "libfccp-dev")
endif()
find_package(Threads REQUIRED)
add_library(convlab_fccp INTERFACE)
target_include_directories(convlab_fccp SYSTEM INTERFACE "${CONVLAB_FCCP_INCLUDE_DIR}")
target_link_libraries(convlab_fccp INTERFACE Threads::Threads)
# csv.h copies file names with strncpy into a fixed buffer; GCC's truncation warning fires after
# inlining, where the system-header exemption no longer applies. The truncation is intended.
target_compile_options(convlab_fccp INTERFACE $<$<CXX_COMPILER_ID:GNU>:-Wno-stringop-truncation>)

# gnuplot-iostream: header-only, needs Boost.Iostreams and the gnuplot program at run time.
find_path(CONVLAB_GNUPLOT_IOSTREAM_INCLUDE_DIR NAMES gnuplot-iostream.h)
if(NOT CONVLAB_GNUPLOT_IOSTREAM_INCLUDE_DIR)
  convlab_missing("gnuplot-iostream" "libgnuplot-iostream-dev")
endif()
find_package(Boost QUIET COMPONENTS iostreams filesystem)
if(NOT Boost_FOUND)
  convlab_missing("Boost.Iostreams and Boost.Filesystem"
                  "libboost-iostreams-dev libboost-filesystem-dev")
endif()
add_library(convlab_gnuplot INTERFACE)
target_include_directories(convlab_gnuplot SYSTEM INTERFACE
                           "${CONVLAB_GNUPLOT_IOSTREAM_INCLUDE_DIR}")
# Its temporary-file support (GNUPLOT_USE_TMPFILE, on with Boost >= 1.46) calls Boost.Filesystem.
target_link_libraries(convlab_gnuplot INTERFACE Boost::iostreams Boost::filesystem)

# The Vc vector width this build must produce: 8 floats when the target ISA has AVX (Vc 1.4
# stops at AVX2), else 4. Tested by tests/test_vc_width.cpp so an ISA mix-up fails loudly.
if(NOT DEFINED CONVLAB_EXPECTED_VC_FLOAT_WIDTH)
  include(CheckCXXSourceCompiles)
  set(CMAKE_REQUIRED_FLAGS "${CONVLAB_ISA}")
  check_cxx_source_compiles("
    #ifndef __AVX__
    #error no AVX
    #endif
    int main() { return 0; }" CONVLAB_ISA_HAS_AVX)
  unset(CMAKE_REQUIRED_FLAGS)
  if(CONVLAB_ISA_HAS_AVX)
    set(_width 8)
  else()
    set(_width 4)
  endif()
  set(CONVLAB_EXPECTED_VC_FLOAT_WIDTH ${_width} CACHE STRING "Vc::float_v::size() expected")
endif()
message(STATUS "convlab: ISA flags '${CONVLAB_ISA}', Vc float width ${CONVLAB_EXPECTED_VC_FLOAT_WIDTH}")

# Optional peers of the benchmarks (bench/): oneDNN and OpenBLAS. The library and the tests never
# use them; bench_variants registers them as variants `onednn*` and `openblas_*` when found.
# Found by header and library rather than dnnl's CMake config, whose find_package(OpenCL
# REQUIRED) would stop configuration on machines without the OpenCL headers.
find_path(CONVLAB_DNNL_INCLUDE_DIR NAMES oneapi/dnnl/dnnl.hpp)
find_library(CONVLAB_DNNL_LIBRARY NAMES dnnl)
if(CONVLAB_DNNL_INCLUDE_DIR AND CONVLAB_DNNL_LIBRARY)
  set(CONVLAB_HAVE_DNNL ON)
  add_library(convlab_dnnl INTERFACE)
  target_include_directories(convlab_dnnl SYSTEM INTERFACE "${CONVLAB_DNNL_INCLUDE_DIR}")
  target_link_libraries(convlab_dnnl INTERFACE "${CONVLAB_DNNL_LIBRARY}")
  message(STATUS "bench: oneDNN found (${CONVLAB_DNNL_LIBRARY})")
else()
  set(CONVLAB_HAVE_DNNL OFF)
  message(STATUS "bench: oneDNN not found, skipping (install libdnnl-dev to compare with it)")
endif()

# OpenBLAS: the library and its own cblas.h, found beside openblas_config.h (a bare cblas.h may
# be the reference CBLAS, without openblas_get_corename).
find_library(CONVLAB_OPENBLAS_LIBRARY NAMES openblas)
find_path(CONVLAB_OPENBLAS_INCLUDE_DIR NAMES openblas_config.h
          PATH_SUFFIXES openblas openblas-pthread x86_64-linux-gnu/openblas-pthread
                        x86_64-linux-gnu/openblas-openmp x86_64-linux-gnu/openblas-serial)
if(CONVLAB_OPENBLAS_LIBRARY AND CONVLAB_OPENBLAS_INCLUDE_DIR)
  set(CONVLAB_HAVE_OPENBLAS ON)
  add_library(convlab_openblas INTERFACE)
  target_include_directories(convlab_openblas SYSTEM INTERFACE "${CONVLAB_OPENBLAS_INCLUDE_DIR}")
  target_link_libraries(convlab_openblas INTERFACE "${CONVLAB_OPENBLAS_LIBRARY}")
  message(STATUS "bench: OpenBLAS found (${CONVLAB_OPENBLAS_LIBRARY})")
else()
  set(CONVLAB_HAVE_OPENBLAS OFF)
  message(STATUS "bench: OpenBLAS not found, skipping (install libopenblas-dev to compare with it)")
endif()
