#pragma once

#include <string>
#include <string_view>

#include "base/environment.h"

namespace coreflow {

// The BLAS that numpy would load, found from files alone (importing numpy takes too long).
struct BlasInfo {
  std::string name;     // NameBlasLibrary of `library`; empty when unknown
  std::string library;  // the library file, symlinks resolved; empty when none was found
  std::string numpy;    // the numpy package directory found; empty when there is none
  std::string how;      // "bundled with numpy", "beside numpy, in DIR", "the system libblas.so.3"
};

// Names a BLAS library from its resolved path: "openblas-pthread", "openblas-openmp",
// "openblas-serial", "openblas", "blis-pthread", "blis-openmp", "blis-serial", "blis", "mkl",
// "atlas", "flexiblas", "accelerate" or "reference"; empty when it is none of these. Pure.
std::string NameBlasLibrary(std::string_view path);

// Looks for numpy where python3 would (PYTHONPATH, VIRTUAL_ENV, CONDA_PREFIX, ~/.local,
// /usr/local, /usr), then for the BLAS it bundles or links. Best effort: only stats and reads
// directories. `root` prefixes every path (tests).
BlasInfo DetectBlas(const Environment& env, const std::string& root = "");

}  // namespace coreflow
