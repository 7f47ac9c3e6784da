#include "inputs/source.h"

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace coreflow {

ReadStatus ListSource::Next(std::string* value, std::string*) {
  if (next_ >= values_.size()) return ReadStatus::kEnd;
  *value = values_[next_++];
  return ReadStatus::kValue;
}

DelimitedReader::DelimitedReader(UniqueFd fd, char delimiter, std::string name)
    : owned_(std::move(fd)),
      fd_(owned_.get()),
      delimiter_(delimiter),
      name_(std::move(name)),
      may_block_(!IsRegularFile(fd_)) {}

DelimitedReader::DelimitedReader(int borrowed_fd, char delimiter, std::string name)
    : fd_(borrowed_fd),
      delimiter_(delimiter),
      name_(std::move(name)),
      may_block_(!IsRegularFile(fd_)) {}

bool DelimitedReader::CountRemaining(uint64_t* n) const {
  // Only before the first read: afterwards part of the file sits in our buffer.
  if (may_block_ || !buffer_.empty() || eof_) return false;
  return CountRecords(fd_, delimiter_, n) == 0;
}

ReadStatus DelimitedReader::Checked(const std::string& value, std::string* err) {
  ++records_;
  // A command line cannot hold a NUL: the value would be cut there without a word.
  if (delimiter_ != '\0' && value.find('\0') != std::string::npos) {
    *err = fmt::format(
        "{}: input {} holds a NUL byte, which no command can receive; if the inputs are "
        "NUL-separated, give -0 (or -d '\\0'), else remove the NUL bytes",
        name_, records_);
    return ReadStatus::kError;
  }
  return ReadStatus::kValue;
}

ReadStatus DelimitedReader::Next(std::string* value, std::string* err) {
  for (;;) {
    const char* begin = buffer_.data() + start_;
    size_t available = buffer_.size() - start_;
    const void* hit = std::memchr(begin + scanned_, delimiter_, available - scanned_);
    if (hit != nullptr) {
      size_t len = static_cast<size_t>(static_cast<const char*>(hit) - begin);
      value->assign(begin, len);
      start_ += len + 1;
      scanned_ = 0;
      return Checked(*value, err);
    }
    scanned_ = available;
    if (eof_) {
      if (available == 0) return ReadStatus::kEnd;
      value->assign(begin, available);  // a last record without a trailing delimiter
      start_ = buffer_.size();
      scanned_ = 0;
      return Checked(*value, err);
    }
    if (available > kMaxRecordBytes) {
      *err = fmt::format("{}: a record is longer than {} MiB; is the delimiter right (-0)?", name_,
                         kMaxRecordBytes >> 20);
      return ReadStatus::kError;
    }
    // Drop consumed bytes before growing, so memory stays at one chunk plus one record.
    if (start_ > 0) {
      buffer_.erase(0, start_);
      start_ = 0;
    }
    if (may_block_ && !ReadableNow(fd_)) return ReadStatus::kWouldBlock;
    size_t old = buffer_.size();
    constexpr size_t kChunk = 64 * 1024;
    buffer_.resize(old + kChunk);
    ssize_t n = ReadSome(fd_, buffer_.data() + old, kChunk);
    if (n < 0) {
      int e = errno;
      buffer_.resize(old);
      if (e == EAGAIN || e == EWOULDBLOCK) return ReadStatus::kWouldBlock;
      *err = fmt::format("{}: read failed: {}", name_, ErrnoText(e));
      return ReadStatus::kError;
    }
    buffer_.resize(old + static_cast<size_t>(n));
    if (n == 0) eof_ = true;
  }
}

}  // namespace coreflow
