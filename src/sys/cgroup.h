#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace coreflow {

// Where cgroup limits of this process live. `root` prefixes /proc and /sys so tests can fake
// both cgroup v1 (one hierarchy per controller) and v2 (the unified hierarchy), or a hybrid.
struct CgroupDir {
  std::string path;  // a directory in a mounted cgroup hierarchy
  bool v2 = false;
};

// The directories of this process's cgroup and every ancestor up to the hierarchy's mount,
// innermost first, for `controller` ("cpu", "memory") in v1 and for the v2 hierarchy.
std::vector<CgroupDir> CgroupDirsFor(const std::string& root, std::string_view controller);

// The smallest CPU quota up the tree in CPUs (quota / period), or 0 when there is none.
// `where` names the file that set it.
double CgroupCpuQuota(const std::string& root, std::string* where);

// The smallest memory limit up the tree in bytes, or 0 when there is none.
int64_t CgroupMemoryLimit(const std::string& root, std::string* where);

}  // namespace coreflow
