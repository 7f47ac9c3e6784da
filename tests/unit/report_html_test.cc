#include "report/html.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "report/stats.h"
#include "report/units.h"

namespace coreflow {
namespace {

constexpr const char* kHostile = "echo '</script><script>alert(1)</script>' \"\xff\" & <!-- \n";

AttemptData Attempt(uint64_t seq, int slot, double start, double wall, std::string outcome = "ok") {
  AttemptData a;
  a.seq = seq;
  a.slot = slot;
  a.start_s = start;
  a.wall_s = wall;
  a.cpu_s = wall * 0.9;
  a.max_rss_kib = 204800;
  a.outcome = std::move(outcome);
  a.exit_code = a.outcome == "failed" ? 1 : 0;
  a.command = "process sample_" + std::to_string(seq) + ".fastq";
  return a;
}

RunData SmallRun() {
  RunData data;
  data.settings.command_template = "process {}";
  data.settings.slots.value = 2;
  data.attempts = {Attempt(1, 1, 0, 2), Attempt(2, 2, 0, 3, "failed"), Attempt(3, 1, 2, 1)};
  data.makespan_s = 3;
  return data;
}

// A run of `tasks` tasks on `slots` slots, each slot taking the next task when it is free, with
// failures, time-outs, signals and retries mixed in; the same for the same seed.
RunData SyntheticRun(size_t tasks, int slots, double median_s, uint32_t seed) {
  RunData data;
  data.settings.command_template = "python3 fit_model.py --sample {} --out results/{/.}.h5";
  data.settings.slots.value = slots;
  data.settings.usable_cpus.value = slots;
  std::mt19937 rng(seed);
  std::lognormal_distribution<double> runtime(std::log(median_s), 0.45);
  std::lognormal_distribution<double> rss(std::log(350.0 * 1024), 0.3);
  std::uniform_real_distribution<double> unit(0, 1);
  std::vector<double> free_at(static_cast<size_t>(slots), 0);
  auto run = [&](uint64_t seq, int attempt, std::string outcome, bool final, double wall) {
    size_t slot = std::min_element(free_at.begin(), free_at.end()) - free_at.begin();
    AttemptData a = Attempt(seq, static_cast<int>(slot) + 1, free_at[slot] + 0.02, wall, outcome);
    a.attempt = attempt;
    a.final = final;
    a.cpu_s = wall * (0.75 + 0.2 * unit(rng));
    a.max_rss_kib = static_cast<int64_t>(rss(rng));
    a.command = fmt::format("python3 fit_model.py --sample data/s{:05}.csv --out results/s{:05}.h5",
                            seq, seq);
    if (a.outcome == "timeout") a.exit_code = -1;
    if (a.outcome == "signal") a.signal = 11;
    if (a.outcome == "over-memory") a.error = "killed: over the 2 GiB memory limit";
    free_at[slot] = a.start_s + a.wall_s;
    data.attempts.push_back(a);
  };
  for (uint64_t seq = 1; seq <= tasks; ++seq) {
    double r = unit(rng), wall = runtime(rng);
    if (r < 0.01) {  // tried again, and then fine
      run(seq, 1, "failed", false, wall * 0.3);
      run(seq, 2, "ok", true, wall);
    } else if (r < 0.025) {
      run(seq, 1, "failed", true, wall * 0.5);
    } else if (r < 0.03) {
      run(seq, 1, "timeout", true, median_s * 6);
    } else if (r < 0.034) {
      run(seq, 1, r < 0.032 ? "signal" : "over-memory", true, wall * 0.7);
    } else {
      run(seq, 1, "ok", true, wall);
    }
  }
  std::stable_sort(data.attempts.begin(), data.attempts.end(), [](const auto& a, const auto& b) {
    return a.start_s + a.wall_s < b.start_s + b.wall_s;  // in the order they ended
  });
  data.makespan_s = *std::max_element(free_at.begin(), free_at.end());
  data.total_tasks = tasks;
  data.exit_status = 1;
  return data;
}

// Whether `s` is well-formed UTF-8 (no stray continuation bytes, overlong forms or surrogates).
bool IsValidUtf8(const std::string& s) {
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80           ? 1
                 : (c >> 5) == 0x6  ? 2
                 : (c >> 4) == 0xE  ? 3
                 : (c >> 3) == 0x1E ? 4
                                    : 0;
    if (len == 0 || i + len > s.size() || (len == 2 && c < 0xC2)) return false;
    uint32_t cp = len == 1 ? c : c & (0x7F >> len);
    for (size_t k = 1; k < len; ++k) {
      auto d = static_cast<unsigned char>(s[i + k]);
      if ((d & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (d & 0x3F);
    }
    if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
        (len == 4 && (cp < 0x10000 || cp > 0x10FFFF))) {
      return false;
    }
    i += len;
  }
  return true;
}

// The JSON block the page's script reads.
nlohmann::json EmbeddedData(const std::string& page) {
  const std::string open = R"(<script type="application/json" id="data">)";
  size_t from = page.find(open);
  EXPECT_NE(from, std::string::npos);
  if (from == std::string::npos) return nullptr;
  from += open.size();
  return nlohmann::json::parse(page.substr(from, page.find("</script>", from) - from));
}

size_t Count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(ReportHtml, UsesNoExternalResources) {
  RunData data = SyntheticRun(200, 8, 20, 7);
  std::string page = RenderHtml(data, ComputeStats(data));
  EXPECT_EQ(page.find("http://"), std::string::npos);
  EXPECT_EQ(page.find("https://"), std::string::npos);
  for (const char* ref : {"src=", "href=", "<link", "@import", "url("}) {
    EXPECT_EQ(page.find(ref), std::string::npos) << ref;
  }
  EXPECT_TRUE(page.starts_with("<!DOCTYPE html>"));
}

TEST(ReportHtml, PageScriptReportsBackToBrowserTests) {
  RunData data = SmallRun();
  std::string page = RenderHtml(data, ComputeStats(data));
  // A headless browser's --dump-dom shows data-ready="1" and data-tasks, or a script-error.
  EXPECT_NE(page.find("body.dataset.ready = '1'"), std::string::npos);
  EXPECT_NE(page.find("body.dataset.tasks ="), std::string::npos);
  EXPECT_NE(page.find("box.id = 'script-error'"), std::string::npos);
  EXPECT_EQ(page.find("id=\"script-error\""), std::string::npos);  // only made on an error
}

TEST(ReportHtml, MarkupInCommandsStaysText) {
  RunData data = SmallRun();
  data.attempts[1].command = R"(curl <img src="https://example.org/x.png"> <a href='http://x'>)";
  data.attempts[1].error = "<b>bold</b>";
  std::string page = RenderHtml(data, ComputeStats(data));
  EXPECT_EQ(page.find("src=\"http"), std::string::npos);
  EXPECT_EQ(page.find("<img"), std::string::npos);
  EXPECT_EQ(page.find("<a "), std::string::npos);
  EXPECT_EQ(page.find("<b>bold"), std::string::npos);
  EXPECT_NE(page.find("&lt;b&gt;bold&lt;/b&gt;"), std::string::npos);  // the failure's reason
}

TEST(ReportHtml, HostileCommandIsEmbeddedSafely) {
  RunData data = SmallRun();
  data.settings.command_template = kHostile;
  data.attempts[0].command = std::string(kHostile) + "\xE2\x80\xA8 line separator";
  data.attempts[1].error = kHostile;
  std::string page = RenderHtml(data, ComputeStats(data));
  EXPECT_EQ(page.find("</script><script>"), std::string::npos);
  EXPECT_EQ(page.find("alert(1)</script>"), std::string::npos);
  EXPECT_EQ(page.find("<!--"), std::string::npos);
  EXPECT_EQ(page.find("\xE2\x80\xA8"), std::string::npos);
  EXPECT_EQ(Count(page, "<script"), 2u);  // the data block and the page's own script
  EXPECT_EQ(Count(page, "</script>"), 2u);
  EXPECT_TRUE(IsValidUtf8(page));
  // The command comes back whole, with the invalid byte replaced by U+FFFD.
  nlohmann::json d = EmbeddedData(page);
  std::string expected = "echo '</script><script>alert(1)</script>' \"\xEF\xBF\xBD\" & <!-- \n";
  EXPECT_EQ(d["cmd"][0], expected + "\xE2\x80\xA8 line separator");
  EXPECT_EQ(d["notes"][0][3], expected);
}

TEST(ReportHtml, EmbedsAttemptsAsColumns) {
  RunData data = SmallRun();
  data.attempts[2].start_s = 2.00049;  // rounded to whole milliseconds
  data.attempts[2].wall_s = 1.0006;
  std::string page = RenderHtml(data, ComputeStats(data));
  EXPECT_NE(page.find(R"(<span id="attempt-count">3</span>)"), std::string::npos);
  nlohmann::json d = EmbeddedData(page);
  EXPECT_EQ(d["seq"], nlohmann::json({1, 2, 3}));
  EXPECT_EQ(d["slot"], nlohmann::json({1, 2, 1}));
  EXPECT_EQ(d["start"], nlohmann::json({0, 0, 2000}));
  EXPECT_EQ(d["wall"], nlohmann::json({2000, 3000, 1001}));
  EXPECT_EQ(d["slots"], 2);
  EXPECT_EQ(d["outcomes"][d["out"][1].get<size_t>()]["name"], "failed");
  ASSERT_EQ(d["notes"].size(), 1u);  // only the failure has anything to add
  EXPECT_EQ(d["notes"][0][0], 1);
  EXPECT_EQ(d["notes"][0][1], 1);  // its exit code
}

// coreflow-mpi: each rank's slots are rows of their own, named by the rank.
TEST(ReportHtml, SeveralRanksGetTheirOwnRows) {
  RunData data = SmallRun();
  data.attempts[0].host = "n1/0";
  data.attempts[1].host = "n1/0";
  data.attempts[2].host = "n2/1";
  std::string page = RenderHtml(data, ComputeStats(data));
  nlohmann::json d = EmbeddedData(page);
  EXPECT_EQ(d["slot"], nlohmann::json({1, 2, 3}));  // n2/1's slot 1 is the third row
  EXPECT_EQ(d["rowLabels"], nlohmann::json({"n1/0 1", "n1/0 2", "n2/1 1"}));
}

// A pipeline: one timeline row per (stage, slot), its tasks coloured by stage, and a table.
TEST(ReportHtml, APipelineShowsItsStages) {
  RunData data = SmallRun();
  data.settings.stages = {"align", "call"};
  data.attempts.push_back(Attempt(1, 1, 2, 1));
  data.attempts.back().stage = 1;
  data.attempts.back().wait_s = 0.5;
  std::string page = RenderHtml(data, ComputeStats(data));
  nlohmann::json d = EmbeddedData(page);
  EXPECT_EQ(d["slot"], nlohmann::json({1, 2, 1, 3}));  // stage 1's slot 1 is the third row
  EXPECT_EQ(d["rowLabels"], nlohmann::json({"align 1", "align 2", "call 1"}));
  EXPECT_EQ(d["outcomes"][d["out"][0].get<size_t>()]["name"], "ok: align");
  EXPECT_EQ(d["outcomes"][d["out"][3].get<size_t>()]["name"], "ok: call");
  EXPECT_EQ(d["outcomes"][d["out"][1].get<size_t>()]["name"], "failed");
  EXPECT_NE(page.find("<h2>Stages</h2>"), std::string::npos);
  EXPECT_NE(page.find("<td>call</td><td class=\"num\">1</td>"), std::string::npos);
}

TEST(ReportHtml, RoundingKeepsNeighboursInASlotApart) {
  RunData data = SmallRun();
  data.attempts[0].start_s = 0.0006;  // ends at 1.0012 s, just before the next one starts
  data.attempts[0].wall_s = 1.0006;
  data.attempts[2].start_s = 1.0013;
  nlohmann::json d = EmbeddedData(RenderHtml(data, ComputeStats(data)));
  EXPECT_EQ(d["start"][0], 1);
  EXPECT_EQ(d["start"][2], 1001);
  EXPECT_LE(d["start"][0].get<int>() + d["wall"][0].get<int>(), 1001);
}

TEST(ReportHtml, SlotsComeFromAttemptsWhenUnknown) {
  RunData data = SmallRun();
  data.settings.slots.value = 0;
  data.attempts[2].slot = 5;
  EXPECT_EQ(EmbeddedData(RenderHtml(data, ComputeStats(data)))["slots"], 5);
}

TEST(ReportHtml, RetriesAndSkippedTasks) {
  RunData data = SmallRun();
  data.attempts[1].final = false;
  data.attempts.push_back(Attempt(2, 2, 3, 1));
  data.attempts.back().attempt = 2;
  data.attempts.push_back(Attempt(9, 0, 0, 0, "skipped"));  // finished by an earlier run
  std::string page = RenderHtml(data, ComputeStats(data));
  nlohmann::json d = EmbeddedData(page);
  EXPECT_EQ(d["seq"].size(), 4u);
  EXPECT_EQ(d["retry"], nlohmann::json({1}));
  EXPECT_EQ(d["att"][3], 2);
  EXPECT_NE(page.find(R"(<span id="attempt-count">4</span>)"), std::string::npos);
}

TEST(ReportHtml, TablesListSlowestTasksAndFailures) {
  RunData data = SmallRun();
  data.attempts.push_back(Attempt(4, 2, 3, 9, "timeout"));
  data.attempts.back().command = "slow & steady";
  std::string page = RenderHtml(data, ComputeStats(data));
  size_t slowest = page.find("Slowest tasks"), failures = page.find("Failures");
  ASSERT_NE(slowest, std::string::npos);
  ASSERT_NE(failures, std::string::npos);
  EXPECT_LT(page.find("slow &amp; steady"), failures);  // first in the slowest tasks
  EXPECT_NE(page.find("exit code 1", failures), std::string::npos);
  EXPECT_NE(page.find("timed out after 9.00 s", failures), std::string::npos);
}

TEST(ReportHtml, SaysWhenWhereAndHowTheRunWasStarted) {
  RunData data = SmallRun();
  data.started_at = 1.7e9;
  data.host = "node<7>";
  data.settings.argv = {"coreflow", "run", "-j2", "--joblog", "run log", "process {}", ":::", "a"};
  data.settings.options = {
      {"--jobs", "2", false}, {"--joblog", "run log", false}, {"--keep-order", "", true}};
  data.settings.resume_command = "coreflow run --resume-failed -j2 --joblog 'run log' ...";
  std::string page = RenderHtml(data, ComputeStats(data));
  EXPECT_NE(page.find("<dt>Started</dt><dd>" + FormatTimestamp(1.7e9) + "</dd>"),
            std::string::npos);
  EXPECT_NE(page.find("<dt>Host</dt><dd>node&lt;7&gt;</dd>"), std::string::npos);
  EXPECT_NE(page.find("<code id=\"command-line\">coreflow run -j2 --joblog &#39;run log&#39; "
                      "&#39;process {}&#39; ::: a</code>"),
            std::string::npos);
  EXPECT_NE(page.find("<code>--jobs=2 --joblog=&#39;run log&#39; --keep-order</code>"),
            std::string::npos);
  EXPECT_NE(page.find("<dt>Resume</dt>"), std::string::npos);
  // Unknown (an older journal): nothing is made up.
  RunData bare = SmallRun();
  EXPECT_EQ(RenderHtml(bare, ComputeStats(bare)).find("<dl class=\"meta\">"), std::string::npos);
}

TEST(ReportHtml, TasksShowTheirInputAndFailuresTheirStderr) {
  RunData data = SmallRun();
  data.attempts[0].input = "sample_1.fastq";
  data.attempts[1].input = "'sample 2.fastq'";
  data.attempts[1].stderr_tail = std::string("loading\n") + kHostile + "\n";
  std::string page = RenderHtml(data, ComputeStats(data));
  size_t failures = page.find("<h2>Failures</h2>");
  ASSERT_NE(failures, std::string::npos);
  EXPECT_NE(page.find("<code>&#39;sample 2.fastq&#39;</code>", failures), std::string::npos);
  EXPECT_NE(page.find("<pre class=\"stderr\">loading\necho &#39;&lt;/script&gt;", failures),
            std::string::npos);
  EXPECT_EQ(page.find("</script><script>"), std::string::npos);
  nlohmann::json d = EmbeddedData(page);
  EXPECT_EQ(d["input"], nlohmann::json({"sample_1.fastq", "'sample 2.fastq'", ""}));
  ASSERT_EQ(d["notes"].size(), 1u);
  EXPECT_EQ(d["notes"][0][4].get<std::string>().substr(0, 8), "loading\n");
  EXPECT_NE(page.find("line('stderr', note[4]"), std::string::npos);  // the tooltip shows it
}

TEST(ReportHtml, InterruptedTasksAreNotFailures) {
  RunData data = SmallRun();
  data.attempts[1].outcome = "interrupted";
  std::string page = RenderHtml(data, ComputeStats(data));
  EXPECT_NE(page.find("2 ok, 0 failed, 1 interrupted"), std::string::npos);
  EXPECT_NE(page.find("No task failed."), std::string::npos);
}

TEST(ReportHtml, EmptyRunRenders) {
  RunData data;
  std::string page = RenderHtml(data, ComputeStats(data));
  EXPECT_NE(page.find("No attempts were recorded"), std::string::npos);
  EXPECT_NE(page.find(R"(<span id="attempt-count">0</span>)"), std::string::npos);
  EXPECT_EQ(page.find("<canvas"), std::string::npos);
  nlohmann::json d = EmbeddedData(page);
  EXPECT_TRUE(d["seq"].empty());
  EXPECT_TRUE(d["cmd"].empty());
  EXPECT_TRUE(page.ends_with("</html>\n"));
}

TEST(ReportHtml, HundredThousandAttemptsStayCompact) {
  RunData data = SyntheticRun(100000, 16, 1, 3);
  for (AttemptData& a : data.attempts) a.command = fmt::format("score sample_{:06}.fastq", a.seq);
  std::string page = RenderHtml(data, ComputeStats(data));
  EXPECT_LT(page.size(), 12u << 20);  // about 6.5 MB: 65 bytes an attempt
  EXPECT_NE(page.find(fmt::format(R"(<span id="attempt-count">{}</span>)", data.attempts.size())),
            std::string::npos);
  EXPECT_EQ(EmbeddedData(page)["seq"].size(), data.attempts.size());
}

}  // namespace
}  // namespace coreflow
