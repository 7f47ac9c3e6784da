#include "sys/process_tag.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <vector>

#include "test_util.h"

namespace coreflow {
namespace {

using testutil::ScratchDir;
using testutil::WriteFile;

using namespace std::string_literals;

TEST(ProcessTag, EntryAndParse) {
  EXPECT_EQ(RunTagEntry("0123abcd", 42), "COREFLOW_RUN=0123abcd.42");
  RunTag tag;
  ASSERT_TRUE(ParseRunTag("0123abcd.42", &tag));
  EXPECT_EQ(tag.run_id, "0123abcd");
  EXPECT_EQ(tag.process, 42u);
  ASSERT_TRUE(ParseRunTag("a.b.1099511627776", &tag));  // the last dot separates
  EXPECT_EQ(tag.run_id, "a.b");
  EXPECT_EQ(tag.process, 1099511627776u);
  for (const char* bad : {"", "abc", ".5", "abc.", "abc.-1", "abc.x"}) {
    EXPECT_FALSE(ParseRunTag(bad, &tag)) << bad;
  }
}

TEST(ProcessTag, FindEnvironmentValue) {
  std::string block = "PATH=/bin\0COREFLOW_RUNX=no\0COREFLOW_RUN=ab.1\0HOME=/\0"s;
  std::string_view value;
  ASSERT_TRUE(FindEnvironmentValue(block, "COREFLOW_RUN", &value));
  EXPECT_EQ(value, "ab.1");
  ASSERT_TRUE(FindEnvironmentValue(block, "HOME", &value));
  EXPECT_EQ(value, "/");
  EXPECT_FALSE(FindEnvironmentValue(block, "COREFLOW", &value));
  EXPECT_FALSE(FindEnvironmentValue("", "PATH", &value));
  // A block cut off without its last NUL still yields its last entry.
  std::string cut = "A=1\0B=2"s;
  ASSERT_TRUE(FindEnvironmentValue(cut, "B", &value));
  EXPECT_EQ(value, "2");
}

// A fake /proc: one directory per process with stat and environ.
class FakeProc {
 public:
  FakeProc() : dir_("process_tag") {}
  void Add(pid_t pid, pid_t ppid, pid_t pgrp, char state, const std::string& environ) {
    std::string d = dir_.path() + "/" + std::to_string(pid);
    ASSERT_EQ(mkdir(d.c_str(), 0755), 0);
    // Fields 6-22 as the kernel writes them: session, tty, tpgid, flags, ..., starttime.
    WriteFile(d + "/stat", std::to_string(pid) + " (a (tricky) name) " + state + " " +
                               std::to_string(ppid) + " " + std::to_string(pgrp) +
                               " 0 0 -1 4194304 0 0 0 0 0 0 0 0 20 0 1 0 12345 0 0\n");
    WriteFile(d + "/environ", environ);
  }
  const std::string& root() const { return dir_.path(); }

 private:
  ScratchDir dir_;
};

TEST(ProcessTag, FindsTheProcessesOfGivenRunsOnly) {
  FakeProc proc;
  proc.Add(100, 1, 100, 'S', "COREFLOW_RUN=aaaa.1\0X=1\0"s);
  proc.Add(101, 100, 101, 'S', "Y=2\0COREFLOW_RUN=aaaa.7\0"s);
  proc.Add(102, 1, 102, 'S', "COREFLOW_RUN=bbbb.1\0"s);
  proc.Add(103, 1, 103, 'Z', "");  // a zombie's environment reads empty
  proc.Add(104, 1, 104, 'S', "PATH=/bin\0"s);
  auto found = FindRunProcesses({"aaaa"}, proc.root());
  std::sort(found.begin(), found.end());
  EXPECT_EQ(found, (std::vector<pid_t>{100, 101}));
  found = FindRunProcesses({"aaaa", "bbbb"}, proc.root());
  EXPECT_EQ(found.size(), 3u);
  EXPECT_TRUE(FindRunProcesses({}, proc.root()).empty());
  RunTag tag;
  ASSERT_TRUE(ReadRunTag(101, &tag, proc.root()));
  EXPECT_EQ(tag.process, 7u);
  EXPECT_FALSE(ReadRunTag(104, &tag, proc.root()));
  EXPECT_FALSE(ReadRunTag(999, &tag, proc.root()));
}

TEST(ProcessTag, NeverFindsItselfOrAnAncestor) {
  FakeProc proc;
  pid_t self = getpid();
  // As when a task of the crashed run resumes it: its own tag names that run.
  proc.Add(self, 55, self, 'R', "COREFLOW_RUN=aaaa.3\0"s);
  proc.Add(55, 1, 55, 'S', "COREFLOW_RUN=aaaa.3\0"s);
  proc.Add(56, 55, 55, 'S', "COREFLOW_RUN=aaaa.3\0"s);
  EXPECT_EQ(FindRunProcesses({"aaaa"}, proc.root()), std::vector<pid_t>{56});
}

TEST(ProcessTag, ProcessesWithoutAnEnvironmentThatStartedSinceAreSuspects) {
  FakeProc proc;
  WriteFile(proc.root() + "/stat", "cpu 1 2 3\nbtime 1000\nprocesses 9\n");
  long ticks = sysconf(_SC_CLK_TCK);
  proc.Add(300, 1, 300, 'S', "COREFLOW_RUN=aaaa.1\0"s);
  proc.Add(301, 1, 301, 'R', "");  // in execve: empty for a moment
  proc.Add(302, 1, 302, 'Z', "");  // a zombie
  EXPECT_EQ(ProcessStartTime(301, proc.root()), 1000 + 12345.0 / static_cast<double>(ticks));
  RunScan scan = ScanRun({"aaaa"}, 1000, proc.root());
  EXPECT_EQ(scan.tagged, std::vector<pid_t>{300});
  EXPECT_EQ(scan.suspects, std::vector<pid_t>{301});
  // Started before the run: not one of its processes.
  EXPECT_TRUE(ScanRun({"aaaa"}, 1e9, proc.root()).suspects.empty());
  EXPECT_TRUE(ScanRun({"aaaa"}, 0, proc.root()).suspects.empty());  // not asked for
}

TEST(ProcessTag, ListProcessGroupLeavesOutZombiesAndOthers) {
  FakeProc proc;
  proc.Add(200, 1, 200, 'S', "");
  proc.Add(201, 200, 200, 'R', "");
  proc.Add(202, 200, 200, 'Z', "");
  proc.Add(203, 200, 203, 'S', "");
  auto members = ListProcessGroup(200, proc.root());
  std::sort(members.begin(), members.end());
  EXPECT_EQ(members, (std::vector<pid_t>{200, 201}));
  EXPECT_TRUE(ListProcessGroup(999, proc.root()).empty());
}

TEST(ProcessTag, EndRunProcessesEndsARealProcessTree) {
  ScratchDir dir("process_tag");
  std::string ready = dir.path() + "/ready";
  std::string id = "feed" + std::to_string(getpid());
  // A detached tree of the "run": three processes, one of them in a session of its own.
  std::string cmd = "COREFLOW_RUN=" + id +
                    ".1 setsid sh -c 'sleep 300 & setsid sleep 300 & touch " + ready +
                    "; wait' > /dev/null 2>&1 &";
  ASSERT_EQ(system(cmd.c_str()), 0);
  for (int i = 0; i < 3000 && access(ready.c_str(), F_OK) != 0; ++i) usleep(10000);
  ASSERT_EQ(access(ready.c_str(), F_OK), 0);
  // At least the shell and its two sleeps. A child still on its way through exec (setsid)
  // may not show its environment yet, so wait for the three, on a loaded machine too.
  size_t found = 0;
  for (int i = 0; i < 3000 && (found = FindRunProcesses({id}).size()) < 3; ++i) usleep(10000);
  EXPECT_GE(found, 3u);
  EndedProcesses ended = EndRunProcesses({id}, ProcessStartTime(getpid()), 30 * kNanosPerSecond);
  EXPECT_TRUE(ended.all_gone);
  EXPECT_GE(ended.killed, 3);
  EXPECT_TRUE(FindRunProcesses({id}).empty());
  EXPECT_EQ(EndRunProcesses({id}, 0, kNanosPerSecond).killed, 0);
}

}  // namespace
}  // namespace coreflow
