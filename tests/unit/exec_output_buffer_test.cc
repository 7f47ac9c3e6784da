#include "exec/output_buffer.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>

#include <algorithm>
#include <cerrno>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "sys/fd.h"
#include "sys/fs.h"
#include "test_util.h"

namespace coreflow {
namespace {

using testutil::DirEntries;
using testutil::EnvOverride;
using testutil::IgnoreSigpipe;
using testutil::Pattern;
using testutil::ReadFile;
using testutil::ReadToEnd;
using testutil::ScratchDir;

// A private temp directory inside a scratch directory of the test's own.
struct SpillDir {
  ScratchDir scratch{"output_buffer_test"};
  EnvOverride tmpdir{"TMPDIR", scratch.path()};
  PrivateTempDir dir;
};

// What WriteTo puts into a pipe, read by another thread so a large buffer cannot block.
std::string WriteToPipe(const OutputBuffer& buf, int* error) {
  UniqueFd r, w;
  EXPECT_EQ(MakePipe(&r, &w, false), 0);
  std::string got;
  std::thread reader([&] { got = ReadToEnd(r.get()); });
  *error = buf.WriteTo(w.get());
  w.Reset();
  reader.join();
  return got;
}

std::string WriteToFile(const OutputBuffer& buf, const std::string& path, int* error) {
  {
    UniqueFd fd(OpenForWriting(path));
    EXPECT_TRUE(fd.valid());
    *error = buf.WriteTo(fd.get());
  }
  return ReadFile(path);
}

// Appends `data` in chunks of `chunk` bytes; returns the errors Append reported, in order.
std::vector<int> AppendInChunks(OutputBuffer* buf, const std::string& data, size_t chunk) {
  std::vector<int> errors;
  for (size_t at = 0; at < data.size(); at += chunk) {
    if (int e = buf->Append(std::string_view(data).substr(at, chunk))) errors.push_back(e);
  }
  return errors;
}

TEST(OutputBuffer, SmallOutputStaysInMemory) {
  SpillDir spill;
  OutputBuffer buf(&spill.dir, 1024);
  EXPECT_EQ(buf.size(), 0u);
  EXPECT_EQ(buf.ToString(), "");
  EXPECT_EQ(buf.Append("hello "), 0);
  EXPECT_EQ(buf.Append(""), 0);
  EXPECT_EQ(buf.Append("world\n"), 0);
  EXPECT_EQ(buf.size(), 12u);
  EXPECT_FALSE(buf.spilled());
  EXPECT_EQ(buf.ToString(), "hello world\n");
  EXPECT_EQ(spill.dir.path(), "");  // no temporary directory was needed
  EXPECT_TRUE(DirEntries(spill.scratch.path()).empty());
}

TEST(OutputBuffer, SpillsOnlyOncePastTheLimit) {
  SpillDir spill;
  OutputBuffer buf(&spill.dir, 1000);
  std::string data = Pattern(1001);
  EXPECT_EQ(buf.Append(std::string_view(data).substr(0, 600)), 0);
  EXPECT_EQ(buf.Append(std::string_view(data).substr(600, 400)), 0);
  EXPECT_FALSE(buf.spilled());  // exactly at the limit: still memory
  EXPECT_EQ(buf.Append(std::string_view(data).substr(1000, 1)), 0);
  EXPECT_TRUE(buf.spilled());
  EXPECT_EQ(buf.size(), 1001u);
  EXPECT_EQ(buf.ToString(), data);
  // The spill file has no name; only the private directory exists.
  ASSERT_NE(spill.dir.path(), "");
  EXPECT_TRUE(DirEntries(spill.dir.path()).empty());
}

TEST(OutputBuffer, OneChunkBiggerThanTheLimitSpillsAtOnce) {
  SpillDir spill;
  OutputBuffer buf(&spill.dir, 100);
  std::string data = Pattern(5000, 7);
  EXPECT_EQ(buf.Append(data), 0);
  EXPECT_TRUE(buf.spilled());
  EXPECT_EQ(buf.ToString(), data);
}

TEST(OutputBuffer, SpilledOutputComesBackWholeAndInOrder) {
  SpillDir spill;
  OutputBuffer buf(&spill.dir);  // the default limit
  std::string data = Pattern(3 * OutputBuffer::kDefaultMemoryLimit + 12345, 3);
  // Uneven chunk sizes, as pipes deliver them.
  size_t at = 0;
  size_t sizes[] = {1, 4095, 65536, 7, 100000, 3};
  for (int i = 0; at < data.size(); ++i) {
    size_t n = std::min(sizes[i % 6], data.size() - at);
    ASSERT_EQ(buf.Append(std::string_view(data).substr(at, n)), 0);
    at += n;
  }
  EXPECT_TRUE(buf.spilled());
  EXPECT_EQ(buf.size(), data.size());
  EXPECT_TRUE(buf.ToString() == data);
  EXPECT_TRUE(buf.ToString() == data);  // reading does not consume

  int error = -1;
  EXPECT_TRUE(WriteToPipe(buf, &error) == data);
  EXPECT_EQ(error, 0);
  EXPECT_TRUE(WriteToPipe(buf, &error) == data);  // nor does writing
  EXPECT_EQ(error, 0);
  EXPECT_TRUE(WriteToFile(buf, spill.scratch.path() + "/out", &error) == data);
  EXPECT_EQ(error, 0);
}

TEST(OutputBuffer, WriteToWorksForMemoryOnlyAndEmptyBuffers) {
  SpillDir spill;
  OutputBuffer empty(&spill.dir);
  int error = -1;
  EXPECT_EQ(WriteToPipe(empty, &error), "");
  EXPECT_EQ(error, 0);

  OutputBuffer small(&spill.dir);
  ASSERT_EQ(small.Append("line 1\nline 2\n"), 0);
  EXPECT_EQ(WriteToPipe(small, &error), "line 1\nline 2\n");
  EXPECT_EQ(error, 0);
  EXPECT_EQ(WriteToFile(small, spill.scratch.path() + "/small", &error), "line 1\nline 2\n");
  EXPECT_EQ(error, 0);
}

TEST(OutputBuffer, WriteToAnAppendOnlyFile) {
  // sendfile(2) refuses O_APPEND targets; the copy must still be complete.
  SpillDir spill;
  OutputBuffer buf(&spill.dir, 1000);
  std::string data = Pattern(300000, 5);
  ASSERT_EQ(buf.Append(data), 0);
  ASSERT_TRUE(buf.spilled());
  std::string path = spill.scratch.path() + "/log";
  {
    UniqueFd fd(OpenForWriting(path));
    ASSERT_EQ(WriteAll(fd.get(), "head\n"), 0);
  }
  {
    UniqueFd fd(OpenForWriting(path, /*append=*/true));
    ASSERT_EQ(buf.WriteTo(fd.get()), 0);
  }
  std::string got = ReadFile(path);
  EXPECT_TRUE(got == "head\n" + data);
}

TEST(OutputBuffer, WriteToReportsTheErrno) {
  IgnoreSigpipe ignore;
  SpillDir spill;
  OutputBuffer small(&spill.dir);
  ASSERT_EQ(small.Append("x"), 0);
  OutputBuffer big(&spill.dir, 10);
  ASSERT_EQ(big.Append(Pattern(100)), 0);
  ASSERT_TRUE(big.spilled());
  UniqueFd r, w;
  ASSERT_EQ(MakePipe(&r, &w, false), 0);
  r.Reset();
  EXPECT_EQ(small.WriteTo(w.get()), EPIPE);
  EXPECT_EQ(big.WriteTo(w.get()), EPIPE);
  EXPECT_EQ(small.WriteTo(-1), EBADF);
}

TEST(OutputBuffer, WithoutASpillDirectoryEverythingStaysInMemory) {
  OutputBuffer buf(nullptr, 10);
  std::string data = Pattern(100000, 9);
  EXPECT_TRUE(AppendInChunks(&buf, data, 1000).empty());
  EXPECT_FALSE(buf.spilled());
  EXPECT_EQ(buf.size(), data.size());
  EXPECT_TRUE(buf.ToString() == data);
}

TEST(OutputBuffer, BuffersSharingADirectorySpillToFilesOfTheirOwn) {
  SpillDir spill;
  OutputBuffer out(&spill.dir, 100);
  OutputBuffer err(&spill.dir, 100);
  std::string a = Pattern(10000, 11), b = Pattern(7000, 12);
  for (size_t i = 0; i < 10000; i += 500) {
    ASSERT_EQ(out.Append(std::string_view(a).substr(i, 500)), 0);
    if (i < 7000) {
      ASSERT_EQ(err.Append(std::string_view(b).substr(i, 500)), 0);
    }
  }
  EXPECT_TRUE(out.spilled());
  EXPECT_TRUE(err.spilled());
  EXPECT_TRUE(out.ToString() == a);
  EXPECT_TRUE(err.ToString() == b);
}

TEST(OutputBuffer, UncreatableSpillDirectoryKeepsDataInMemoryAndIsNotRetried) {
  ScratchDir scratch("output_buffer_test");
  std::string file = scratch.path() + "/regular-file";
  { UniqueFd fd(OpenForWriting(file)); }
  std::optional<EnvOverride> tmpdir;
  tmpdir.emplace("TMPDIR", file + "/below");  // mkdtemp fails: ENOTDIR
  PrivateTempDir dir;
  OutputBuffer buf(&dir, 100);
  std::string data = Pattern(50000, 13);
  EXPECT_EQ(buf.Append(std::string_view(data).substr(0, 60)), 0);
  EXPECT_EQ(buf.Append(std::string_view(data).substr(60, 60)), ENOTDIR);  // crosses the limit
  EXPECT_FALSE(buf.spilled());
  // Later chunks neither fail again nor try again, even once a spill would work.
  EXPECT_TRUE(AppendInChunks(&buf, data.substr(120, 20000), 1000).empty());
  tmpdir.emplace("TMPDIR", scratch.path());
  EXPECT_TRUE(AppendInChunks(&buf, data.substr(20120), 1000).empty());
  EXPECT_FALSE(buf.spilled());
  EXPECT_EQ(dir.path(), "");  // no directory was created on a retry
  EXPECT_EQ(DirEntries(scratch.path()), std::vector<std::string>{"regular-file"});
  EXPECT_EQ(buf.size(), data.size());
  EXPECT_TRUE(buf.ToString() == data);
  int error = -1;
  EXPECT_TRUE(WriteToPipe(buf, &error) == data);
  EXPECT_EQ(error, 0);
}

// Lowers RLIMIT_FSIZE and ignores SIGXFSZ (so writes past the limit fail with EFBIG instead of
// killing the process) until Restore() or destruction.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    sigaction(SIGXFSZ, &ignore, &old_action_);
    getrlimit(RLIMIT_FSIZE, &old_limit_);
    rlimit low = old_limit_;
    low.rlim_cur = bytes;
    ok_ = setrlimit(RLIMIT_FSIZE, &low) == 0;
  }
  ~FileSizeLimit() { Restore(); }
  bool ok() const { return ok_; }
  void Restore() {
    if (restored_) return;
    restored_ = true;
    setrlimit(RLIMIT_FSIZE, &old_limit_);
    sigaction(SIGXFSZ, &old_action_, nullptr);
  }

 private:
  struct sigaction old_action_ {};
  rlimit old_limit_{};
  bool ok_ = false;
  bool restored_ = false;
};

TEST(OutputBuffer, DiskFullInTheMiddleOfASpillLosesNothing) {
  // 300 KiB is a multiple of the 10 KiB chunks (the failing write writes nothing); 300 KiB +
  // 4321 bytes is not (the failing write is short and must be undone).
  for (rlim_t limit : {rlim_t{300 * 1024}, rlim_t{300 * 1024 + 4321}}) {
    SCOPED_TRACE(limit);
    SpillDir spill;
    std::string data = Pattern(1000 * 1000, 17);
    OutputBuffer buf(&spill.dir, 64 * 1024);
    std::vector<int> errors;
    {
      FileSizeLimit fsize(limit);
      ASSERT_TRUE(fsize.ok());
      errors = AppendInChunks(&buf, data, 10 * 1024);
      fsize.Restore();
    }
    ASSERT_EQ(errors.size(), 1u);  // reported once, not per chunk
    EXPECT_EQ(errors[0], EFBIG);
    EXPECT_TRUE(buf.spilled());  // the file keeps what fitted
    EXPECT_EQ(buf.size(), data.size());
    std::string got = buf.ToString();
    ASSERT_EQ(got.size(), data.size());
    EXPECT_TRUE(got == data) << "first difference at "
                             << std::mismatch(got.begin(), got.end(), data.begin()).first -
                                    got.begin();
    int error = -1;
    EXPECT_TRUE(WriteToPipe(buf, &error) == data);
    EXPECT_EQ(error, 0);
    EXPECT_TRUE(WriteToFile(buf, spill.scratch.path() + "/out", &error) == data);
    EXPECT_EQ(error, 0);
  }
}

TEST(OutputBuffer, DiskFullAtTheFirstSpillKeepsEverythingInMemory) {
  SpillDir spill;
  std::string data = Pattern(200 * 1024, 19);
  OutputBuffer buf(&spill.dir, 64 * 1024);
  std::vector<int> errors;
  {
    FileSizeLimit fsize(1000);  // not even the memory part fits
    ASSERT_TRUE(fsize.ok());
    errors = AppendInChunks(&buf, data, 10 * 1024);
  }
  EXPECT_EQ(errors, std::vector<int>{EFBIG});
  EXPECT_FALSE(buf.spilled());
  EXPECT_TRUE(buf.ToString() == data);
  int error = -1;
  EXPECT_TRUE(WriteToPipe(buf, &error) == data);
  EXPECT_EQ(error, 0);
}

TEST(AppendPrefixedLines, PrefixesEveryLineAcrossPieces) {
  std::string out;
  bool at_start = true;
  AppendPrefixedLines("a\nb", "T\t", &at_start, &out);
  EXPECT_FALSE(at_start);
  AppendPrefixedLines("c\n\nd\n", "T\t", &at_start, &out);
  EXPECT_TRUE(at_start);
  EXPECT_EQ(out, "T\ta\nT\tbc\nT\t\nT\td\n");
  out.clear();
  at_start = true;
  AppendPrefixedLines("", "T\t", &at_start, &out);
  EXPECT_EQ(out, "");  // nothing printed: no prefix either
}

TEST(OutputBuffer, WritesEachLineAfterAPrefixInMemoryAndSpilled) {
  SpillDir spill;
  std::string data;
  for (int i = 0; i < 20000; ++i) data += "line " + std::to_string(i) + "\n";
  data += "last";  // no newline: prefixed, and left without one
  OutputBuffer buf(&spill.dir, 4096);
  AppendInChunks(&buf, data, 1000);
  ASSERT_TRUE(buf.spilled());
  std::string want;
  bool at_start = true;
  AppendPrefixedLines(data, "x\t", &at_start, &want);
  {
    UniqueFd fd(OpenForWriting(spill.scratch.path() + "/tagged"));
    ASSERT_TRUE(fd.valid());
    EXPECT_EQ(buf.WriteTo(fd.get(), "x\t"), 0);
  }
  std::string got = ReadFile(spill.scratch.path() + "/tagged");
  EXPECT_EQ(got.size(), want.size());
  EXPECT_TRUE(got == want);
  EXPECT_EQ(got.substr(0, 9), "x\tline 0\n");
  EXPECT_EQ(got.substr(got.size() - 6), "x\tlast");
}

TEST(OutputBuffer, TailIsTheLastBytesInMemoryOrSpilled) {
  SpillDir spill;
  OutputBuffer buf(&spill.dir, 100);
  EXPECT_EQ(buf.Tail(10), "");
  buf.Append("abc");
  EXPECT_EQ(buf.Tail(10), "abc");
  EXPECT_EQ(buf.Tail(2), "bc");
  std::string data = Pattern(5000, 7);
  buf.Append(data);  // spilled: the tail comes from the file, then from memory
  ASSERT_TRUE(buf.spilled());
  std::string all = "abc" + data;
  EXPECT_TRUE(buf.Tail(1024) == all.substr(all.size() - 1024));
  buf.Append("xyz");
  all += "xyz";
  EXPECT_TRUE(buf.Tail(1024) == all.substr(all.size() - 1024));
  EXPECT_TRUE(buf.Tail(100000) == all);
  EXPECT_EQ(buf.Tail(2), "yz");
}

TEST(OutputBuffer, KeepTailBoundsAStreamThatPassesThrough) {
  std::string tail;
  KeepTail(&tail, "hello ", 8);
  EXPECT_EQ(tail, "hello ");
  KeepTail(&tail, "world", 8);
  EXPECT_EQ(tail, "lo world");
  KeepTail(&tail, "0123456789", 8);
  EXPECT_EQ(tail, "23456789");
  KeepTail(&tail, "", 8);
  EXPECT_EQ(tail, "23456789");
}

}  // namespace
}  // namespace coreflow
