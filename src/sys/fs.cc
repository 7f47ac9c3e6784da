#include "sys/fs.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <utility>
#include <vector>

#include "sys/fd.h"
#include "sys/file_tree.h"

namespace coreflow {

int MakeDirs(const std::string& path) {
  if (path.empty()) return 0;
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) return S_ISDIR(st.st_mode) ? 0 : ENOTDIR;
  size_t slash = path.find_last_of('/');
  if (slash != std::string::npos && slash > 0) {
    int e = MakeDirs(path.substr(0, slash));
    if (e != 0) return e;
  }
  if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) return errno;
  return 0;
}

bool PathExists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

bool IsRegularFilePath(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

namespace {

std::string TempNameBeside(const std::string& path) {
  return path + ".tmp." + std::to_string(::getpid());
}

}  // namespace

int WriteFileAtomically(const std::string& path, std::string_view contents) {
  AtomicFileWriter file;
  int e = file.Open(path);
  if (e == 0) e = file.Write(contents);
  return e == 0 ? file.Commit() : e;
}

AtomicFileWriter::~AtomicFileWriter() {
  if (fd_ < 0) return;
  ::close(fd_);
  ::unlink(temp_.c_str());
}

int AtomicFileWriter::Open(const std::string& path) {
  path_ = path;
  temp_ = TempNameBeside(path);
  // O_EXCL: never write through a link planted under the temporary name; a stale file of an
  // earlier run with this pid is removed first.
  fd_ = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd_ < 0 && errno == EEXIST && ::unlink(temp_.c_str()) == 0) {
    fd_ = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  }
  return fd_ < 0 ? errno : 0;
}

int AtomicFileWriter::Write(std::string_view data) {
  if (fd_ < 0) return EBADF;
  return WriteAll(fd_, data.data(), data.size());
}

int AtomicFileWriter::Commit() {
  if (fd_ < 0) return EBADF;
  int e = ::fsync(fd_) != 0 ? errno : 0;
  if (::close(std::exchange(fd_, -1)) != 0 && errno != EINTR && e == 0) e = errno;
  if (e == 0 && ::rename(temp_.c_str(), path_.c_str()) != 0) e = errno;
  if (e != 0) ::unlink(temp_.c_str());
  return e;
}

int CheckCanCreate(const std::string& path) {
  std::string temp = TempNameBeside(path);
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return errno;
  ::close(fd);
  ::unlink(temp.c_str());
  return 0;
}

int ListDirectory(const std::string& dir, std::vector<std::string>* names) {
  names->clear();
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return errno;
  errno = 0;
  while (dirent* e = ::readdir(d)) {
    std::string_view name = e->d_name;
    if (name != "." && name != "..") names->emplace_back(name);
  }
  int e = errno;
  ::closedir(d);
  return e;
}

PrivateTempDir::~PrivateTempDir() {
  if (!path_.empty()) ::rmdir(path_.c_str());  // only unlinked files were ever in it
}

int PrivateTempDir::EnsureCreated() {
  if (!path_.empty()) return 0;
  return MakeTempDirectory("coreflow.", &path_);  // mkdtemp creates it 0700
}

int PrivateTempDir::CreateAnonymousFile() {
  int e = EnsureCreated();
  if (e != 0) {
    errno = e;
    return -1;
  }
  int fd = ::open(path_.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd >= 0) return fd;
  if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL) return -1;
  // The file system has no O_TMPFILE: create a unique name exclusively and unlink it at once.
  std::string tmpl = path_ + "/spill.XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  fd = ::mkostemp(buf.data(), O_CLOEXEC);  // O_EXCL is implied
  if (fd < 0) return -1;
  ::unlink(buf.data());
  return fd;
}

}  // namespace coreflow
