#include "sys/memory.h"

#include <algorithm>
#include <string_view>

#include "base/parse.h"
#include "sys/cgroup.h"
#include "sys/fd.h"

namespace coreflow {
namespace {

constexpr uint64_t kMiB = uint64_t{1} << 20;
constexpr uint64_t kMaxReserve = 512 * kMiB;
// Slurm sizes beyond an exbibyte are typos; refusing them also keeps the arithmetic in range.
constexpr uint64_t kMaxSlurmMiB = uint64_t{1} << 40;

// The fields of /proc/meminfo that bound what new work can get.
struct Meminfo {
  std::optional<uint64_t> total;
  std::optional<uint64_t> available;
  std::optional<uint64_t> free;
  std::optional<uint64_t> buffers;
  std::optional<uint64_t> cached;
};

// "   123 kB" after a meminfo key's colon, in bytes.
bool ParseKilobytes(std::string_view text, uint64_t* bytes) {
  size_t begin = text.find_first_not_of(' ');
  if (begin == std::string_view::npos) return false;
  text.remove_prefix(begin);
  size_t space = text.find(' ');
  if (space == std::string_view::npos || text.substr(space + 1) != "kB") return false;
  int64_t kib = 0;
  if (!ParseInt(text.substr(0, space), &kib) || kib < 0) return false;
  if (static_cast<uint64_t>(kib) > UINT64_MAX / 1024) return false;
  *bytes = static_cast<uint64_t>(kib) * 1024;
  return true;
}

Meminfo ParseMeminfo(std::string_view text) {
  Meminfo m;
  while (!text.empty()) {
    size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view key = line.substr(0, colon);
    std::optional<uint64_t>* field = key == "MemTotal"       ? &m.total
                                     : key == "MemAvailable" ? &m.available
                                     : key == "MemFree"      ? &m.free
                                     : key == "Buffers"      ? &m.buffers
                                     : key == "Cached"       ? &m.cached
                                                             : nullptr;
    uint64_t bytes = 0;
    if (field != nullptr && ParseKilobytes(line.substr(colon + 1), &bytes)) *field = bytes;
  }
  return m;
}

// MemAvailable or its fallback, and the name of whichever was used.
bool ReadMeminfo(const std::string& root, uint64_t* bytes, std::string* source) {
  std::string text;
  if (!ReadSmallFile(root + "/proc/meminfo", &text)) return false;
  Meminfo m = ParseMeminfo(text);
  if (m.available) {
    *bytes = *m.available;
    *source = "MemAvailable";
    return true;
  }
  // Page cache and buffers can mostly be reclaimed, which is what MemAvailable estimates.
  if (m.free && m.buffers && m.cached) {
    *bytes = *m.free + *m.buffers + *m.cached;
    *source = "MemFree+Buffers+Cached";
    return true;
  }
  return false;
}

// A cgroup file holding one non-negative number; "max" and garbage fail.
bool ReadCgroupValue(const std::string& path, uint64_t* value) {
  std::string text;
  if (!ReadSmallFile(path, &text)) return false;
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  int64_t n = 0;
  if (!ParseInt(text, &n) || n < 0) return false;
  *value = static_cast<uint64_t>(n);
  return true;
}

// The least room left under any memory limit up the tree: a parent whose limit is larger but
// mostly used by siblings binds before a roomy child.
std::optional<uint64_t> CgroupHeadroom(const std::string& root, std::string* source) {
  std::optional<uint64_t> best;
  for (const CgroupDir& d : CgroupDirsFor(root, "memory")) {
    const char* limit_name = d.v2 ? "memory.max" : "memory.limit_in_bytes";
    uint64_t limit = 0;
    if (!ReadCgroupValue(d.path + "/" + limit_name, &limit) || limit == 0) continue;
    if (limit >= static_cast<uint64_t>(INT64_MAX / 2)) continue;  // v1 spells "unlimited" ~2^63
    uint64_t usage = 0;
    // Without a usage file the whole limit counts as room.
    ReadCgroupValue(d.path + (d.v2 ? "/memory.current" : "/memory.usage_in_bytes"), &usage);
    uint64_t room = usage < limit ? limit - usage : 0;
    if (!best || room < *best) {
      best = room;
      *source = std::string("cgroup ") + limit_name;
    }
  }
  return best;
}

// A positive whole-number variable no larger than `max`.
bool PositiveVar(const Environment& env, const char* name, uint64_t max, uint64_t* value) {
  const std::string* v = env.Get(name);
  int64_t n = 0;
  if (v == nullptr || !ParseInt(*v, &n) || n <= 0 || static_cast<uint64_t>(n) > max) return false;
  *value = static_cast<uint64_t>(n);
  return true;
}

// Slurm's memory for this node in bytes. Its sizes are MiB; 0 means "all of the node's
// memory", which the other bounds already cover.
std::optional<uint64_t> SlurmMemory(const Environment& env, std::string* source) {
  uint64_t mib = 0;
  if (PositiveVar(env, "SLURM_MEM_PER_NODE", kMaxSlurmMiB, &mib)) {
    *source = "SLURM_MEM_PER_NODE";
    return mib * kMiB;
  }
  uint64_t per_cpu = 0, cpus = 0;
  if (PositiveVar(env, "SLURM_MEM_PER_CPU", kMaxSlurmMiB, &per_cpu) &&
      PositiveVar(env, "SLURM_CPUS_ON_NODE", 1'000'000, &cpus)) {
    uint64_t bytes = 0;
    if (__builtin_mul_overflow(per_cpu * kMiB, cpus, &bytes)) return std::nullopt;
    *source = "SLURM_MEM_PER_CPU";
    return bytes;
  }
  return std::nullopt;
}

}  // namespace

bool ReadMemAvailable(const std::string& root, uint64_t* bytes) {
  std::string source;
  return ReadMeminfo(root, bytes, &source);
}

bool ReadMemTotal(const std::string& root, uint64_t* bytes) {
  std::string text;
  if (!ReadSmallFile(root + "/proc/meminfo", &text)) return false;
  Meminfo m = ParseMeminfo(text);
  if (!m.total) return false;
  *bytes = *m.total;
  return true;
}

MemoryBudget DetectMemoryBudget(const Environment& env, const std::string& root) {
  MemoryBudget b;
  std::optional<uint64_t> smallest;
  auto consider = [&](uint64_t bytes, const std::string& source) {
    if (smallest && bytes >= *smallest) return;
    smallest = bytes;
    b.source = source;
  };

  std::string source;
  b.cgroup_limit = CgroupHeadroom(root, &source);
  if (b.cgroup_limit) consider(*b.cgroup_limit, source);
  if (ReadMeminfo(root, &b.mem_available, &source)) consider(b.mem_available, source);
  b.slurm_limit = SlurmMemory(env, &source);
  if (b.slurm_limit) consider(*b.slurm_limit, source);

  if (!smallest) return b;
  // Leave room for coreflow itself, the page cache and whatever the estimates missed.
  b.usable_bytes = *smallest - std::min(*smallest / 20, kMaxReserve);
  return b;
}

}  // namespace coreflow
