#include "sys/file_state.h"

#include <dirent.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace coreflow {

namespace {

FileIdentity FromStat(const struct stat& st) {
  FileIdentity id;
  id.exists = true;
  id.dev = st.st_dev;
  id.ino = st.st_ino;
  id.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
  id.size = static_cast<int64_t>(st.st_size);
  return id;
}

}  // namespace

FileIdentity StatFile(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return FileIdentity{};
  return FromStat(st);
}

FileIdentity StatFd(int fd) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return FileIdentity{};
  return FromStat(st);
}

int RemoveFile(const std::string& path) {
  if (::unlink(path.c_str()) == 0 || errno == ENOENT) return 0;
  return errno;
}

int MovePath(const std::string& from, const std::string& to) {
  return ::rename(from.c_str(), to.c_str()) == 0 ? 0 : errno;
}

bool DirectoryIndex::Exists(const std::string& path) {
  size_t slash = path.find_last_of('/');
  std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  if (name.empty()) return StatFile(path).exists;  // 'dir/': ask the file system itself
  auto [it, inserted] = dirs_.try_emplace(dir);
  if (inserted) {
    ++scans_;
    // A directory that cannot be read (missing, no permission) holds nothing we can see.
    if (DIR* d = ::opendir(dir.c_str())) {
      while (dirent* e = ::readdir(d)) it->second.insert(e->d_name);
      ::closedir(d);
    }
  }
  return it->second.count(name) > 0;
}

}  // namespace coreflow
