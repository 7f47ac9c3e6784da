#include "sys/hw_signature.h"

#include <algorithm>
#include <sstream>

#include <fmt/format.h>

#include "base/parse.h"
#include "base/sha256.h"
#include "sys/cgroup.h"
#include "sys/cpuinfo.h"
#include "sys/fd.h"

namespace coreflow {
namespace {

constexpr uint64_t kGiB = uint64_t{1} << 30;

// One line per value: a newline inside one would forge another key.
std::string OneLine(std::string s) {
  std::replace(s.begin(), s.end(), '\n', ' ');
  return s;
}

// MemTotal in bytes from `root`/proc/meminfo (its "Key: value" lines read like cpuinfo's).
uint64_t MemTotal(const std::string& root) {
  std::string text;
  if (!ReadSmallFile(root + "/proc/meminfo", &text)) return 0;
  std::string value = CpuinfoField(text, "MemTotal");
  int64_t kib = 0;
  size_t space = value.find(' ');
  if (space == std::string::npos || value.substr(space) != " kB" ||
      !ParseInt(value.substr(0, space), &kib) || kib <= 0) {
    return 0;
  }
  return static_cast<uint64_t>(kib) * 1024;
}

}  // namespace

HwSignature MakeHwSignature(const HwSignatureInputs& in) {
  std::vector<std::string> flags = in.cpu_flags;
  std::sort(flags.begin(), flags.end());
  flags.erase(std::unique(flags.begin(), flags.end()), flags.end());
  std::vector<CacheLevel> caches = in.caches;
  std::sort(caches.begin(), caches.end(),
            [](const CacheLevel& a, const CacheLevel& b) { return a.depth < b.depth; });

  std::string text = "coreflow-hw-signature 1\n";
  text += "cpu_model=" + OneLine(in.cpu_model) + "\n";
  std::string joined;
  for (const std::string& f : flags) joined += (joined.empty() ? "" : " ") + f;
  text += "cpu_flags=" + OneLine(joined) + "\n";
  text += fmt::format("packages={}\nnuma_nodes={}\nl3_groups={}\ncores={}\npus={}\n", in.packages,
                      in.numa_nodes, in.l3_groups, in.cores, in.pus);
  for (const CacheLevel& c : caches) {
    text += fmt::format("cache_l{}={}x{}\n", c.depth, c.bytes, c.count);
  }
  text += fmt::format("usable_cores={}\nmemory_bytes={}\n", in.usable_cores, in.memory_bytes);
  return {text, Sha256Hex(text)};
}

uint64_t GrantedMemoryBytes(const MemoryBudget& budget, const std::string& root) {
  uint64_t best = 0;
  auto consider = [&best](uint64_t bytes) {
    if (bytes > 0 && (best == 0 || bytes < best)) best = bytes;
  };
  // The kernel's own reservations move MemTotal by a few MiB between boots and releases.
  consider(MemTotal(root) / kGiB * kGiB);
  std::string where;
  consider(static_cast<uint64_t>(std::max<int64_t>(0, CgroupMemoryLimit(root, &where))));
  if (budget.slurm_limit) consider(*budget.slurm_limit);
  return best;
}

HwSignatureInputs SignatureInputsFrom(const Topology& topo, const CpuBudget& cpu,
                                      uint64_t memory_bytes, std::string_view cpuinfo) {
  HwSignatureInputs in;
  in.cpu_model = topo.cpu_model;
  std::string flags = CpuinfoField(cpuinfo, "flags");
  if (flags.empty()) flags = CpuinfoField(cpuinfo, "Features");  // arm64 names them so
  std::istringstream words(flags);
  for (std::string flag; words >> flag;) in.cpu_flags.push_back(flag);
  in.packages = topo.packages;
  in.numa_nodes = topo.numa_nodes;
  in.l3_groups = topo.l3_groups;
  in.cores = topo.cores;
  in.pus = static_cast<int>(topo.pus.size());
  in.caches = topo.caches;
  in.usable_cores = cpu.usable;
  in.memory_bytes = memory_bytes;
  return in;
}

}  // namespace coreflow
