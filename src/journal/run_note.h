#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace coreflow {

// Which coreflow process wrote a stretch of a journal: the '#run' note written after the
// header and after each '#resume'. A resume reads the ids to end what a crashed run left
// running (every task carries its run's id in COREFLOW_RUN); a second coreflow refused the
// journal's lock names the holder from it.
struct RunNote {
  std::string id;  // 16 lowercase hex digits, new for every coreflow process
  int64_t pid = 0;
  std::string host;
  double started = 0;  // seconds since the epoch
  std::string shard;   // "i/n" for a run of --shard, else empty
  bool operator==(const RunNote&) const = default;
};

inline constexpr std::string_view kRunNoteKind = "run";

std::string FormatRunNote(const RunNote& note);  // the note's text: one line of JSON
bool ParseRunNote(std::string_view text, RunNote* out);

// The last '#run' note in the file at `path`, read leniently (the file may be written to as it
// is read, or be no journal at all). False when there is none.
bool LastRunNote(const std::string& path, RunNote* out);

// "pid 123 on node7, started 2026-12-06 10:00:01" for messages.
std::string DescribeRun(const RunNote& note);

}  // namespace coreflow
