#include "sys/disk.h"

#include <dirent.h>

#include <cerrno>

namespace coreflow {

FileIdentity SystemDisk::Stat(const std::string& path) { return StatFile(path); }

int SystemDisk::Remove(const std::string& path) { return RemoveFile(path); }

int SystemDisk::Move(const std::string& from, const std::string& to) { return MovePath(from, to); }

int SystemDisk::List(const std::string& dir, std::vector<std::string>* names) {
  names->clear();
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return errno;
  errno = 0;
  while (dirent* e = ::readdir(d)) names->push_back(e->d_name);
  int e = errno;  // readdir returns null at the end and on an error; only errno tells
  ::closedir(d);
  return e;
}

}  // namespace coreflow
