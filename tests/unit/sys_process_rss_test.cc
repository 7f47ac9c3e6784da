#include "sys/process_rss.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <unordered_map>

#include <fmt/format.h>

#include "test_util.h"

namespace coreflow {
namespace {

using RssMap = std::unordered_map<int, uint64_t>;

const uint64_t kPage = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
constexpr uint64_t kMiB = uint64_t{1} << 20;

// A fake /proc: one directory per process holding a stat file as the kernel writes it.
class FakeProc : public testutil::ScratchDir {
 public:
  FakeProc() : ScratchDir("process_rss_test") {}

  // Adds process `pid` named `comm` in group `pgid` with `rss_pages` resident. The session and
  // the parent differ from the group, so that reading the wrong field shows.
  void AddProcess(int pid, const std::string& comm, int pgid, uint64_t rss_pages, int ppid = 1) {
    Write(fmt::format("{}/stat", pid),
          fmt::format("{} ({}) S {} {} {} 34816 {} 4194560 1517 0 0 0 3 1 0 0 20 0 1 0 123456 "
                      "9437184 {} 18446744073709551615 94367001853952 94367001871777 "
                      "140723471513520 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0 94367001884560 "
                      "94367001885824 94367016886272 140723471519283 140723471519304 "
                      "140723471519304 140723471519724 0\n",
                      pid, comm, ppid, pgid, pgid + 7000, pgid, rss_pages));
  }
};

TEST(ProcessRssTest, SumsEachWatchedGroup) {
  FakeProc proc;
  proc.AddProcess(100, "bash", 100, 10);
  proc.AddProcess(101, "python3", 100, 20);
  proc.AddProcess(102, "sort", 100, 300);
  proc.AddProcess(200, "a.out", 200, 5);
  ProcessGroupRss rss(proc.path());
  rss.Watch(100);
  rss.Watch(200);
  RssMap got;
  ASSERT_TRUE(rss.Sample(&got));
  EXPECT_EQ(got, (RssMap{{100, 330 * kPage}, {200, 5 * kPage}}));
}

TEST(ProcessRssTest, WhatEscapedAGroupStillCountsAsItsTasks) {
  constexpr int kSelf = 50;  // coreflow
  FakeProc proc;
  proc.AddProcess(100, "sh", 100, 10, kSelf);        // task 100's leader
  proc.AddProcess(150, "hog", 150, 1000, 100);       // setsid child of the leader
  proc.AddProcess(151, "hog2", 150, 2000, 150);      // its child, in the escaped group
  proc.AddProcess(152, "deeper", 152, 3000, 151);    // escaped again
  proc.AddProcess(300, "orphan", 300, 4000, kSelf);  // escaped, lost its parent: adopted
  proc.AddProcess(301, "its child", 300, 5, 300);
  proc.AddProcess(400, "stranger", 400, 70000, 1);
  proc.AddProcess(500, "another orphan", 500, 80000, kSelf);  // of no running task
  proc.AddProcess(kSelf, "coreflow", 49, 99999, 1);
  ProcessGroupRss rss(proc.path(), kSelf);
  rss.Watch(100);
  RssMap got;
  int asked = 0;
  ASSERT_TRUE(rss.Sample(&got, [&](int pid) {
    ++asked;
    return pid == 300 ? 100 : 0;
  }));
  EXPECT_EQ(got, (RssMap{{100, (10 + 1000 + 2000 + 3000 + 4000 + 5) * kPage}}));
  EXPECT_EQ(asked, 2);  // the two orphans, once each
  // Without a way to tell orphans apart, the chain to the leader still counts.
  ASSERT_TRUE(rss.Sample(&got));
  EXPECT_EQ(got, (RssMap{{100, (10 + 1000 + 2000 + 3000) * kPage}}));
}

TEST(ProcessRssTest, CommWithSpacesAndParentheses) {
  // Read from the first ')', this line would put the process in group 555.
  FakeProc proc;
  proc.AddProcess(300, "evil) S 1 555 555 0 -1 4 (x", 777, 42);
  proc.AddProcess(301, "my worker (2)", 777, 8);
  proc.AddProcess(302, ")", 777, 1);
  proc.AddProcess(303, "", 777, 2);
  ProcessGroupRss rss(proc.path());
  rss.Watch(777);
  rss.Watch(555);
  RssMap got;
  ASSERT_TRUE(rss.Sample(&got));
  EXPECT_EQ(got, (RssMap{{777, 53 * kPage}}));
}

TEST(ProcessRssTest, UnwatchedGroupsAreIgnored) {
  FakeProc proc;
  proc.AddProcess(100, "task", 100, 10);
  proc.AddProcess(200, "other", 200, 1000);
  proc.AddProcess(1, "init", 1, 3000);
  ProcessGroupRss rss(proc.path());
  rss.Watch(100);
  RssMap got;
  ASSERT_TRUE(rss.Sample(&got));
  EXPECT_EQ(got, (RssMap{{100, 10 * kPage}}));

  rss.Watch(200);
  ASSERT_TRUE(rss.Sample(&got));
  EXPECT_EQ(got, (RssMap{{100, 10 * kPage}, {200, 1000 * kPage}}));

  rss.Unwatch(100);
  ASSERT_TRUE(rss.Sample(&got));
  EXPECT_EQ(got, (RssMap{{200, 1000 * kPage}})) << "the previous result is replaced";
}

TEST(ProcessRssTest, NothingWatchedReadsNothing) {
  // Not even the directory: a root that does not exist still succeeds.
  ProcessGroupRss rss("/nonexistent/proc");
  RssMap got{{1, 1}};
  EXPECT_TRUE(rss.Sample(&got));
  EXPECT_TRUE(got.empty());
  rss.Watch(5);
  rss.Unwatch(5);
  EXPECT_TRUE(rss.Sample(&got));
  EXPECT_TRUE(got.empty());
}

TEST(ProcessRssTest, VanishedProcessesAreSkipped) {
  FakeProc proc;
  proc.AddProcess(100, "task", 100, 10);
  proc.Mkdir("4242");                   // exited between readdir and open: no stat
  proc.Write("4243/stat", "");          // exited between open and read: nothing to read
  proc.Write("4244/stat", "4244 (tr");  // cut short
  proc.AddProcess(4245, "task", 100, 6);
  ProcessGroupRss rss(proc.path());
  rss.Watch(100);
  RssMap got;
  ASSERT_TRUE(rss.Sample(&got));
  EXPECT_EQ(got, (RssMap{{100, 16 * kPage}}));
}

TEST(ProcessRssTest, OnlyPidDirectoriesAreRead) {
  FakeProc proc;
  proc.AddProcess(100, "task", 100, 10);
  // /proc/self would count a process twice; the others are not processes at all.
  proc.Write("self/stat", "100 (task) S 1 100 7100 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 1 1 99 0\n");
  proc.Write("12a/stat", "12 (task) S 1 100 7100 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 1 1 99 0\n");
  proc.Write("555", "a regular file named like a pid\n");
  proc.Mkdir("sys/kernel");
  ProcessGroupRss rss(proc.path());
  rss.Watch(100);
  RssMap got;
  ASSERT_TRUE(rss.Sample(&got));
  EXPECT_EQ(got, (RssMap{{100, 10 * kPage}}));
}

TEST(ProcessRssTest, GroupWithoutProcessesIsAbsent) {
  FakeProc proc;
  proc.AddProcess(100, "task", 100, 10);
  proc.AddProcess(101, "zombie", 101, 0);
  ProcessGroupRss rss(proc.path());
  rss.Watch(100);
  rss.Watch(101);
  rss.Watch(999);
  RssMap got;
  ASSERT_TRUE(rss.Sample(&got));
  EXPECT_EQ(got, (RssMap{{100, 10 * kPage}, {101, 0}})) << "a zombie still holds its group";
}

TEST(ProcessRssTest, EachScanSeesTheCurrentProcesses) {
  FakeProc proc;
  proc.AddProcess(100, "task", 100, 10);
  proc.AddProcess(200, "task", 200, 20);
  ProcessGroupRss rss(proc.path());
  rss.Watch(100);
  rss.Watch(200);
  RssMap got;
  ASSERT_TRUE(rss.Sample(&got));
  EXPECT_EQ(got, (RssMap{{100, 10 * kPage}, {200, 20 * kPage}}));

  proc.AddProcess(150, "child", 100, 5);  // started since
  proc.AddProcess(200, "task", 200, 25);  // grew
  std::filesystem::remove_all(proc.path() + "/100");
  ASSERT_TRUE(rss.Sample(&got));
  EXPECT_EQ(got, (RssMap{{100, 5 * kPage}, {200, 25 * kPage}}));
}

TEST(ProcessRssTest, MissingProcDirectoryFails) {
  ProcessGroupRss rss("/nonexistent/proc");
  rss.Watch(1);
  RssMap got{{1, 1}};
  errno = 0;
  EXPECT_FALSE(rss.Sample(&got));
  EXPECT_EQ(errno, ENOENT);
  EXPECT_TRUE(got.empty());
}

// ---- The real /proc ----

// This process's resident set from /proc/self/statm, in bytes.
uint64_t OwnRss() {
  std::string statm = testutil::ReadFile("/proc/self/statm");
  const char* resident = statm.c_str() + statm.find(' ') + 1;
  return std::strtoull(resident, nullptr, 10) * kPage;
}

TEST(ProcessRssTest, RealProcFindsOwnGroup) {
  ProcessGroupRss rss;
  rss.Watch(getpgrp());
  uint64_t own = OwnRss();
  RssMap got;
  ASSERT_TRUE(rss.Sample(&got)) << ErrnoText(errno);
  ASSERT_EQ(got.count(getpgrp()), 1u);
  EXPECT_GT(got[getpgrp()], 0u);
  EXPECT_EQ(got[getpgrp()] % kPage, 0u);
  EXPECT_GE(got[getpgrp()], own * 9 / 10) << "own RSS " << own << " bytes";
}

// A process in a group of its own, with a second process in it; each touches `mib` MiB, then
// both wait until the object dies.
class MemoryHoldingGroup {
 public:
  explicit MemoryHoldingGroup(size_t mib) {
    testutil::Pipe ready, hold;
    pid_ = fork();
    if (pid_ == 0) {
      setpgid(0, 0);
      ready.read_end.Reset();
      hold.write_end.Reset();
      pid_t second = fork();  // inherits the group
      Touch(mib);
      char c = 1;
      if (write(ready.write_end.get(), &c, 1) != 1) _exit(1);
      while (read(hold.read_end.get(), &c, 1) > 0) {
      }
      if (second > 0) waitpid(second, nullptr, 0);
      _exit(0);
    }
    EXPECT_GT(pid_, 0);
    setpgid(pid_, pid_);  // either side may win; both ask for the same group
    ready.write_end.Reset();
    char c;
    for (int i = 0; i < 2; ++i) EXPECT_EQ(ReadSome(ready.read_end.get(), &c, 1), 1);
    hold_ = std::move(hold.write_end);
  }
  ~MemoryHoldingGroup() {
    hold_.Reset();
    if (pid_ > 0) testutil::Reap(pid_);
  }
  pid_t pgid() const { return pid_; }

 private:
  static void Touch(size_t mib) {
    size_t size = mib * kMiB;
    // MAP_POPULATE faults the pages in at once, far faster than a fault per page in a VM.
    void* p = mmap(nullptr, size, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    if (p == MAP_FAILED) _exit(1);
    for (size_t i = 0; i < size; i += kPage) static_cast<volatile char*>(p)[i] = 1;
  }

  pid_t pid_ = -1;
  UniqueFd hold_;
};

TEST(ProcessRssTest, RealProcSumsAGroupOfTwoProcesses) {
  uint64_t own = OwnRss();
  MemoryHoldingGroup group(32);
  ProcessGroupRss rss;
  rss.Watch(group.pgid());
  RssMap got;
  ASSERT_TRUE(rss.Sample(&got)) << ErrnoText(errno);
  ASSERT_EQ(got.count(group.pgid()), 1u);
  // Each holds its 32 MiB plus what it shares with this process after fork.
  EXPECT_GE(got[group.pgid()], 64 * kMiB);
  EXPECT_LE(got[group.pgid()], 64 * kMiB + 2 * own + 32 * kMiB);
  EXPECT_EQ(got.count(getpgrp()), 0u) << "not watched";
}

TEST(ProcessRssTest, RealProcGroupIsGoneAfterItsProcessesExit) {
  ProcessGroupRss rss;
  pid_t pgid;
  {
    MemoryHoldingGroup group(1);
    pgid = group.pgid();
  }
  rss.Watch(pgid);
  RssMap got;
  ASSERT_TRUE(rss.Sample(&got)) << ErrnoText(errno);
  EXPECT_EQ(got.count(pgid), 0u);
}

}  // namespace
}  // namespace coreflow
