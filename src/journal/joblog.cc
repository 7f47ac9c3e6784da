#include "journal/joblog.h"

#include <cerrno>

#include <fmt/format.h>

namespace coreflow {
namespace {

// One record per line: newlines and tabs in a command would break the columns.
std::string EscapeField(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\\') {
      out += "\\\\";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace

bool JobLog::Open(const std::string& path, int stdout_fd, std::string* err) {
  if (path == "-") {
    fd_ = stdout_fd;
  } else {
    owned_.Reset(OpenForWriting(path));
    if (!owned_.valid()) {
      *err = fmt::format("cannot create joblog '{}': {}", path, ErrnoText(errno));
      return false;
    }
    fd_ = owned_.get();
  }
  if (int e = WriteAll(fd_, Header())) {
    *err = fmt::format("cannot write joblog '{}': {}", path, ErrnoText(e));
    return false;
  }
  return true;
}

std::string JobLog::Header() {
  return "Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand\n";
}

std::string JobLog::FormatLine(const TaskRecord& r) {
  // GNU parallel writes -1 as the exit value of a task it killed for a timeout. Its Receive
  // column counts the bytes of standard output only.
  int exitval = r.outcome.timed_out ? -1 : r.outcome.exit_code;
  return fmt::format("{}\t:\t{:.3f}\t{:10.3f}\t0\t{}\t{}\t{}\t{}\n", r.seq,
                     ToSeconds(r.started_wall), ToSeconds(r.ended - r.started), r.out_bytes,
                     exitval, r.outcome.signal, EscapeField(r.command_line));
}

void JobLog::OnTaskFinished(const TaskRecord& record, const RunTotals&) {
  if (!record.final || fd_ < 0 || error_ != 0) return;
  error_ = WriteAll(fd_, FormatLine(record));
}

}  // namespace coreflow
