#pragma once

#include <cstdint>
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

 private:
  std::vector<std::string> values_;
  size_t next_ = 0;
};

// Records separated by `delimiter` ('\n' or '\0') read from a descriptor in 64 KiB chunks.
// The last record needs no trailing delimiter. A pipe or terminal with nothing to read yields
// kWouldBlock instead of blocking (the descriptor itself stays blocking: it may be shared).
class DelimitedReader : public InputSource {
 public:
  // `name` is used in error messages ("stdin", the file's path).
  DelimitedReader(UniqueFd fd, char delimiter, std::string name);
  // For a descriptor this reader must not close (stdin).
  DelimitedReader(int borrowed_fd, char delimiter, std::string name);
  ReadStatus Next(std::string* value, std::string* err) override;
  int fd() const override { return fd_; }
  bool CountRemaining(uint64_t* n) const override;

  static constexpr size_t kMaxRecordBytes = 64u << 20;

 private:
  // Counts the record and refuses one holding a NUL (unless NUL is the delimiter).
  ReadStatus Checked(const std::string& value, std::string* err);

  UniqueFd owned_;
  int fd_;
  char delimiter_;
  std::string name_;
  std::string buffer_;
  size_t start_ = 0;    // first unconsumed byte in buffer_
  size_t scanned_ = 0;  // bytes after start_ known not to hold a delimiter
  bool eof_ = false;
  bool may_block_ = false;
  uint64_t records_ =
      0;  // read so far, for messages  // pipes and terminals: check readiness before each read
};

}  // namespace coreflow
