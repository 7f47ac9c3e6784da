#include "engine/engine.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <deque>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "base/hash.h"
#include "engine_fake.h"
#include "plan/expand.h"
#include "sys/fd.h"
#include "sys/fs.h"
#include "test_util.h"

namespace coreflow {
namespace {

using testutil::IgnoreSigpipe;
using testutil::MemFile;
using testutil::ReadFile;
using testutil::ScratchDir;

using enginetest::Args;
using enginetest::EngineTest;
using enginetest::ExitStatus;
using enginetest::FakeRunner;
using enginetest::Has;
using enginetest::kEpoch;
using enginetest::Kind;
using enginetest::kMs;
using enginetest::kSec;
using enginetest::RecordingObserver;
using enginetest::SignalStatus;
using enginetest::TaskResult;

// ---- Starting tasks ----

TEST_F(EngineTest, StartsEveryTaskOnceWithTheRightArgvAndEnvironment) {
  EXPECT_EQ(Run(Config("echo", {"a", "b c", "d"})), 0);
  EXPECT_EQ(Argvs(),
            (std::vector<std::vector<std::string>>{{"echo", "a"}, {"echo", "b c"}, {"echo", "d"}}));
  ASSERT_EQ(runner_.starts.size(), 3u);
  for (uint64_t seq = 1; seq <= 3; ++seq) {
    const FakeRunner::StartCall& s = runner_.starts[seq - 1];
    EXPECT_EQ(s.handle, seq);
    EXPECT_EQ(s.mode, OutputMode::kGroup);
    EXPECT_TRUE(Has(s.env, "PARALLEL_SEQ=" + std::to_string(seq)));
    EXPECT_TRUE(Has(s.env, "PARALLEL_JOBSLOT=1"));
    EXPECT_TRUE(Has(s.env, "HOME=/home/test"));
    EXPECT_TRUE(Has(s.env, "OMP_NUM_THREADS=1"));  // thread variables are added
  }
  EXPECT_EQ(out_.Text(), "a\nb c\nd\n");
  EXPECT_EQ(err_.Text(), "");
  EXPECT_EQ(run_error_, "");
  EXPECT_EQ(runner_.stragglers, std::vector<Nanos>{2 * kSec});  // after the last task, once
  RunTotals t = engine_->totals();
  EXPECT_EQ(t.succeeded, 3u);
  EXPECT_EQ(t.failed, 0u);
  EXPECT_EQ(t.running, 0);
}

TEST_F(EngineTest, ShellTemplatesRunThroughShWithQuotedValues) {
  EXPECT_EQ(Run(Config("echo {} | tr a-z A-Z", {"x", "it's"})), 0);
  EXPECT_EQ(Argvs(), (std::vector<std::vector<std::string>>{
                         {"/bin/sh", "-c", "echo x | tr a-z A-Z"},
                         {"/bin/sh", "-c", "echo 'it'\"'\"'s' | tr a-z A-Z"}}));
}

TEST_F(EngineTest, SlotsAreReusedAndPassedInTheEnvironment) {
  runner_.order = FakeRunner::Order::kLastStarted;
  EXPECT_EQ(Run(Config("echo {%}", {"a", "b", "c", "d"}, 2)), 0);
  // 1 and 2 start in slots 1 and 2; 2 ends first, so 3 takes slot 2; then 3 ends, 4 takes 2.
  std::vector<std::vector<std::string>> expected = {
      {"echo", "1"}, {"echo", "2"}, {"echo", "2"}, {"echo", "2"}};
  EXPECT_EQ(Argvs(), expected);
  EXPECT_TRUE(Has(runner_.starts[2].env, "PARALLEL_JOBSLOT=2"));
  EXPECT_TRUE(Has(runner_.starts[2].env, "PARALLEL_SEQ=3"));
}

TEST_F(EngineTest, NoMoreThanSlotsTasksRunAtOnce) {
  int max_running = 0;
  runner_.behavior = [&](const FakeRunner::StartCall&, int) {
    max_running = std::max<int>(max_running, static_cast<int>(runner_.running.size()));
    return TaskResult{};
  };
  std::vector<std::string> values;
  for (int i = 0; i < 50; ++i) values.push_back(std::to_string(i));
  EXPECT_EQ(Run(Config("true", values, 4)), 0);
  EXPECT_EQ(runner_.starts.size(), 50u);
  EXPECT_EQ(max_running, 4);
}

TEST_F(EngineTest, InputThatWouldBlockIsWatchedAndReadOnceReady) {
  UniqueFd r, w;
  ASSERT_EQ(MakePipe(&r, &w, false), 0);
  ASSERT_EQ(WriteAll(w.get(), "a\n"), 0);
  // The second value arrives while the first task runs; then the input ends.
  runner_.behavior = [&](const FakeRunner::StartCall& call, int) {
    if (w.valid()) {
      EXPECT_EQ(WriteAll(w.get(), "b\n"), 0);
      w.Reset();
    }
    TaskResult result;
    result.out = call.argv[1] + "\n";
    return result;
  };
  RunConfig c = Config("echo", {});
  c.sources[0].kind = SourceSpec::Kind::kFile;
  c.sources[0].path = "/proc/self/fd/" + std::to_string(r.get());  // the pipe, opened anew
  EXPECT_EQ(Run(std::move(c)), 0);
  EXPECT_EQ(Argvs(), (std::vector<std::vector<std::string>>{{"echo", "a"}, {"echo", "b"}}));
  EXPECT_EQ(out_.Text(), "a\nb\n");
  ASSERT_FALSE(runner_.watched.empty());
  EXPECT_NE(runner_.watched[0], r.get());  // the engine's own descriptor for the pipe
}

TEST_F(EngineTest, DryRunPrintsCommandLinesAndStartsNothing) {
  RunConfig c = Config("echo {} {#}", {"a", "b b"});
  c.dry_run = true;
  EXPECT_EQ(Run(std::move(c)), 0);
  EXPECT_TRUE(runner_.starts.empty());
  EXPECT_EQ(out_.Text(), "echo a 1\necho 'b b' 2\n");
  EXPECT_EQ(engine_->dry_run_count(), 2u);
}

// ---- Output ----

TEST_F(EngineTest, OutputIsWrittenGroupedPerTaskInFinishOrder) {
  runner_.order = FakeRunner::Order::kLastStarted;
  runner_.behavior = [](const FakeRunner::StartCall& call, int) {
    TaskResult r;
    r.out = call.argv[1] + "-out1\n" + call.argv[1] + "-out2\n";
    r.err = call.argv[1] + "-err\n";
    return r;
  };
  RunConfig c = Config("work", {"a", "b", "c"}, 3);
  c.stderr_fd = c.stdout_fd;  // one terminal for both, so interleaving would show
  EXPECT_EQ(Run(std::move(c)), 0);
  EXPECT_EQ(out_.Text(),
            "c-out1\nc-out2\nc-err\n"
            "b-out1\nb-out2\nb-err\n"
            "a-out1\na-out2\na-err\n");
}

TEST_F(EngineTest, KeepOrderWritesInInputOrderThoughTasksFinishInReverse) {
  runner_.order = FakeRunner::Order::kLastStarted;
  RecordingObserver observer;
  RunConfig c = Config("echo", {"a", "b", "c"}, 3);
  c.schedule.keep_order = true;
  EXPECT_EQ(Run(std::move(c), {&observer}), 0);
  EXPECT_EQ(out_.Text(), "a\nb\nc\n");
  ASSERT_EQ(observer.finished.size(), 3u);
  EXPECT_EQ(observer.finished[0].seq, 3u);  // they did finish in reverse
  EXPECT_EQ(observer.finished[2].seq, 1u);
}

TEST_F(EngineTest, WithoutKeepOrderTheSameRunWritesInFinishOrder) {
  runner_.order = FakeRunner::Order::kLastStarted;
  EXPECT_EQ(Run(Config("echo", {"a", "b", "c"}, 3)), 0);
  EXPECT_EQ(out_.Text(), "c\nb\na\n");
}

TEST_F(EngineTest, EveryWriteIsBracketedForObservers) {
  RecordingObserver observer(false, false, &out_);
  runner_.behavior = [](const FakeRunner::StartCall& call, int) {
    TaskResult r;
    r.out = call.argv[1] + "\n";
    r.err = "e\n";
    return r;
  };
  EXPECT_EQ(Run(Config("echo", {"a", "b"}), {&observer}), 0);
  EXPECT_EQ(observer.begins, observer.ends);
  EXPECT_EQ(observer.brackets_with_output, 2);  // one bracket per task's output
  EXPECT_EQ(out_.Text(), "a\nb\n");
  EXPECT_EQ(err_.Text(), "e\ne\n");
}

// A kOutput event: `data` from `stream` (1 or 2) of task `handle`.
RunnerEvent OutputEvent(uint64_t handle, int stream, std::string data) {
  RunnerEvent ev;
  ev.kind = Kind::kOutput;
  ev.handle = handle;
  ev.stream = stream;
  ev.data = std::move(data);
  return ev;
}

TEST_F(EngineTest, LineBufferModePassesWholeLinesAsTheyCome) {
  runner_.grouped_output = false;
  runner_.hang = {1, 2};
  std::vector<RunnerEvent> first;
  first.push_back(OutputEvent(1, 1, "a1-"));
  first.push_back(OutputEvent(2, 1, "b1\nb2-"));
  first.push_back(OutputEvent(2, 2, "b-err\n"));
  runner_.injected.push_back(std::move(first));
  std::vector<RunnerEvent> second;
  second.push_back(OutputEvent(1, 1, "end\n"));
  second.push_back(runner_.Exit(1, {}));
  runner_.injected.push_back(std::move(second));
  std::vector<RunnerEvent> third;
  third.push_back(runner_.Exit(2, {}));  // flushes the unfinished "b2-"
  runner_.injected.push_back(std::move(third));
  RunConfig c = Config("echo", {"a", "b"}, 2);
  c.output = OutputMode::kLineBuffer;
  EXPECT_EQ(Run(std::move(c)), 0);
  EXPECT_EQ(runner_.starts[0].mode, OutputMode::kLineBuffer);
  EXPECT_EQ(out_.Text(), "b1\na1-end\nb2-");
  EXPECT_EQ(err_.Text(), "b-err\n");
}

TEST_F(EngineTest, LineBufferWithKeepOrderHoldsLaterTasksLines) {
  runner_.grouped_output = false;
  runner_.hang = {1, 2, 3};
  std::vector<RunnerEvent> batch;
  batch.push_back(OutputEvent(2, 1, "b1\n"));
  batch.push_back(OutputEvent(1, 1, "a1\n"));
  batch.push_back(OutputEvent(2, 2, "b-err\n"));
  runner_.injected.push_back(std::move(batch));
  batch.clear();
  batch.push_back(OutputEvent(2, 1, "b2"));
  batch.push_back(runner_.Exit(2, {}));  // finished, but task 1 still holds the turn
  runner_.injected.push_back(std::move(batch));
  batch.clear();
  batch.push_back(OutputEvent(3, 1, "c1\n"));
  batch.push_back(OutputEvent(1, 1, "a2\n"));
  runner_.injected.push_back(std::move(batch));
  batch.clear();
  batch.push_back(runner_.Exit(1, {}));  // task 2 is done too, so task 3 goes live
  runner_.injected.push_back(std::move(batch));
  batch.clear();
  batch.push_back(OutputEvent(3, 1, "c2\n"));
  batch.push_back(runner_.Exit(3, {}));
  runner_.injected.push_back(std::move(batch));
  RunConfig c = Config("echo", {"a", "b", "c"}, 3);
  c.output = OutputMode::kLineBuffer;
  c.schedule.keep_order = true;
  EXPECT_EQ(Run(std::move(c)), 0);
  // Task 2's unfinished last line is passed on when it ends, as GNU parallel does.
  EXPECT_EQ(out_.Text(), "a1\na2\nb1\nb2c1\nc2\n");
  EXPECT_EQ(err_.Text(), "b-err\n");
}

TEST_F(EngineTest, ASpillErrorKeepsTheOutputAndStartsNothingMore) {
  runner_.behavior = [](const FakeRunner::StartCall& call, int) {
    TaskResult r;
    r.out = "kept\n";
    if (call.handle == 1) r.spill_error = ENOSPC;
    return r;
  };
  EXPECT_EQ(Run(Config("echo", {"a", "b", "c"})), 255);
  EXPECT_EQ(out_.Text(), "kept\n");  // nothing lost of what ran
  EXPECT_EQ(runner_.starts.size(), 1u);
  EXPECT_NE(run_error_.find("cannot spill task output to a temporary file: No space left on "
                            "device"),
            std::string::npos)
      << run_error_;
}

TEST_F(EngineTest, ABrokenStdoutPipeStopsTheRunQuietly) {
  IgnoreSigpipe ignore;
  UniqueFd r, w;
  ASSERT_EQ(MakePipe(&r, &w, false), 0);
  r.Reset();
  RunConfig c = Config("echo", {"a", "b", "c", "d"});
  c.stdout_fd = w.get();
  int status = Run(std::move(c));
  EXPECT_EQ(status, 128 + SIGPIPE);
  EXPECT_LE(runner_.starts.size(), 2u);  // nothing new after the reader went away
  EXPECT_EQ(err_.Text(), "");
}

TEST_F(EngineTest, AWriteErrorOtherThanEpipeEndsTheRunWith255) {
  UniqueFd full(open("/dev/full", O_WRONLY | O_CLOEXEC));
  ASSERT_TRUE(full.valid());
  RunConfig c = Config("echo", {"a", "b", "c"});
  c.stdout_fd = full.get();
  EXPECT_EQ(Run(std::move(c)), 255);
  EXPECT_EQ(run_error_, "cannot write standard output: No space left on device");
  EXPECT_TRUE(runner_.StartsOf(3).empty());
}

// ---- Journal, resume and declared outputs ----

std::vector<JournalRecord> ParseRecords(const std::string& text, size_t* starts) {
  std::vector<JournalRecord> records;
  JournalCallbacks callbacks;
  callbacks.on_record = [&](const JournalRecord& r) { records.push_back(r); };
  callbacks.on_start = [&](const StartMark&) { ++*starts; };
  JournalParser parser(callbacks);
  std::string err;
  EXPECT_TRUE(parser.Feed(text, &err) && parser.Finish(&err)) << err;
  return records;
}

TEST_F(EngineTest, TheJournalHasEveryAttemptUnderTheTasksKey) {
  MemFile log{"engine_test_journal"};
  JournalWriter journal;
  std::string err;
  ASSERT_TRUE(journal.Create("-", log.fd(), TemplateHash("echo", kJournalVersion), "echo", &err))
      << err;
  journal_ = &journal;
  runner_.behavior = [](const FakeRunner::StartCall&, int attempt) {
    TaskResult r;
    r.wait_status = attempt == 1 ? 1 << 8 : 0;  // fails once, then succeeds
    return r;
  };
  RunConfig c = Config("echo", {"a"});
  c.schedule.max_attempts = 2;
  EXPECT_EQ(Run(std::move(c)), 0);
  size_t starts = 0;
  std::vector<JournalRecord> records = ParseRecords(log.Text(), &starts);
  EXPECT_EQ(starts, 2u);
  ASSERT_EQ(records.size(), 2u);
  TaskInput in{1, {{"a"}}};
  for (const JournalRecord& r : records) EXPECT_EQ(r.key, TaskKey("echo", in, kJournalVersion));
  EXPECT_EQ(records[0].attempt, 1);
  EXPECT_EQ(records[0].outcome, AttemptOutcome::kFailed);
  EXPECT_FALSE(records[0].final);
  EXPECT_EQ(records[1].attempt, 2);
  EXPECT_EQ(records[1].outcome, AttemptOutcome::kOk);
  EXPECT_TRUE(records[1].final);
  EXPECT_EQ(records[1].command, "echo a");
}

TEST_F(EngineTest, ResumeSkipsWhatTheJournalFinished) {
  ResumeIndex index;
  JournalRecord done;
  done.key =
      TaskKey("echo", TaskInput{7, {{"b"}}}, kJournalVersion);  // the key ignores the position
  index.Add(done);
  resume_ = &index;
  RecordingObserver observer;
  EXPECT_EQ(Run(Config("echo", {"a", "b", "c"}), {&observer}), 0);
  EXPECT_EQ(Argvs(), (std::vector<std::vector<std::string>>{{"echo", "a"}, {"echo", "c"}}));
  EXPECT_EQ(engine_->resumed(), 1u);
  EXPECT_EQ(observer.final_totals.skipped, 1u);
  EXPECT_EQ(observer.final_totals.succeeded, 2u);
}

TEST_F(EngineTest, ExistingOutputsSkipAndMissingOnesFail) {
  ScratchDir dir("engine_outputs");
  { UniqueFd fd(OpenForWriting(dir.path() + "/a.out")); }
  RunConfig c = Config("echo", {"a", "b"});
  c.outputs = {dir.path() + "/{}.out"};
  EXPECT_EQ(Run(std::move(c)), 1);
  EXPECT_EQ(Argvs(), (std::vector<std::vector<std::string>>{{"echo", "b"}}));
  EXPECT_NE(err_.Text().find("did not write its output '" + dir.path() + "/b.out'"),
            std::string::npos)
      << err_.Text();
}

TEST_F(EngineTest, AResumeRemovesOnlyWhatTheCutAttemptCreatedOrChanged) {
  ScratchDir dir("engine_outputs");
  std::string kept = dir.path() + "/a.out", changed = dir.path() + "/b.out",
              created = dir.path() + "/c.out";
  testutil::WriteFile(kept, "there before, untouched\n");
  testutil::WriteFile(changed, "there before\n");
  FileIdentity kept_state = StatFile(kept), changed_state = StatFile(changed);
  testutil::WriteFile(changed, "half written by the cut attempt\n");
  testutil::WriteFile(created, "half written\n");
  // The journal of a crashed run: three attempts cut short, with what they found at their outputs.
  ResumeIndex index;
  std::string tmpl = "work";
  for (auto [value, state] : {std::pair{"a", kept_state}, std::pair{"b", changed_state},
                              std::pair{"c", FileIdentity{}}}) {
    StartMark m{TaskKey(tmpl, TaskInput{1, {{value}}}, kJournalVersion), 1, 1,
                FormatOutputStates({state}), true};
    index.AddStart(m);
  }
  resume_ = &index;
  runner_.behavior = [](const FakeRunner::StartCall&, int) { return TaskResult{}; };
  RunConfig c = Config(tmpl, {"a", "b", "c"});
  c.outputs = {dir.path() + "/{}.out"};
  c.clobber = false;
  // Each task runs again (cut short) but writes nothing: what is left shows what was removed.
  EXPECT_EQ(Run(std::move(c)), 2);
  EXPECT_EQ(testutil::ReadFile(kept), "there before, untouched\n");
  EXPECT_FALSE(StatFile(changed).exists);
  EXPECT_FALSE(StatFile(created).exists);
}

TEST_F(EngineTest, AnOutputOutsideItsTemplatesDirectoryIsNeverRunNorRemoved) {
  ScratchDir dir("engine_outputs");
  ASSERT_EQ(MakeDirs(dir.path() + "/out"), 0);
  ASSERT_EQ(MakeDirs(dir.path() + "/outside"), 0);
  std::string victim = dir.path() + "/outside/victim.txt";
  testutil::WriteFile(victim, "precious\n");
  // Cut short in a crashed run, so a resume would clean its outputs first.
  ResumeIndex index;
  index.AddStart(StartMark{TaskKey("work", TaskInput{1, {{"../outside/victim"}}}, kJournalVersion),
                           1, 1, "", false});
  resume_ = &index;
  RecordingObserver observer;
  RunConfig c = Config("work", {"../outside/victim", "fine"});
  c.outputs = {dir.path() + "/out/{}.txt"};
  runner_.behavior = [&](const FakeRunner::StartCall&, int) {
    testutil::WriteFile(dir.path() + "/out/fine.txt", "ok\n");
    return TaskResult{};
  };
  EXPECT_EQ(Run(std::move(c), {&observer}), 1);
  EXPECT_EQ(testutil::ReadFile(victim), "precious\n");
  EXPECT_EQ(Argvs(), (std::vector<std::vector<std::string>>{{"work", "fine"}}));
  ASSERT_NE(observer.Final(1), nullptr);
  EXPECT_TRUE(observer.Final(1)->could_not_execute);
  EXPECT_NE(err_.Text().find("input '../outside/victim' was not run: its output '" + dir.path() +
                             "/out/../outside/victim.txt'"),
            std::string::npos)
      << err_.Text();
}

TEST_F(EngineTest, AnInputThatMustNotRunLeavesItsBatchToTheOthers) {
  ScratchDir dir("engine_outputs");
  RunConfig c = Config("work", {"a", "../x", "b", "c"});
  c.outputs = {dir.path() + "/out/{}.txt"};
  c.batch.mode = BatchOptions::Mode::kCount;
  c.batch.max_inputs = 2;
  runner_.behavior = [&](const FakeRunner::StartCall& call, int) {
    for (size_t i = 1; i < call.argv.size(); ++i) {
      MakeDirs(dir.path() + "/out");
      testutil::WriteFile(dir.path() + "/out/" + call.argv[i] + ".txt", "ok\n");
    }
    return TaskResult{};
  };
  EXPECT_EQ(Run(std::move(c)), 1);
  EXPECT_EQ(Argvs(), (std::vector<std::vector<std::string>>{{"work", "a"}, {"work", "b", "c"}}));
}

// ---- Failures ----

TEST_F(EngineTest, ACommandThatIsNotFoundExits127WithAMessage) {
  runner_.start_errors[2] = {ENOENT};
  RecordingObserver observer;
  EXPECT_EQ(Run(Config("frobnicate", {"a", "b", "c"}), {&observer}), 1);
  EXPECT_EQ(err_.Text(), "coreflow: frobnicate: command not found\n");
  EXPECT_EQ(out_.Text(), "a\nc\n");
  const TaskRecord* r = observer.Final(2);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->outcome.exit_code, 127);
  EXPECT_EQ(r->outcome.signal, 0);
  EXPECT_EQ(r->error, "coreflow: frobnicate: command not found\n");
  EXPECT_EQ(runner_.StartsOf(2).size(), 1u);  // not retried: it cannot work
  // No OnTaskStarted for a task that never started.
  for (const auto& s : observer.started) EXPECT_NE(s.seq, 2u);
}

TEST_F(EngineTest, OtherSpawnErrorsExit126) {
  runner_.start_errors[1] = {EACCES};
  runner_.start_errors[2] = {ENOEXEC};
  runner_.start_errors[3] = {E2BIG};
  EXPECT_EQ(Run(Config("prog", {"a", "b", "c"})), 3);
  EXPECT_EQ(err_.Text(),
            "coreflow: prog: permission denied\n"
            "coreflow: prog: not an executable format\n"
            "coreflow: prog: the command line is too long\n");
  EXPECT_EQ(out_.Text(), "");
}

TEST_F(EngineTest, ATransientSpawnErrorIsRetriedAfterABackoff) {
  runner_.start_errors[1] = {EAGAIN, EMFILE};
  RecordingObserver observer;
  EXPECT_EQ(Run(Config("echo", {"a", "b"}), {&observer}), 0);
  std::vector<const FakeRunner::StartCall*> starts = runner_.StartsOf(1);
  ASSERT_EQ(starts.size(), 3u);
  EXPECT_EQ(starts[0]->result, EAGAIN);
  EXPECT_EQ(starts[1]->result, EMFILE);
  EXPECT_EQ(starts[2]->result, 0);
  // Each retry came from a timer, not at once: 10 ms, then 20 ms of back-off.
  EXPECT_GE(starts[1]->at, starts[0]->at + 10 * kMs);
  EXPECT_GE(starts[2]->at, starts[1]->at + 20 * kMs);
  EXPECT_TRUE(std::find(runner_.timers.begin(), runner_.timers.end(), starts[0]->at + 10 * kMs) !=
              runner_.timers.end());
  EXPECT_EQ(out_.Text(), "a\nb\n");
  EXPECT_EQ(err_.Text(), "");
  // Deferred starts are not attempts.
  ASSERT_EQ(observer.started.size(), 2u);
  EXPECT_EQ(observer.started[0].seq, 1u);
  EXPECT_EQ(observer.started[0].attempt, 1);
  ASSERT_NE(observer.Final(1), nullptr);
  EXPECT_EQ(observer.Final(1)->attempt, 1);
}

TEST_F(EngineTest, RetriesDiscardTheFailedAttemptsOutput) {
  runner_.behavior = [](const FakeRunner::StartCall& call, int attempt) {
    TaskResult r;
    if (call.argv[1] == "a" && attempt == 1) {
      r.wait_status = ExitStatus(1);
      r.out = "first try\n";
      r.err = "first error\n";
    } else {
      r.out = call.argv[1] + " try " + std::to_string(attempt) + "\n";
    }
    return r;
  };
  RecordingObserver observer;
  RunConfig c = Config("echo", {"a", "b"});
  c.schedule.max_attempts = 2;
  EXPECT_EQ(Run(std::move(c), {&observer}), 0);
  EXPECT_EQ(out_.Text(), "a try 2\nb try 1\n");
  EXPECT_EQ(err_.Text(), "");
  EXPECT_EQ(runner_.StartsOf(1).size(), 2u);
  // The observer sees both attempts; only the second is final.
  ASSERT_EQ(observer.finished.size(), 3u);
  EXPECT_EQ(observer.finished[0].seq, 1u);
  EXPECT_EQ(observer.finished[0].attempt, 1);
  EXPECT_FALSE(observer.finished[0].final);
  EXPECT_EQ(observer.finished[0].outcome.exit_code, 1);
  EXPECT_EQ(observer.finished[0].out_bytes, 10u);
  EXPECT_EQ(observer.finished[0].err_bytes, 12u);
  EXPECT_EQ(observer.finished[1].seq, 1u);
  EXPECT_EQ(observer.finished[1].attempt, 2);
  EXPECT_TRUE(observer.finished[1].final);
  EXPECT_EQ(observer.finished[1].out_bytes, 8u);
  EXPECT_EQ(observer.finished[1].err_bytes, 0u);
  ASSERT_EQ(observer.started.size(), 3u);
  EXPECT_EQ(observer.started[1].seq, 1u);
  EXPECT_EQ(observer.started[1].attempt, 2);
}

TEST_F(EngineTest, ARetryThatCannotStartShowsNothingOfTheFailedAttempt) {
  runner_.start_errors[1] = {0, ENOENT};  // the second attempt finds the program gone
  runner_.behavior = [](const FakeRunner::StartCall&, int) {
    TaskResult r;
    r.wait_status = ExitStatus(1);
    r.out = "first attempt\n";
    r.err = "first attempt error\n";
    return r;
  };
  RecordingObserver observer;
  RunConfig c = Config("echo", {"a"});
  c.schedule.max_attempts = 2;
  EXPECT_EQ(Run(std::move(c), {&observer}), 1);
  EXPECT_EQ(out_.Text(), "");
  EXPECT_EQ(err_.Text(), "coreflow: echo: command not found\n");
  const TaskRecord* r = observer.Final(1);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->attempt, 2);
  EXPECT_EQ(r->outcome.exit_code, 127);
  EXPECT_EQ(r->out_bytes, 0u);
}

TEST_F(EngineTest, ATaskThatFailsEveryAttemptShowsOnlyTheLastOutput) {
  runner_.behavior = [](const FakeRunner::StartCall&, int attempt) {
    TaskResult r;
    r.wait_status = ExitStatus(2);
    r.out = "attempt " + std::to_string(attempt) + "\n";
    return r;
  };
  RunConfig c = Config("echo", {"a"});
  c.schedule.max_attempts = 3;
  EXPECT_EQ(Run(std::move(c)), 1);
  EXPECT_EQ(out_.Text(), "attempt 3\n");
  EXPECT_EQ(runner_.StartsOf(1).size(), 3u);
}

TEST_F(EngineTest, ExitStatusCountsFailedTasks) {
  runner_.behavior = [](const FakeRunner::StartCall& call, int) {
    TaskResult r;
    r.wait_status = call.argv[1] == "ok" ? 0 : ExitStatus(3);
    return r;
  };
  EXPECT_EQ(Run(Config("t", {"ok", "x", "y", "ok", "z"})), 3);
}

TEST_F(EngineTest, HaltNowSignalsTheRunningTasks) {
  runner_.hang = {2, 3};
  runner_.behavior = [](const FakeRunner::StartCall&, int) {
    TaskResult r;
    r.wait_status = ExitStatus(4);
    r.out = "failed\n";
    return r;
  };
  RunConfig c = Config("t", {"a", "b", "c", "d"}, 3);
  std::string err;
  ASSERT_TRUE(ParseHaltPolicy("now,fail=1", &c.schedule.halt, &err)) << err;
  RecordingObserver observer;
  EXPECT_EQ(Run(std::move(c), {&observer}), 4);  // GNU: the exit status of the failing task
  EXPECT_EQ(runner_.signals, (std::vector<std::pair<uint64_t, int>>{{2, SIGTERM}, {3, SIGTERM}}));
  EXPECT_TRUE(runner_.StartsOf(4).empty());
  EXPECT_EQ(out_.Text(), "failed\n");
  ASSERT_NE(observer.Final(2), nullptr);
  EXPECT_EQ(observer.Final(2)->outcome.signal, SIGTERM);
}

TEST_F(EngineTest, ATimedOutTaskIsTerminatedAtItsDeadline) {
  runner_.hang = {1};
  RecordingObserver observer;
  RunConfig c = Config("t", {"a"});
  c.schedule.timeout = 5 * kSec;
  EXPECT_EQ(Run(std::move(c), {&observer}), 1);
  ASSERT_EQ(runner_.signals.size(), 1u);
  EXPECT_EQ(runner_.signals[0], (std::pair<uint64_t, int>{1, SIGTERM}));
  const TaskRecord* r = observer.Final(1);
  ASSERT_NE(r, nullptr);
  EXPECT_TRUE(r->outcome.timed_out);
  EXPECT_EQ(r->outcome.signal, SIGTERM);
  EXPECT_GE(r->ended - r->started, 5 * kSec);
}

TEST_F(EngineTest, SigintTerminatesTasksAndExits130) {
  runner_.hang = {1, 2};
  RunnerEvent sigint;
  sigint.kind = Kind::kSignal;
  sigint.signal = SIGINT;
  runner_.injected.emplace_back();
  runner_.injected.back().push_back(std::move(sigint));
  RunConfig c = Config("t", {"a", "b", "c"}, 2);
  RecordingObserver observer;
  EXPECT_EQ(Run(std::move(c), {&observer}), 130);
  EXPECT_EQ(runner_.signals, (std::vector<std::pair<uint64_t, int>>{{1, SIGTERM}, {2, SIGTERM}}));
  // Stopped by coreflow: neither done nor failed.
  EXPECT_EQ(observer.final_totals.interrupted, 2u);
  EXPECT_EQ(observer.final_totals.failed, 0u);
  EXPECT_TRUE(runner_.StartsOf(3).empty());
  EXPECT_EQ(err_.Text(),
            "coreflow: Interrupt: terminating 2 running tasks (again to kill them at once)\n");
  EXPECT_EQ(runner_.stragglers, std::vector<Nanos>{2 * kSec});
}

TEST_F(EngineTest, ASecondSignalKillsAtOnce) {
  runner_.hang = {1};
  for (int sig : {SIGTERM, SIGTERM}) {
    RunnerEvent ev;
    ev.kind = Kind::kSignal;
    ev.signal = sig;
    runner_.injected.emplace_back();
    runner_.injected.back().push_back(std::move(ev));
  }
  // The second signal arrives before the task has ended of the first one's SIGTERM.
  EXPECT_EQ(Run(Config("t", {"a"})), 128 + SIGTERM);
  ASSERT_GE(runner_.signals.size(), 2u);
  EXPECT_EQ(runner_.signals[0].second, SIGTERM);
  EXPECT_EQ(runner_.signals[1].second, SIGKILL);
  EXPECT_EQ(runner_.stragglers, std::vector<Nanos>{0});  // no grace left for stragglers
}

// ---- Results directory ----

TEST_F(EngineTest, ResultsDirReceivesEachTasksFiles) {
  ScratchDir scratch("engine_results");
  ASSERT_FALSE(scratch.path().empty());
  const std::string& dir = scratch.path();
  runner_.behavior = [](const FakeRunner::StartCall& call, int) {
    TaskResult r;
    r.out = "out of " + call.argv[1] + "\n";
    r.err = "err of " + call.argv[1] + "\n";
    r.wait_status = call.argv[1] == "b/c" ? ExitStatus(3) : 0;
    return r;
  };
  RunConfig c = Config("t", {"a", "b/c"});
  c.results_dir = dir + "/res";
  int status = Run(std::move(c));
  EXPECT_EQ(status, 1);
  EXPECT_EQ(out_.Text(), "");  // it all went to files
  EXPECT_EQ(err_.Text(), "");
  EXPECT_EQ(ReadFile(dir + "/res/1/a/stdout"), "out of a\n");
  EXPECT_EQ(ReadFile(dir + "/res/1/a/stderr"), "err of a\n");
  EXPECT_EQ(ReadFile(dir + "/res/1/a/seq"), "1\n");
  EXPECT_EQ(ReadFile(dir + "/res/1/a/exit"), "0\n");
  EXPECT_EQ(ReadFile(dir + "/res/1/b\\_c/stdout"), "out of b/c\n");
  EXPECT_EQ(ReadFile(dir + "/res/1/b\\_c/seq"), "2\n");
  EXPECT_EQ(ReadFile(dir + "/res/1/b\\_c/exit"), "3\n");
}

TEST_F(EngineTest, AnUnwritableResultsDirEndsTheRunWith255) {
  ScratchDir scratch("engine_results");
  ASSERT_FALSE(scratch.path().empty());
  const std::string& dir = scratch.path();
  { UniqueFd f(OpenForWriting(dir + "/file")); }
  RunConfig c = Config("t", {"a", "b", "c"});
  c.results_dir = dir + "/file/res";  // below a regular file
  EXPECT_EQ(Run(std::move(c)), 255);
  EXPECT_NE(run_error_.find("cannot write results file"), std::string::npos) << run_error_;
  EXPECT_NE(run_error_.find(dir + "/file/res"), std::string::npos) << run_error_;
  EXPECT_TRUE(runner_.StartsOf(3).empty());  // nothing new after the error
}

// ---- Observers ----

TEST_F(EngineTest, ObserversReceiveStartsAndFinishedRecords) {
  runner_.behavior = [](const FakeRunner::StartCall& call, int) {
    TaskResult r;
    r.out = std::string(call.argv[1] == "a" ? 5 : 7, 'x');
    r.err = "ee";
    r.wait_status = call.argv[1] == "b" ? SignalStatus(SIGSEGV) : 0;
    r.usage.ru_utime = {1, 500000};
    r.usage.ru_stime = {0, 250000};
    r.usage.ru_maxrss = 4242;
    return r;
  };
  RecordingObserver with_line(/*command_line=*/true);
  RecordingObserver plain;
  EXPECT_EQ(Run(Config("echo", {"a", "b"}), {&with_line, &plain}), 1);
  ASSERT_EQ(with_line.started.size(), 2u);
  EXPECT_EQ(with_line.started[0].seq, 1u);
  EXPECT_EQ(with_line.started[0].slot, 1);
  EXPECT_EQ(with_line.started[0].attempt, 1);
  EXPECT_EQ(with_line.started[0].now, runner_.starts[0].at);

  ASSERT_EQ(with_line.finished.size(), 2u);
  const TaskRecord& a = with_line.finished[0];
  EXPECT_EQ(a.seq, 1u);
  EXPECT_EQ(a.attempt, 1);
  EXPECT_EQ(a.slot, 1);
  EXPECT_TRUE(a.final);
  EXPECT_TRUE(a.outcome.ok());
  EXPECT_EQ(a.started, runner_.starts[0].at);
  EXPECT_GT(a.ended, a.started);
  EXPECT_GT(a.started_wall, Nanos{1577836800} * kSec);  // a wall-clock time, not the fake one
  EXPECT_EQ(a.user_cpu, 1'500'000'000);
  EXPECT_EQ(a.sys_cpu, 250'000'000);
  EXPECT_EQ(a.max_rss_kib, 4242);
  EXPECT_EQ(a.out_bytes, 5u);
  EXPECT_EQ(a.err_bytes, 2u);
  EXPECT_EQ(a.command_line, "echo a");
  EXPECT_EQ(a.error, "");
  const TaskRecord& b = with_line.finished[1];
  EXPECT_EQ(b.outcome.signal, SIGSEGV);
  EXPECT_EQ(b.out_bytes, 7u);
  EXPECT_EQ(b.command_line, "echo b");
  // Totals as of each record.
  EXPECT_EQ(with_line.finished_totals[0].succeeded, 1u);
  EXPECT_EQ(with_line.finished_totals[1].failed, 1u);

  // Both observers see the same records (the command line is filled for all).
  ASSERT_EQ(plain.finished.size(), 2u);
  EXPECT_EQ(plain.finished[0].command_line, "echo a");
  EXPECT_EQ(with_line.run_finished, 1);
  EXPECT_EQ(with_line.final_status, 1);
  EXPECT_EQ(with_line.final_totals.succeeded, 1u);
  EXPECT_EQ(with_line.final_totals.failed, 1u);
  EXPECT_EQ(with_line.final_totals.total, 2u);
  EXPECT_TRUE(with_line.final_totals.total_known);
  EXPECT_EQ(with_line.final_totals.elapsed, runner_.now - kEpoch);
}

TEST_F(EngineTest, AFailedTaskIsRecordedWithItsInputAndTheEndOfItsStderr) {
  runner_.behavior = [](const FakeRunner::StartCall& call, int) {
    TaskResult r;
    r.err = std::string(3000, 'e') + "\nlast words of " + call.argv[1] + "\n";
    r.wait_status = ExitStatus(call.argv[1] == "b c" ? 2 : 0);
    return r;
  };
  RecordingObserver plain;
  EXPECT_EQ(Run(Config("t", {"a", "b c"}), {&plain}), 1);
  const TaskRecord* ok = plain.Final(1);
  const TaskRecord* failed = plain.Final(2);
  ASSERT_NE(ok, nullptr);
  ASSERT_NE(failed, nullptr);
  EXPECT_EQ(ok->input, "") << "no observer asked for it, and the task succeeded";
  EXPECT_EQ(failed->input, "'b c'");
  EXPECT_EQ(failed->stderr_tail.size(), kStderrTailBytes);
  EXPECT_TRUE(failed->stderr_tail.ends_with("e\nlast words of b c\n")) << failed->stderr_tail;
}

TEST_F(EngineTest, WithLineBufferTheEndOfStderrIsKeptAsItPasses) {
  runner_.grouped_output = false;
  runner_.behavior = [](const FakeRunner::StartCall& call, int) {
    TaskResult r;
    r.wait_status = ExitStatus(call.argv[1] == "b" ? 2 : 0);
    return r;
  };
  for (uint64_t handle : {1, 2}) {
    for (std::string piece : {std::string(2000, 'w') + "\n", std::string("last words of "),
                              std::string(handle == 1 ? "a\n" : "b\n")}) {
      RunnerEvent ev;
      ev.kind = Kind::kOutput;
      ev.handle = handle;
      ev.stream = 2;
      ev.data = piece;
      runner_.injected.emplace_back();
      runner_.injected.back().push_back(std::move(ev));
    }
  }
  RunConfig c = Config("t", {"a", "b"}, 2);
  c.output = OutputMode::kLineBuffer;
  RecordingObserver with_line(/*command_line=*/true);
  EXPECT_EQ(Run(std::move(c), {&with_line}), 1);
  const TaskRecord* ok = with_line.Final(1);
  const TaskRecord* failed = with_line.Final(2);
  ASSERT_NE(ok, nullptr);
  ASSERT_NE(failed, nullptr);
  EXPECT_EQ(ok->input, "a");  // every attempt, since the observer wants command lines
  EXPECT_EQ(failed->input, "b");
  EXPECT_EQ(failed->stderr_tail.size(), kStderrTailBytes);
  EXPECT_TRUE(failed->stderr_tail.ends_with("w\nlast words of b\n")) << failed->stderr_tail;
}

TEST_F(EngineTest, TheCommandLineIsLeftOutWhenNoObserverWantsIt) {
  RecordingObserver plain;
  EXPECT_EQ(Run(Config("echo", {"a"}), {&plain}), 0);
  ASSERT_EQ(plain.finished.size(), 1u);
  EXPECT_EQ(plain.finished[0].command_line, "");
}

TEST_F(EngineTest, AnObserverThatWantsTheTotalGetsItFromTheStart) {
  RecordingObserver counting(false, /*total=*/true);
  EXPECT_EQ(Run(Config("echo", {"a", "b", "c", "d", "e"}), {&counting}), 0);
  ASSERT_EQ(counting.finished_totals.size(), 5u);
  EXPECT_TRUE(counting.finished_totals[0].total_known);
  EXPECT_EQ(counting.finished_totals[0].total, 5u);
  EXPECT_EQ(counting.finished_totals[0].succeeded, 1u);
  EXPECT_EQ(out_.Text(), "a\nb\nc\nd\ne\n");  // counting consumed no input
}

TEST_F(EngineTest, WithoutSuchAnObserverTheTotalIsUnknownUntilTheInputsEnd) {
  RecordingObserver plain;
  EXPECT_EQ(Run(Config("echo", {"a", "b", "c", "d", "e"}), {&plain}), 0);
  ASSERT_EQ(plain.finished_totals.size(), 5u);
  EXPECT_FALSE(plain.finished_totals[0].total_known);
  EXPECT_TRUE(plain.final_totals.total_known);
  EXPECT_EQ(plain.final_totals.total, 5u);
}

// ---- Reshaping a running job (what --autotune does between trials) ----

// Calls `at_finish(n, totals)` as the n-th task (1-based) finishes.
class ReshapingObserver : public RunObserver {
 public:
  explicit ReshapingObserver(std::function<void(int, const RunTotals&)> at_finish)
      : at_finish_(std::move(at_finish)) {}
  void OnTaskFinished(const TaskRecord&, const RunTotals& totals) override {
    at_finish_(++finished_, totals);
  }

 private:
  std::function<void(int, const RunTotals&)> at_finish_;
  int finished_ = 0;
};

TEST_F(EngineTest, TasksStartedAfterAReshapeGetItsThreadsSlotsAndCpus) {
  ReshapingObserver reshape([this](int n, const RunTotals&) {
    if (n == 1) engine_->Reshape(RunShape{1, 2, 0, {{0}}});
  });
  EXPECT_EQ(Run(Config("echo", {"a", "b", "c", "d", "e"}, 2), {&reshape}), 0);
  ASSERT_EQ(runner_.starts.size(), 5u);
  for (size_t i = 0; i < 2; ++i) {  // started before
    EXPECT_EQ(runner_.starts[i].threads, 1);
    EXPECT_TRUE(runner_.starts[i].cpus.empty());
    EXPECT_TRUE(Has(runner_.starts[i].env, "OMP_NUM_THREADS=1"));
  }
  for (size_t i = 2; i < 5; ++i) {
    EXPECT_EQ(runner_.starts[i].threads, 2);
    EXPECT_EQ(runner_.starts[i].cpus, std::vector<int>{0});
    EXPECT_TRUE(Has(runner_.starts[i].env, "OMP_NUM_THREADS=2"));
    EXPECT_TRUE(Has(runner_.starts[i].env, "OMP_PLACES=cores"));
    EXPECT_TRUE(Has(runner_.starts[i].env, "PARALLEL_JOBSLOT=1")) << i;  // one slot left
  }
  EXPECT_EQ(runner_.set_slots, std::vector<int>{1});
  EXPECT_EQ(out_.Text(), "a\nb\nc\nd\ne\n");
}

TEST_F(EngineTest, APauseKeepsTheShapeForATaskAlreadyOnItsWay) {
  // The scheduler may have chosen the next task before an observer pauses the run: that task
  // starts as the shape it was chosen under, not as a half-changed one.
  bool paused = false;
  ReshapingObserver reshape([&](int n, const RunTotals& totals) {
    if (n == 1) engine_->Reshape(RunShape{2, 1, 0, {{0}, {1}}});
    if (n == 3) {
      engine_->Reshape(RunShape{0, 0, 0, {}});
      paused = true;
    } else if (paused && totals.running == 0) {
      engine_->Reshape(RunShape{2, 1, 0, {{1}, {0}}});
      paused = false;
    }
  });
  EXPECT_EQ(Run(Config("echo", {"a", "b", "c", "d", "e", "f", "g", "h"}, 2), {&reshape}), 0);
  ASSERT_EQ(runner_.starts.size(), 8u);
  for (size_t i = 2; i < 8; ++i) {
    EXPECT_EQ(runner_.starts[i].cpus.size(), 1u) << i;
    EXPECT_TRUE(Has(runner_.starts[i].env, "OMP_PROC_BIND=close")) << i;
  }
  EXPECT_EQ(runner_.set_slots, (std::vector<int>{2, 2}));  // a pause lets no worker go
  EXPECT_EQ(engine_->totals().succeeded, 8u);
}

}  // namespace
}  // namespace coreflow
