#include "exec/output_buffer.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "sys/fault.h"

namespace coreflow {
namespace {

int WriteSpill(int fd, std::string_view data) {
  if (int e = InjectedFault(FaultSite::kSpillWrite)) return e;
  return WriteAll(fd, data.data(), data.size());
}

}  // namespace

int OutputBuffer::Append(std::string_view data) {
  size_ += data.size();
  if (spill_failed_) {
    memory_.append(data);
    return 0;
  }
  if (!spill_.valid() && memory_.size() + data.size() > memory_limit_ && spill_dir_ != nullptr) {
    UniqueFd fd(spill_dir_->CreateAnonymousFile());
    int e = fd.valid() ? WriteSpill(fd.get(), memory_) : errno;
    if (e != 0) {
      spill_failed_ = true;  // do not try again for every chunk
      memory_.append(data);
      return e;
    }
    spill_bytes_ = memory_.size();
    memory_.clear();
    memory_.shrink_to_fit();
    spill_ = std::move(fd);
  }
  if (!spill_.valid()) {
    memory_.append(data);
    return 0;
  }
  int e = WriteSpill(spill_.get(), data);
  if (e == 0) {
    spill_bytes_ += data.size();
    return 0;
  }
  // The file system is full: drop the partial write and keep this chunk and everything after
  // it in memory, so nothing is lost and the order stays right (the file, then memory).
  TruncateFile(spill_.get(), spill_bytes_);
  spill_failed_ = true;
  memory_.append(data);
  return e;
}

void AppendPrefixedLines(std::string_view data, std::string_view prefix, bool* at_line_start,
                         std::string* out) {
  size_t i = 0;
  while (i < data.size()) {
    if (*at_line_start) out->append(prefix);
    size_t newline = data.find('\n', i);
    size_t end = newline == std::string_view::npos ? data.size() : newline + 1;
    out->append(data.substr(i, end - i));
    *at_line_start = newline != std::string_view::npos;
    i = end;
  }
}

int OutputBuffer::ForEachPiece(const std::function<int(std::string_view)>& fn) const {
  if (spill_.valid()) {
    char buffer[65536];
    off_t offset = 0;
    for (;;) {
      ssize_t n = ::pread(spill_.get(), buffer, sizeof buffer, offset);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return errno;
      if (n == 0) break;
      if (int e = fn(std::string_view(buffer, static_cast<size_t>(n)))) return e;
      offset += n;
    }
  }
  return fn(memory_);
}

int OutputBuffer::WriteTo(int fd, std::string_view line_prefix) const {
  if (!line_prefix.empty()) {
    bool at_line_start = true;
    std::string prefixed;
    return ForEachPiece([&](std::string_view data) {
      prefixed.clear();
      AppendPrefixedLines(data, line_prefix, &at_line_start, &prefixed);
      return WriteAll(fd, prefixed);
    });
  }
  if (spill_.valid()) {
    int e = CopyFileToFd(spill_.get(), fd);
    if (e != 0) return e;
  }
  return WriteAll(fd, memory_);
}

std::string OutputBuffer::ToString() const {
  std::string out;
  ForEachPiece([&](std::string_view data) {
    out.append(data);
    return 0;
  });
  return out;
}

std::string OutputBuffer::Tail(size_t max_bytes) const {
  if (memory_.size() >= max_bytes || !spill_.valid()) {
    return memory_.substr(memory_.size() - std::min(memory_.size(), max_bytes));
  }
  // The rest comes from the end of the spill file: the memory part follows it.
  uint64_t want = std::min<uint64_t>(max_bytes - memory_.size(), spill_bytes_);
  std::string out(want, '\0');
  size_t got = 0;
  while (got < want) {
    ssize_t n = ::pread(spill_.get(), out.data() + got, want - got,
                        static_cast<off_t>(spill_bytes_ - want + got));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  out.resize(got);
  return out + memory_;
}

void KeepTail(std::string* tail, std::string_view data, size_t max_bytes) {
  if (data.size() >= max_bytes) {
    tail->assign(data.substr(data.size() - max_bytes));
    return;
  }
  size_t keep = std::min(tail->size(), max_bytes - data.size());
  tail->erase(0, tail->size() - keep);
  tail->append(data);
}

}  // namespace coreflow
