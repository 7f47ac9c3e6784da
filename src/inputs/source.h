#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sys/fd.h"

namespace coreflow {

enum class ReadStatus { kValue, kEnd, kWouldBlock, kError };

// One input source (`::: a b`, `:::: file`, stdin). Values are produced one at a time so a
// million-line file never sits in memory whole.
class InputSource {
 public:
  virtual ~InputSource() = default;
  virtual ReadStatus Next(std::string* value, std::string* err) = 0;
  // The descriptor to wait on after kWouldBlock; -1 for sources that never block.
  virtual int fd() const { return -1; }
  // How many values are left, when that can be known without consuming them (values given
  // on the command line, a regular file). False for pipes and terminals.
  virtual bool CountRemaining(uint64_t* /*n*/) const { return false; }
  // Starts again at the first value, once Next() returned kEnd (--link recycles the shorter
  // sources). False for a source that cannot: a pipe; ReplaySource stands in for those.
  virtual bool Rewind() { return false; }
  // Whether Rewind() will work, asked before the first read.
  virtual bool CanRewind() const { return false; }
};

// Values given on the command line.
class ListSource : public InputSource {
 public:
  explicit ListSource(std::vector<std::string> values) : values_(std::move(values)) {}
  ReadStatus Next(std::string* value, std::string* err) override;
  bool CountRemaining(uint64_t* n) const override {
    *n = values_.size() - next_;
    return true;
  }
  bool Rewind() override {
    next_ = 0;
    return true;
  }
  bool CanRewind() const override { return true; }

 private:
  std::vector<std::string> values_;
  size_t next_ = 0;
};

// Records separated by `delimiter` ("\n", "\0", "\r\n", any non-empty string) read from a
// descriptor in 64 KiB chunks. The last record needs no trailing delimiter. A pipe or terminal
// with nothing to read yields kWouldBlock instead of blocking (the descriptor itself stays
// blocking: it may be shared).
class DelimitedReader : public InputSource {
 public:
  // `name` is used in error messages ("stdin", the file's path).
  DelimitedReader(UniqueFd fd, std::string delimiter, std::string name);
  // For a descriptor this reader must not close (stdin).
  DelimitedReader(int borrowed_fd, std::string delimiter, std::string name);
  DelimitedReader(UniqueFd fd, char delimiter, std::string name)
      : DelimitedReader(std::move(fd), std::string(1, delimiter), std::move(name)) {}
  DelimitedReader(int borrowed_fd, char delimiter, std::string name)
      : DelimitedReader(borrowed_fd, std::string(1, delimiter), std::move(name)) {}
  ReadStatus Next(std::string* value, std::string* err) override;
  int fd() const override { return fd_; }
  bool CountRemaining(uint64_t* n) const override;
  bool Rewind() override;  // regular files only: back to where the reader started
  bool CanRewind() const override { return !may_block_; }

  static constexpr size_t kMaxRecordBytes = 64u << 20;

 private:
  // Counts the record and refuses one holding a NUL (unless NUL is the delimiter).
  ReadStatus Checked(const std::string& value, std::string* err);
  // Where the next delimiter begins in buffer_ at or after `from`, or npos.
  size_t FindDelimiter(size_t from) const;

  UniqueFd owned_;
  int fd_;
  std::string delimiter_;
  std::string name_;
  std::string buffer_;
  size_t start_ = 0;    // first unconsumed byte in buffer_
  size_t scanned_ = 0;  // bytes after start_ known not to begin a delimiter
  bool eof_ = false;
  bool may_block_ = false;      // pipes and terminals: check readiness before each read
  uint64_t records_ = 0;        // read so far, for messages
  uint64_t first_offset_ = 0;   // a regular file's position when the reader began
  uint64_t buffer_offset_ = 0;  // the file offset of buffer_[0]
};

// Remembers the values of a source that cannot start again (a pipe), so that --link can
// replay them. It keeps every value, so it is used only where recycling may be needed.
class ReplaySource : public InputSource {
 public:
  explicit ReplaySource(std::unique_ptr<InputSource> inner) : inner_(std::move(inner)) {}
  ReadStatus Next(std::string* value, std::string* err) override;
  int fd() const override { return replaying_ ? -1 : inner_->fd(); }
  bool CountRemaining(uint64_t* n) const override;
  bool Rewind() override;
  bool CanRewind() const override { return true; }

 private:
  std::unique_ptr<InputSource> inner_;
  std::vector<std::string> seen_;
  bool ended_ = false;
  bool replaying_ = false;
  size_t next_ = 0;
};

}  // namespace coreflow
