#pragma once

#include <string>
#include <string_view>

#include "base/time.h"
#include "journal/format.h"
#include "journal/reader.h"
#include "sys/fd.h"

namespace coreflow {

// Appends to the journal: every record goes out at once with write(), so it survives a crash of
// coreflow, and is fdatasync'ed within kSyncInterval and at Close(), which bounds what a power
// loss can take. After the first error nothing more is written (the journal stays parseable).
class JournalWriter {
 public:
  static constexpr Nanos kSyncInterval = 100 * kNanosPerMilli;

  // Opens `path` (creating it, keeping what it holds) and locks it, so that no second coreflow
  // writes the same journal; a resume calls this before it reads the journal. False with *err
  // naming the coreflow that holds the lock, when it can tell. Create and Continue call it
  // when it was not called before.
  bool Acquire(const std::string& path, std::string* err);
  // Starts a journal at `path`, replacing what is there; "-" writes to `stdout_fd` (no syncing,
  // no lock).
  bool Create(const std::string& path, int stdout_fd, const Hash128& template_hash,
              std::string_view template_text, std::string* err);
  // Continues the journal a resumed run read (`info`): cuts a torn last line, notes the resume.
  bool Continue(const std::string& path, const JournalInfo& info, Nanos wall, std::string* err);

  // Both return 0 or the errno of the first failed write.
  int RecordStart(const StartMark& mark, Nanos now);
  int RecordAttempt(const JournalRecord& record, Nanos now);
  // A '#kind<TAB>text' note (text escaped as a field), such as the run's configuration.
  int RecordNote(std::string_view kind, std::string_view text, Nanos now);
  // When unsynced records must be synced by; 0 when everything is synced.
  Nanos SyncDue() const { return dirty_ ? dirty_since_ + kSyncInterval : 0; }
  int Sync(Nanos now);
  int Close();

  int error() const { return error_; }
  // The format written: kJournalVersion, or that of the journal continued.
  int version() const { return version_; }
  // What Acquire could not do but went on without (a file system without locks); "" if none.
  const std::string& warning() const { return warning_; }
  const std::string& path() const { return path_; }

 private:
  int Write(const std::string& text, Nanos now);

  UniqueFd owned_;
  int fd_ = -1;
  bool syncable_ = false;
  std::string path_;
  bool dirty_ = false;
  Nanos dirty_since_ = 0;
  int error_ = 0;
  int version_ = kJournalVersion;
  std::string warning_;
};

}  // namespace coreflow
