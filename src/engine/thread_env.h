#pragma once

#include <array>
#include <string>
#include <vector>

#include "base/environment.h"

namespace coreflow {

// Every threading knob that common numerical runtimes read. Each task gets all of them, even
// with one thread per task, so no BLAS or OpenMP pool silently grabs every core.
inline constexpr std::array<const char*, 13> kThreadCountVariables = {
    "OMP_NUM_THREADS",       "OMP_THREAD_LIMIT",  "OPENBLAS_NUM_THREADS",   "GOTO_NUM_THREADS",
    "MKL_NUM_THREADS",       "BLIS_NUM_THREADS",  "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS",
    "NUMEXPR_MAX_THREADS",   "NUMBA_NUM_THREADS", "JULIA_NUM_THREADS",      "RAYON_NUM_THREADS",
    "TF_NUM_INTRAOP_THREADS"};

struct ThreadVariable {
  std::string name;
  std::string value;
  std::string source;  // "-t", "your environment", "coreflow default"
};

// Sets the thread variables in `env` for `threads` per task. With `explicit_threads` (-t) every
// variable is set; otherwise a value the user exported is kept. Returns what was chosen.
std::vector<ThreadVariable> ApplyThreadVariables(int threads, bool explicit_threads,
                                                 Environment* env);

// The first thread count the user exported (OMP_NUM_THREADS, then the others in order) when it
// differs from `threads`: without -t, tasks run that many. False when none differs.
bool FindExportedThreads(const Environment& env, int threads, ThreadVariable* out);

}  // namespace coreflow
