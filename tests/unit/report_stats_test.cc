#include "report/stats.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "report/summary.h"

namespace coreflow {
namespace {

AttemptData Attempt(uint64_t seq, const char* outcome, double start, double wall, double cpu,
                    int64_t rss_kib, int slot = 1, bool final = true) {
  AttemptData a;
  a.seq = seq;
  a.outcome = outcome;
  a.start_s = start;
  a.wall_s = wall;
  a.cpu_s = cpu;
  a.max_rss_kib = rss_kib;
  a.slot = slot;
  a.final = final;
  a.exit_code = std::string(outcome) == "failed" ? 3 : 0;
  a.command = "work " + std::to_string(seq);
  return a;
}

RunData FourTasksOnTwoSlots() {
  RunData d;
  d.settings.usable_cpus = {2, "CPU affinity"};
  d.settings.slots = {2, "-j"};
  d.settings.threads_per_task = {1, "2 cores / 2 slots"};
  d.settings.known = true;
  d.makespan_s = 10;
  d.attempts = {
      Attempt(1, "ok", 0, 4, 4, 1000, 1),       Attempt(2, "failed", 0, 2, 1, 3000, 2, false),
      Attempt(2, "ok", 2, 6, 6, 2000, 2),       Attempt(3, "ok", 4, 5, 5, 500, 1),
      Attempt(4, "timeout", 8, 2, 0.5, 100, 2), Attempt(5, "skipped", 0, 0, 0, 0, 0)};
  return d;
}

TEST(ReportStats, CountsTimeAndSpeedup) {
  RunStats s = ComputeStats(FourTasksOnTwoSlots());
  EXPECT_EQ(s.tasks, 4u);
  EXPECT_EQ(s.succeeded, 3u);
  EXPECT_EQ(s.failed, 1u);
  EXPECT_EQ(s.skipped, 1u);
  EXPECT_EQ(s.attempts, 5u);
  EXPECT_EQ(s.retried, 1u);
  EXPECT_EQ(s.final_outcomes.at("ok"), 3u);
  EXPECT_EQ(s.final_outcomes.at("timeout"), 1u);
  EXPECT_EQ(s.final_outcomes.count("failed"), 0u) << "the failed attempt was retried";
  EXPECT_DOUBLE_EQ(s.task_wall_s, 19);  // 4 + 2 + 6 + 5 + 2: every attempt took its time
  EXPECT_DOUBLE_EQ(s.speedup, 1.9);
  EXPECT_DOUBLE_EQ(s.cpu_used_s, 16.5);
  EXPECT_DOUBLE_EQ(s.cpu_available_s, 20);
  EXPECT_DOUBLE_EQ(s.utilization, 16.5 / 20);
}

TEST(ReportStats, DistributionsAreOfFinalAttempts) {
  RunStats s = ComputeStats(FourTasksOnTwoSlots());
  EXPECT_EQ(s.runtime_s.count, 4u);
  EXPECT_DOUBLE_EQ(s.runtime_s.p50, 4);  // of 2, 4, 5, 6
  EXPECT_DOUBLE_EQ(s.runtime_s.max, 6);
  EXPECT_DOUBLE_EQ(s.runtime_s.mean, 17.0 / 4);
  EXPECT_DOUBLE_EQ(s.rss_kib.max, 2000);
}

TEST(ReportStats, SlowestAndFailures) {
  RunData d = FourTasksOnTwoSlots();
  RunStats s = ComputeStats(d, /*slowest=*/2);
  ASSERT_EQ(s.slowest.size(), 2u);
  EXPECT_EQ(s.slowest[0].seq, 2u);
  EXPECT_EQ(s.slowest[1].seq, 3u);
  ASSERT_EQ(s.failures.size(), 1u);
  EXPECT_EQ(s.failures[0].seq, 4u);
  RunStats capped = ComputeStats(d, 10, /*max_failures=*/0);
  EXPECT_TRUE(capped.failures.empty());
  EXPECT_EQ(capped.failures_left_out, 1u);
}

TEST(ReportStats, UnknownCpusFallBackToTheSlotsSeen) {
  RunData d = FourTasksOnTwoSlots();
  d.settings = RunSettings{};
  EXPECT_DOUBLE_EQ(ComputeStats(d).cpu_available_s, 20);  // slots 1 and 2 seen
}

TEST(ReportStats, EmptyRun) {
  RunStats s = ComputeStats(RunData{});
  EXPECT_EQ(s.tasks, 0u);
  EXPECT_EQ(s.speedup, 0);
  EXPECT_EQ(s.runtime_s.count, 0u);
  EXPECT_EQ(FormatSummary(RunData{}, s), "coreflow: 0 tasks in 0.00 s: 0 ok\n");
}

TEST(ReportStats, PercentileIsNearestRank) {
  std::vector<double> v;
  for (int i = 1; i <= 100; ++i) v.push_back(i);
  EXPECT_EQ(Percentile(v, 50), 50);
  EXPECT_EQ(Percentile(v, 99), 99);
  EXPECT_EQ(Percentile(v, 100), 100);
  EXPECT_EQ(Percentile({7}, 99), 7);
  EXPECT_EQ(Percentile({}, 50), 0);
}

TEST(ReportSummary, SaysWhatEachRankRan) {
  RunData d = FourTasksOnTwoSlots();
  for (size_t i = 0; i < d.attempts.size(); ++i) d.attempts[i].host = i == 0 ? "n1/0" : "n2/1";
  std::string text = FormatSummary(d, ComputeStats(d));
  EXPECT_NE(text.find("\ncoreflow: on 2 ranks: n1/0 1 task, n2/1 "), std::string::npos) << text;
  for (AttemptData& a : d.attempts) a.host.clear();
  EXPECT_EQ(FormatSummary(d, ComputeStats(d)).find("ranks"), std::string::npos);
}

TEST(ReportSummary, SaysWhatHappenedInAFewLines) {
  RunData d = FourTasksOnTwoSlots();
  std::string text = FormatSummary(d, ComputeStats(d));
  EXPECT_EQ(text,
            "coreflow: 4 tasks in 10.0 s: 3 ok, 1 timeout; 1 skipped; 1 attempt retried\n"
            "coreflow: 1.9x faster than one at a time, CPUs 82% busy; runtime p50 4.00 s, p99 "
            "6.00 s, max 6.00 s; peak memory p50 500 KiB, max 2.0 MiB\n"
            "coreflow: failed: task 4 (timeout): work 4\n"
            "coreflow: ran with -j 2 (-j), -t 1 (2 cores / 2 slots)\n");
}

TEST(ReportSummary, APipelineSaysWhatEachStageDidAndHowLongItsTasksWaited) {
  RunData d = FourTasksOnTwoSlots();
  d.settings.stages = {"fit", "plot"};
  AttemptData plot = Attempt(1, "ok", 4, 1, 1, 100, 1);
  plot.stage = 1;
  plot.wait_s = 0.5;
  d.attempts.push_back(plot);
  RunStats s = ComputeStats(d);
  ASSERT_EQ(s.stages.size(), 2u);
  EXPECT_EQ(s.stages[0].tasks, 4u);
  EXPECT_EQ(s.stages[0].skipped, 1u);
  EXPECT_EQ(s.stages[1].tasks, 1u);
  EXPECT_DOUBLE_EQ(s.stages[1].mean_running, 0.1);
  std::string text = FormatSummary(d, s);
  EXPECT_NE(text.find("coreflow: 5 tasks of 2 stages in 10.0 s"), std::string::npos) << text;
  EXPECT_NE(text.find("coreflow: stage 'plot': 1 task, 1 ok; 0.1 running on average, runtime "
                      "mean 1.00 s, max 1.00 s; waited mean 0.50 s, max 0.50 s\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("coreflow: ran with -j 2 (-j): the cores 2 stages share\n"),
            std::string::npos);
  nlohmann::json j = ReportJson(d, s);
  EXPECT_EQ(j["stages"][1]["name"], "plot");
  EXPECT_EQ(j["stages"][0]["failed"], 1);
}

TEST(ReportSummary, AnUnfinishedRunSaysSo) {
  RunData d = FourTasksOnTwoSlots();
  d.complete = false;
  d.cut_short = 2;
  std::string first = FormatSummary(d, ComputeStats(d));
  first = first.substr(0, first.find('\n'));
  EXPECT_NE(first.find("; 2 cut short (the run did not finish)"), std::string::npos) << first;
}

TEST(ReportSummary, ManyFailuresAreCountedNotListed) {
  RunData d;
  d.makespan_s = 1;
  for (uint64_t i = 1; i <= 7; ++i) d.attempts.push_back(Attempt(i, "failed", 0, 1, 1, 1));
  std::string text = FormatSummary(d, ComputeStats(d));
  EXPECT_NE(text.find("coreflow: failed: task 1 (exit 3): work 1\n"
                      "coreflow: failed: task 2 (exit 3): work 2\n"
                      "coreflow: failed: task 3 (exit 3): work 3\n"
                      "coreflow: failed: and 4 more\n"),
            std::string::npos)
      << text;
}

TEST(ReportJson, HoldsTheDocumentedFields) {
  RunData d = FourTasksOnTwoSlots();
  d.exit_status = 1;
  d.settings.command_template = "work {}";
  nlohmann::json j = ReportJson(d, ComputeStats(d));
  EXPECT_EQ(j["coreflow_report"], 1);
  EXPECT_EQ(j["exit_status"], 1);
  EXPECT_EQ(j["command_template"], "work {}");
  EXPECT_EQ(j["counts"]["tasks"], 4);
  EXPECT_EQ(j["counts"]["by_outcome"]["timeout"], 1);
  EXPECT_DOUBLE_EQ(j["time"]["speedup"].get<double>(), 1.9);
  EXPECT_DOUBLE_EQ(j["runtime_s"]["p90"].get<double>(), 6);
  EXPECT_EQ(j["slowest"].size(), 4u);
  EXPECT_EQ(j["slowest"][0]["command"], "work 2");
  EXPECT_EQ(j["failures"][0]["outcome"], "timeout");
  EXPECT_EQ(j["configuration"]["slots"]["source"], "-j");
  d.settings.known = false;
  EXPECT_TRUE(ReportJson(d, ComputeStats(d))["configuration"].is_null());
}

TEST(ReportSummary, FailuresAreNamedByInputWithTheirLastLinesOfStderr) {
  RunData d;
  d.makespan_s = 1;
  AttemptData a = Attempt(7, "failed", 0, 1, 1, 1);
  a.input = "'sample 7.csv'";
  a.stderr_tail =
      "loading\n\nTraceback:\n  File x\r\n\x1b[31mValueError: " + std::string(200, 'v') +
      "\x1b[0m\n\n";
  d.attempts = {a};
  AttemptData batch = Attempt(8, "signal", 0, 1, 1, 1);
  batch.signal = 9;
  batch.inputs = 3;
  batch.input = "x y z";
  d.attempts.push_back(batch);
  std::string text = FormatSummary(d, ComputeStats(d));
  EXPECT_NE(text.find("coreflow: failed: input 'sample 7.csv' (task 7, exit 3)\n"
                      "coreflow:   | Traceback:\n"
                      "coreflow:   |   File x\n"
                      "coreflow:   | ValueError: " +
                      std::string(85, 'v') +
                      "...\n"
                      "coreflow: failed: inputs x y z (task 8, signal 9)\n"),
            std::string::npos)
      << text;
}

TEST(ReportSummary, InterruptedTasksAreCountedApartFromFailures) {
  RunData d;
  d.makespan_s = 1;
  d.total_tasks = 6;
  d.attempts = {Attempt(1, "ok", 0, 1, 1, 1), Attempt(2, "interrupted", 0, 1, 1, 1),
                Attempt(3, "interrupted", 0, 1, 1, 1), Attempt(4, "failed", 0, 1, 1, 1)};
  RunStats s = ComputeStats(d);
  EXPECT_EQ(s.failed, 1u);
  EXPECT_EQ(s.interrupted, 2u);
  ASSERT_EQ(s.failures.size(), 1u);
  EXPECT_EQ(s.failures[0].seq, 4u);
  std::string text = FormatSummary(d, s);
  EXPECT_EQ(text.substr(0, text.find('\n')),
            "coreflow: 4 tasks in 1.00 s: 1 ok, 1 failed, 2 interrupted; 2 not run");
  nlohmann::json j = ReportJson(d, s);
  EXPECT_EQ(j["counts"]["failed"], 1);
  EXPECT_EQ(j["counts"]["interrupted"], 2);
  EXPECT_EQ(j["failures"].size(), 1u);
}

TEST(ReportSummary, BatchesAreCountedByInputAsProgressCountsThem) {
  RunData d;
  d.makespan_s = 2;
  for (uint64_t i = 1; i <= 3; ++i) {
    d.attempts.push_back(Attempt(i, i == 2 ? "failed" : "ok", 0, 1, 1, 1));
    d.attempts.back().inputs = 3;
  }
  std::string text = FormatSummary(d, ComputeStats(d));
  EXPECT_EQ(text.substr(0, text.find('\n')),
            "coreflow: 9 inputs (in 3 commands) in 2.00 s: 6 ok, 3 failed");
  nlohmann::json j = ReportJson(d, ComputeStats(d));
  EXPECT_EQ(j["counts"]["inputs_by_outcome"]["ok"], 6);
  EXPECT_EQ(j["counts"]["inputs_by_outcome"]["failed"], 3);
  EXPECT_EQ(j["counts"]["succeeded"], 2);  // tasks, as before
}

TEST(ReportSummary, CountsOfOneAreSingular) {
  RunData d;
  d.makespan_s = 1;
  d.attempts = {Attempt(1, "failed", 0, 1, 1, 1, 1, false), Attempt(1, "ok", 1, 1, 1, 1)};
  std::string text = FormatSummary(d, ComputeStats(d));
  EXPECT_EQ(text.substr(0, text.find('\n')), "coreflow: 1 task in 1.00 s: 1 ok; 1 attempt retried");
}

TEST(ReportSummary, WorkerStartUpIsLeftOutOfTheSpeedUp) {
  RunData d;
  d.makespan_s = 3;  // 2 s of start-up, then 8 tasks of 0.25 s on 2 slots in 1 s
  for (uint64_t i = 0; i < 8; ++i) {
    d.attempts.push_back(Attempt(i + 1, "ok", 2 + 0.25 * static_cast<double>(i / 2), 0.25, 0.2, 1,
                                 static_cast<int>(i % 2) + 1));
  }
  d.worker_startups_s = {2, 2};
  RunStats s = ComputeStats(d);
  EXPECT_DOUBLE_EQ(s.startup_s, 2);
  EXPECT_DOUBLE_EQ(s.speedup, 2.0 / 3);
  EXPECT_DOUBLE_EQ(s.speedup_after_startup, 2);
  std::string text = FormatSummary(d, s);
  EXPECT_NE(text.find("coreflow: 2.0x faster than one at a time after 2.00 s of worker start-up"),
            std::string::npos)
      << text;
  nlohmann::json j = ReportJson(d, s);
  EXPECT_DOUBLE_EQ(j["time"]["startup_s"].get<double>(), 2);
  EXPECT_DOUBLE_EQ(j["time"]["speedup_after_startup"].get<double>(), 2);
  d.worker_startups_s.clear();  // without workers the plain speed-up stays
  text = FormatSummary(d, ComputeStats(d));
  EXPECT_NE(text.find("coreflow: 0.7x faster than one at a time, CPUs"), std::string::npos) << text;
}

TEST(ReportSummary, AnUnfinishedRunSaysHowToDoTheRest) {
  RunData d = FourTasksOnTwoSlots();  // task 4 timed out
  std::string text = FormatSummary(d, ComputeStats(d));
  EXPECT_EQ(text.find("--joblog"), std::string::npos) << "no command line known: no hint";
  d.settings.argv = {"coreflow", "run", "-j2", "work", "{}", ":::", "a b", "c"};
  text = FormatSummary(d, ComputeStats(d));
  EXPECT_TRUE(
      text.ends_with("coreflow: add --joblog FILE next time: then the same command with "
                     "--resume-failed runs only the failed and unfinished tasks\n"))
      << text;
  d.settings.resume_command = "coreflow run --resume-failed -j2 --joblog log work {} ::: a";
  d.settings.inputs_from_stdin = true;
  text = FormatSummary(d, ComputeStats(d));
  EXPECT_TRUE(
      text.ends_with("coreflow: to run the failed and unfinished tasks: coreflow run "
                     "--resume-failed -j2 --joblog log work {} ::: a (with the same "
                     "inputs on stdin)\n"))
      << text;
  d.attempts.pop_back();  // the skipped one
  d.attempts.pop_back();  // the time-out: now every task succeeded
  text = FormatSummary(d, ComputeStats(d));
  EXPECT_EQ(text.find("--resume-failed"), std::string::npos) << text;
}

TEST(ReportSummary, CommandLinesAreQuotedAsPeopleTypeThem) {
  EXPECT_EQ(QuoteCommandLine(
                {"coreflow", "run", "-j2", "echo {}", ":::", "a b", "it's", "", "x=1,y:2@h%"}),
            "coreflow run -j2 'echo {}' ::: 'a b' 'it'\"'\"'s' '' x=1,y:2@h%");
}

TEST(ReportJson, SaysWhenWhereAndHowTheRunWasStarted) {
  RunData d = FourTasksOnTwoSlots();
  d.started_at = 1.7e9;
  d.host = "node7";
  d.settings.argv = {"coreflow", "run", "-j2",  "--outputs", "a/{}", "--outputs",
                     "b/{}",     "-k",  "work", "{}",        ":::",  "x"};
  d.settings.options = {{"--jobs", "2", false},
                        {"--outputs", "a/{}", false},
                        {"--outputs", "b/{}", false},
                        {"--keep-order", "", true}};
  d.settings.resume_command = "coreflow run --resume-failed ...";
  d.attempts[4].input = "x";
  d.attempts[4].stderr_tail = "boom\n";
  nlohmann::json j = ReportJson(d, ComputeStats(d));
  EXPECT_FALSE(j["started_at"].get<std::string>().empty());
  EXPECT_EQ(j["host"], "node7");
  EXPECT_EQ(j["argv"].size(), 12u);
  EXPECT_EQ(j["command_line"],
            "coreflow run -j2 --outputs 'a/{}' --outputs 'b/{}' -k work '{}' "
            "::: x");
  EXPECT_EQ(j["options"],
            nlohmann::json::parse(
                R"({"--jobs": "2", "--outputs": ["a/{}", "b/{}"], "--keep-order": true})"));
  EXPECT_EQ(j["resume_command"], "coreflow run --resume-failed ...");
  EXPECT_EQ(j["failures"][0]["input"], "x");
  EXPECT_EQ(j["failures"][0]["stderr_tail"], "boom\n");
  EXPECT_EQ(j["slowest"][0]["input"], "");
  RunData unknown;
  nlohmann::json u = ReportJson(unknown, ComputeStats(unknown));
  EXPECT_TRUE(u["started_at"].is_null());
  EXPECT_TRUE(u["host"].is_null());
  EXPECT_TRUE(u["resume_command"].is_null());
  EXPECT_EQ(u["argv"], nlohmann::json::array());
}

}  // namespace
}  // namespace coreflow
