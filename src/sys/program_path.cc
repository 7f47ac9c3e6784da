#include "sys/program_path.h"

#include <dlfcn.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string_view>

namespace coreflow {
namespace {

bool IsExecutableFile(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(path.c_str(), X_OK) == 0;
}

}  // namespace

std::string FindOnPath(const Environment& env, const std::string& program) {
  const std::string* path = env.Get("PATH");
  if (path == nullptr) return "";
  std::string_view rest = *path;
  while (true) {
    size_t colon = rest.find(':');
    std::string_view dir = rest.substr(0, colon);
    std::string candidate(dir.empty() ? std::string_view(".") : dir);  // an empty entry is "."
    candidate.append("/").append(program);  // appended: GCC 12's -Wrestrict misreads a + "/"
    if (IsExecutableFile(candidate)) return candidate;
    if (colon == std::string_view::npos) return "";
    rest.remove_prefix(colon + 1);
  }
}

std::string ProgramBesideObject(const void* address, const std::string& program) {
  Dl_info info{};
  if (dladdr(address, &info) == 0 || info.dli_fname == nullptr) return "";
  std::string dir = info.dli_fname;  // PREFIX/lib/[ARCH/]libcoreflow.so.0
  for (int up = 0; up < 3; ++up) {   // the file, lib/ARCH or lib, then lib
    size_t slash = dir.rfind('/');
    if (slash == std::string::npos || slash == 0) return "";
    dir.resize(slash);
    if (up == 0) continue;
    std::string candidate = dir;
    candidate.append("/bin/").append(program);
    if (IsExecutableFile(candidate)) return candidate;
  }
  return "";
}

}  // namespace coreflow
