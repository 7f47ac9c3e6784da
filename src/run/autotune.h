#pragma once

#include <string>
#include <vector>

#include "engine/engine.h"
#include "run/run_flags.h"
#include "sys/cpu.h"
#include "tune/cache.h"
#include "tune/online.h"

namespace coreflow {

// --autotune for one run: the search space, the cache entry, and what came of it.
struct AutotuneSetup {
  bool tuning = false;      // trials run in this run
  bool from_cache = false;  // the cached configuration was applied instead
  bool use_cache = true;
  std::string note;  // why a cached answer was not used, when there was one
  std::string cache_dir;
  TuneKey key;
  CachedTune cached;
  TuneSpace space;
  AutotuneOptions options;
  TuneConfig default_config;
};

// Checks the flags, builds the cache key for this machine and workload, and applies a cached
// configuration to *config when there is one (unless --retune). False with *err on bad flags.
bool PrepareAutotune(const RunFlags& f, const CpuBudget& cpus, RunConfig* config,
                     AutotuneSetup* out, std::string* err);

// After the run: records the winner in the cache and returns the lines to print.
std::string FinishAutotune(AutotuneSetup& setup, const AutotuneController& controller);

// `coreflow tune --list` / `--clear`.
int ListTuneCache(const Environment& env);
int ClearTuneCache(const Environment& env);

}  // namespace coreflow
