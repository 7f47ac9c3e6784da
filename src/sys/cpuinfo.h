#pragma once

#include <string>
#include <string_view>

namespace coreflow {

// The value of the first "key<TAB>: value" line of /proc/cpuinfo text (the first processor's),
// trimmed; empty when there is no such line. Pure, for tests.
std::string CpuinfoField(std::string_view cpuinfo, std::string_view key);

// `root`/proc/cpuinfo (root prefixes it for tests); empty when it cannot be read.
std::string ReadCpuinfo(const std::string& root = "");

}  // namespace coreflow
