#include "sys/directory.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace coreflow {
namespace {

DirEntry::Type TypeOfMode(mode_t mode) {
  if (S_ISDIR(mode)) return DirEntry::Type::kDirectory;
  if (S_ISREG(mode)) return DirEntry::Type::kFile;
  return DirEntry::Type::kOther;
}

// The type from d_type, or from lstat relative to the open directory when d_type is unknown
// (some network and older file systems). An entry gone meanwhile reads as "other".
DirEntry::Type TypeOf(int dir_fd, const struct dirent& e) {
  switch (e.d_type) {
    case DT_DIR:
      return DirEntry::Type::kDirectory;
    case DT_REG:
      return DirEntry::Type::kFile;
    case DT_UNKNOWN:
      break;
    default:
      return DirEntry::Type::kOther;
  }
  struct stat st {};
  for (;;) {
    if (::fstatat(dir_fd, e.d_name, &st, AT_SYMLINK_NOFOLLOW) == 0) return TypeOfMode(st.st_mode);
    if (errno != EINTR) return DirEntry::Type::kOther;
  }
}

}  // namespace

int SystemDirectoryReader::Read(const std::string& dir, std::vector<DirEntry>* entries) {
  int fd;
  do {
    fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return errno;
  DIR* d = ::fdopendir(fd);
  if (d == nullptr) {
    int e = errno;
    ::close(fd);
    return e;
  }
  int result = 0;
  for (;;) {
    errno = 0;
    struct dirent* e = ::readdir(d);
    if (e == nullptr) {
      result = errno;  // 0 at the end; readdir is not interrupted by signals
      break;
    }
    if (std::strcmp(e->d_name, ".") == 0 || std::strcmp(e->d_name, "..") == 0) continue;
    entries->push_back(DirEntry{e->d_name, TypeOf(fd, *e)});
  }
  ::closedir(d);  // closes fd too
  return result;
}

}  // namespace coreflow
