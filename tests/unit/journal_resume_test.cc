#include "journal/resume.h"

#include <gtest/gtest.h>

#include <array>
#include <string>

#include "journal/format.h"
#include "journal/writer.h"
#include "plan/expand.h"
#include "test_util.h"

namespace coreflow {
namespace {

using testutil::ScratchDir;
using Decision = ResumeIndex::Decision;

constexpr std::array<AttemptOutcome, 6> kFailures = {
    AttemptOutcome::kFailed,        AttemptOutcome::kSignal,     AttemptOutcome::kTimeout,
    AttemptOutcome::kMissingOutput, AttemptOutcome::kOverMemory, AttemptOutcome::kNoExec};

JournalRecord Record(uint64_t key, AttemptOutcome outcome, bool final = true, int attempt = 1) {
  JournalRecord r;
  r.seq = key;
  r.key = Hash128{0, key};
  r.attempt = attempt;
  r.outcome = outcome;
  r.exitval = outcome == AttemptOutcome::kOk ? 0 : 1;
  r.final = final;
  r.command = "task " + std::to_string(key);
  return r;
}

// The decision without and with --resume-failed.
void ExpectDecisions(const ResumeIndex& index, uint64_t key, Decision plain, Decision failed) {
  EXPECT_EQ(index.Decide(Hash128{0, key}, false), plain) << "key " << key << " with --resume";
  EXPECT_EQ(index.Decide(Hash128{0, key}, true), failed)
      << "key " << key << " with --resume-failed";
}

TEST(ResumeIndexTest, UnknownKeysRun) {
  ResumeIndex index;
  ExpectDecisions(index, 42, Decision::kRun, Decision::kRun);
  index.Add(Record(1, AttemptOutcome::kOk));
  ExpectDecisions(index, 42, Decision::kRun, Decision::kRun);
  EXPECT_EQ(index.Finished(false), 1u);
}

TEST(ResumeIndexTest, FinalSuccessIsSkipped) {
  ResumeIndex index;
  index.Add(Record(1, AttemptOutcome::kOk));
  ExpectDecisions(index, 1, Decision::kSkip, Decision::kSkip);
}

TEST(ResumeIndexTest, FinalFailureIsSkippedUnlessRerunningFailures) {
  // --resume counts a failed task as done, as GNU parallel does; --resume-failed runs it again.
  for (AttemptOutcome outcome : kFailures) {
    ResumeIndex index;
    index.Add(Record(7, outcome));
    SCOPED_TRACE(OutcomeName(outcome));
    ExpectDecisions(index, 7, Decision::kSkip, Decision::kRun);
    EXPECT_EQ(index.Finished(false), 1u);
    EXPECT_EQ(index.Finished(true), 0u);
  }
}

TEST(ResumeIndexTest, SkippedOutcomeCountsAsDone) {
  // A task skipped because its outputs existed finished well, even for --resume-failed.
  ResumeIndex index;
  index.Add(Record(3, AttemptOutcome::kSkipped));
  ExpectDecisions(index, 3, Decision::kSkip, Decision::kSkip);
  EXPECT_EQ(index.Finished(true), 1u);
}

TEST(ResumeIndexTest, NonFinalRecordMeansTheTaskWasCut) {
  // A retry was due but never recorded: the task did not finish.
  ResumeIndex index;
  index.Add(Record(5, AttemptOutcome::kFailed, /*final=*/false));
  ExpectDecisions(index, 5, Decision::kRunAfterCut, Decision::kRunAfterCut);
  EXPECT_EQ(index.Finished(false), 0u);
}

TEST(ResumeIndexTest, StartMarkWithoutRecordMeansTheTaskWasCut) {
  ResumeIndex index;
  index.AddStart({Hash128{0, 9}, 1, 9});
  ExpectDecisions(index, 9, Decision::kRunAfterCut, Decision::kRunAfterCut);
  EXPECT_EQ(index.Finished(false), 0u);
}

TEST(ResumeIndexTest, StartThenFinalOkIsSkipped) {
  ResumeIndex index;
  index.AddStart({Hash128{0, 9}, 1, 9});
  index.Add(Record(9, AttemptOutcome::kOk));
  ExpectDecisions(index, 9, Decision::kSkip, Decision::kSkip);
}

TEST(ResumeIndexTest, RetriesThatEndWell) {
  ResumeIndex index;
  index.AddStart({Hash128{0, 4}, 1, 4});
  index.Add(Record(4, AttemptOutcome::kFailed, false, 1));
  index.AddStart({Hash128{0, 4}, 2, 4});
  ExpectDecisions(index, 4, Decision::kRunAfterCut, Decision::kRunAfterCut);
  index.Add(Record(4, AttemptOutcome::kOk, true, 2));
  ExpectDecisions(index, 4, Decision::kSkip, Decision::kSkip);
}

TEST(ResumeIndexTest, SuccessIsNeverDowngraded) {
  // Whatever a later run wrote about the key, a success already on record stands.
  ResumeIndex index;
  index.Add(Record(1, AttemptOutcome::kOk));
  index.Add(Record(1, AttemptOutcome::kFailed));
  ExpectDecisions(index, 1, Decision::kSkip, Decision::kSkip);
  index.Add(Record(1, AttemptOutcome::kSignal, false));
  ExpectDecisions(index, 1, Decision::kSkip, Decision::kSkip);
  index.AddStart({Hash128{0, 1}, 3, 1});
  ExpectDecisions(index, 1, Decision::kSkip, Decision::kSkip);
  EXPECT_EQ(index.Finished(true), 1u);
}

TEST(ResumeIndexTest, FailureThenSuccessIsASuccess) {
  // A --resume-failed run finished what an earlier run failed.
  ResumeIndex index;
  index.Add(Record(2, AttemptOutcome::kFailed));
  index.AddStart({Hash128{0, 2}, 1, 2});
  index.Add(Record(2, AttemptOutcome::kOk));
  ExpectDecisions(index, 2, Decision::kSkip, Decision::kSkip);
}

TEST(ResumeIndexTest, FailureThenCutRerunIsCut) {
  // A --resume-failed run started the failed task again and was killed during it.
  ResumeIndex index;
  index.Add(Record(2, AttemptOutcome::kFailed));
  index.AddStart({Hash128{0, 2}, 1, 2});
  ExpectDecisions(index, 2, Decision::kRunAfterCut, Decision::kRunAfterCut);
}

TEST(ResumeIndexTest, FinishedCounts) {
  ResumeIndex index;
  EXPECT_EQ(index.Finished(false), 0u);
  index.Add(Record(1, AttemptOutcome::kOk));
  index.Add(Record(2, AttemptOutcome::kSkipped));
  index.Add(Record(3, AttemptOutcome::kFailed));
  index.Add(Record(4, AttemptOutcome::kTimeout));
  index.Add(Record(5, AttemptOutcome::kFailed, false));
  index.AddStart({Hash128{0, 6}, 1, 6});
  index.Add(Record(1, AttemptOutcome::kOk));  // the same key twice counts once
  EXPECT_EQ(index.Finished(false), 4u);       // 1, 2, 3, 4
  EXPECT_EQ(index.Finished(true), 2u);        // 1, 2
}

TEST(ResumeIndexTest, FreshIndexHasNoJournal) {
  ResumeIndex index;
  EXPECT_FALSE(index.exists());
  EXPECT_EQ(index.info().records, 0u);
}

TEST(ResumeIndexTest, LoadOfAMissingPathIsEmpty) {
  // As in GNU parallel: --resume with a joblog that is not there yet runs everything.
  ScratchDir dir("journal_resume");
  ResumeIndex index;
  std::string err;
  ASSERT_TRUE(index.Load(dir.path() + "/absent.journal", &err)) << err;
  EXPECT_EQ(err, "");
  EXPECT_FALSE(index.exists());
  EXPECT_EQ(index.info().records, 0u);
  EXPECT_EQ(index.Finished(false), 0u);
  ExpectDecisions(index, 1, Decision::kRun, Decision::kRun);
}

TEST(ResumeIndexTest, LoadWhatAWriterWrote) {
  ScratchDir dir("journal_resume");
  std::string path = dir.path() + "/run.journal";
  JournalWriter w;
  std::string err;
  ASSERT_TRUE(w.Create(path, -1, Hash128{0, 0x77}, "work {}", &err)) << err;
  Nanos now = kNanosPerSecond;
  // Key 1 succeeded, 2 failed for good, 3 was running at the crash, 4 awaited a retry, and 5
  // failed and then succeeded on its retry.
  ASSERT_EQ(w.RecordStart({Hash128{0, 1}, 1, 1}, now), 0);
  ASSERT_EQ(w.RecordStart({Hash128{0, 2}, 1, 2}, now), 0);
  ASSERT_EQ(w.RecordAttempt(Record(1, AttemptOutcome::kOk), now), 0);
  ASSERT_EQ(w.RecordStart({Hash128{0, 3}, 1, 3}, now), 0);
  ASSERT_EQ(w.RecordAttempt(Record(2, AttemptOutcome::kFailed), now), 0);
  ASSERT_EQ(w.RecordStart({Hash128{0, 4}, 1, 4}, now), 0);
  ASSERT_EQ(w.RecordAttempt(Record(4, AttemptOutcome::kSignal, false), now), 0);
  ASSERT_EQ(w.RecordStart({Hash128{0, 5}, 1, 5}, now), 0);
  ASSERT_EQ(w.RecordAttempt(Record(5, AttemptOutcome::kFailed, false, 1), now), 0);
  ASSERT_EQ(w.RecordStart({Hash128{0, 5}, 2, 5}, now), 0);
  ASSERT_EQ(w.RecordAttempt(Record(5, AttemptOutcome::kOk, true, 2), now), 0);
  ASSERT_EQ(w.Close(), 0);

  ResumeIndex index;
  ASSERT_TRUE(index.Load(path, &err)) << err;
  EXPECT_TRUE(index.exists());
  EXPECT_EQ(index.info().template_hash, (Hash128{0, 0x77}));
  EXPECT_EQ(index.info().template_text, "work {}");
  EXPECT_EQ(index.info().records, 5u);
  EXPECT_FALSE(index.info().torn_tail);
  ExpectDecisions(index, 1, Decision::kSkip, Decision::kSkip);
  ExpectDecisions(index, 2, Decision::kSkip, Decision::kRun);
  ExpectDecisions(index, 3, Decision::kRunAfterCut, Decision::kRunAfterCut);
  ExpectDecisions(index, 4, Decision::kRunAfterCut, Decision::kRunAfterCut);
  ExpectDecisions(index, 5, Decision::kSkip, Decision::kSkip);
  ExpectDecisions(index, 6, Decision::kRun, Decision::kRun);
  EXPECT_EQ(index.Finished(false), 3u);
  EXPECT_EQ(index.Finished(true), 2u);
}

TEST(ResumeIndexTest, LoadJournalWithATimedOutTask) {
  ScratchDir dir("journal_resume");
  std::string path = dir.path() + "/run.journal";
  JournalWriter w;
  std::string err;
  ASSERT_TRUE(w.Create(path, -1, Hash128{0, 0x77}, "sleep {}", &err)) << err;
  JournalRecord timed_out = Record(1, AttemptOutcome::kTimeout);
  timed_out.exitval = -1;  // as GNU parallel writes for --timeout
  ASSERT_EQ(w.RecordAttempt(timed_out, kNanosPerSecond), 0);
  ASSERT_EQ(w.RecordAttempt(Record(2, AttemptOutcome::kOk), kNanosPerSecond), 0);
  ASSERT_EQ(w.Close(), 0);

  ResumeIndex index;
  ASSERT_TRUE(index.Load(path, &err)) << err;
  ExpectDecisions(index, 1, Decision::kSkip, Decision::kRun);
  ExpectDecisions(index, 2, Decision::kSkip, Decision::kSkip);
}

TEST(ResumeIndexTest, LoadOfATornJournal) {
  ScratchDir dir("journal_resume");
  std::string complete =
      JournalHeader(Hash128{0, 1}, "x") + FormatRecord(Record(1, AttemptOutcome::kOk));
  std::string torn = FormatRecord(Record(2, AttemptOutcome::kOk));
  torn.resize(torn.size() - 1);  // only the newline is missing, yet the record does not count
  std::string path = dir.Write("run.journal", complete + torn);
  ResumeIndex index;
  std::string err;
  ASSERT_TRUE(index.Load(path, &err)) << err;
  EXPECT_TRUE(index.info().torn_tail);
  EXPECT_EQ(index.info().complete_bytes, complete.size());
  ExpectDecisions(index, 1, Decision::kSkip, Decision::kSkip);
  ExpectDecisions(index, 2, Decision::kRun, Decision::kRun);
}

TEST(ResumeIndexTest, LoadOfABadJournalFails) {
  ScratchDir dir("journal_resume");
  std::string path = dir.Write("joblog", "Seq\tHost\tStarttime\n");
  ResumeIndex index;
  std::string err;
  EXPECT_FALSE(index.Load(path, &err));
  EXPECT_NE(err.find(path), std::string::npos) << err;
  EXPECT_NE(err.find("not a coreflow journal"), std::string::npos) << err;
  EXPECT_FALSE(index.exists());
}

TEST(ResumeIndexTest, ACutAttemptKeepsWhatItsStartMarkSaidOfTheOutputs) {
  ResumeIndex index;
  Hash128 key{1, 2};
  index.AddStart(StartMark{key, 1, 1, "5.6.7", true});
  ASSERT_NE(index.CutOutputs(key), nullptr);
  EXPECT_EQ(*index.CutOutputs(key), "5.6.7");
  index.Add(Record(0, AttemptOutcome::kFailed, false));  // another key: no effect
  JournalRecord r = Record(0, AttemptOutcome::kFailed, false);
  r.key = key;
  index.Add(r);  // the attempt ended (to be retried): its start no longer matters
  EXPECT_EQ(index.CutOutputs(key), nullptr);
  index.AddStart(StartMark{key, 2, 1, "-", true});
  EXPECT_EQ(*index.CutOutputs(key), "-");
  index.AddStart(StartMark{key, 3, 1, "", false});  // a version 1 mark says nothing
  EXPECT_EQ(index.CutOutputs(key), nullptr);
}

TEST(ResumeIndexTest, AVersionOneJournalIsReadWithItsOwnKeys) {
  ScratchDir dir("journal_resume");
  std::string path = dir.path() + "/old.journal";
  TaskInput a{1, {{"a"}}}, b{2, {{"b"}}};
  JournalRecord done = Record(1, AttemptOutcome::kOk);
  done.key = TaskKey("work {}", a, 1);
  StartMark cut{TaskKey("work {}", b, 1), 1, 2};
  testutil::WriteFile(path, JournalHeader(TemplateHash("work {}", 1), "work {}", 1) +
                                FormatRecord(done, 1) + FormatStartMark(cut, 1));
  ResumeIndex index;
  std::string err;
  ASSERT_TRUE(index.Load(path, &err)) << err;
  EXPECT_EQ(index.info().version, 1);
  EXPECT_EQ(index.Decide(TaskKey("work {}", a, 1), false), Decision::kSkip);
  EXPECT_EQ(index.Decide(TaskKey("work {}", b, 1), false), Decision::kRunAfterCut);
  EXPECT_EQ(index.CutOutputs(TaskKey("work {}", b, 1)), nullptr);
  EXPECT_EQ(index.Decide(TaskKey("work {}", a, 2), false), Decision::kRun);  // other scheme
  // A resume appends to it in its own version.
  JournalWriter w;
  ASSERT_TRUE(w.Continue(path, index.info(), 0, &err)) << err;
  EXPECT_EQ(w.version(), 1);
  JournalRecord more = Record(2, AttemptOutcome::kOk);
  more.key = TaskKey("work {}", b, 1);
  ASSERT_EQ(w.RecordAttempt(more, 0), 0);
  ASSERT_EQ(w.Close(), 0);
  ResumeIndex again;
  ASSERT_TRUE(again.Load(path, &err)) << err;
  EXPECT_EQ(again.Decide(TaskKey("work {}", b, 1), false), Decision::kSkip);
}

}  // namespace
}  // namespace coreflow
