#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sys/cpu.h"
#include "sys/memory.h"
#include "sys/topology.h"

namespace coreflow {

// What identifies this hardware and allocation for the tuning cache (DESIGN.md, Autotuning).
// The hostname is left out on purpose: identical nodes share their tuning.
struct HwSignatureInputs {
  std::string cpu_model;
  std::vector<std::string> cpu_flags;  // any order: they are sorted and deduplicated
  int packages = 0;
  int numa_nodes = 0;
  int l3_groups = 0;
  int cores = 0;
  int pus = 0;
  std::vector<CacheLevel> caches;
  int usable_cores = 0;
  uint64_t memory_bytes = 0;  // GrantedMemoryBytes
};

struct HwSignature {
  std::string text;  // the canonical "key=value" lines that were hashed
  std::string hash;  // SHA-256 of `text`, 64 lowercase hex digits
};

// Pure: equal inputs give equal text and hash, in every run and release of this version.
HwSignature MakeHwSignature(const HwSignatureInputs& in);

// The memory this allocation was granted, steady from run to run (unlike MemAvailable): the
// smallest of MemTotal (whole GiB), the cgroup memory limits up the tree and Slurm's memory;
// 0 when none is known. `root` prefixes /proc and /sys (tests).
uint64_t GrantedMemoryBytes(const MemoryBudget& budget, const std::string& root = "");

// The inputs from what was detected; `cpuinfo` is the text of /proc/cpuinfo (for its flags).
HwSignatureInputs SignatureInputsFrom(const Topology& topo, const CpuBudget& cpu,
                                      uint64_t memory_bytes, std::string_view cpuinfo);

}  // namespace coreflow
