#include "journal/writer.h"

#include <fcntl.h>

#include <cerrno>

#include <fmt/format.h>

#include "journal/run_note.h"
#include "sys/fault.h"

namespace coreflow {

bool JournalWriter::Acquire(const std::string& path, std::string* err) {
  path_ = path;
  owned_.Reset(OpenForAppending(path));
  if (!owned_.valid()) {
    *err = fmt::format("cannot create journal '{}': {}", path, ErrnoText(errno));
    return false;
  }
  int e = LockExclusive(owned_.get());
  if (e == EWOULDBLOCK) {
    owned_.Reset();
    RunNote holder;
    std::string who = LastRunNote(path, &holder) ? " (" + DescribeRun(holder) + ")" : "";
    *err = fmt::format(
        "journal '{}' is in use by another coreflow{}; wait for it to end, or give this run "
        "another --joblog",
        path, who);
    return false;
  }
  if (e != 0) {
    // Some network file systems have no locks: go on, as GNU parallel always does.
    warning_ = fmt::format("cannot lock journal '{}': {}; make sure no other coreflow writes it",
                           path, ErrnoText(e));
  }
  fd_ = owned_.get();
  syncable_ = true;
  return true;
}

bool JournalWriter::Create(const std::string& path, int stdout_fd, const Hash128& template_hash,
                           std::string_view template_text, std::string* err) {
  version_ = kJournalVersion;
  if (path == "-") {
    path_ = path;
    fd_ = stdout_fd;
  } else {
    if (!owned_.valid() && !Acquire(path, err)) return false;
    // Cut only once the lock is ours: a run still writing the journal keeps it whole.
    if (int e = TruncateFile(fd_, 0)) {
      *err = fmt::format("cannot create journal '{}': {}", path, ErrnoText(e));
      return false;
    }
  }
  if (int e = WriteAll(fd_, JournalHeader(template_hash, template_text))) {
    *err = fmt::format("cannot write journal '{}': {}", path, ErrnoText(e));
    return false;
  }
  return true;
}

bool JournalWriter::Continue(const std::string& path, const JournalInfo& info, Nanos wall,
                             std::string* err) {
  if (!owned_.valid() && !Acquire(path, err)) return false;
  version_ = info.version;  // one journal, one format: keys must match what it holds
  // A torn record from a crash would run into the next one: cut it (O_APPEND writes at the end).
  if (info.torn_tail) {
    if (int e = TruncateFile(fd_, info.complete_bytes)) {
      *err = fmt::format("cannot cut the torn last line of journal '{}': {}", path, ErrnoText(e));
      return false;
    }
  }
  if (int e = WriteAll(fd_, FormatResumeNote(wall))) {
    *err = fmt::format("cannot write journal '{}': {}", path, ErrnoText(e));
    return false;
  }
  return true;
}

int JournalWriter::Write(const std::string& text, Nanos now) {
  if (error_ != 0) return error_;
  if (fd_ < 0) return 0;
  int e = InjectedFault(FaultSite::kJournalWrite);
  if (e != 0) {
    // As a full disk does: part of the line lands, the rest does not.
    WriteAll(fd_, text.data(), text.size() / 2);
  } else {
    e = WriteAll(fd_, text);
  }
  if (e != 0) {
    error_ = e;
    return e;
  }
  if (!syncable_) return 0;
  if (!dirty_) {
    dirty_ = true;
    dirty_since_ = now;
  }
  if (now >= SyncDue()) return Sync(now);
  return 0;
}

int JournalWriter::RecordStart(const StartMark& mark, Nanos now) {
  return Write(FormatStartMark(mark, version_), now);
}

int JournalWriter::RecordAttempt(const JournalRecord& record, Nanos now) {
  return Write(FormatRecord(record, version_), now);
}

int JournalWriter::RecordNote(std::string_view kind, std::string_view text, Nanos now) {
  return Write(fmt::format("#{}\t{}\n", kind, EscapeField(text)), now);
}

int JournalWriter::Sync(Nanos /*now*/) {
  if (!dirty_ || fd_ < 0) return error_;
  dirty_ = false;
  if (int e = SyncData(fd_)) {
    if (error_ == 0) error_ = e;
  }
  return error_;
}

int JournalWriter::Close() {
  int e = Sync(0);
  owned_.Reset();
  fd_ = -1;
  return e;
}

}  // namespace coreflow
