#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "base/hash128.h"
#include "journal/reader.h"

namespace coreflow {

// What a merge did, for its summary line.
struct MergeSummary {
  int journals = 0;
  uint64_t records = 0;                     // attempt records written
  uint64_t duplicates = 0;                  // lines left out because an earlier journal had them
  std::vector<std::string> torn;            // journals whose torn last line was left out
  std::vector<std::string> other_commands;  // journals written for another command template
};

// Combines the journals of the shards (or ranks, or runs) of one job into one journal that
// --resume reads as it would the journal of a single run. Lines are copied as they are, in the
// order of the journals; a line already written (a journal merged twice, a merge merged again)
// is left out, so merging is idempotent. The header is the first journal's; every journal must
// be of its version.
class JournalMerger {
 public:
  // `write` gets each line to keep, without its newline; it returns 0 or an errno.
  explicit JournalMerger(std::function<int(std::string_view line)> write)
      : write_(std::move(write)) {}

  // Before the lines of each journal: `name` is how messages call it.
  void BeginJournal(std::string_view name);
  // One complete line that parsed, as JournalCallbacks::on_line delivers it. False with *err
  // when the journal cannot join the merge or the line cannot be written.
  bool AddLine(std::string_view line, const JournalInfo& info, std::string* err);
  // After the last line of the journal begun: notes what was left out of it.
  void EndJournal(const JournalInfo& info);

  const MergeSummary& summary() const { return summary_; }

 private:
  std::function<int(std::string_view)> write_;
  std::unordered_set<Hash128, Hash128Hasher> seen_;
  std::string name_;
  std::string first_name_;
  bool at_header_ = false;
  int version_ = 0;
  Hash128 template_hash_;
  MergeSummary summary_;
};

// `coreflow journal merge`: merges the journals at `inputs` into `output`, replacing it all at
// once (it may be one of the inputs). False with *err naming the journal at fault.
bool MergeJournalFiles(const std::vector<std::string>& inputs, const std::string& output,
                       MergeSummary* summary, std::string* err);

}  // namespace coreflow
