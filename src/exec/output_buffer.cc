#include "exec/output_buffer.h"

#include <unistd.h>

#include <cerrno>

namespace coreflow {

int OutputBuffer::Append(std::string_view data) {
  size_ += data.size();
  if (!spill_.valid() && memory_.size() + data.size() > memory_limit_ && spill_dir_ != nullptr) {
    UniqueFd fd(spill_dir_->CreateAnonymousFile());
    if (!fd.valid()) {
      memory_.append(data);
      return errno;
    }
    int e = WriteAll(fd.get(), memory_);
    if (e != 0) {
      memory_.append(data);
      return e;
    }
    memory_.clear();
    memory_.shrink_to_fit();
    spill_ = std::move(fd);
  }
  if (spill_.valid()) {
    int e = WriteAll(spill_.get(), data.data(), data.size());
    if (e != 0) {
      // The file system is full: keep the rest in memory rather than lose it.
      memory_.append(data);
      return e;
    }
    return 0;
  }
  memory_.append(data);
  return 0;
}

int OutputBuffer::WriteTo(int fd) const {
  if (spill_.valid()) {
    int e = CopyFileToFd(spill_.get(), fd);
    if (e != 0) return e;
  }
  return WriteAll(fd, memory_);
}

std::string OutputBuffer::ToString() const {
  std::string out;
  if (spill_.valid()) {
    char buffer[65536];
    off_t offset = 0;
    for (;;) {
      ssize_t n = ::pread(spill_.get(), buffer, sizeof buffer, offset);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      out.append(buffer, static_cast<size_t>(n));
      offset += n;
    }
  }
  out.append(memory_);
  return out;
}

}  // namespace coreflow
