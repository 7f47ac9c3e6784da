#include "journal/writer.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <cerrno>
#include <string>
#include <vector>

#include "journal/format.h"
#include "journal/reader.h"
#include "journal/run_note.h"
#include "sys/fault.h"
#include "test_util.h"

namespace coreflow {
namespace {

using testutil::IgnoreSigpipe;
using testutil::MemFile;
using testutil::Pipe;
using testutil::ReadFile;
using testutil::ScratchDir;
using testutil::SignalStateGuard;

constexpr Hash128 kHash{0xfeed, 0xfeedface0badf00dull};
constexpr const char* kTemplate = "convert {} {.}.png";
constexpr Nanos kT0 = 5 * kNanosPerSecond;

JournalRecord Record(uint64_t seq) {
  JournalRecord r;
  r.seq = seq;
  r.start_wall = static_cast<Nanos>(1'700'000'000 + seq) * kNanosPerSecond;
  r.runtime = 250 * kNanosPerMilli;
  r.command = "convert in" + std::to_string(seq) + ".jpg in" + std::to_string(seq) + ".png";
  r.key = Hash128{0, 0x5000 + seq};
  r.slot = 1;
  return r;
}

std::string Header() { return JournalHeader(kHash, kTemplate); }

// Reads the journal at `path`, which must parse; returns the seq of each record in order.
std::vector<uint64_t> RecordSeqs(const std::string& path, JournalInfo* info) {
  std::vector<uint64_t> seqs;
  JournalCallbacks callbacks;
  callbacks.on_record = [&](const JournalRecord& r) { seqs.push_back(r.seq); };
  std::string err;
  EXPECT_TRUE(ReadJournal(path, callbacks, info, &err)) << err;
  return seqs;
}

// Fault plans are process-wide: every test here starts and ends without one.
class JournalWriterTest : public testing::Test {
 protected:
  void SetUp() override { ResetFaults(); }
  void TearDown() override { ResetFaults(); }
  static void ResetFaults() {
    std::string err;
    ASSERT_TRUE(ConfigureFaults("", &err)) << err;
  }
};

// ---- Create ----

TEST_F(JournalWriterTest, CreateWritesTheHeader) {
  ScratchDir dir("journal_writer");
  std::string path = dir.path() + "/run.journal";
  JournalWriter w;
  std::string err;
  ASSERT_TRUE(w.Create(path, -1, kHash, kTemplate, &err)) << err;
  EXPECT_EQ(w.path(), path);
  EXPECT_EQ(w.error(), 0);
  EXPECT_EQ(ReadFile(path), Header()) << "written at once, before any record";
  EXPECT_EQ(w.SyncDue(), 0) << "the header alone leaves nothing due";
  EXPECT_EQ(w.Close(), 0);
  EXPECT_EQ(ReadFile(path), Header());
}

TEST_F(JournalWriterTest, CreateTruncatesAnExistingFile) {
  ScratchDir dir("journal_writer");
  std::string path = dir.Write("run.journal", std::string(10000, 'x') + "\n");
  JournalWriter w;
  std::string err;
  ASSERT_TRUE(w.Create(path, -1, kHash, kTemplate, &err)) << err;
  EXPECT_EQ(w.RecordAttempt(Record(1), kT0), 0);
  EXPECT_EQ(w.Close(), 0);
  EXPECT_EQ(ReadFile(path), Header() + FormatRecord(Record(1)));
}

TEST_F(JournalWriterTest, CreateInAMissingDirectoryFails) {
  ScratchDir dir("journal_writer");
  std::string path = dir.path() + "/missing/run.journal";
  JournalWriter w;
  std::string err;
  EXPECT_FALSE(w.Create(path, -1, kHash, kTemplate, &err));
  EXPECT_EQ(err, "cannot create journal '" + path + "': " + ErrnoText(ENOENT));
}

TEST_F(JournalWriterTest, DashWritesToTheGivenFdAndNeverSyncs) {
  MemFile out("journal_stdout");
  JournalWriter w;
  std::string err;
  ASSERT_TRUE(w.Create("-", out.fd(), kHash, kTemplate, &err)) << err;
  EXPECT_EQ(out.Take(), Header());
  EXPECT_EQ(w.RecordStart({Hash128{0, 0x5001}, 1, 1}, kT0), 0);
  EXPECT_EQ(w.SyncDue(), 0) << "standard output is never synced, so nothing is ever due";
  EXPECT_EQ(w.RecordAttempt(Record(1), kT0 + kNanosPerSecond), 0);
  EXPECT_EQ(w.SyncDue(), 0);
  EXPECT_EQ(out.Take(), FormatStartMark({Hash128{0, 0x5001}, 1, 1}) + FormatRecord(Record(1)));
  EXPECT_EQ(w.Close(), 0);
  EXPECT_GE(fcntl(out.fd(), F_GETFD), 0) << "Close leaves a descriptor it does not own open";
}

// ---- records ----

TEST_F(JournalWriterTest, RecordsAppendExactLines) {
  ScratchDir dir("journal_writer");
  std::string path = dir.path() + "/run.journal";
  JournalWriter w;
  std::string err;
  ASSERT_TRUE(w.Create(path, -1, Hash128{0, 0xab}, "echo", &err)) << err;
  EXPECT_EQ(w.RecordStart({Hash128{0, 0xab}, 1, 3}, kT0), 0);
  // Each line is out at once (before any sync), so a crash of coreflow loses nothing.
  EXPECT_EQ(ReadFile(path), JournalHeader(Hash128{0, 0xab}, "echo") +
                                "#start\t000000000000000000000000000000ab\t1\t3\t\n");
  JournalRecord r;
  r.seq = 3;
  r.start_wall = 1'700'000'000'000'000'000;
  r.runtime = 2 * kNanosPerSecond;
  r.receive = 6;
  r.command = "echo hello";
  r.key = Hash128{0, 0xab};
  r.slot = 2;
  EXPECT_EQ(w.RecordAttempt(r, kT0 + kNanosPerMilli), 0);
  EXPECT_EQ(ReadFile(path), JournalHeader(Hash128{0, 0xab}, "echo") +
                                "#start\t000000000000000000000000000000ab\t1\t3\t\n"
                                "3\t:\t1700000000.000\t     2.000\t0\t6\t0\t0\techo hello\t"
                                "000000000000000000000000000000ab\t1\t0.000\t0.000\t0\t2\tok\t1\n");
  EXPECT_EQ(w.Close(), 0);
}

TEST_F(JournalWriterTest, WritesAfterCloseAreDropped) {
  ScratchDir dir("journal_writer");
  std::string path = dir.path() + "/run.journal";
  JournalWriter w;
  std::string err;
  ASSERT_TRUE(w.Create(path, -1, kHash, kTemplate, &err)) << err;
  EXPECT_EQ(w.Close(), 0);
  EXPECT_EQ(w.RecordAttempt(Record(1), kT0), 0);
  EXPECT_EQ(ReadFile(path), Header());
}

// ---- syncing ----

TEST_F(JournalWriterTest, SyncDueFollowsTheFirstUnsyncedWrite) {
  ScratchDir dir("journal_writer");
  JournalWriter w;
  std::string err;
  ASSERT_TRUE(w.Create(dir.path() + "/run.journal", -1, kHash, kTemplate, &err)) << err;
  EXPECT_EQ(w.SyncDue(), 0);
  ASSERT_EQ(w.RecordStart({Hash128{0, 1}, 1, 1}, kT0), 0);
  EXPECT_EQ(w.SyncDue(), kT0 + 100 * kNanosPerMilli);
  EXPECT_EQ(JournalWriter::kSyncInterval, 100 * kNanosPerMilli);
  // Later writes do not push the deadline back: the oldest unsynced line sets it.
  ASSERT_EQ(w.RecordAttempt(Record(1), kT0 + 60 * kNanosPerMilli), 0);
  EXPECT_EQ(w.SyncDue(), kT0 + 100 * kNanosPerMilli);
  ASSERT_EQ(w.RecordStart({Hash128{0, 2}, 1, 2}, kT0 + 99 * kNanosPerMilli), 0);
  EXPECT_EQ(w.SyncDue(), kT0 + 100 * kNanosPerMilli);
  // A write at the due time syncs everything.
  ASSERT_EQ(w.RecordAttempt(Record(2), kT0 + 100 * kNanosPerMilli), 0);
  EXPECT_EQ(w.SyncDue(), 0);
  // The next write starts a new interval.
  const Nanos t1 = kT0 + 3 * kNanosPerSecond;
  ASSERT_EQ(w.RecordStart({Hash128{0, 3}, 1, 3}, t1), 0);
  EXPECT_EQ(w.SyncDue(), t1 + 100 * kNanosPerMilli);
  EXPECT_EQ(w.Close(), 0);
  EXPECT_EQ(w.SyncDue(), 0) << "Close syncs";
}

TEST_F(JournalWriterTest, WriteLongAfterTheDueTimeSyncs) {
  ScratchDir dir("journal_writer");
  JournalWriter w;
  std::string err;
  ASSERT_TRUE(w.Create(dir.path() + "/run.journal", -1, kHash, kTemplate, &err)) << err;
  ASSERT_EQ(w.RecordStart({Hash128{0, 1}, 1, 1}, kT0), 0);
  ASSERT_NE(w.SyncDue(), 0);
  ASSERT_EQ(w.RecordAttempt(Record(1), kT0 + 10 * kNanosPerSecond), 0);
  EXPECT_EQ(w.SyncDue(), 0);
}

TEST_F(JournalWriterTest, ExplicitSyncClearsTheDeadline) {
  ScratchDir dir("journal_writer");
  JournalWriter w;
  std::string err;
  ASSERT_TRUE(w.Create(dir.path() + "/run.journal", -1, kHash, kTemplate, &err)) << err;
  EXPECT_EQ(w.Sync(kT0), 0) << "nothing to sync is fine";
  ASSERT_EQ(w.RecordStart({Hash128{0, 1}, 1, 1}, kT0), 0);
  ASSERT_NE(w.SyncDue(), 0);
  EXPECT_EQ(w.Sync(w.SyncDue()), 0);
  EXPECT_EQ(w.SyncDue(), 0);
}

// ---- Continue ----

TEST_F(JournalWriterTest, ContinueCutsATornTailAndNotesTheResume) {
  ScratchDir dir("journal_writer");
  std::string torn = FormatRecord(Record(3));
  torn.resize(torn.size() - 7);
  std::string complete = Header() + FormatStartMark({Hash128{0, 0x5001}, 1, 1}) +
                         FormatRecord(Record(1)) + FormatRecord(Record(2)) +
                         FormatStartMark({Hash128{0, 0x5003}, 1, 3});
  std::string path = dir.Write("run.journal", complete + torn);
  JournalInfo info;
  EXPECT_EQ(RecordSeqs(path, &info), (std::vector<uint64_t>{1, 2}));
  ASSERT_TRUE(info.torn_tail);
  ASSERT_EQ(info.complete_bytes, complete.size());

  JournalWriter w;
  std::string err;
  ASSERT_TRUE(w.Continue(path, info, 1'700'000'100'000'000'000, &err)) << err;
  EXPECT_EQ(w.path(), path);
  EXPECT_EQ(ReadFile(path), complete + "#resume\t1700000100.000\n");
  EXPECT_EQ(w.RecordAttempt(Record(3), kT0), 0);
  EXPECT_EQ(w.Close(), 0);
  EXPECT_EQ(ReadFile(path), complete + "#resume\t1700000100.000\n" + FormatRecord(Record(3)));

  JournalInfo again;
  EXPECT_EQ(RecordSeqs(path, &again), (std::vector<uint64_t>{1, 2, 3}));
  EXPECT_FALSE(again.torn_tail);
  EXPECT_EQ(again.records, 3u);
  EXPECT_EQ(again.template_hash, kHash);
}

TEST_F(JournalWriterTest, ContinueKeepsAnIntactJournal) {
  ScratchDir dir("journal_writer");
  std::string before = Header() + FormatRecord(Record(1));
  std::string path = dir.Write("run.journal", before);
  JournalInfo info;
  RecordSeqs(path, &info);
  ASSERT_FALSE(info.torn_tail);
  JournalWriter w;
  std::string err;
  ASSERT_TRUE(w.Continue(path, info, 0, &err)) << err;
  EXPECT_EQ(w.RecordAttempt(Record(2), kT0), 0);
  EXPECT_EQ(w.Close(), 0);
  EXPECT_EQ(ReadFile(path), before + "#resume\t0.000\n" + FormatRecord(Record(2)));
}

TEST_F(JournalWriterTest, ContinueOnAMissingDirectoryFails) {
  ScratchDir dir("journal_writer");
  std::string path = dir.path() + "/missing/run.journal";
  JournalWriter w;
  std::string err;
  EXPECT_FALSE(w.Continue(path, JournalInfo{}, 0, &err));
  EXPECT_EQ(err, "cannot create journal '" + path + "': " + ErrnoText(ENOENT));
}

// ---- write errors ----

TEST_F(JournalWriterTest, ClosedPipeGivesEpipeAndStopsWriting) {
  IgnoreSigpipe ignore;
  Pipe pipe;
  JournalWriter w;
  std::string err;
  ASSERT_TRUE(w.Create("-", pipe.write_end.get(), kHash, kTemplate, &err)) << err;
  pipe.read_end.Reset();
  EXPECT_EQ(w.RecordAttempt(Record(1), kT0), EPIPE);
  EXPECT_EQ(w.error(), EPIPE);
  // The first error sticks: later calls report it.
  EXPECT_EQ(w.RecordStart({Hash128{0, 1}, 1, 2}, kT0), EPIPE);
  EXPECT_EQ(w.RecordAttempt(Record(2), kT0), EPIPE);
  EXPECT_EQ(w.Sync(kT0), EPIPE);
  EXPECT_EQ(w.Close(), EPIPE);
}

volatile sig_atomic_t g_sigpipes = 0;
void CountSigpipe(int) { g_sigpipes = g_sigpipes + 1; }

TEST_F(JournalWriterTest, NoWriteIsAttemptedAfterTheFirstError) {
  // Each write to a closed pipe raises SIGPIPE: counting them counts the attempts.
  SignalStateGuard guard;
  struct sigaction count {};
  count.sa_handler = CountSigpipe;
  ASSERT_EQ(sigaction(SIGPIPE, &count, nullptr), 0);
  g_sigpipes = 0;
  Pipe pipe;
  JournalWriter w;
  std::string err;
  ASSERT_TRUE(w.Create("-", pipe.write_end.get(), kHash, kTemplate, &err)) << err;
  pipe.read_end.Reset();
  EXPECT_EQ(w.RecordAttempt(Record(1), kT0), EPIPE);
  EXPECT_EQ(g_sigpipes, 1);
  for (uint64_t seq = 2; seq <= 5; ++seq) {
    EXPECT_EQ(w.RecordStart({Hash128{0, seq}, 1, seq}, kT0), EPIPE);
    EXPECT_EQ(w.RecordAttempt(Record(seq), kT0), EPIPE);
  }
  EXPECT_EQ(g_sigpipes, 1);
}

TEST_F(JournalWriterTest, InjectedEnospcTearsTheLineAndStops) {
  std::string plan_err;
  ASSERT_TRUE(ConfigureFaults("journal=ENOSPC@2", &plan_err)) << plan_err;
  ScratchDir dir("journal_writer");
  std::string path = dir.path() + "/run.journal";
  JournalWriter w;
  std::string err;
  // The header is not a counted write: the plan counts records and start marks.
  ASSERT_TRUE(w.Create(path, -1, kHash, kTemplate, &err)) << err;
  EXPECT_EQ(w.RecordAttempt(Record(1), kT0), 0);
  EXPECT_EQ(w.RecordAttempt(Record(2), kT0), ENOSPC);
  EXPECT_EQ(w.error(), ENOSPC);
  std::string second = FormatRecord(Record(2));
  std::string expected = Header() + FormatRecord(Record(1)) + second.substr(0, second.size() / 2);
  EXPECT_EQ(ReadFile(path), expected) << "half the line landed, as on a full disk";
  // Nothing more is written, though the plan would let the next write through.
  EXPECT_EQ(w.RecordAttempt(Record(3), kT0), ENOSPC);
  EXPECT_EQ(w.RecordStart({Hash128{0, 4}, 1, 4}, kT0), ENOSPC);
  EXPECT_EQ(ReadFile(path), expected);
  EXPECT_EQ(w.Close(), ENOSPC);

  // What is left is a journal with a torn tail and the first record intact.
  JournalInfo info;
  EXPECT_EQ(RecordSeqs(path, &info), (std::vector<uint64_t>{1}));
  EXPECT_TRUE(info.torn_tail);
  EXPECT_EQ(info.complete_bytes, (Header() + FormatRecord(Record(1))).size());

  // And a resumed run can go on from it.
  ResetFaults();
  JournalWriter resumed;
  ASSERT_TRUE(resumed.Continue(path, info, 0, &err)) << err;
  EXPECT_EQ(resumed.RecordAttempt(Record(2), kT0), 0);
  EXPECT_EQ(resumed.Close(), 0);
  JournalInfo after;
  EXPECT_EQ(RecordSeqs(path, &after), (std::vector<uint64_t>{1, 2}));
  EXPECT_FALSE(after.torn_tail);
}

TEST_F(JournalWriterTest, InjectedFaultOnAStartMark) {
  std::string plan_err;
  ASSERT_TRUE(ConfigureFaults("journal=EIO@1", &plan_err)) << plan_err;
  ScratchDir dir("journal_writer");
  std::string path = dir.path() + "/run.journal";
  JournalWriter w;
  std::string err;
  ASSERT_TRUE(w.Create(path, -1, kHash, kTemplate, &err)) << err;
  EXPECT_EQ(w.RecordStart({Hash128{0, 0x5001}, 1, 1}, kT0), EIO);
  std::string mark = FormatStartMark({Hash128{0, 0x5001}, 1, 1});
  EXPECT_EQ(ReadFile(path), Header() + mark.substr(0, mark.size() / 2));
  JournalInfo info;
  EXPECT_TRUE(RecordSeqs(path, &info).empty());
  EXPECT_TRUE(info.torn_tail);
  EXPECT_EQ(info.complete_bytes, Header().size());
}

// ---- The lock: one coreflow per journal ----

TEST_F(JournalWriterTest, ASecondWriterIsRefusedAndNamesTheHolder) {
  ScratchDir dir("journal_writer");
  std::string path = dir.path() + "/run.journal";
  JournalWriter first;
  std::string err;
  ASSERT_TRUE(first.Create(path, -1, kHash, kTemplate, &err)) << err;
  RunNote run{"00112233aabbccdd", 4242, "node7", 1'700'000'000};
  ASSERT_EQ(first.RecordNote(kRunNoteKind, FormatRunNote(run), kT0), 0);
  ASSERT_EQ(first.RecordAttempt(Record(1), kT0), 0);

  JournalWriter second;
  EXPECT_FALSE(second.Create(path, -1, kHash, kTemplate, &err));
  EXPECT_NE(err.find("is in use by another coreflow (pid 4242 on node7"), std::string::npos) << err;
  JournalWriter resumer;
  EXPECT_FALSE(resumer.Acquire(path, &err));
  // The refused writer cut nothing: the first one's record is still there.
  JournalInfo info;
  EXPECT_EQ(RecordSeqs(path, &info), std::vector<uint64_t>{1});

  ASSERT_EQ(first.Close(), 0);  // its lock goes with it
  EXPECT_TRUE(second.Create(path, -1, kHash, kTemplate, &err)) << err;
}

TEST_F(JournalWriterTest, CreateReplacesOnlyOnceTheLockIsHeld) {
  ScratchDir dir("journal_writer");
  std::string path = dir.path() + "/run.journal";
  testutil::WriteFile(path, "old contents\n");
  JournalWriter w;
  std::string err;
  ASSERT_TRUE(w.Acquire(path, &err)) << err;
  EXPECT_EQ(ReadFile(path), "old contents\n");  // acquiring keeps what is there (a resume reads it)
  ASSERT_TRUE(w.Create(path, -1, kHash, kTemplate, &err)) << err;
  EXPECT_EQ(ReadFile(path), Header());
  EXPECT_TRUE(w.warning().empty());
}

TEST(RunNoteTest, RoundTripsAndRejectsWhatIsNotOne) {
  RunNote run{"c5d02494d4faa4a1", 15815, "vm", 1796557517.099};
  RunNote back;
  ASSERT_TRUE(ParseRunNote(FormatRunNote(run), &back));
  EXPECT_EQ(back, run);
  EXPECT_EQ(FormatRunNote(run).find("shard"), std::string::npos) << "unsharded runs say nothing";
  run.shard = "2/8";
  ASSERT_TRUE(ParseRunNote(FormatRunNote(run), &back));
  EXPECT_EQ(back.shard, "2/8");
  EXPECT_FALSE(ParseRunNote("not json", &back));
  EXPECT_FALSE(ParseRunNote(R"({"pid":3})", &back));
  EXPECT_FALSE(ParseRunNote(R"({"id":"../x"})", &back));
  EXPECT_EQ(DescribeRun(RunNote{"ab", 7, "", 0}), "pid 7");
}

TEST(RunNoteTest, LastRunNoteFindsTheNewestOneAndSkipsTornLines) {
  ScratchDir dir("journal_writer");
  std::string path = dir.path() + "/run.journal";
  RunNote a{"aaaaaaaaaaaaaaaa", 1, "h", 1}, b{"bbbbbbbbbbbbbbbb", 2, "h", 2};
  testutil::WriteFile(path, Header() + "#run\t" + EscapeField(FormatRunNote(a)) + "\n#resume\t1\n" +
                                "#run\t" + EscapeField(FormatRunNote(b)) + "\n#run\t{\"id\":\"cc");
  RunNote last;
  ASSERT_TRUE(LastRunNote(path, &last));
  EXPECT_EQ(last, b);
  EXPECT_FALSE(LastRunNote(dir.path() + "/absent", &last));
}

}  // namespace
}  // namespace coreflow
