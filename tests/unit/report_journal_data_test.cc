#include "report/journal_data.h"

#include <gtest/gtest.h>

#include <string>

#include "journal/format.h"
#include "journal/reader.h"
#include "journal/run_note.h"
#include "journal/writer.h"
#include "report/stats.h"
#include "test_util.h"

namespace coreflow {
namespace {

using testutil::ScratchDir;

constexpr Nanos kSec = kNanosPerSecond;
constexpr Nanos kT0 = 1'700'000'000 * kSec;

JournalRecord Record(uint64_t seq, Nanos start, Nanos runtime, AttemptOutcome outcome,
                     int attempt = 1, bool final = true) {
  JournalRecord r;
  r.seq = seq;
  r.start_wall = start;
  r.runtime = runtime;
  r.command = "work " + std::to_string(seq);
  r.key = Hash128{0, 0x1000 + seq};
  r.attempt = attempt;
  r.slot = static_cast<int>(seq % 2) + 1;
  r.outcome = outcome;
  r.exitval = outcome == AttemptOutcome::kFailed ? 2 : 0;
  r.final = final;
  r.user_cpu = runtime / 2;
  r.max_rss_kib = 100 * static_cast<int64_t>(seq);
  return r;
}

RunSettings Settings() {
  RunSettings s;
  s.command_template = "work {}";
  s.slots = {2, "-j"};
  s.threads_per_task = {1, "2 cores / 2 slots"};
  s.inputs_per_invocation = {1, "default"};
  s.usable_cpus = {2, "CPU affinity"};
  s.mem_per_task = 1 << 30;
  s.known = true;
  return s;
}

class JournalDataTest : public testing::Test {
 protected:
  std::string Path() const { return dir_.path() + "/log"; }
  void Start(JournalWriter* w) {
    std::string err;
    ASSERT_TRUE(w->Create(Path(), 1, Hash128{0, 0xabc}, "work {}", &err)) << err;
    ASSERT_EQ(w->RecordNote("config", SettingsNote(Settings()), 0), 0);
  }
  RunData Load() {
    RunData d;
    std::string err;
    EXPECT_TRUE(LoadJournalRunData(Path(), &d, &err)) << err;
    return d;
  }
  ScratchDir dir_{"journal_data_test"};
};

TEST_F(JournalDataTest, AFinishedRun) {
  JournalWriter w;
  Start(&w);
  w.RecordAttempt(Record(1, kT0, 2 * kSec, AttemptOutcome::kOk), 0);
  w.RecordAttempt(Record(2, kT0 + kSec, 1 * kSec, AttemptOutcome::kFailed, 1, false), 0);
  w.RecordAttempt(Record(2, kT0 + 2 * kSec, 3 * kSec, AttemptOutcome::kOk, 2), 0);
  w.RecordNote("end", "0", 0);
  ASSERT_EQ(w.Close(), 0);
  RunData d = Load();
  EXPECT_TRUE(d.complete);
  ASSERT_TRUE(d.exit_status.has_value());
  EXPECT_EQ(*d.exit_status, 0);
  EXPECT_EQ(d.sessions, 1);
  EXPECT_DOUBLE_EQ(d.makespan_s, 5);  // first start to last end
  ASSERT_EQ(d.attempts.size(), 3u);
  EXPECT_EQ(d.attempts[1].outcome, "failed");
  EXPECT_FALSE(d.attempts[1].final);
  EXPECT_DOUBLE_EQ(d.attempts[2].start_s, 2);
  EXPECT_DOUBLE_EQ(d.attempts[2].cpu_s, 1.5);
  EXPECT_EQ(d.attempts[2].command, "work 2");
  EXPECT_TRUE(d.settings.known);
  EXPECT_EQ(d.settings.slots.value, 2);
  EXPECT_EQ(d.settings.slots.source, "-j");
  EXPECT_EQ(d.settings.mem_per_task, 1 << 30);
}

TEST_F(JournalDataTest, ACrashedRunShowsWhatWasCutShort) {
  JournalWriter w;
  Start(&w);
  w.RecordStart(StartMark{Hash128{0, 0x1001}, 1, 1}, 0);
  w.RecordStart(StartMark{Hash128{0, 0x1002}, 1, 2}, 0);
  w.RecordAttempt(Record(1, kT0, kSec, AttemptOutcome::kOk), 0);
  ASSERT_EQ(w.Close(), 0);  // no #end: coreflow died
  RunData d = Load();
  EXPECT_FALSE(d.complete);
  EXPECT_FALSE(d.exit_status.has_value());
  EXPECT_EQ(d.cut_short, 1u);
}

TEST_F(JournalDataTest, ResumedSessionsAddUpWithoutTheGap) {
  JournalWriter w;
  Start(&w);
  w.RecordAttempt(Record(1, kT0, 2 * kSec, AttemptOutcome::kOk), 0);
  ASSERT_EQ(w.Close(), 0);
  JournalInfo info;
  std::string err;
  ASSERT_TRUE(ReadJournal(Path(), {}, &info, &err)) << err;
  JournalWriter again;
  ASSERT_TRUE(again.Continue(Path(), info, kT0 + 3600 * kSec, &err)) << err;
  again.RecordAttempt(Record(2, kT0 + 3600 * kSec, 3 * kSec, AttemptOutcome::kOk), 0);
  again.RecordAttempt(Record(3, kT0 + 3600 * kSec, 0, AttemptOutcome::kSkipped), 0);
  again.RecordNote("end", "0", 0);
  ASSERT_EQ(again.Close(), 0);
  RunData d = Load();
  EXPECT_EQ(d.sessions, 2);
  EXPECT_DOUBLE_EQ(d.makespan_s, 5);  // 2 s + 3 s, not the hour between
  EXPECT_TRUE(d.complete);
  EXPECT_EQ(d.attempts.back().outcome, "skipped");
}

TEST_F(JournalDataTest, AJournalWithoutConfigStillReports) {
  JournalWriter w;
  std::string err;
  ASSERT_TRUE(w.Create(Path(), 1, Hash128{0, 0xabc}, "work {}", &err)) << err;
  w.RecordAttempt(Record(1, kT0, kSec, AttemptOutcome::kOk), 0);
  ASSERT_EQ(w.Close(), 0);
  RunData d = Load();
  EXPECT_FALSE(d.settings.known);
  EXPECT_EQ(d.settings.command_template, "work {}");  // from the header
}

// A pipeline journals each stage of an item under the item's number: one attempt each, where
// a batch's records (the same command) are one attempt of several inputs.
TEST_F(JournalDataTest, AnItemsStagesAreAttemptsOfTheirOwn) {
  JournalWriter w;
  Start(&w);
  JournalRecord a = Record(1, kT0, kSec, AttemptOutcome::kOk);
  JournalRecord b = Record(1, kT0 + kSec, kSec, AttemptOutcome::kOk);
  b.command = "plot 1";
  b.key = Hash128{0, 0x2001};
  w.RecordAttempt(a, 0);
  w.RecordAttempt(b, 0);
  ASSERT_EQ(w.Close(), 0);
  RunData d = Load();
  ASSERT_EQ(d.attempts.size(), 2u);
  EXPECT_EQ(d.attempts[0].inputs, 1);
  EXPECT_EQ(d.attempts[1].command, "plot 1");
}

TEST_F(JournalDataTest, APipelinesAttemptsKnowTheirStageFromTheStartMarks) {
  JournalWriter w;
  std::string err;
  ASSERT_TRUE(w.Create(Path(), 1, Hash128{0, 0xabc}, "pipeline: a: work {} | b: plot {}", &err));
  RunSettings settings = Settings();
  settings.stages = {"a", "b"};
  ASSERT_EQ(w.RecordNote("config", SettingsNote(settings), 0), 0);
  JournalRecord a = Record(1, kT0, kSec, AttemptOutcome::kOk);
  JournalRecord b = Record(1, kT0 + kSec, 2 * kSec, AttemptOutcome::kOk);
  b.command = "plot 1";
  b.key = Hash128{0, 0x2001};
  JournalRecord c = Record(2, kT0, kSec, AttemptOutcome::kFailed);
  w.RecordStart(StartMark{a.key, 1, 1, "", true, 0}, 0);
  w.RecordStart(StartMark{c.key, 1, 2, "", true, 0}, 0);
  w.RecordAttempt(a, 0);
  w.RecordAttempt(c, 0);
  w.RecordStart(StartMark{b.key, 1, 1, "", true, 1}, 0);
  w.RecordAttempt(b, 0);
  ASSERT_EQ(w.Close(), 0);
  RunData d = Load();
  EXPECT_EQ(d.settings.stages, (std::vector<std::string>{"a", "b"}));
  ASSERT_EQ(d.attempts.size(), 3u);
  EXPECT_EQ(d.attempts[0].stage, 0);
  EXPECT_EQ(d.attempts[1].stage, 0);
  EXPECT_EQ(d.attempts[2].stage, 1);
  RunStats s = ComputeStats(d);
  ASSERT_EQ(s.stages.size(), 2u);
  EXPECT_EQ(s.stages[0].tasks, 2u);
  EXPECT_EQ(s.stages[0].failed, 1u);
  EXPECT_EQ(s.stages[1].tasks, 1u);
  EXPECT_DOUBLE_EQ(s.stages[1].task_wall_s, 2.0);
}

TEST_F(JournalDataTest, AStoppedTaskThatNoLaterSessionRanIsInterrupted) {
  JournalWriter w;
  Start(&w);
  w.RecordAttempt(Record(1, kT0, kSec, AttemptOutcome::kOk), 0);
  // Ctrl-C: both stopped attempts are journalled as not final, so a resume runs them again.
  w.RecordAttempt(Record(2, kT0, kSec, AttemptOutcome::kInterrupted, 1, false), 0);
  w.RecordAttempt(Record(3, kT0, kSec, AttemptOutcome::kInterrupted, 1, false), 0);
  ASSERT_EQ(w.Close(), 0);
  JournalInfo info;
  std::string err;
  ASSERT_TRUE(ReadJournal(Path(), {}, &info, &err)) << err;
  JournalWriter again;
  ASSERT_TRUE(again.Continue(Path(), info, kT0 + 60 * kSec, &err)) << err;
  again.RecordAttempt(Record(3, kT0 + 60 * kSec, kSec, AttemptOutcome::kOk), 0);
  ASSERT_EQ(again.Close(), 0);
  RunData d = Load();
  ASSERT_EQ(d.attempts.size(), 4u);
  EXPECT_TRUE(d.attempts[1].final) << "task 2 never ran again: it stands interrupted";
  EXPECT_FALSE(d.attempts[2].final) << "task 3 ran again in the next session";
  RunStats s = ComputeStats(d);
  EXPECT_EQ(s.interrupted, 1u);
  EXPECT_EQ(s.failed, 0u);
  EXPECT_EQ(s.succeeded, 2u);
}

TEST_F(JournalDataTest, TheRunNoteSaysWhenAndWhere) {
  JournalWriter w;
  std::string err;
  ASSERT_TRUE(w.Create(Path(), 1, Hash128{0, 0xabc}, "work {}", &err)) << err;
  RunNote run{"00000000000000aa", 42, "node7", 1.7e9};
  ASSERT_EQ(w.RecordNote(kRunNoteKind, FormatRunNote(run), 0), 0);
  RunSettings settings = Settings();
  settings.argv = {"coreflow", "run", "-k", "--joblog", "log", "work", "{}", ":::", "a"};
  settings.options = {{"--keep-order", "", true}, {"--joblog", "log", false}};
  settings.resume_command = "coreflow run --resume-failed -k --joblog log work '{}' ::: a";
  settings.inputs_from_stdin = true;
  ASSERT_EQ(w.RecordNote("config", SettingsNote(settings), 0), 0);
  w.RecordAttempt(Record(1, kT0, kSec, AttemptOutcome::kOk), 0);
  ASSERT_EQ(w.Close(), 0);
  RunData d = Load();
  EXPECT_EQ(d.host, "node7");
  EXPECT_DOUBLE_EQ(d.started_at, 1.7e9);
  EXPECT_EQ(d.settings.argv, settings.argv);
  ASSERT_EQ(d.settings.options.size(), 2u);
  EXPECT_EQ(d.settings.options[0].name, "--keep-order");
  EXPECT_TRUE(d.settings.options[0].flag);
  EXPECT_EQ(d.settings.options[1].value, "log");
  EXPECT_FALSE(d.settings.options[1].flag);
  EXPECT_EQ(d.settings.resume_command, settings.resume_command);
  EXPECT_TRUE(d.settings.inputs_from_stdin);
}

TEST_F(JournalDataTest, NotAJournalIsAnError) {
  dir_.Write("log", "Seq\tHost\n1\t:\n");
  RunData d;
  std::string err;
  EXPECT_FALSE(LoadJournalRunData(Path(), &d, &err));
  EXPECT_NE(err.find(Path()), std::string::npos) << err;
}

TEST(SettingsNoteTest, RoundTripsAndRejectsGarbage) {
  RunSettings back;
  ASSERT_TRUE(ParseSettingsNote(SettingsNote(Settings()), &back));
  EXPECT_EQ(back.threads_per_task.source, "2 cores / 2 slots");
  EXPECT_EQ(back.usable_cpus.value, 2);
  EXPECT_EQ(back.command_template, "work {}");
  EXPECT_TRUE(back.stages.empty());
  RunSettings piped = Settings();
  piped.stages = {"prep", "model"};
  ASSERT_TRUE(ParseSettingsNote(SettingsNote(piped), &back));
  EXPECT_EQ(back.stages, piped.stages);
  EXPECT_FALSE(ParseSettingsNote("{", &back));
  EXPECT_FALSE(ParseSettingsNote("[1,2]", &back));
  EXPECT_FALSE(ParseSettingsNote("{\"slots\": 3}", &back));
}

}  // namespace
}  // namespace coreflow
