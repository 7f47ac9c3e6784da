#include "report/html.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <iterator>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/plural.h"
#include "base/version.h"
#include "plan/quote.h"
#include "report/html_assets.h"
#include "report/html_text.h"
#include "report/summary.h"
#include "report/timeline_rows.h"
#include "report/units.h"

namespace coreflow {
namespace {

using Json = nlohmann::json;

struct OutcomeStyle {
  const char* name;
  const char* color;
};

// Fixed colours, so that a colour means the same outcome in every report.
constexpr OutcomeStyle kOutcomes[] = {
    {"ok", "#3f9e6a"},          {"failed", "#d64545"},      {"signal", "#8e44ad"},
    {"timeout", "#ee9a2f"},     {"noexec", "#7b241c"},      {"missing-output", "#d65d9c"},
    {"over-memory", "#8d6e63"}, {"interrupted", "#7f8c8d"}, {"skipped", "#bdc3c7"}};
constexpr const char* kOtherColor = "#34495e";

const char* OutcomeColor(std::string_view outcome) {
  for (const OutcomeStyle& s : kOutcomes) {
    if (outcome == s.name) return s.color;
  }
  return kOtherColor;
}

// Attempts never started (finished by an earlier run) have no place on a timeline.
bool Drawn(const AttemptData& a) { return a.outcome != "skipped"; }

// A JSON string literal; invalid UTF-8 becomes U+FFFD instead of an exception.
std::string JsonString(const std::string& s) {
  return Json(s).dump(-1, ' ', false, Json::error_handler_t::replace);
}

// JSON made safe inside <script>: no '<' can end the element or open a comment, and
// U+2028/U+2029 (line breaks to older JavaScript) are escaped too.
std::string ScriptSafe(const std::string& json) {
  std::string out;
  out.reserve(json.size() + json.size() / 32);
  size_t from = 0;
  for (;;) {
    size_t at = json.find_first_of("<\xE2", from);
    out.append(json, from, at == std::string::npos ? std::string::npos : at - from);
    if (at == std::string::npos) return out;
    from = at + 1;
    if (json[at] == '<') {
      out += "\\u003c";
    } else if (json.compare(at, 3, "\xE2\x80\xA8") == 0 ||
               json.compare(at, 3, "\xE2\x80\xA9") == 0) {
      out += json[at + 2] == '\xA8' ? "\\u2028" : "\\u2029";
      from = at + 3;
    } else {
      out += json[at];
    }
  }
}

// A finite number for JSON, which has no NaN or infinity.
double Finite(double v) { return std::isfinite(v) ? v : 0; }

// Seconds as whole milliseconds: enough for a picture and a third of the digits.
int64_t Ms(double seconds) { return std::llround(std::clamp(Finite(seconds), -1e12, 1e12) * 1e3); }

// Appends "key":[...] with one integer per attempt in `rows`.
template <typename F>
void AppendColumn(std::string* out, const char* key, const std::vector<size_t>& rows, F value) {
  fmt::format_to(std::back_inserter(*out), "\"{}\":[", key);
  for (size_t k = 0; k < rows.size(); ++k) {
    if (k > 0) out->push_back(',');
    fmt::format_to(std::back_inserter(*out), "{}", value(rows[k]));
  }
  out->append("],");
}

std::string DistributionJson(const Distribution& d) {
  return fmt::format(R"({{"p50":{},"p90":{},"p99":{},"max":{}}})", Finite(d.p50), Finite(d.p90),
                     Finite(d.p99), Finite(d.max));
}

// Where `outcome` is in `names`, adding it when new (outcomes this page has no colour for).
int OutcomeIndex(const std::string& outcome, std::vector<std::string>* names) {
  auto it = std::find(names->begin(), names->end(), outcome);
  if (it != names->end()) return static_cast<int>(it - names->begin());
  names->push_back(outcome);
  return static_cast<int>(names->size()) - 1;
}

// A pipeline's stages, each its own colour on the timeline (their tasks that went well).
constexpr const char* kStageColors[] = {"#3f9e6a", "#4a7fc1", "#c7a02c", "#2c9fa8",
                                        "#9b6bc1", "#6b8e23", "#c26d3a", "#5d6d7e"};

// The attempts as column arrays (times in ms): the compact form the page's script reads.
std::string DataJson(const RunData& data, const RunStats& stats, const std::vector<size_t>& rows) {
  const std::vector<AttemptData>& a = data.attempts;
  std::vector<std::string> names;
  for (const OutcomeStyle& s : kOutcomes) names.push_back(s.name);
  const std::vector<std::string>& stages = data.settings.stages;
  size_t first_stage_outcome = names.size();
  if (stages.size() > 1) {
    for (const std::string& stage : stages) names.push_back("ok: " + stage);
  }
  TimelineRows timeline = RowsOf(data, rows);
  auto outcome = [&](const AttemptData& t) {
    auto k = static_cast<size_t>(std::max(t.stage, 0));
    if (stages.size() > 1 && t.outcome == "ok" && k < stages.size()) {
      return static_cast<int>(first_stage_outcome + k);
    }
    return OutcomeIndex(t.outcome, &names);
  };
  int max_slot = timeline.count;
  std::string out = "{";
  out.reserve(rows.size() * 96 + 1024);
  AppendColumn(&out, "seq", rows, [&](size_t i) { return a[i].seq; });
  AppendColumn(&out, "att", rows, [&](size_t i) { return a[i].attempt; });
  AppendColumn(&out, "slot", rows, [&](size_t i) { return timeline.Row(a[i]); });
  AppendColumn(&out, "out", rows, [&](size_t i) { return outcome(a[i]); });
  AppendColumn(&out, "start", rows, [&](size_t i) { return Ms(a[i].start_s); });
  // The end rounded, not the runtime: neighbours in a slot must not overlap by a rounding.
  AppendColumn(&out, "wall", rows,
               [&](size_t i) { return Ms(a[i].start_s + a[i].wall_s) - Ms(a[i].start_s); });
  AppendColumn(&out, "cpu", rows, [&](size_t i) { return Ms(a[i].cpu_s); });
  AppendColumn(&out, "rss", rows, [&](size_t i) { return a[i].max_rss_kib; });
  out += "\"cmd\":[";
  for (size_t k = 0; k < rows.size(); ++k) {
    if (k > 0) out += ',';  // appended, not "," + s: GCC 12 -O3 warns (-Wrestrict) on that
    out += JsonString(a[rows[k]].command);
  }
  out += "],\"input\":[";
  for (size_t k = 0; k < rows.size(); ++k) {
    if (k > 0) out += ',';
    out += JsonString(a[rows[k]].input);
  }
  out += "],\"retry\":[";  // the few attempts that were tried again, by position
  std::string notes;       // exit code, signal, message and stderr of attempts that did not succeed
  for (size_t k = 0; k < rows.size(); ++k) {
    const AttemptData& t = a[rows[k]];
    if (!t.final) fmt::format_to(std::back_inserter(out), "{}{}", out.back() == '[' ? "" : ",", k);
    if (t.outcome == "ok" && t.error.empty()) continue;
    fmt::format_to(std::back_inserter(notes), "{}[{},{},{},{},{}]", notes.empty() ? "" : ",", k,
                   t.exit_code, t.signal, JsonString(t.error), JsonString(t.stderr_tail));
  }
  out += "],\"notes\":[" + notes + "],\"outcomes\":[";
  for (size_t k = 0; k < names.size(); ++k) {
    const char* color = k >= first_stage_outcome
                            ? kStageColors[(k - first_stage_outcome) % std::size(kStageColors)]
                            : OutcomeColor(names[k]);
    out += fmt::format("{}{{\"name\":{},\"color\":\"{}\"}}", k > 0 ? "," : "", JsonString(names[k]),
                       color);
  }
  out += "]";
  if (!timeline.labels.empty()) {
    std::string labels;
    for (const std::string& label : timeline.labels) {
      labels += labels.empty() ? '[' : ',';
      labels += JsonString(label);
    }
    out += ",\"rowLabels\":" + labels + "]";
  }
  // A pipeline's -j is the cores its stages share: the utilization chart's scale.
  int64_t slots = data.settings.slots.value > 0 ? data.settings.slots.value : max_slot;
  fmt::format_to(std::back_inserter(out), R"(,"slots":{},"cpus":{},"rt":{},"rss_kib":{}}})",
                 std::max<int64_t>(slots, 1), std::max<int64_t>(data.settings.usable_cpus.value, 0),
                 DistributionJson(stats.runtime_s), DistributionJson(stats.rss_kib));
  return ScriptSafe(out);
}

// Why an attempt did not succeed, in a few words; coreflow's own message when it has one.
std::string Reason(const AttemptData& a) {
  if (!a.error.empty()) return a.error;
  if (a.outcome == "failed") return fmt::format("exit code {}", a.exit_code);
  if (a.outcome == "signal") return fmt::format("killed by signal {}", a.signal);
  if (a.outcome == "timeout") return fmt::format("timed out after {}", FormatDuration(a.wall_s));
  if (a.outcome == "noexec") return "could not be executed";
  if (a.outcome == "missing-output") return "an expected output file is missing";
  if (a.outcome == "over-memory") return "went over its memory limit";
  if (a.outcome == "interrupted") return "interrupted";
  return a.outcome;
}

std::string Chip(const std::string& outcome, const std::string& count) {
  return fmt::format(R"(<span class="chip"><i class="dot" style="background:{}"></i>{}{}</span>)",
                     OutcomeColor(outcome), HtmlText(outcome),
                     count.empty() ? "" : " <b>" + count + "</b>");
}

std::string Card(std::string_view label, const std::string& value, const std::string& note) {
  return fmt::format(R"(<div class="card"><div class="label">{}</div><div class="value">{}</div>)"
                     R"(<div class="note">{}</div></div>)",
                     label, value, note);
}

// A wide card with p50/p90/p99/max side by side.
template <typename F>
std::string DistributionCard(std::string_view label, const Distribution& d, F format) {
  std::string cells;
  using Cell = std::pair<const char*, double>;
  for (auto [name, v] :
       {Cell{"p50", d.p50}, Cell{"p90", d.p90}, Cell{"p99", d.p99}, Cell{"max", d.max}}) {
    cells += fmt::format("<div><span>{}</span><b>{}</b></div>", name, format(v));
  }
  return fmt::format(
      R"(<div class="card wide"><div class="label">{}</div><div class="dist">{}</div></div>)",
      label, cells);
}

std::string StatusLine(const RunData& data) {
  if (!data.complete) {
    return fmt::format(
        R"(<span class="status bad">did not finish{}</span>)",
        data.cut_short > 0 ? fmt::format(": {} cut short", Plural(data.cut_short, "attempt")) : "");
  }
  if (!data.exit_status) return R"(<span class="status">finished</span>)";
  return fmt::format(R"(<span class="status{}">finished, exit status {}</span>)",
                     *data.exit_status == 0 ? "" : " bad", *data.exit_status);
}

// One chip per final outcome, in the legend's order, then the tasks skipped.
std::string OutcomeChips(const RunStats& s) {
  auto rank = [](const std::string& outcome) {
    auto known = [&](const OutcomeStyle& o) { return outcome == o.name; };
    return std::find_if(std::begin(kOutcomes), std::end(kOutcomes), known) - std::begin(kOutcomes);
  };
  std::vector<std::pair<std::string, uint64_t>> counts(s.final_outcomes.begin(),
                                                       s.final_outcomes.end());
  std::stable_sort(counts.begin(), counts.end(),
                   [&](const auto& a, const auto& b) { return rank(a.first) < rank(b.first); });
  std::string chips;
  for (const auto& [outcome, n] : counts) chips += Chip(outcome, std::to_string(n));
  if (s.skipped > 0) chips += Chip("skipped", std::to_string(s.skipped));
  return chips;
}

// When, where and how the run was started, as far as known.
std::string Invocation(const RunData& data) {
  const RunSettings& c = data.settings;
  std::string rows;
  auto row = [&](std::string_view label, const std::string& html) {
    rows += fmt::format("<dt>{}</dt><dd>{}</dd>", label, html);
  };
  if (std::string when = FormatTimestamp(data.started_at); !when.empty())
    row("Started", HtmlText(when));
  if (!data.host.empty()) row("Host", HtmlText(data.host));
  if (!c.argv.empty()) {
    row("Command line",
        "<code id=\"command-line\">" + HtmlText(QuoteCommandLine(c.argv)) + "</code>");
  }
  if (!c.options.empty()) {
    std::string options;
    for (const GivenOption& o : c.options) {
      if (!options.empty()) options += " ";
      options += o.flag ? o.name : o.name + "=" + ShellQuote(o.value);
    }
    row("Options", "<code>" + HtmlText(options) + "</code>");
  }
  if (!c.resume_command.empty()) {
    row("Resume", "<code>" + HtmlText(c.resume_command) + "</code>");
  }
  return rows.empty() ? "" : "<dl class=\"meta\">" + rows + "</dl>";
}

std::string Header(const RunData& data, const RunStats& s, size_t drawn) {
  std::string chips = OutcomeChips(s);
  std::string tasks_note = fmt::format("{} ok, {} failed", s.succeeded, s.failed);
  if (s.interrupted > 0) tasks_note += fmt::format(", {} interrupted", s.interrupted);
  if (s.inputs != s.tasks && data.settings.stages.size() < 2) {
    tasks_note += fmt::format("; {} inputs", s.inputs);
  }
  if (data.total_tasks > s.inputs + s.skipped) {
    tasks_note += fmt::format(", {} not run", data.total_tasks - s.inputs - s.skipped);
  }
  const RunSettings& c = data.settings;
  bool after_startup = s.worker_startup_s.count > 0 && s.startup_s > 0;
  std::string speedup_note =
      after_startup       ? fmt::format("after {} of worker start-up", FormatDuration(s.startup_s))
      : c.slots.value > 0 ? fmt::format("on {}", Plural(c.slots.value, "slot"))
                          : "over one at a time";
  std::string cards =
      Card("Tasks", std::to_string(s.tasks), tasks_note) +
      Card("Attempts", fmt::format(R"(<span id="attempt-count">{}</span>)", drawn),
           fmt::format("{} retried", s.retried)) +
      Card("Makespan", FormatDuration(s.makespan_s),
           data.sessions > 1 ? fmt::format("{} sessions", data.sessions) : "wall clock") +
      Card("Utilization", fmt::format("{:.0f}%", Finite(s.utilization) * 100),
           c.usable_cpus.value > 0 ? "of " + Plural(c.usable_cpus.value, "CPU") : "of the CPUs") +
      Card(
          "Speedup",
          fmt::format("{:.1f}&times;", Finite(after_startup ? s.speedup_after_startup : s.speedup)),
          speedup_note) +
      DistributionCard("Runtime", s.runtime_s, FormatDuration) +
      DistributionCard("Peak RSS", s.rss_kib, FormatKib);
  return fmt::format(
      R"(<header><div class="top"><h1>coreflow run report</h1>{}</div>)"
      R"(<div class="template"><span class="label">Command</span><code>{}</code></div>{})"
      R"(<div class="chips">{}</div></header><div class="cards">{}</div>)",
      StatusLine(data), HtmlText(c.command_template.empty() ? "(unknown)" : c.command_template),
      Invocation(data), chips, cards);
}

// A pipeline's stages: what each ran, how busy it kept the machine, how long its tasks waited.
std::string StagesTable(const RunData& data, const RunStats& s) {
  const std::vector<std::string>& names = data.settings.stages;
  if (names.size() < 2) return "";
  std::string rows;
  for (size_t k = 0; k < names.size(); ++k) {
    StageStats st = k < s.stages.size() ? s.stages[k] : StageStats{};
    double n = static_cast<double>(std::max<uint64_t>(st.tasks, 1));
    rows += fmt::format(
        R"(<tr><td>{}</td><td class="num">{}</td><td class="num">{}</td><td class="num">{}</td>)"
        R"(<td class="num">{}</td><td class="num">{:.1f}</td><td class="num">{}</td>)"
        R"(<td class="num">{}</td><td class="num">{}</td><td class="num">{}</td></tr>)",
        HtmlText(names[k]), st.tasks, st.succeeded, st.failed, st.skipped, st.mean_running,
        FormatDuration(st.task_wall_s / n), FormatDuration(st.max_wall_s),
        data.waits_known ? FormatDuration(st.wait_s / n) : "?",
        data.waits_known ? FormatDuration(st.max_wait_s) : "?");
  }
  return fmt::format(
      R"(<section><h2>Stages</h2><table><thead><tr><th>Stage</th><th class="num">Tasks</th>)"
      R"(<th class="num">OK</th><th class="num">Failed</th><th class="num">Skipped</th>)"
      R"(<th class="num">Running on average</th><th class="num">Runtime mean</th>)"
      R"(<th class="num">max</th><th class="num">Waited mean</th><th class="num">max</th>)"
      R"(</tr></thead><tbody>{}</tbody></table><p class="hint">Running on average: the stage's)"
      R"( task time over the makespan. Waited: from ready (its item passed the stage before))"
      R"( to started ("?": not in a journal).</p></section>)",
      rows);
}

// The table rows shared by the slowest-task and failure tables.
std::string AttemptRow(const AttemptData& a, const std::string& first, const std::string& extra) {
  return fmt::format(
      R"(<tr>{}<td class="num">{}</td><td class="num">{}</td><td class="num">{}</td>)"
      R"(<td class="num">{}</td><td class="num">{}</td><td class="num">{}</td><td>{}</td>)"
      R"(<td class="cmd"><code>{}</code></td>{}<td class="cmd"><code>{}</code></td></tr>)",
      first, a.seq, a.attempt, a.slot, FormatDuration(a.wall_s), FormatDuration(a.cpu_s),
      FormatKib(static_cast<double>(a.max_rss_kib)), Chip(a.outcome, ""), HtmlText(a.input), extra,
      HtmlText(a.command));
}

constexpr const char* kColumns =
    R"(<th class="num">Task</th><th class="num">Try</th><th class="num">Slot</th>)"
    R"(<th class="num">Runtime</th><th class="num">CPU</th><th class="num">Peak RSS</th>)"
    R"(<th>Outcome</th><th>Input</th>)";

std::string SlowestTable(const RunStats& s) {
  if (s.slowest.empty()) return R"(<p class="empty">No task finished.</p>)";
  std::string rows;
  for (size_t k = 0; k < s.slowest.size(); ++k) {
    rows += AttemptRow(s.slowest[k], fmt::format(R"(<td class="num">{}</td>)", k + 1), "");
  }
  return fmt::format(R"(<table><thead><tr><th class="num">#</th>{}<th>Command</th></tr></thead>)"
                     R"(<tbody>{}</tbody></table>)",
                     kColumns, rows);
}

std::string FailureTable(const RunStats& s) {
  if (s.failures.empty()) return R"(<p class="empty">No task failed.</p>)";
  std::string rows;
  for (const AttemptData& a : s.failures) {
    std::string_view err = a.stderr_tail;
    while (!err.empty() && (err.back() == '\n' || err.back() == '\r')) err.remove_suffix(1);
    std::string tail =
        err.empty() ? "" : "<pre class=\"stderr\">" + HtmlText(std::string(err)) + "</pre>";
    rows += AttemptRow(a, "", "<td class=\"reason\">" + HtmlText(Reason(a)) + tail + "</td>");
  }
  std::string more = s.failures_left_out > 0 ? fmt::format(R"(<p class="hint">And {} more.</p>)",
                                                           Plural(s.failures_left_out, "failure"))
                                             : "";
  return fmt::format(R"(<table><thead><tr>{}<th>Reason, stderr</th><th>Command</th></tr></thead>)"
                     R"(<tbody>{}</tbody></table>{})",
                     kColumns, rows, more);
}

// The canvases the script draws on, with their legends and the tooltip.
constexpr const char* kCharts = R"(
<section><h2>Timeline</h2><div class="legend" id="legend"></div>
<div class="chart" id="timeline-box"><canvas id="timeline"></canvas>
<div class="sel" id="sel" hidden></div><div class="hl" id="hl" hidden></div></div>
<p class="hint">One row per slot, one bar per attempt; faded bars were tried again. Drag across
the timeline to zoom in, double-click to zoom out.</p><div class="tip" id="tip" hidden></div></section>
<section><h2>Utilization</h2><div class="legend"><span><i class="dot" style="background:#4a7fc1">
</i>running tasks / slots</span><span id="cpu-legend"><i class="dot" style="background:#ee9a2f">
</i>CPU time / usable CPUs</span></div><div class="chart"><canvas id="util"></canvas></div></section>
<section class="row2"><div><h2>Runtime</h2><div class="chart"><canvas id="hist-runtime"></canvas>
</div></div><div><h2>Peak RSS</h2><div class="chart"><canvas id="hist-rss"></canvas></div></div>
</section>)";

}  // namespace

std::string RenderHtml(const RunData& data, const RunStats& stats) {
  std::vector<size_t> rows;
  rows.reserve(data.attempts.size());
  for (size_t i = 0; i < data.attempts.size(); ++i) {
    if (Drawn(data.attempts[i])) rows.push_back(i);
  }
  std::string page =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      "<title>coreflow report</title>";
  page += "<style>";
  page += kReportStyle;
  page += "</style>";
  page += "</head><body><main>";
  page += Header(data, stats, rows.size());
  page += rows.empty() ? "<section><p class=\"empty\">No attempts were recorded.</p></section>"
                       : kCharts;
  page += StagesTable(data, stats);
  page += "<section><h2>Slowest tasks</h2>" + SlowestTable(stats) + "</section>";
  page += "<section><h2>Failures</h2>" + FailureTable(stats) + "</section>";
  page += fmt::format("<footer>coreflow {}</footer></main>", kVersion);
  page += "<script type=\"application/json\" id=\"data\">" + DataJson(data, stats, rows) +
          "</script>\n";
  page +=
      std::string("<script>(() => {") + kReportScriptSetup + kReportScriptCharts + "})();</script>";
  page += "</body></html>\n";
  return page;
}

}  // namespace coreflow
