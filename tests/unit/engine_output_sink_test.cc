#include "engine/output_sink.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "exec/output_buffer.h"
#include "sys/fs.h"
#include "test_util.h"

namespace coreflow {
namespace {

using testutil::MemFile;

// Keeps every write in order, as "1:" (stdout) or "2:" (stderr) and the bytes; fails the
// write numbered `fail_at` (from 1) and every one after it with `fail_errno`.
class FakeWriter : public StreamWriter {
 public:
  int Write(StdStream stream, std::string_view bytes) override {
    ++writes_;
    if (fail_at_ > 0 && writes_ >= fail_at_) return fail_errno_;
    log_.push_back((stream == StdStream::kOut ? "1:" : "2:") + std::string(bytes));
    return 0;
  }
  void FailFrom(int write, int error) {
    fail_at_ = write;
    fail_errno_ = error;
  }
  const std::vector<std::string>& log() const { return log_; }

 private:
  std::vector<std::string> log_;
  int writes_ = 0;
  int fail_at_ = 0;
  int fail_errno_ = 0;
};

class FakeListener : public OutputSink::Listener {
 public:
  void OnOutputBegin() override { ++begins; }
  void OnOutputEnd() override { ++ends; }
  void OnReaderGone() override { ++readers_gone; }
  void OnWriteFailed(const std::string& message) override { failures.push_back(message); }

  int begins = 0;
  int ends = 0;
  int readers_gone = 0;
  std::vector<std::string> failures;
};

std::unique_ptr<CapturedOutput> Captured(std::string_view out, std::string_view err) {
  auto captured = std::make_unique<CapturedOutput>(nullptr);  // nowhere to spill: memory only
  EXPECT_EQ(captured->out.Append(out), 0);
  EXPECT_EQ(captured->err.Append(err), 0);
  return captured;
}

using Log = std::vector<std::string>;

class OutputSinkTest : public testing::Test {
 protected:
  OutputSink& Sink(OutputMode mode, bool keep_order = false, bool to_results = false) {
    sink_ = std::make_unique<OutputSink>(OutputSinkOptions{mode, keep_order, to_results}, &writer_,
                                         &listener_);
    return *sink_;
  }

  FakeWriter writer_;
  FakeListener listener_;
  std::unique_ptr<OutputSink> sink_;
};

TEST_F(OutputSinkTest, GroupedOutputIsPrintedWholeWhenReleased) {
  OutputSink& sink = Sink(OutputMode::kGroup);
  sink.Start(TaskId(1), "", "");
  auto captured = Captured("a\nb\n", "oops\n");
  EXPECT_TRUE(writer_.log().empty());
  sink.Release(TaskId(1), 1, captured.get(), "coreflow: it failed\n");
  EXPECT_EQ(writer_.log(), (Log{"1:a\nb\n", "2:oops\n", "2:coreflow: it failed\n"}));
  EXPECT_EQ(listener_.begins, 1);  // one release: a display clears and redraws once
  EXPECT_EQ(listener_.ends, 1);
}

TEST_F(OutputSinkTest, GroupedEchoAndEveryLineCarryTheTag) {
  OutputSink& sink = Sink(OutputMode::kGroup);
  sink.Start(TaskId(1), "t1\t", "echo x\n");
  EXPECT_TRUE(writer_.log().empty());  // -v's line waits for the output
  auto captured = Captured("x\ny", "e\n");
  sink.Release(TaskId(1), 1, captured.get(), "");
  EXPECT_EQ(writer_.log(), (Log{"1:t1\techo x\n", "1:t1\tx\nt1\ty", "2:t1\te\n"}));
}

TEST_F(OutputSinkTest, WithResultsOnlyTheEchoIsPrinted) {
  OutputSink& sink = Sink(OutputMode::kGroup, false, /*to_results=*/true);
  sink.Start(TaskId(1), "", "cmd\n");
  auto captured = Captured("in a file\n", "also\n");
  sink.Release(TaskId(1), 1, captured.get(), "error in a file too\n");
  EXPECT_EQ(writer_.log(), (Log{"1:cmd\n"}));
}

TEST_F(OutputSinkTest, ASkippedTaskReleasesWithoutAStart) {
  OutputSink& sink = Sink(OutputMode::kGroup);
  sink.Release(TaskId(4), 1, nullptr, "");
  EXPECT_TRUE(writer_.log().empty());
  EXPECT_TRUE(listener_.failures.empty());
}

TEST_F(OutputSinkTest, LineBufferPassesWholeLinesAndKeepsThePartialOne) {
  OutputSink& sink = Sink(OutputMode::kLineBuffer);
  sink.Start(TaskId(1), "", "");
  sink.Print(TaskId(1), StdStream::kOut, "ab");
  EXPECT_TRUE(writer_.log().empty());
  sink.Print(TaskId(1), StdStream::kOut, "c\nd\ne");
  sink.Print(TaskId(1), StdStream::kErr, "warn\n");
  EXPECT_EQ(writer_.log(), (Log{"1:abc\nd\n", "2:warn\n"}));
  sink.Flush(TaskId(1));  // the task ended: its last line goes out unfinished
  sink.Release(TaskId(1), 1, nullptr, "");
  EXPECT_EQ(writer_.log(), (Log{"1:abc\nd\n", "2:warn\n", "1:e"}));
}

TEST_F(OutputSinkTest, LineBufferTagsEachLineOnce) {
  OutputSink& sink = Sink(OutputMode::kLineBuffer);
  sink.Start(TaskId(1), "A\t", "cmd a\n");  // -v: the command is a line of output
  sink.Print(TaskId(1), StdStream::kOut, "one\ntw");
  sink.Print(TaskId(1), StdStream::kOut, "o\n");
  sink.Print(TaskId(1), StdStream::kErr, "last");
  sink.Flush(TaskId(1));
  EXPECT_EQ(writer_.log(), (Log{"1:A\tcmd a\n", "1:A\tone\n", "1:A\ttwo\n", "2:A\tlast"}));
}

TEST_F(OutputSinkTest, LineBufferLinesOfTwoTasksNeverMix) {
  OutputSink& sink = Sink(OutputMode::kLineBuffer);
  sink.Start(TaskId(1), "", "");
  sink.Start(TaskId(2), "", "");
  sink.Print(TaskId(1), StdStream::kOut, "one-");
  sink.Print(TaskId(2), StdStream::kOut, "two\n");
  sink.Print(TaskId(1), StdStream::kOut, "end\n");
  EXPECT_EQ(writer_.log(), (Log{"1:two\n", "1:one-end\n"}));
}

TEST_F(OutputSinkTest, KeepOrderHoldsLaterTasksUntilEarlierOnesAreReleased) {
  OutputSink& sink = Sink(OutputMode::kLineBuffer, /*keep_order=*/true);
  for (uint64_t i = 1; i <= 3; ++i) sink.Start(TaskId(i), "", "");
  sink.Print(TaskId(3), StdStream::kOut, "three\nunfinished");
  sink.Flush(TaskId(3));  // task 3 ends first: its lines wait, the partial one too
  sink.Print(TaskId(2), StdStream::kErr, "two err\n");
  sink.Print(TaskId(1), StdStream::kOut, "one\n");
  EXPECT_EQ(writer_.log(), (Log{"1:one\n"}));  // only the earliest task prints as it goes
  sink.Release(TaskId(1), 1, nullptr, "");
  EXPECT_EQ(writer_.log(), (Log{"1:one\n", "2:two err\n"}));  // task 2 is live now
  sink.Print(TaskId(2), StdStream::kOut, "two\n");
  EXPECT_EQ(writer_.log(), (Log{"1:one\n", "2:two err\n", "1:two\n"}));
  sink.Release(TaskId(2), 1, nullptr, "");
  sink.Release(TaskId(3), 1, nullptr, "");
  EXPECT_EQ(writer_.log(), (Log{"1:one\n", "2:two err\n", "1:two\n", "1:three\nunfinished"}));
}

TEST_F(OutputSinkTest, KeepOrderMovesPastATaskThatNeverStarted) {
  OutputSink& sink = Sink(OutputMode::kLineBuffer, /*keep_order=*/true);
  sink.Start(TaskId(3), "", "");
  sink.Print(TaskId(3), StdStream::kOut, "three\n");
  sink.Release(TaskId(1), 1, nullptr, "");  // skipped: found finished in the journal
  EXPECT_TRUE(writer_.log().empty());
  sink.Release(TaskId(2), 1, nullptr, "");
  EXPECT_EQ(writer_.log(), (Log{"1:three\n"}));
}

TEST_F(OutputSinkTest, KeepOrderHeldLinesAreTagged) {
  OutputSink& sink = Sink(OutputMode::kLineBuffer, /*keep_order=*/true);
  sink.Start(TaskId(1), "a\t", "");
  sink.Start(TaskId(2), "b\t", "");
  sink.Print(TaskId(2), StdStream::kOut, "x\ny\n");
  sink.Release(TaskId(1), 1, nullptr, "");
  EXPECT_EQ(writer_.log(), (Log{"1:b\tx\nb\ty\n"}));
}

TEST_F(OutputSinkTest, UngroupedEchoIsWrittenAtOnceWithoutTag) {
  OutputSink& sink = Sink(OutputMode::kUngroup);
  sink.Start(TaskId(1), "t\t", "cmd\n");
  EXPECT_EQ(writer_.log(), (Log{"1:cmd\n"}));
  sink.Release(TaskId(1), 1, nullptr, "coreflow: cmd: command not found\n");
  EXPECT_EQ(writer_.log(), (Log{"1:cmd\n", "2:coreflow: cmd: command not found\n"}));
}

TEST_F(OutputSinkTest, BrokenPipeStopsQuietlyAndWritesNothingMore) {
  OutputSink& sink = Sink(OutputMode::kGroup);
  writer_.FailFrom(1, EPIPE);
  auto captured = Captured("a\n", "b\n");
  sink.Release(TaskId(1), 1, captured.get(), "error\n");
  EXPECT_EQ(listener_.readers_gone, 1);
  EXPECT_TRUE(listener_.failures.empty());
  EXPECT_TRUE(sink.broken());
  writer_.FailFrom(0, 0);  // the writer works again; the sink stays stopped
  auto more = Captured("c\n", "");
  sink.Release(TaskId(2), 1, more.get(), "");
  EXPECT_TRUE(writer_.log().empty());
  EXPECT_EQ(listener_.readers_gone, 1);
}

TEST_F(OutputSinkTest, OtherWriteErrorsAbortWithAMessageNamingTheStream) {
  OutputSink& sink = Sink(OutputMode::kGroup);
  writer_.FailFrom(2, EIO);  // stdout works, stderr fails
  auto captured = Captured("a\n", "b\n");
  sink.Release(TaskId(1), 1, captured.get(), "error\n");
  EXPECT_EQ(writer_.log(), (Log{"1:a\n"}));
  EXPECT_EQ(listener_.readers_gone, 0);
  ASSERT_EQ(listener_.failures.size(), 1u);  // once, not again for the error text
  EXPECT_EQ(listener_.failures[0], "cannot write standard error: " + ErrnoText(EIO));
}

TEST_F(OutputSinkTest, LineBufferWriteErrorStopsLaterLines) {
  OutputSink& sink = Sink(OutputMode::kLineBuffer);
  sink.Start(TaskId(1), "", "");
  writer_.FailFrom(1, ENOSPC);
  sink.Print(TaskId(1), StdStream::kOut, "a\n");
  sink.Print(TaskId(1), StdStream::kOut, "b\n");
  ASSERT_EQ(listener_.failures.size(), 1u);
  EXPECT_EQ(listener_.failures[0], "cannot write standard output: " + ErrnoText(ENOSPC));
}

TEST_F(OutputSinkTest, MessagesAreWrittenEvenAfterAFailedWrite) {
  OutputSink& sink = Sink(OutputMode::kGroup);
  writer_.FailFrom(1, EPIPE);
  sink.Start(TaskId(1), "", "");
  sink.Release(TaskId(1), 1, Captured("a\n", "").get(), "");
  writer_.FailFrom(0, 0);
  sink.Say("coreflow: warning\n");
  EXPECT_EQ(writer_.log(), (Log{"2:coreflow: warning\n"}));
  EXPECT_EQ(listener_.begins, 2);
  EXPECT_EQ(listener_.ends, 2);
}

TEST(FdStreamWriterTest, WritesEachStreamToItsDescriptor) {
  MemFile out("out");
  MemFile err("err");
  FdStreamWriter writer(out.fd(), err.fd());
  EXPECT_EQ(writer.Write(StdStream::kOut, "to stdout\n"), 0);
  EXPECT_EQ(writer.Write(StdStream::kErr, "to stderr\n"), 0);
  EXPECT_EQ(out.Text(), "to stdout\n");
  EXPECT_EQ(err.Text(), "to stderr\n");
  EXPECT_EQ(writer.Descriptor(StdStream::kOut), out.fd());
}

TEST(FdStreamWriterTest, ReturnsTheErrnoOfAFailedWrite) {
  testutil::IgnoreSigpipe ignore;
  testutil::Pipe pipe;
  pipe.read_end.Reset();
  FdStreamWriter writer(pipe.write_end.get(), -1);
  EXPECT_EQ(writer.Write(StdStream::kOut, "x"), EPIPE);
  EXPECT_EQ(writer.Write(StdStream::kErr, "x"), EBADF);
}

TEST(OutputSinkWithFdsTest, SpilledGroupedOutputIsCopiedWholeAndTagged) {
  MemFile out("out");
  MemFile err("err");
  FdStreamWriter writer(out.fd(), err.fd());
  FakeListener listener;
  OutputSink sink(OutputSinkOptions{OutputMode::kGroup, false, false}, &writer, &listener);
  PrivateTempDir spill;
  CapturedOutput captured(&spill);
  std::string big(3 * OutputBuffer::kDefaultMemoryLimit, 'x');
  big += "\nend\n";
  ASSERT_EQ(captured.out.Append(big), 0);
  ASSERT_TRUE(captured.out.spilled());
  sink.Start(TaskId(1), "", "");
  sink.Release(TaskId(1), 1, &captured, "");
  EXPECT_EQ(out.Text(), big);
  sink.Start(TaskId(2), "T\t", "");
  sink.Release(TaskId(2), 1, &captured, "");
  EXPECT_EQ(out.Text(),
            big + "T\t" + std::string(3 * OutputBuffer::kDefaultMemoryLimit, 'x') + "\nT\tend\n");
  EXPECT_TRUE(listener.failures.empty());
}

}  // namespace
}  // namespace coreflow
