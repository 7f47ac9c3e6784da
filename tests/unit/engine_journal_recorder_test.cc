#include "engine/journal_recorder.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <string>
#include <vector>

#include "journal/format.h"
#include "journal/reader.h"
#include "journal/writer.h"
#include "sys/fault.h"
#include "test_util.h"

namespace coreflow {
namespace {

using testutil::ReadFile;
using testutil::ScratchDir;
using testutil::WriteFile;

constexpr Hash128 kTemplateHash{0xabc, 0xdef};
constexpr Hash128 kKeyA{0x1111, 0xaaaa};
constexpr Hash128 kKeyB{0x2222, 0xbbbb};
constexpr Nanos kNow = 7 * kNanosPerSecond;

// What a journal holds, read back through the journal's own reader.
struct ReadBack {
  JournalInfo info;
  std::vector<StartMark> starts;
  std::vector<JournalRecord> records;
  std::vector<std::pair<std::string, std::string>> notes;  // kind, text
};

ReadBack Read(const std::string& path) {
  ReadBack back;
  JournalCallbacks callbacks;
  callbacks.on_start = [&](const StartMark& m) { back.starts.push_back(m); };
  callbacks.on_record = [&](const JournalRecord& r) { back.records.push_back(r); };
  callbacks.on_note = [&](std::string_view kind, const std::string& text) {
    back.notes.emplace_back(std::string(kind), text);
  };
  std::string err;
  EXPECT_TRUE(ReadJournal(path, callbacks, &back.info, &err)) << err;
  return back;
}

FileIdentity File(ino_t ino, int64_t size) {
  FileIdentity f;
  f.exists = true;
  f.ino = ino;
  f.size = size;
  f.mtime_ns = 1'000 + size;
  return f;
}

TaskRecord Attempt() {
  TaskRecord a;
  a.seq = 5;
  a.attempt = 2;
  a.slot = 3;
  a.final = true;
  a.outcome.exit_code = 4;
  a.started = 10 * kNanosPerSecond;
  a.ended = 12 * kNanosPerSecond;
  a.started_wall = 1'700'000'000 * kNanosPerSecond;
  a.user_cpu = 300 * kNanosPerMilli;
  a.sys_cpu = 100 * kNanosPerMilli;
  a.max_rss_kib = 2048;
  a.out_bytes = 99;
  a.command_line = "gzip\tin 5";
  return a;
}

// Fault plans are process-wide: every test here starts and ends without one.
class JournalRecorderTest : public testing::Test {
 protected:
  void SetUp() override {
    NoFaults();
    path_ = dir_.path() + "/run.journal";
  }
  void TearDown() override { NoFaults(); }
  static void NoFaults() {
    std::string err;
    ASSERT_TRUE(ConfigureFaults("", &err)) << err;
  }
  void Create() {
    std::string err;
    ASSERT_TRUE(writer_.Create(path_, -1, kTemplateHash, "gzip {}", &err)) << err;
  }
  void Close() {
    std::string err;
    EXPECT_TRUE(JournalRecorder(&writer_).RunEnded(0, kNow, &err)) << err;
  }

  ScratchDir dir_{"journal_recorder"};
  std::string path_;
  JournalWriter writer_;
};

TEST_F(JournalRecorderTest, AStartMarksEachInputWithItsOutputs) {
  Create();
  JournalRecorder recorder(&writer_);
  std::vector<FileIdentity> before = {File(1, 10), FileIdentity{}, File(3, 30), File(4, 40)};
  std::string err;
  ASSERT_TRUE(recorder.TaskStarted(TaskId(9), StageId(0), 1, {kKeyA, kKeyB}, before, 2, kNow, &err))
      << err;
  Close();
  ReadBack back = Read(path_);
  ASSERT_EQ(back.starts.size(), 2u);
  EXPECT_EQ(back.starts[0].key, kKeyA);
  EXPECT_EQ(back.starts[0].seq, 9u);
  EXPECT_EQ(back.starts[0].attempt, 1);
  EXPECT_EQ(back.starts[0].outputs, FormatOutputStates({File(1, 10), FileIdentity{}}));
  EXPECT_EQ(back.starts[0].stage, 0);
  EXPECT_EQ(back.starts[1].key, kKeyB);
  EXPECT_EQ(back.starts[1].outputs, FormatOutputStates({File(3, 30), File(4, 40)}));
  EXPECT_TRUE(back.records.empty());  // a start alone is an attempt cut short
}

TEST_F(JournalRecorderTest, AStartWithoutDeclaredOutputsHasNoStates) {
  Create();
  JournalRecorder recorder(&writer_);
  std::string err;
  ASSERT_TRUE(recorder.TaskStarted(TaskId(1), StageId(0), 3, {kKeyA}, {}, 0, kNow, &err)) << err;
  Close();
  ReadBack back = Read(path_);
  ASSERT_EQ(back.starts.size(), 1u);
  EXPECT_EQ(back.starts[0].attempt, 3);
  EXPECT_EQ(back.starts[0].outputs, "");
}

TEST_F(JournalRecorderTest, AStartNamesItsPipelineStage) {
  Create();
  JournalRecorder recorder(&writer_);
  std::string err;
  ASSERT_TRUE(recorder.TaskStarted(TaskId(4), StageId(2), 1, {kKeyA}, {}, 0, kNow, &err)) << err;
  Close();
  ReadBack back = Read(path_);
  ASSERT_EQ(back.starts.size(), 1u);
  EXPECT_EQ(back.starts[0].stage, 2);
  EXPECT_EQ(back.starts[0].seq, 4u);
  EXPECT_EQ(back.starts[0].outputs, "");
}

TEST_F(JournalRecorderTest, AFinishedAttemptIsRecordedWithItsTimesAndOutcome) {
  Create();
  JournalRecorder recorder(&writer_);
  std::string err;
  ASSERT_TRUE(recorder.TaskFinished(Attempt(), {kKeyA}, kNow, &err)) << err;
  Close();
  ReadBack back = Read(path_);
  ASSERT_EQ(back.records.size(), 1u);
  const JournalRecord& r = back.records[0];
  EXPECT_EQ(r.seq, 5u);
  EXPECT_EQ(r.key, kKeyA);
  EXPECT_EQ(r.attempt, 2);
  EXPECT_EQ(r.slot, 3);
  EXPECT_EQ(r.start_wall, 1'700'000'000 * kNanosPerSecond);
  EXPECT_EQ(r.runtime, 2 * kNanosPerSecond);
  EXPECT_EQ(r.receive, 99u);
  EXPECT_EQ(r.exitval, 4);
  EXPECT_EQ(r.signal, 0);
  EXPECT_EQ(r.command, "gzip\tin 5");
  EXPECT_EQ(r.user_cpu, 300 * kNanosPerMilli);
  EXPECT_EQ(r.sys_cpu, 100 * kNanosPerMilli);
  EXPECT_EQ(r.max_rss_kib, 2048);
  EXPECT_EQ(r.outcome, AttemptOutcome::kFailed);
  EXPECT_TRUE(r.final);
}

TEST_F(JournalRecorderTest, ABatchGetsOneRecordPerInput) {
  Create();
  JournalRecorder recorder(&writer_);
  TaskRecord a = Attempt();
  a.outcome.exit_code = 0;
  std::string err;
  ASSERT_TRUE(recorder.TaskFinished(a, {kKeyA, kKeyB}, kNow, &err)) << err;
  Close();
  ReadBack back = Read(path_);
  ASSERT_EQ(back.records.size(), 2u);
  EXPECT_EQ(back.records[0].key, kKeyA);
  EXPECT_EQ(back.records[1].key, kKeyB);
  EXPECT_EQ(back.records[1].seq, 5u);  // one command: they share its number and times
  EXPECT_EQ(back.records[1].runtime, back.records[0].runtime);
  EXPECT_EQ(back.records[1].outcome, AttemptOutcome::kOk);
}

TEST_F(JournalRecorderTest, ATimeoutIsExitvalMinusOneAndAnInterruptIsNotFinal) {
  Create();
  JournalRecorder recorder(&writer_);
  TaskRecord timed_out = Attempt();
  timed_out.outcome.timed_out = true;
  timed_out.outcome.signal = 15;
  TaskRecord interrupted = Attempt();
  interrupted.outcome.interrupted = true;
  interrupted.outcome.signal = 15;
  std::string err;
  ASSERT_TRUE(recorder.TaskFinished(timed_out, {kKeyA}, kNow, &err)) << err;
  ASSERT_TRUE(recorder.TaskFinished(interrupted, {kKeyB}, kNow, &err)) << err;
  Close();
  ReadBack back = Read(path_);
  ASSERT_EQ(back.records.size(), 2u);
  EXPECT_EQ(back.records[0].exitval, -1);
  EXPECT_EQ(back.records[0].outcome, AttemptOutcome::kTimeout);
  EXPECT_TRUE(back.records[0].final);
  EXPECT_EQ(back.records[1].outcome, AttemptOutcome::kInterrupted);
  EXPECT_FALSE(back.records[1].final);  // a resumed run does it again
}

TEST_F(JournalRecorderTest, ASkipIsRecordedAsSkipped) {
  Create();
  JournalRecorder recorder(&writer_);
  std::string err;
  ASSERT_TRUE(
      recorder.TaskSkipped(TaskId(4), kKeyB, "gzip c", 1'700'000'000 * kNanosPerSecond, kNow, &err))
      << err;
  Close();
  ReadBack back = Read(path_);
  ASSERT_EQ(back.records.size(), 1u);
  EXPECT_EQ(back.records[0].seq, 4u);
  EXPECT_EQ(back.records[0].key, kKeyB);
  EXPECT_EQ(back.records[0].command, "gzip c");
  EXPECT_EQ(back.records[0].start_wall, 1'700'000'000 * kNanosPerSecond);
  EXPECT_EQ(back.records[0].attempt, 1);
  EXPECT_EQ(back.records[0].outcome, AttemptOutcome::kSkipped);
  EXPECT_TRUE(back.records[0].final);
}

TEST_F(JournalRecorderTest, RunNotesAreWrittenInOrder) {
  Create();
  JournalRecorder recorder(&writer_);
  std::string err;
  ASSERT_TRUE(recorder.WorkerReady(SlotId(2), 1500 * kNanosPerMilli, kNow, &err)) << err;
  ASSERT_TRUE(recorder.Reshaped(4, 2, 8, true, kNow, &err)) << err;
  ASSERT_TRUE(recorder.RunEnded(3, kNow, &err)) << err;
  ReadBack back = Read(path_);
  std::vector<std::pair<std::string, std::string>> tail(back.notes.end() - 3, back.notes.end());
  EXPECT_EQ(tail[0], std::make_pair(std::string("worker"),
                                    std::string(R"({"slot":2,"startup_s":1.500000})")));
  EXPECT_EQ(tail[1],
            std::make_pair(std::string("reshape"),
                           std::string(R"({"slots":4,"threads":2,"batch":8,"bind":true})")));
  EXPECT_EQ(tail[2], std::make_pair(std::string("end"), std::string("3")));
}

TEST_F(JournalRecorderTest, KeysFollowTheVersionOfAContinuedJournal) {
  WriteFile(path_, JournalHeader(kTemplateHash, "gzip {}", /*version=*/1));
  JournalInfo info;
  std::string err;
  ASSERT_TRUE(ReadJournal(path_, JournalCallbacks{}, &info, &err)) << err;
  ASSERT_TRUE(writer_.Continue(path_, info, kNow, &err)) << err;
  JournalRecorder recorder(&writer_);
  EXPECT_EQ(recorder.key_version(), 1);
  ASSERT_TRUE(recorder.TaskStarted(TaskId(1), StageId(0), 1, {kKeyA}, {}, 0, kNow, &err)) << err;
  ASSERT_TRUE(recorder.TaskFinished(Attempt(), {kKeyA}, kNow, &err)) << err;
  Close();
  std::string text = ReadFile(path_);
  EXPECT_NE(text.find(FormatKey(kKeyA, 1)), std::string::npos);
  EXPECT_EQ(text.find(FormatKey(kKeyA, 2)), std::string::npos);  // never the 128-bit key
  ReadBack back = Read(path_);
  EXPECT_EQ(back.info.version, 1);
  ASSERT_EQ(back.records.size(), 1u);
  EXPECT_EQ(back.records[0].key, (Hash128{0, kKeyA.low}));  // version 1 keeps 64 bits
  ASSERT_EQ(back.starts.size(), 1u);
  EXPECT_EQ(back.starts[0].key, (Hash128{0, kKeyA.low}));
}

TEST_F(JournalRecorderTest, VersionTwoKeysAreWholeAndRecorded) {
  Create();
  JournalRecorder recorder(&writer_);
  EXPECT_EQ(recorder.key_version(), kJournalVersion);
  std::string err;
  ASSERT_TRUE(recorder.TaskFinished(Attempt(), {kKeyB}, kNow, &err)) << err;
  Close();
  EXPECT_NE(ReadFile(path_).find(FormatKey(kKeyB, 2)), std::string::npos);
  EXPECT_EQ(Read(path_).records.at(0).key, kKeyB);
}

TEST_F(JournalRecorderTest, AFailedWriteNamesTheJournalAndStaysFailed) {
  Create();
  JournalRecorder recorder(&writer_);
  std::string err;
  ASSERT_TRUE(ConfigureFaults("journal=EIO@1", &err)) << err;
  EXPECT_FALSE(recorder.TaskSkipped(TaskId(1), kKeyA, "gzip a", 0, kNow, &err));
  EXPECT_EQ(err, "cannot write journal '" + path_ + "': " + ErrnoText(EIO));
  NoFaults();  // the disk works again; the journal keeps its first error
  err.clear();
  EXPECT_FALSE(recorder.TaskFinished(Attempt(), {kKeyA}, kNow, &err));
  EXPECT_EQ(err, "cannot write journal '" + path_ + "': " + ErrnoText(EIO));
  EXPECT_FALSE(recorder.RunEnded(0, kNow, &err));
  EXPECT_TRUE(Read(path_).records.empty());
}

}  // namespace
}  // namespace coreflow
