#include "sys/copy.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include <fmt/format.h>

#include "sys/fd.h"
#include "sys/fs.h"

namespace coreflow {
namespace {

bool SameContentsStamp(const struct stat& a, const struct stat& b) {
  return S_ISREG(b.st_mode) && a.st_size == b.st_size && a.st_mtim.tv_sec == b.st_mtim.tv_sec &&
         a.st_mtim.tv_nsec == b.st_mtim.tv_nsec;
}

// Moves what is left of `in` to `out`: copy_file_range while the kernel can, then read/write.
int CopyData(int in, int out, uint64_t size, uint64_t* copied) {
  bool in_kernel = true;
  std::vector<char> buffer;  // with read/write only
  while (*copied < size) {
    if (in_kernel) {
      ssize_t n = copy_file_range(in, nullptr, out, nullptr, size - *copied, 0);
      if (n > 0) {
        *copied += static_cast<uint64_t>(n);
        continue;
      }
      if (n == 0) return 0;  // the source shrank while it was copied
      if (errno == EINTR) continue;
      if (errno != EXDEV && errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP) {
        return errno;
      }
      in_kernel = false;  // across file systems, or one that cannot: copy through memory
      buffer.resize(1 << 20);
    }
    ssize_t n = read(in, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno;
    if (n == 0) return 0;
    for (ssize_t done = 0; done < n;) {
      ssize_t w = write(out, buffer.data() + done, static_cast<size_t>(n - done));
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) return errno;
      done += w;
    }
    *copied += static_cast<uint64_t>(n);
  }
  return 0;
}

std::string DirectoryOf(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

}  // namespace

int CopyFileWhole(const std::string& src, const std::string& dest, CopyResult* result,
                  std::string* step) {
  *result = CopyResult{};
  UniqueFd in(open(src.c_str(), O_RDONLY | O_CLOEXEC));
  if (!in.valid()) {
    *step = "open the source";
    return errno;
  }
  struct stat from {};
  if (fstat(in.get(), &from) != 0) {
    *step = "stat the source";
    return errno;
  }
  if (!S_ISREG(from.st_mode)) {
    *step = "copy the source (not a regular file)";
    return EINVAL;
  }
  if (struct stat to{}; stat(dest.c_str(), &to) == 0 && SameContentsStamp(from, to)) {
    result->identical = true;
    return 0;
  }
  if (int e = MakeDirs(DirectoryOf(dest)); e != 0) {
    *step = "make the destination's directory";
    return e;
  }
  size_t slash = dest.rfind('/');
  std::string name = slash == std::string::npos ? dest : dest.substr(slash + 1);
  // One name per destination: a copy cut short by a crash is replaced by the next one.
  std::string temp = fmt::format("{}/.{}.coreflow-part", DirectoryOf(dest), name);
  UniqueFd out(open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, from.st_mode & 07777));
  if (!out.valid()) {
    *step = "create the destination";
    return errno;
  }
  auto fail = [&](const char* what, int e) {
    unlink(temp.c_str());
    *step = what;
    return e;
  };
  if (int e = CopyData(in.get(), out.get(), static_cast<uint64_t>(from.st_size), &result->bytes)) {
    return fail("write", e);
  }
  // The source's times make the copy recognisable as one (SameContentsStamp) next time.
  struct timespec times[2] = {from.st_atim, from.st_mtim};
  if (futimens(out.get(), times) != 0) return fail("set the copy's times", errno);
  if (close(out.Release()) != 0) return fail("write", errno);
  if (rename(temp.c_str(), dest.c_str()) != 0) return fail("rename the copy into place", errno);
  return 0;
}

}  // namespace coreflow
