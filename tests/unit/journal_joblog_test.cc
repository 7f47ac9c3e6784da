#include "journal/joblog.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <vector>

#include "sys/fd.h"
#include "test_util.h"

namespace coreflow {
namespace {

using testutil::IgnoreSigpipe;
using testutil::ReadFile;
using testutil::ScratchDir;

constexpr Nanos kSec = kNanosPerSecond;
constexpr Nanos kMs = kNanosPerMilli;

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    size_t at = s.find(sep, start);
    if (at == std::string::npos) {
      out.push_back(s.substr(start));
      return out;
    }
    out.push_back(s.substr(start, at - start));
    start = at + 1;
  }
}

TaskRecord Record(uint64_t seq, const std::string& command) {
  TaskRecord r;
  r.seq = seq;
  r.started_wall = Nanos{1700000000} * kSec + 123'456'789;
  r.started = 50 * kSec;
  r.ended = r.started + 1500 * kMs;
  r.out_bytes = 42;
  r.err_bytes = 7;
  r.command_line = command;
  return r;
}

TEST(JobLog, HeaderHasGnuParallelsNineColumns) {
  EXPECT_EQ(JobLog::Header(),
            "Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand\n");
}

TEST(JobLog, LineHasNineTabSeparatedColumns) {
  std::string line = JobLog::FormatLine(Record(3, "echo hello"));
  ASSERT_EQ(line.back(), '\n');
  std::vector<std::string> cols = Split(line.substr(0, line.size() - 1), '\t');
  ASSERT_EQ(cols.size(), 9u) << line;
  EXPECT_EQ(cols[0], "3");
  EXPECT_EQ(cols[1], ":");               // the local host, as GNU parallel writes it
  EXPECT_EQ(cols[2], "1700000000.123");  // %.3f seconds since the epoch
  EXPECT_EQ(cols[3], "     1.500");      // %10.3f
  EXPECT_EQ(cols[4], "0");               // Send
  EXPECT_EQ(cols[5], "42");              // Receive: stdout bytes only
  EXPECT_EQ(cols[6], "0");               // Exitval
  EXPECT_EQ(cols[7], "0");               // Signal
  EXPECT_EQ(cols[8], "echo hello");
  EXPECT_EQ(line, "3\t:\t1700000000.123\t     1.500\t0\t42\t0\t0\techo hello\n");
}

TEST(JobLog, RuntimeIsRightAlignedInTenColumnsAndGrowsPastThem) {
  TaskRecord r = Record(1, "x");
  r.ended = r.started;
  EXPECT_EQ(Split(JobLog::FormatLine(r), '\t')[3], "     0.000");
  r.ended = r.started + 1234567 * kSec + 891 * kMs;
  EXPECT_EQ(Split(JobLog::FormatLine(r), '\t')[3], "1234567.891");
  r.ended = r.started + 999;  // rounds to three decimals
  EXPECT_EQ(Split(JobLog::FormatLine(r), '\t')[3], "     0.000");
  r.ended = r.started + 2 * kMs - 1;
  EXPECT_EQ(Split(JobLog::FormatLine(r), '\t')[3], "     0.002");
}

TEST(JobLog, ExitvalAndSignalColumns) {
  TaskRecord failed = Record(1, "x");
  failed.outcome.exit_code = 3;
  std::vector<std::string> cols = Split(JobLog::FormatLine(failed), '\t');
  EXPECT_EQ(cols[6], "3");
  EXPECT_EQ(cols[7], "0");

  TaskRecord killed = Record(1, "x");
  killed.outcome.signal = SIGKILL;
  cols = Split(JobLog::FormatLine(killed), '\t');
  EXPECT_EQ(cols[6], "0");
  EXPECT_EQ(cols[7], "9");

  TaskRecord timed_out = Record(1, "x");
  timed_out.outcome.signal = SIGTERM;
  timed_out.outcome.timed_out = true;
  cols = Split(JobLog::FormatLine(timed_out), '\t');
  EXPECT_EQ(cols[6], "-1");  // GNU parallel's mark for a task killed by --timeout
  EXPECT_EQ(cols[7], "15");

  TaskRecord not_found = Record(1, "x");
  not_found.outcome.exit_code = 127;
  cols = Split(JobLog::FormatLine(not_found), '\t');
  EXPECT_EQ(cols[6], "127");
}

TEST(JobLog, EscapesTabsNewlinesAndBackslashesInTheCommand) {
  std::string line = JobLog::FormatLine(Record(1, "printf 'a\tb\nc' \\ d\\n"));
  EXPECT_EQ(Split(line, '\n').size(), 2u);  // one line: the text, then the empty rest
  std::vector<std::string> cols = Split(line.substr(0, line.size() - 1), '\t');
  ASSERT_EQ(cols.size(), 9u);
  EXPECT_EQ(cols[8], "printf 'a\\tb\\nc' \\\\ d\\\\n");
}

TEST(JobLog, WritesTheHeaderThenOnlyFinalAttempts) {
  ScratchDir dir("joblog_test");
  std::string path = dir.path() + "/joblog";
  JobLog log;
  std::string err;
  ASSERT_TRUE(log.Open(path, -1, &err)) << err;
  EXPECT_EQ(ReadFile(path), JobLog::Header());
  EXPECT_TRUE(log.WantsCommandLine());

  TaskRecord retried = Record(1, "try");
  retried.final = false;
  retried.outcome.exit_code = 1;
  log.OnTaskFinished(retried, RunTotals{});
  EXPECT_EQ(ReadFile(path), JobLog::Header());  // an attempt that will be retried: no line

  TaskRecord last = Record(1, "try");
  last.attempt = 2;
  log.OnTaskFinished(last, RunTotals{});
  TaskRecord other = Record(2, "other");
  log.OnTaskFinished(other, RunTotals{});
  EXPECT_EQ(ReadFile(path),
            JobLog::Header() + JobLog::FormatLine(last) + JobLog::FormatLine(other));
  EXPECT_EQ(log.error(), 0);
}

TEST(JobLog, OpenTruncatesAnExistingFile) {
  ScratchDir dir("joblog_test");
  std::string path = dir.path() + "/joblog";
  {
    UniqueFd fd(OpenForWriting(path));
    ASSERT_EQ(WriteAll(fd.get(), "old contents that are longer than the header...........\n"), 0);
  }
  JobLog log;
  std::string err;
  ASSERT_TRUE(log.Open(path, -1, &err)) << err;
  EXPECT_EQ(ReadFile(path), JobLog::Header());
}

TEST(JobLog, DashWritesToTheGivenStdout) {
  UniqueFd out(memfd_create("joblog_test", MFD_CLOEXEC));
  ASSERT_TRUE(out.valid());
  JobLog log;
  std::string err;
  ASSERT_TRUE(log.Open("-", out.get(), &err)) << err;
  log.OnTaskFinished(Record(1, "cmd"), RunTotals{});
  char buffer[4096];
  ssize_t n = pread(out.get(), buffer, sizeof buffer, 0);
  ASSERT_GT(n, 0);
  EXPECT_EQ(std::string(buffer, static_cast<size_t>(n)),
            JobLog::Header() + JobLog::FormatLine(Record(1, "cmd")));
  // The descriptor is borrowed: it stays open after the log is gone.
  { JobLog other; }
  EXPECT_GE(fcntl(out.get(), F_GETFD), 0);
}

TEST(JobLog, OpenErrorsNameThePath) {
  ScratchDir dir("joblog_test");
  std::string path = dir.path() + "/missing-dir/joblog";
  JobLog log;
  std::string err;
  EXPECT_FALSE(log.Open(path, -1, &err));
  EXPECT_NE(err.find("'" + path + "'"), std::string::npos) << err;
  EXPECT_NE(err.find("No such file or directory"), std::string::npos) << err;
  // A log that failed to open writes nothing and does not crash.
  log.OnTaskFinished(Record(1, "x"), RunTotals{});
  EXPECT_EQ(log.error(), 0);
}

TEST(JobLog, WriteErrorsAreRememberedAndStopFurtherWrites) {
  IgnoreSigpipe ignore;
  UniqueFd r, w;
  ASSERT_EQ(MakePipe(&r, &w, true), 0);
  JobLog log;
  std::string err;
  ASSERT_TRUE(log.Open("-", w.get(), &err)) << err;
  r.Reset();
  log.OnTaskFinished(Record(1, "x"), RunTotals{});
  EXPECT_EQ(log.error(), EPIPE);
  log.OnTaskFinished(Record(2, "y"), RunTotals{});
  EXPECT_EQ(log.error(), EPIPE);

  // A header that cannot be written fails Open, naming the path.
  JobLog broken;
  EXPECT_FALSE(broken.Open("-", w.get(), &err));
  EXPECT_NE(err.find("'-'"), std::string::npos) << err;
}

}  // namespace
}  // namespace coreflow
