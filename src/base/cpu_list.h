#pragma once

#include <string>
#include <vector>

namespace coreflow {

// CPU numbers as Linux writes a CPU list (taskset, cpuset.cpus): sorted, ranges joined,
// "0-3,8,10-11". Duplicates count once.
std::string FormatCpuList(std::vector<int> cpus);

}  // namespace coreflow
