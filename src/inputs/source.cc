#include "inputs/source.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string_view>

#include <fmt/format.h>

namespace coreflow {

ReadStatus ListSource::Next(std::string* value, std::string*) {
  if (next_ >= values_.size()) return ReadStatus::kEnd;
  *value = values_[next_++];
  return ReadStatus::kValue;
}

DelimitedReader::DelimitedReader(UniqueFd fd, std::string delimiter, std::string name)
    : DelimitedReader(fd.get(), std::move(delimiter), std::move(name)) {
  owned_ = std::move(fd);
}

DelimitedReader::DelimitedReader(int borrowed_fd, std::string delimiter, std::string name)
    : fd_(borrowed_fd),
      delimiter_(std::move(delimiter)),
      name_(std::move(name)),
      may_block_(!IsRegularFile(fd_)) {
  // A regular file can be counted ahead and read again from here (--link).
  if (!may_block_ && FileOffset(fd_, &first_offset_) != 0) may_block_ = true;
  buffer_offset_ = first_offset_;
}

bool DelimitedReader::CountRemaining(uint64_t* n) const {
  if (may_block_) return false;
  return CountRecords(fd_, buffer_offset_ + start_, delimiter_, n) == 0;
}

bool DelimitedReader::Rewind() {
  if (may_block_ || SeekTo(fd_, first_offset_) != 0) return false;
  buffer_.clear();
  start_ = scanned_ = 0;
  eof_ = false;
  records_ = 0;
  buffer_offset_ = first_offset_;
  return true;
}

ReadStatus DelimitedReader::Checked(const std::string& value, std::string* err) {
  ++records_;
  // A command line cannot hold a NUL: the value would be cut there without a word.
  if (delimiter_ != std::string_view("\0", 1) && value.find('\0') != std::string::npos) {
    *err = fmt::format(
        "{}: input {} holds a NUL byte, which no command can receive; if the inputs are "
        "NUL-separated, give -0 (or -d '\\0'), else remove the NUL bytes",
        name_, records_);
    return ReadStatus::kError;
  }
  return ReadStatus::kValue;
}

size_t DelimitedReader::FindDelimiter(size_t from) const {
  if (delimiter_.size() == 1) {  // the common case: memchr is the fastest search there is
    const char* base = buffer_.data();
    const void* hit = std::memchr(base + from, delimiter_[0], buffer_.size() - from);
    return hit == nullptr ? std::string::npos
                          : static_cast<size_t>(static_cast<const char*>(hit) - base);
  }
  return std::string_view(buffer_).find(delimiter_, from);
}

ReadStatus DelimitedReader::Next(std::string* value, std::string* err) {
  for (;;) {
    size_t hit = FindDelimiter(start_ + scanned_);
    if (hit != std::string::npos) {
      value->assign(buffer_, start_, hit - start_);
      start_ = hit + delimiter_.size();
      scanned_ = 0;
      return Checked(*value, err);
    }
    size_t available = buffer_.size() - start_;
    // The last bytes may begin a delimiter that the next read completes.
    scanned_ = available - std::min(available, delimiter_.size() - 1);
    if (eof_) {
      if (available == 0) return ReadStatus::kEnd;
      value->assign(buffer_, start_, available);  // a last record without a trailing delimiter
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
      buffer_offset_ += start_;
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

ReadStatus ReplaySource::Next(std::string* value, std::string* err) {
  if (replaying_) {
    if (next_ >= seen_.size()) return ReadStatus::kEnd;
    *value = seen_[next_++];
    return ReadStatus::kValue;
  }
  ReadStatus s = inner_->Next(value, err);
  if (s == ReadStatus::kValue) seen_.push_back(*value);
  if (s == ReadStatus::kEnd) ended_ = true;
  return s;
}

bool ReplaySource::CountRemaining(uint64_t* n) const {
  if (!replaying_) return inner_->CountRemaining(n);
  *n = seen_.size() - next_;
  return true;
}

bool ReplaySource::Rewind() {
  if (!ended_) return false;  // only a whole recording can stand for the source
  replaying_ = true;
  next_ = 0;
  return true;
}

}  // namespace coreflow
