#include "inputs/source.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "test_util.h"

namespace coreflow {
namespace {

using testutil::Pipe;
using testutil::TempFile;

UniqueFd OpenFile(const std::string& path) {
  UniqueFd fd(OpenForReading(path));
  EXPECT_TRUE(fd.valid()) << path;
  return fd;
}

// Reads every record, waiting where the source would block.
std::vector<std::string> ReadAll(InputSource* source) {
  std::vector<std::string> out;
  std::string value, err;
  for (;;) {
    ReadStatus s = source->Next(&value, &err);
    if (s == ReadStatus::kWouldBlock) {
      WaitReadable(source->fd());
      continue;
    }
    if (s == ReadStatus::kEnd) break;
    if (s == ReadStatus::kError) {
      ADD_FAILURE() << err;
      break;
    }
    out.push_back(value);
  }
  return out;
}

std::vector<std::string> ReadFileRecords(const std::string& contents, char delimiter = '\n') {
  TempFile file("source_test", contents);
  DelimitedReader reader(OpenFile(file.path()), delimiter, file.path());
  return ReadAll(&reader);
}

using Records = std::vector<std::string>;

// ---- ListSource ----

TEST(ListSourceTest, YieldsValuesInOrderThenEnds) {
  ListSource source({"a", "", "c d"});
  std::string v, err;
  ASSERT_EQ(source.Next(&v, &err), ReadStatus::kValue);
  EXPECT_EQ(v, "a");
  ASSERT_EQ(source.Next(&v, &err), ReadStatus::kValue);
  EXPECT_EQ(v, "");
  ASSERT_EQ(source.Next(&v, &err), ReadStatus::kValue);
  EXPECT_EQ(v, "c d");
  EXPECT_EQ(source.Next(&v, &err), ReadStatus::kEnd);
  EXPECT_EQ(source.Next(&v, &err), ReadStatus::kEnd) << "stays ended";
  EXPECT_EQ(source.fd(), -1) << "never blocks";
}

TEST(ListSourceTest, EmptyListEndsAtOnce) {
  ListSource source({});
  std::string v, err;
  EXPECT_EQ(source.Next(&v, &err), ReadStatus::kEnd);
}

// ---- DelimitedReader over a file ----

TEST(DelimitedReaderTest, SplitsOnNewlines) {
  EXPECT_EQ(ReadFileRecords("a\nb c\n"), (Records{"a", "b c"}));
}

TEST(DelimitedReaderTest, LastRecordNeedsNoDelimiter) {
  EXPECT_EQ(ReadFileRecords("a\nb"), (Records{"a", "b"}));
  EXPECT_EQ(ReadFileRecords("only"), (Records{"only"}));
}

TEST(DelimitedReaderTest, EmptyRecordsAreKept) {
  EXPECT_EQ(ReadFileRecords("a\n\nb\n"), (Records{"a", "", "b"}));
  EXPECT_EQ(ReadFileRecords("\n"), (Records{""}));
  EXPECT_EQ(ReadFileRecords("\n\n"), (Records{"", ""}));
  EXPECT_EQ(ReadFileRecords(""), (Records{}));
}

TEST(DelimitedReaderTest, NulDelimiterKeepsNewlines) {
  EXPECT_EQ(ReadFileRecords(std::string("a\nb\0c d\0", 8), '\0'), (Records{"a\nb", "c d"}));
  EXPECT_EQ(ReadFileRecords(std::string("x\0\0y", 4), '\0'), (Records{"x", "", "y"}));
  EXPECT_EQ(ReadFileRecords("no nul\n", '\0'), (Records{"no nul\n"}));
}

TEST(DelimitedReaderTest, KeepsCarriageReturnsAndBinaryBytes) {
  EXPECT_EQ(ReadFileRecords("a\r\n\xff\x01\n"), (Records{"a\r", "\xff\x01"}));
}

TEST(DelimitedReaderTest, RecordsCrossingChunkBoundaries) {
  // Records of many lengths, so that delimiters fall on, just before and just after every
  // 64 KiB boundary of the reads.
  Records expected;
  std::string contents;
  for (size_t i = 0; contents.size() < 5 * 65536; ++i) {
    std::string r(i % 997, static_cast<char>('a' + i % 26));
    r += std::to_string(i);
    expected.push_back(r);
    contents += r + "\n";
  }
  EXPECT_EQ(ReadFileRecords(contents), expected);
}

TEST(DelimitedReaderTest, RecordsEndingExactlyAtTheChunkSize) {
  for (size_t first : {65534u, 65535u, 65536u, 65537u}) {
    std::string a(first, 'a');
    std::string b(70000, 'b');
    EXPECT_EQ(ReadFileRecords(a + "\n" + b + "\nc"), (Records{a, b, "c"})) << first;
  }
}

TEST(DelimitedReaderTest, OneMegabyteRecord) {
  std::string big(1 << 20, 'x');
  big[12345] = 'y';
  EXPECT_EQ(ReadFileRecords("s\n" + big + "\nshort"), (Records{"s", big, "short"}));
}

TEST(DelimitedReaderTest, OverlongRecordIsAnError) {
  // A sparse file of zeros: one record longer than the limit when '\n' is the delimiter.
  TempFile big("source_test_big");
  ASSERT_FALSE(big.path().empty());
  ASSERT_EQ(truncate(big.path().c_str(), static_cast<off_t>(DelimitedReader::kMaxRecordBytes) + 1),
            0);
  DelimitedReader reader(OpenFile(big.path()), '\n', "big.txt");
  std::string v, err;
  EXPECT_EQ(reader.Next(&v, &err), ReadStatus::kError);
  EXPECT_NE(err.find("big.txt"), std::string::npos) << err;
  EXPECT_NE(err.find("64 MiB"), std::string::npos) << err;
}

TEST(DelimitedReaderTest, OwnsOrBorrowsTheDescriptor) {
  TempFile file("source_test", "a\n");
  int borrowed = OpenForReading(file.path());
  ASSERT_GE(borrowed, 0);
  {
    DelimitedReader reader(borrowed, '\n', "stdin");
    EXPECT_EQ(reader.fd(), borrowed);
    EXPECT_EQ(ReadAll(&reader), (Records{"a"}));
  }
  EXPECT_NE(fcntl(borrowed, F_GETFD), -1) << "a borrowed descriptor stays open";
  close(borrowed);

  int owned = OpenForReading(file.path());
  ASSERT_GE(owned, 0);
  { DelimitedReader reader{UniqueFd(owned), '\n', file.path()}; }
  EXPECT_EQ(fcntl(owned, F_GETFD), -1) << "an owned descriptor is closed";
}

// ---- delimiters of several bytes, counting and reading again ----

Records ReadWithDelimiter(const std::string& contents, const std::string& delimiter) {
  TempFile file("source_test", contents);
  DelimitedReader reader(OpenFile(file.path()), delimiter, file.path());
  return ReadAll(&reader);
}

TEST(DelimitedReaderTest, MultiByteDelimiters) {
  EXPECT_EQ(ReadWithDelimiter("a\r\nb\r\n\r\nc", "\r\n"), (Records{"a", "b", "", "c"}));
  EXPECT_EQ(ReadWithDelimiter("a\nb\rc\r\n", "\r\n"), (Records{"a\nb\rc"}));
  EXPECT_EQ(ReadWithDelimiter("1ab2aab3ab", "ab"), (Records{"1", "2a", "3"}));
  EXPECT_EQ(ReadWithDelimiter("aaa", "aa"), (Records{"", "a"}));  // left to right, no overlap
  EXPECT_EQ(ReadWithDelimiter(std::string("x\0\ny\0\n", 6), std::string("\0\n", 2)),
            (Records{"x", "y"}));
}

TEST(DelimitedReaderTest, MultiByteDelimitersAcrossChunkBoundaries) {
  // Delimiters that begin in one 64 KiB read and end in the next.
  for (size_t first : {65533u, 65534u, 65535u, 65536u}) {
    std::string a(first, 'a');
    EXPECT_EQ(ReadWithDelimiter(a + "<=>" + "b<=>c", "<=>"), (Records{a, "b", "c"})) << first;
  }
}

TEST(DelimitedReaderTest, CountsWhatIsLeftAfterReading) {
  TempFile file("source_test", "h\r\na\r\nb\r\nc");
  DelimitedReader reader(OpenFile(file.path()), std::string("\r\n"), file.path());
  uint64_t n = 0;
  ASSERT_TRUE(reader.CountRemaining(&n));
  EXPECT_EQ(n, 4u);
  std::string v, err;
  ASSERT_EQ(reader.Next(&v, &err), ReadStatus::kValue);  // a header, say
  ASSERT_TRUE(reader.CountRemaining(&n));
  EXPECT_EQ(n, 3u);
  EXPECT_EQ(ReadAll(&reader), (Records{"a", "b", "c"}));
  ASSERT_TRUE(reader.CountRemaining(&n));
  EXPECT_EQ(n, 0u);
}

TEST(DelimitedReaderTest, RewindReadsAFileAgain) {
  TempFile file("source_test", "skip\na\nb");
  UniqueFd fd = OpenFile(file.path());
  char c[5];
  ASSERT_EQ(ReadSome(fd.get(), c, 5), 5);  // a reader starts where the descriptor is
  DelimitedReader reader(std::move(fd), '\n', file.path());
  EXPECT_TRUE(reader.CanRewind());
  EXPECT_EQ(ReadAll(&reader), (Records{"a", "b"}));
  ASSERT_TRUE(reader.Rewind());
  EXPECT_EQ(ReadAll(&reader), (Records{"a", "b"}));
}

TEST(ListSourceTest, Rewinds) {
  ListSource source({"a", "b"});
  EXPECT_TRUE(source.CanRewind());
  EXPECT_EQ(ReadAll(&source), (Records{"a", "b"}));
  ASSERT_TRUE(source.Rewind());
  EXPECT_EQ(ReadAll(&source), (Records{"a", "b"}));
}

TEST(ReplaySourceTest, ReplaysAPipe) {
  Pipe p;
  ASSERT_EQ(WriteAll(p.write_end.get(), "x\ny\n"), 0);
  p.write_end.Reset();
  auto pipe = std::make_unique<DelimitedReader>(std::move(p.read_end), '\n', "pipe");
  EXPECT_FALSE(pipe->CanRewind());
  ReplaySource replay(std::move(pipe));
  EXPECT_TRUE(replay.CanRewind());
  EXPECT_FALSE(replay.Rewind()) << "only once the whole source has been seen";
  EXPECT_EQ(ReadAll(&replay), (Records{"x", "y"}));
  ASSERT_TRUE(replay.Rewind());
  uint64_t n = 0;
  ASSERT_TRUE(replay.CountRemaining(&n));
  EXPECT_EQ(n, 2u);
  EXPECT_EQ(replay.fd(), -1) << "a replay never blocks";
  EXPECT_EQ(ReadAll(&replay), (Records{"x", "y"}));
  ASSERT_TRUE(replay.Rewind());
  EXPECT_EQ(ReadAll(&replay), (Records{"x", "y"}));
}

// ---- DelimitedReader over a pipe ----

TEST(DelimitedReaderTest, PipeWouldBlockThenDataThenEnd) {
  Pipe p;
  int write_fd = p.write_end.get();
  DelimitedReader reader(std::move(p.read_end), '\n', "pipe");
  std::string v, err;
  EXPECT_EQ(reader.Next(&v, &err), ReadStatus::kWouldBlock) << "empty pipe, writer open";
  EXPECT_EQ(reader.Next(&v, &err), ReadStatus::kWouldBlock);

  ASSERT_EQ(WriteAll(write_fd, "one\ntw"), 0);
  ASSERT_EQ(reader.Next(&v, &err), ReadStatus::kValue);
  EXPECT_EQ(v, "one");
  EXPECT_EQ(reader.Next(&v, &err), ReadStatus::kWouldBlock) << "'tw' is not a whole record";

  ASSERT_EQ(WriteAll(write_fd, "o\n\nlast"), 0);
  ASSERT_EQ(reader.Next(&v, &err), ReadStatus::kValue);
  EXPECT_EQ(v, "two");
  ASSERT_EQ(reader.Next(&v, &err), ReadStatus::kValue);
  EXPECT_EQ(v, "");
  EXPECT_EQ(reader.Next(&v, &err), ReadStatus::kWouldBlock);

  p.write_end.Reset();  // end of file completes the last record
  ASSERT_EQ(reader.Next(&v, &err), ReadStatus::kValue);
  EXPECT_EQ(v, "last");
  EXPECT_EQ(reader.Next(&v, &err), ReadStatus::kEnd);
  EXPECT_EQ(reader.Next(&v, &err), ReadStatus::kEnd);
}

TEST(DelimitedReaderTest, PipeClosedEmptyEndsAtOnce) {
  Pipe p;
  p.write_end.Reset();
  DelimitedReader reader(std::move(p.read_end), '\n', "pipe");
  std::string v, err;
  EXPECT_EQ(reader.Next(&v, &err), ReadStatus::kEnd);
}

TEST(DelimitedReaderTest, PipeWithLargeRecordsFromAWriterThread) {
  // More than a pipe holds, so the writer and reader must take turns.
  Records expected;
  std::string contents;
  for (size_t i = 0; i < 40; ++i) {
    std::string r(i * 7919 % 100000, static_cast<char>('A' + i % 26));
    expected.push_back(r);
    contents += r;
    contents.push_back('\0');
  }
  expected.push_back(std::string(1 << 20, 'z'));
  contents += expected.back();
  Pipe p;
  std::thread writer(
      [&contents, fd = std::move(p.write_end)] { EXPECT_EQ(WriteAll(fd.get(), contents), 0); });
  DelimitedReader reader(std::move(p.read_end), '\0', "pipe");
  Records got = ReadAll(&reader);
  writer.join();
  EXPECT_EQ(got, expected);
}

}  // namespace
}  // namespace coreflow
