#include "sys/fd.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <thread>
#include <vector>

#include "test_util.h"

namespace coreflow {
namespace {

using testutil::FileContents;
using testutil::IgnoreSigpipe;
using testutil::Pattern;
using testutil::ReadToEnd;
using testutil::ScratchDir;
using testutil::UmaskOverride;

bool HasFdFlag(int fd, int flag) { return (fcntl(fd, F_GETFD) & flag) != 0; }
bool HasStatusFlag(int fd, int flag) { return (fcntl(fd, F_GETFL) & flag) != 0; }

// ---- UniqueFd ----

TEST(UniqueFd, ClosesOnDestructionAndReset) {
  int raw;
  {
    UniqueFd fd(open("/dev/null", O_RDONLY | O_CLOEXEC));
    ASSERT_TRUE(fd.valid());
    raw = fd.get();
    EXPECT_GE(fcntl(raw, F_GETFD), 0);
  }
  EXPECT_EQ(fcntl(raw, F_GETFD), -1);
  EXPECT_EQ(errno, EBADF);

  UniqueFd fd(open("/dev/null", O_RDONLY | O_CLOEXEC));
  raw = fd.get();
  fd.Reset();
  EXPECT_FALSE(fd.valid());
  EXPECT_EQ(fcntl(raw, F_GETFD), -1);
}

TEST(UniqueFd, MoveTransfersOwnershipAndReleaseGivesItUp) {
  UniqueFd a(open("/dev/null", O_RDONLY | O_CLOEXEC));
  int raw = a.get();
  UniqueFd b(std::move(a));
  EXPECT_FALSE(a.valid());
  EXPECT_EQ(b.get(), raw);
  UniqueFd c;
  c = std::move(b);
  EXPECT_FALSE(b.valid());
  EXPECT_EQ(c.get(), raw);
  int released = c.Release();
  EXPECT_EQ(released, raw);
  EXPECT_FALSE(c.valid());
  EXPECT_GE(fcntl(raw, F_GETFD), 0);  // still open: the caller owns it now
  close(raw);
}

// ---- WriteAll / ReadSome ----

TEST(WriteAll, WritesEverythingThroughAPipeWithShortWrites) {
  UniqueFd r, w;
  ASSERT_EQ(MakePipe(&r, &w, false), 0);
  const std::string data = Pattern(3 << 20);  // far more than a pipe holds: many short writes
  std::string got;
  std::thread reader([&] { got = ReadToEnd(r.get()); });
  EXPECT_EQ(WriteAll(w.get(), data), 0);
  w.Reset();
  reader.join();
  EXPECT_EQ(got.size(), data.size());
  EXPECT_TRUE(got == data);
}

TEST(WriteAll, EmptyWriteSucceeds) {
  UniqueFd r, w;
  ASSERT_EQ(MakePipe(&r, &w, true), 0);
  EXPECT_EQ(WriteAll(w.get(), std::string()), 0);
  char c;
  EXPECT_EQ(ReadSome(r.get(), &c, 1), -1);
  EXPECT_EQ(errno, EAGAIN);
}

TEST(WriteAll, ReportsEpipeAndEbadf) {
  IgnoreSigpipe ignore;
  UniqueFd r, w;
  ASSERT_EQ(MakePipe(&r, &w, false), 0);
  r.Reset();
  EXPECT_EQ(WriteAll(w.get(), "x"), EPIPE);
  EXPECT_EQ(WriteAll(-1, "x"), EBADF);
}

TEST(ReadSome, DistinguishesDataEndOfFileAndWouldBlock) {
  UniqueFd r, w;
  ASSERT_EQ(MakePipe(&r, &w, true), 0);
  char buffer[16];
  errno = 0;
  EXPECT_EQ(ReadSome(r.get(), buffer, sizeof buffer), -1);
  EXPECT_EQ(errno, EAGAIN);
  ASSERT_EQ(WriteAll(w.get(), "abc"), 0);
  ASSERT_EQ(ReadSome(r.get(), buffer, sizeof buffer), 3);
  EXPECT_EQ(std::string(buffer, 3), "abc");
  w.Reset();
  EXPECT_EQ(ReadSome(r.get(), buffer, sizeof buffer), 0);
}

// ---- Files ----

TEST(ReadSmallFile, ReadsWholeFileAndFailsOnMissingOne) {
  ScratchDir dir("fd_test");
  std::string contents = Pattern(10000);
  std::string path = dir.Write("f", contents);
  std::string out = "stale";
  ASSERT_TRUE(ReadSmallFile(path, &out));
  EXPECT_EQ(out, contents);

  ASSERT_TRUE(ReadSmallFile(dir.Write("empty", ""), &out));
  EXPECT_EQ(out, "");

  EXPECT_FALSE(ReadSmallFile(dir.path() + "/missing", &out));
  EXPECT_FALSE(ReadSmallFile(dir.path(), &out));  // a directory cannot be read
}

TEST(ReadSmallFile, ReadsProcFiles) {
  std::string out;
  ASSERT_TRUE(ReadSmallFile("/proc/self/status", &out));
  EXPECT_NE(out.find("Pid:"), std::string::npos);
}

TEST(ReadSmallFile, StopsAfterAboutOneMebibyte) {
  ScratchDir dir("fd_test");
  std::string contents = Pattern(3 << 20);
  std::string out;
  ASSERT_TRUE(ReadSmallFile(dir.Write("big", contents), &out));
  EXPECT_GT(out.size(), size_t{1} << 20);
  EXPECT_LE(out.size(), (size_t{1} << 20) + 4096);
  EXPECT_EQ(out, contents.substr(0, out.size()));
}

TEST(OpenForWriting, CreatesTruncatesAppendsWithMode0644AndCloexec) {
  ScratchDir dir("fd_test");
  std::string path = dir.path() + "/f";
  {
    UmaskOverride mask(022);
    UniqueFd fd(OpenForWriting(path));
    ASSERT_TRUE(fd.valid());
    EXPECT_TRUE(HasFdFlag(fd.get(), FD_CLOEXEC));
    ASSERT_EQ(WriteAll(fd.get(), "hello world"), 0);
  }
  struct stat st {};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
  {
    UniqueFd fd(OpenForWriting(path, /*append=*/true));
    ASSERT_TRUE(fd.valid());
    ASSERT_EQ(WriteAll(fd.get(), "!"), 0);
  }
  std::string out;
  ASSERT_TRUE(ReadSmallFile(path, &out));
  EXPECT_EQ(out, "hello world!");
  {
    UniqueFd fd(OpenForWriting(path));  // truncates
    ASSERT_EQ(WriteAll(fd.get(), "new"), 0);
  }
  ASSERT_TRUE(ReadSmallFile(path, &out));
  EXPECT_EQ(out, "new");

  errno = 0;
  EXPECT_EQ(OpenForWriting(dir.path() + "/no/such/dir/f"), -1);
  EXPECT_EQ(errno, ENOENT);
}

TEST(OpenForReading, OpensWithCloexecOrFailsWithErrno) {
  ScratchDir dir("fd_test");
  UniqueFd fd(OpenForReading(dir.Write("f", "x")));
  ASSERT_TRUE(fd.valid());
  EXPECT_TRUE(HasFdFlag(fd.get(), FD_CLOEXEC));
  errno = 0;
  EXPECT_EQ(OpenForReading(dir.path() + "/missing"), -1);
  EXPECT_EQ(errno, ENOENT);
}

TEST(IsRegularFile, TellsFilesFromPipesAndDevices) {
  ScratchDir dir("fd_test");
  UniqueFd file(OpenForReading(dir.Write("f", "x")));
  UniqueFd r, w;
  ASSERT_EQ(MakePipe(&r, &w, false), 0);
  UniqueFd null(open("/dev/null", O_RDONLY | O_CLOEXEC));
  EXPECT_TRUE(IsRegularFile(file.get()));
  EXPECT_FALSE(IsRegularFile(r.get()));
  EXPECT_FALSE(IsRegularFile(null.get()));
  EXPECT_FALSE(IsRegularFile(-1));
  EXPECT_FALSE(IsTerminal(file.get()));
  EXPECT_FALSE(IsTerminal(r.get()));
}

// ---- Readiness ----

TEST(ReadableNow, IsFalseOnEmptyPipeTrueWithDataOrAtEnd) {
  UniqueFd r, w;
  ASSERT_EQ(MakePipe(&r, &w, false), 0);
  EXPECT_FALSE(ReadableNow(r.get()));
  ASSERT_EQ(WriteAll(w.get(), "x"), 0);
  EXPECT_TRUE(ReadableNow(r.get()));
  char c;
  ASSERT_EQ(ReadSome(r.get(), &c, 1), 1);
  EXPECT_FALSE(ReadableNow(r.get()));
  w.Reset();
  EXPECT_TRUE(ReadableNow(r.get()));  // end of file counts: the read would not block
}

TEST(WaitReadable, ReturnsOnceAnotherThreadWrites) {
  UniqueFd r, w;
  ASSERT_EQ(MakePipe(&r, &w, false), 0);
  std::thread writer([&] { EXPECT_EQ(WriteAll(w.get(), "late"), 0); });
  EXPECT_EQ(WaitReadable(r.get()), 0);
  writer.join();
  EXPECT_TRUE(ReadableNow(r.get()));
}

// ---- Pipes and descriptors ----

TEST(MakePipe, BothEndsCloseOnExecOnlyReadEndNonBlocking) {
  UniqueFd r, w;
  ASSERT_EQ(MakePipe(&r, &w, true), 0);
  EXPECT_TRUE(HasFdFlag(r.get(), FD_CLOEXEC));
  EXPECT_TRUE(HasFdFlag(w.get(), FD_CLOEXEC));
  EXPECT_TRUE(HasStatusFlag(r.get(), O_NONBLOCK));
  EXPECT_FALSE(HasStatusFlag(w.get(), O_NONBLOCK));
  EXPECT_EQ(fcntl(r.get(), F_GETFL) & O_ACCMODE, O_RDONLY);
  EXPECT_EQ(fcntl(w.get(), F_GETFL) & O_ACCMODE, O_WRONLY);
  ASSERT_EQ(WriteAll(w.get(), "ab"), 0);
  char buffer[2];
  ASSERT_EQ(ReadSome(r.get(), buffer, 2), 2);
  EXPECT_EQ(std::string(buffer, 2), "ab");

  UniqueFd r2, w2;
  ASSERT_EQ(MakePipe(&r2, &w2, false), 0);
  EXPECT_FALSE(HasStatusFlag(r2.get(), O_NONBLOCK));
  EXPECT_TRUE(HasFdFlag(r2.get(), FD_CLOEXEC));
}

TEST(MakePipe, ReplacesDescriptorsTheUniqueFdsHeld) {
  UniqueFd r(open("/dev/null", O_RDONLY | O_CLOEXEC));
  UniqueFd w(open("/dev/null", O_WRONLY | O_CLOEXEC));
  int old_r = r.get(), old_w = w.get();
  ASSERT_EQ(MakePipe(&r, &w, false), 0);
  // The old descriptors were closed (their numbers may be reused by the pipe itself).
  EXPECT_FALSE(IsRegularFile(r.get()));
  struct stat st {};
  ASSERT_EQ(fstat(r.get(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
  for (int old : {old_r, old_w}) {
    if (old != r.get() && old != w.get()) {
      EXPECT_EQ(fcntl(old, F_GETFD), -1) << old;
    }
  }
}

TEST(SetNonBlocking, SetsTheFlagAndKeepsOthers) {
  ScratchDir dir("fd_test");
  UniqueFd fd(OpenForWriting(dir.path() + "/f", /*append=*/true));
  ASSERT_TRUE(fd.valid());
  ASSERT_EQ(SetNonBlocking(fd.get()), 0);
  EXPECT_TRUE(HasStatusFlag(fd.get(), O_NONBLOCK));
  EXPECT_TRUE(HasStatusFlag(fd.get(), O_APPEND));
  EXPECT_EQ(SetNonBlocking(-1), EBADF);
}

// Saves descriptor `target` and puts it back at the end, closed or not.
class SavedFd {
 public:
  explicit SavedFd(int target) : target_(target), saved_(fcntl(target, F_DUPFD_CLOEXEC, 100)) {}
  ~SavedFd() {
    if (saved_ >= 0) {
      dup2(saved_, target_);
      close(saved_);
    } else {
      close(target_);
    }
  }
  bool ok() const { return saved_ >= 0; }

 private:
  int target_;
  int saved_;
};

std::string FdTarget(int fd) {
  char buffer[256];
  std::string link = "/proc/self/fd/" + std::to_string(fd);
  ssize_t n = readlink(link.c_str(), buffer, sizeof buffer);
  return n > 0 ? std::string(buffer, static_cast<size_t>(n)) : "";
}

TEST(EnsureStandardFdsOpen, OpensDevNullOnAClosedStandardDescriptor) {
  SavedFd saved(0);  // stdin: the test does not read it
  ASSERT_TRUE(saved.ok());
  close(0);
  ASSERT_EQ(fcntl(0, F_GETFD), -1);
  ASSERT_EQ(EnsureStandardFdsOpen(), 0);
  EXPECT_GE(fcntl(0, F_GETFD), 0);
  EXPECT_EQ(FdTarget(0), "/dev/null");
  EXPECT_EQ(fcntl(0, F_GETFL) & O_ACCMODE, O_RDONLY);
  EXPECT_FALSE(HasFdFlag(0, FD_CLOEXEC));  // it stands for stdin in children too
  // The next descriptor is not 0, 1 or 2.
  UniqueFd next(open("/dev/null", O_RDONLY | O_CLOEXEC));
  EXPECT_GT(next.get(), 2);
}

TEST(EnsureStandardFdsOpen, LeavesOpenDescriptorsAlone) {
  SavedFd saved(0);
  ASSERT_TRUE(saved.ok());
  UniqueFd r, w;
  ASSERT_EQ(MakePipe(&r, &w, false), 0);
  ASSERT_EQ(dup2(r.get(), 0), 0);
  std::string before = FdTarget(0);
  ASSERT_EQ(EnsureStandardFdsOpen(), 0);
  EXPECT_EQ(FdTarget(0), before);
  EXPECT_NE(before, "/dev/null");
}

// ---- CountRecords ----

int CountIn(ScratchDir& dir, const std::string& contents, std::string_view delimiter,
            uint64_t* count) {
  UniqueFd fd(OpenForReading(dir.Write("count", contents)));
  return CountRecords(fd.get(), 0, delimiter, count);
}

int CountIn(ScratchDir& dir, const std::string& contents, char delimiter, uint64_t* count) {
  return CountIn(dir, contents, std::string_view(&delimiter, 1), count);
}

TEST(CountRecords, CountsLinesWithAndWithoutTrailingDelimiter) {
  ScratchDir dir("fd_test");
  uint64_t n = 99;
  ASSERT_EQ(CountIn(dir, "", '\n', &n), 0);
  EXPECT_EQ(n, 0u);
  ASSERT_EQ(CountIn(dir, "a", '\n', &n), 0);
  EXPECT_EQ(n, 1u);
  ASSERT_EQ(CountIn(dir, "a\nb\nc", '\n', &n), 0);
  EXPECT_EQ(n, 3u);
  ASSERT_EQ(CountIn(dir, "a\nb\nc\n", '\n', &n), 0);
  EXPECT_EQ(n, 3u);
  ASSERT_EQ(CountIn(dir, "\n\n", '\n', &n), 0);
  EXPECT_EQ(n, 2u);  // empty records count
  ASSERT_EQ(CountIn(dir, std::string("a\0b\0c", 5), '\0', &n), 0);
  EXPECT_EQ(n, 3u);
  ASSERT_EQ(CountIn(dir, "a\nb\n", '\0', &n), 0);
  EXPECT_EQ(n, 1u);  // no NUL at all: one record
}

TEST(CountRecords, CountsAcrossBufferBoundaries) {
  ScratchDir dir("fd_test");
  std::string contents;
  for (int i = 0; i < 100000; ++i) contents += std::to_string(i) + "\n";
  ASSERT_GT(contents.size(), size_t{65536} * 5);
  uint64_t n = 0;
  ASSERT_EQ(CountIn(dir, contents, '\n', &n), 0);
  EXPECT_EQ(n, 100000u);
  contents += "tail";
  ASSERT_EQ(CountIn(dir, contents, '\n', &n), 0);
  EXPECT_EQ(n, 100001u);
}

TEST(CountRecords, StartsAtTheGivenOffsetAndLeavesThePositionAlone) {
  ScratchDir dir("fd_test");
  UniqueFd fd(OpenForReading(dir.Write("f", "one\ntwo\nthree\nfour")));
  char buffer[4];
  ASSERT_EQ(ReadSome(fd.get(), buffer, 4), 4);  // "one\n" consumed
  uint64_t at = 0;
  ASSERT_EQ(FileOffset(fd.get(), &at), 0);
  EXPECT_EQ(at, 4u);
  uint64_t n = 0;
  ASSERT_EQ(CountRecords(fd.get(), at, "\n", &n), 0);
  EXPECT_EQ(n, 3u);
  ASSERT_EQ(CountRecords(fd.get(), 6, "\n", &n), 0);
  EXPECT_EQ(n, 3u);  // "o\nthree\nfour"
  EXPECT_EQ(lseek(fd.get(), 0, SEEK_CUR), 4);
  EXPECT_EQ(ReadToEnd(fd.get()), "two\nthree\nfour");
  ASSERT_EQ(SeekTo(fd.get(), 8), 0);
  EXPECT_EQ(ReadToEnd(fd.get()), "three\nfour");
}

TEST(CountRecords, MultiByteDelimiters) {
  ScratchDir dir("fd_test");
  uint64_t n = 0;
  ASSERT_EQ(CountIn(dir, "a\r\nb\r\n", "\r\n", &n), 0);
  EXPECT_EQ(n, 2u);
  ASSERT_EQ(CountIn(dir, "a\r\nb\rc\n", "\r\n", &n), 0);
  EXPECT_EQ(n, 2u);  // a lone \r or \n is part of a record
  ASSERT_EQ(CountIn(dir, "aaa", "aa", &n), 0);
  EXPECT_EQ(n, 2u);  // "" then "a": found left to right without overlap
  ASSERT_EQ(CountIn(dir, "aaaa", "aa", &n), 0);
  EXPECT_EQ(n, 2u);
  // A delimiter split across two reads of 64 KiB still counts once.
  std::string contents(65535, 'x');
  contents += "<>y<>";
  ASSERT_EQ(CountIn(dir, contents, "<>", &n), 0);
  EXPECT_EQ(n, 2u);
  EXPECT_EQ(CountIn(dir, "x", "", &n), EINVAL);
}

TEST(CountRecords, FailsOnAPipe) {
  UniqueFd r, w;
  ASSERT_EQ(MakePipe(&r, &w, false), 0);
  uint64_t n = 0;
  EXPECT_EQ(CountRecords(r.get(), 0, "\n", &n), ESPIPE);
}

// ---- TruncateFile / CopyFileToFd ----

TEST(TruncateFile, CutsAndExtends) {
  ScratchDir dir("fd_test");
  std::string path = dir.Write("f", "0123456789");
  UniqueFd fd(open(path.c_str(), O_RDWR | O_CLOEXEC));
  ASSERT_TRUE(fd.valid());
  ASSERT_EQ(TruncateFile(fd.get(), 4), 0);
  EXPECT_EQ(FileContents(fd.get()), "0123");
  ASSERT_EQ(TruncateFile(fd.get(), 6), 0);
  EXPECT_EQ(FileContents(fd.get()), std::string("0123\0\0", 6));
  UniqueFd ro(OpenForReading(path));
  EXPECT_EQ(TruncateFile(ro.get(), 0), EINVAL);
  EXPECT_EQ(TruncateFile(-1, 0), EBADF);
}

TEST(CopyFileToFd, CopiesFromOffsetZeroToAFile) {
  ScratchDir dir("fd_test");
  std::string contents = Pattern((3 << 20) + 123);  // several sendfile chunks
  UniqueFd in(OpenForReading(dir.Write("in", contents)));
  ASSERT_EQ(lseek(in.get(), 0, SEEK_END), static_cast<off_t>(contents.size()));
  UniqueFd out(OpenForWriting(dir.path() + "/out"));
  ASSERT_EQ(CopyFileToFd(in.get(), out.get()), 0);
  UniqueFd check(OpenForReading(dir.path() + "/out"));
  EXPECT_TRUE(FileContents(check.get()) == contents);
  // The input's own position is untouched.
  EXPECT_EQ(lseek(in.get(), 0, SEEK_CUR), static_cast<off_t>(contents.size()));
}

TEST(CopyFileToFd, FallsBackToReadWriteWhereSendfileRefuses) {
  ScratchDir dir("fd_test");
  std::string contents = Pattern(200000);
  UniqueFd in(OpenForReading(dir.Write("in", contents)));
  std::string out_path = dir.Write("out", "prefix:");
  // sendfile(2) refuses an O_APPEND target with EINVAL.
  UniqueFd out(OpenForWriting(out_path, /*append=*/true));
  ASSERT_EQ(CopyFileToFd(in.get(), out.get()), 0);
  std::string got;
  ASSERT_TRUE(ReadSmallFile(out_path, &got));
  EXPECT_TRUE(got == "prefix:" + contents);
}

TEST(CopyFileToFd, CopiesIntoAPipe) {
  ScratchDir dir("fd_test");
  std::string contents = Pattern(1 << 20);
  UniqueFd in(OpenForReading(dir.Write("in", contents)));
  UniqueFd r, w;
  ASSERT_EQ(MakePipe(&r, &w, false), 0);
  std::string got;
  std::thread reader([&] { got = ReadToEnd(r.get()); });
  EXPECT_EQ(CopyFileToFd(in.get(), w.get()), 0);
  w.Reset();
  reader.join();
  EXPECT_TRUE(got == contents);
}

TEST(CopyFileToFd, EmptyFileCopiesNothingAndErrorsAreReported) {
  ScratchDir dir("fd_test");
  UniqueFd in(OpenForReading(dir.Write("in", "")));
  UniqueFd r, w;
  ASSERT_EQ(MakePipe(&r, &w, true), 0);
  EXPECT_EQ(CopyFileToFd(in.get(), w.get()), 0);
  char c;
  EXPECT_EQ(ReadSome(r.get(), &c, 1), -1);

  IgnoreSigpipe ignore;
  UniqueFd in2(OpenForReading(dir.Write("in2", "data")));
  r.Reset();
  EXPECT_EQ(CopyFileToFd(in2.get(), w.get()), EPIPE);
}

TEST(ErrnoText, DescribesErrnoValues) {
  EXPECT_EQ(ErrnoText(ENOENT), "No such file or directory");
  EXPECT_EQ(ErrnoText(EACCES), "Permission denied");
}

}  // namespace
}  // namespace coreflow
