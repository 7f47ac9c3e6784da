#pragma once

#include <string>
#include <vector>

#include "base/environment.h"
#include "tune/search.h"

namespace coreflow {

// What a tuned configuration is valid for; an exact match of all four is a cache hit.
struct TuneKey {
  std::string hardware;    // the hardware signature's text (coreflow hw)
  std::string allocation;  // usable cores and memory
  std::string software;    // the BLAS numpy loads, coreflow's version
  std::string workload;    // the command template, batching, the inputs' sources
  std::string Text() const;
  std::string Hash() const;  // SHA-256 of Text(): the file's name
};

struct CachedTune {
  TuneConfig config;
  double rate = 0;          // inputs per second it was measured at
  double default_rate = 0;  // and the default, for comparison (0 if not measured)
  std::string host;         // where it was tuned (recorded, not part of the key)
  std::string tuned_at;     // ISO 8601, UTC
  std::string mode;         // quick, default, exhaustive
  std::string key_text;
  std::vector<TrialResult> trials;
};

// ${COREFLOW_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/coreflow}/tune
std::string TuneCacheDir(const Environment& env);

// The cached configuration for `key`, if there is one whose key text matches exactly. A file
// that cannot be read or parsed counts as a miss (it is rewritten by the next tuning).
bool LoadTune(const std::string& dir, const TuneKey& key, CachedTune* out);
// Writes the file for `key` atomically (a reader sees the old one or the new one). 0 or errno.
int SaveTune(const std::string& dir, const TuneKey& key, const CachedTune& tune);

struct CachedTuneFile {
  std::string path;
  CachedTune tune;
};
// Every readable entry, for `coreflow tune --list`.
std::vector<CachedTuneFile> ListTunes(const std::string& dir);
// Removes every entry; returns how many, or -errno.
int ClearTunes(const std::string& dir);

}  // namespace coreflow
