#include "run/staging_copy.h"

#include <fmt/format.h>

#include <cctype>
#include <string_view>

#include "sys/copy.h"
#include "sys/fd.h"

namespace coreflow {

int CopyMain(const char* src, const char* dest) {
  CopyResult result;
  std::string step;
  if (int e = CopyFileWhole(src, dest, &result, &step); e != 0) {
    fmt::print(stderr, "coreflow: cannot stage '{}' to '{}': {}: {}\n", src, dest, step,
               ErrnoText(e));
    return 1;
  }
  return 0;
}

bool PlainPath(const std::string& path) {
  for (char c : path) {
    if (!std::isalnum(static_cast<unsigned char>(c)) &&
        std::string_view("/._+-,:@%=").find(c) == std::string_view::npos) {
      return false;
    }
  }
  return !path.empty();
}

}  // namespace coreflow
