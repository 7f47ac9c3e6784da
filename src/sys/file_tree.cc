#include "sys/file_tree.h"

#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "sys/fd.h"

namespace coreflow {
namespace {

int RemoveOne(const char* path, const struct stat*, int type, struct FTW*) {
  int r = type == FTW_DP ? ::rmdir(path) : ::unlink(path);
  return r == 0 || errno == ENOENT ? 0 : errno;
}

}  // namespace

int MakeTempDirectory(const std::string& prefix, std::string* path) {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl =
      std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/" + prefix + "XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (::mkdtemp(buf.data()) == nullptr) return errno;
  *path = buf.data();
  return 0;
}

int RemoveTree(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return errno == ENOENT ? 0 : errno;
  // Depth first, without following links or crossing into other file systems.
  int r = ::nftw(path.c_str(), RemoveOne, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
  return r < 0 ? errno : r;
}

int HashFile(const std::string& path, Hash128* hash, uint64_t* bytes) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return errno;
  Hasher128 hasher;
  uint64_t total = 0;
  char buf[1 << 16];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno;
    if (n == 0) break;
    hasher.Update(std::string_view(buf, static_cast<size_t>(n)));
    total += static_cast<uint64_t>(n);
  }
  *hash = hasher.Digest();
  *bytes = total;
  return 0;
}

}  // namespace coreflow
