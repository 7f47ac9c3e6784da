#include "sys/process.h"

#include <dirent.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <sstream>
#include <string>

#include "sys/fd.h"

extern char** environ;

namespace coreflow {

Environment ProcessEnvironment() {
  std::vector<std::string> entries;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) entries.emplace_back(*e);
  return Environment(entries);
}

int BecomeChildSubreaper() { return ::prctl(PR_SET_CHILD_SUBREAPER, 1) == 0 ? 0 : errno; }

std::vector<pid_t> ListChildren() {
  std::vector<pid_t> children;
  DIR* dir = ::opendir("/proc/self/task");
  if (dir == nullptr) return children;
  while (dirent* entry = ::readdir(dir)) {
    if (entry->d_name[0] == '.') continue;
    std::string text;
    if (!ReadSmallFile(std::string("/proc/self/task/") + entry->d_name + "/children", &text)) {
      continue;
    }
    std::istringstream in(text);
    pid_t pid = 0;
    while (in >> pid) children.push_back(pid);
  }
  ::closedir(dir);
  return children;
}

int PidfdOpen(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }

}  // namespace coreflow
