#include "cli/stage_command.h"

#include <fmt/format.h>

#include <string>

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

}  // namespace coreflow
