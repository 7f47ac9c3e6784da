#include "sys/cpuinfo.h"

#include "sys/fd.h"

namespace coreflow {
namespace {

std::string_view Trim(std::string_view s) {
  size_t begin = s.find_first_not_of(" \t");
  if (begin == std::string_view::npos) return {};
  size_t end = s.find_last_not_of(" \t\r");
  return s.substr(begin, end - begin + 1);
}

}  // namespace

std::string CpuinfoField(std::string_view cpuinfo, std::string_view key) {
  while (!cpuinfo.empty()) {
    size_t end = cpuinfo.find('\n');
    std::string_view line = cpuinfo.substr(0, end);
    cpuinfo.remove_prefix(end == std::string_view::npos ? cpuinfo.size() : end + 1);
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    if (Trim(line.substr(0, colon)) == key) return std::string(Trim(line.substr(colon + 1)));
  }
  return "";
}

std::string ReadCpuinfo(const std::string& root) {
  std::string text;
  if (!ReadSmallFile(root + "/proc/cpuinfo", &text)) return "";
  return text;
}

}  // namespace coreflow
