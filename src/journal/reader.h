#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "journal/format.h"

namespace coreflow {

// What a journal says about itself, and where its last complete line ends.
struct JournalInfo {
  int version = 0;
  Hash128 template_hash;
  std::string template_text;
  uint64_t records = 0;
  uint64_t complete_bytes = 0;  // a resumed run appends from here, cutting a torn tail
  bool torn_tail = false;       // the last line had no newline: cut short by a crash
};

struct JournalCallbacks {
  std::function<void(const JournalRecord&)> on_record;
  std::function<void(const StartMark&)> on_start;
  // Other '#' lines: `kind` is the word after '#' ("resume", "config", "end"), `text` the
  // rest of the line after the tab, unescaped.
  std::function<void(std::string_view kind, const std::string& text)> on_note;
  // Every complete line that parsed, header included, as it is in the file (no newline): for
  // `coreflow journal merge`, which copies lines. `info` is what the journal said so far.
  std::function<void(std::string_view line, const JournalInfo& info)> on_line;
};

// Reads a journal as any kind of stop may have left it: the last line may be torn and is then
// ignored. Any other malformed line is an error naming its line number. Streams: a journal of
// millions of records is never held whole.
class JournalParser {
 public:
  explicit JournalParser(JournalCallbacks callbacks) : callbacks_(std::move(callbacks)) {}
  bool Feed(std::string_view chunk, std::string* err);
  bool Finish(std::string* err);
  const JournalInfo& info() const { return info_; }

 private:
  bool ParseLine(std::string_view line, std::string* err);

  JournalCallbacks callbacks_;
  JournalInfo info_;
  std::string partial_;
  uint64_t line_number_ = 0;
  bool failed_ = false;
};

// Reads the journal at `path`. False with *err (naming the path) if it cannot be read or is
// not a journal this version understands.
bool ReadJournal(const std::string& path, const JournalCallbacks& callbacks, JournalInfo* info,
                 std::string* err);

}  // namespace coreflow
