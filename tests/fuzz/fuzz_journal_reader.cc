// Reads arbitrary bytes as a journal, whole and in two chunks split at a point chosen by the
// first byte: both must agree, and whatever parses must format back to what was read.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "journal/format.h"
#include "journal/reader.h"
#include "journal/resume.h"

namespace {

struct Result {
  bool ok = false;
  coreflow::JournalInfo info;
  std::vector<coreflow::JournalRecord> records;
  size_t starts = 0;
};

Result Parse(std::string_view text, size_t split) {
  Result r;
  coreflow::JournalCallbacks callbacks;
  callbacks.on_record = [&](const coreflow::JournalRecord& rec) { r.records.push_back(rec); };
  callbacks.on_start = [&](const coreflow::StartMark& m) {
    ++r.starts;
    // What a start mark says of the outputs either parses whole or not at all.
    std::vector<coreflow::FileIdentity> states;
    if (coreflow::ParseOutputStates(m.outputs, &states) &&
        coreflow::FormatOutputStates(states).size() > m.outputs.size() + 1) {
      __builtin_trap();
    }
    if (!coreflow::ParseOutputStates(m.outputs, &states) && !states.empty()) __builtin_trap();
  };
  coreflow::JournalParser parser(callbacks);
  std::string err;
  r.ok = parser.Feed(text.substr(0, split), &err) && parser.Feed(text.substr(split), &err) &&
         parser.Finish(&err);
  if (!r.ok && err.empty()) __builtin_trap();  // every refusal says why
  r.info = parser.info();
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  size_t split = text.empty() ? 0 : data[0] % (text.size() + 1);
  Result whole = Parse(text, text.size());
  Result chunked = Parse(text, split);
  if (whole.ok != chunked.ok || whole.records.size() != chunked.records.size() ||
      whole.starts != chunked.starts) {
    __builtin_trap();
  }
  if (!whole.ok) return 0;
  if (whole.info.complete_bytes != chunked.info.complete_bytes ||
      whole.info.complete_bytes > text.size() ||
      (whole.info.complete_bytes < text.size()) != whole.info.torn_tail) {
    __builtin_trap();
  }
  coreflow::ResumeIndex index;
  for (const coreflow::JournalRecord& r : whole.records) {
    // A parsed record formats to a line that parses to the same record.
    int version = whole.info.version;
    std::string line = coreflow::FormatRecord(r, version);
    coreflow::JournalRecord again;
    std::string err;
    if (!coreflow::ParseRecord(std::string_view(line).substr(0, line.size() - 1), &again, &err,
                               version) ||
        again.key != r.key || again.seq != r.seq || again.command != r.command ||
        again.outcome != r.outcome || again.final != r.final || again.exitval != r.exitval) {
      __builtin_trap();
    }
    index.Add(r);
    (void)index.Decide(r.key, false);
  }
  return 0;
}
