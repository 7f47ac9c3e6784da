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

bool DirectoryIndex::Exists(const std::string& path) {
  size_t slash = path.find_last_of('/');
  std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  if (name.empty()) return disk_->Stat(path).exists;  // 'dir/': ask the file system itself
  auto [it, inserted] = dirs_.try_emplace(dir);
  if (inserted) {
    ++scans_;
    // A directory that cannot be read (missing, no permission) holds nothing we can see.
    std::vector<std::string> names;
    disk_->List(dir, &names);
    it->second.insert(names.begin(), names.end());
  }
  return it->second.count(name) > 0;
}

void DirectoryIndex::Know(const std::string& dir, const std::vector<std::string>& names) {
  auto [it, inserted] = dirs_.try_emplace(dir);
  if (inserted) it->second.insert(names.begin(), names.end());
}

}  // namespace coreflow
