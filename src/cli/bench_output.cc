#include "cli/bench_output.h"

#include <fmt/format.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <utility>

#include "base/plural.h"
#include "report/bench_html.h"
#include "run/messages.h"
#include "sys/fd.h"
#include "sys/fs.h"

namespace coreflow {
namespace {

// Why the trial ended: the JSON report's word for it and the table's words.
struct EndWords {
  const char* name;
  const char* text;
};
EndWords WordsFor(TrialEnd end) {
  switch (end) {
    case TrialEnd::kPrecise:
      return {"precise", "every ratio is known within the precision asked"};
    case TrialEnd::kBudget:
      return {"budget", "the time budget is spent"};
    case TrialEnd::kItems:
      return {"rounds", "the rounds ran out"};
    case TrialEnd::kRunning:
      break;
  }
  return {"error", "stopped early"};
}

std::string Range(const Interval& i, const char* format) {
  if (!std::isfinite(i.high)) return "(no interval)";
  return fmt::format(fmt::runtime(std::string("(") + format + " - " + format + ")"), i.low, i.high);
}

nlohmann::json ToJson(const Interval& i) {
  auto number = [](double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(); };
  return {{"estimate", number(i.estimate)}, {"low", number(i.low)}, {"high", number(i.high)}};
}

}  // namespace

std::string BenchTable(const std::vector<BenchConfig>& configs, const BenchResult& r) {
  const TrialSummary& s = r.summary;
  std::string out = fmt::format(
      "coreflow bench: {}, {} of {} after {} of warm-up, {:.1f} s; stopped: {}\n",
      Plural(configs.size(), "configuration"), Plural(s.rounds, "round"),
      Plural(r.block_items, "item"), Plural(static_cast<uint64_t>(s.warmup_rounds), "round"),
      r.elapsed_s, WordsFor(s.end).text);
  size_t width = 13;
  for (const BenchConfig& c : configs) width = std::max(width, c.name.size());
  out += fmt::format("{:<{}}  {:>26}  time per item against '{}' (95 % interval)\n",
                     "configuration", width, "items/s (95 % interval)", configs[0].name);
  for (size_t c = 0; c < configs.size() && c < s.ratio.size(); ++c) {
    const Interval& rate = s.items_per_s[c];
    std::string ratio = c == 0 ? "1"
                               : fmt::format("{:.3f} {}  {}", s.ratio[c].estimate,
                                             Range(s.ratio[c], "{:.3f}"), RatioVerdict(s.ratio[c]));
    out += fmt::format("{:<{}}  {:>9.4g} {:>16}  {}\n", configs[c].name, width, rate.estimate,
                       Range(rate, "{:.4g}"), ratio);
  }
  // The journal times tasks to the millisecond.
  if (s.rounds > 0 && r.median_block_s < 0.1) {
    out += fmt::format(
        "note: a block took {:.1f} ms (median), with times measured to 1 ms: more items per "
        "block (--block, or a longer list) would give truer figures\n",
        r.median_block_s * 1000);
  }
  if (s.rounds < 2) {
    out +=
        "no interval: fewer than 2 rounds were counted; give a longer --budget or a smaller "
        "--block\n";
  }
  for (size_t c = 0; c < r.failed.size(); ++c) {
    if (r.failed[c] > 0) {
      out += fmt::format("'{}': {} failed\n", configs[c].name, Plural(r.failed[c], "item run"));
    }
  }
  if (r.difference_count == 0) {
    out += fmt::format("outputs: the same in all {} compared with '{}'\n",
                       Plural(r.items_compared, "item run"), configs[0].name);
    return out;
  }
  out += fmt::format("outputs: {} of {} differ from '{}':\n", r.difference_count,
                     Plural(r.items_compared, "item run"), configs[0].name);
  for (const OutputDifference& d : r.differences) {
    out += fmt::format("  item '{}' under '{}': {}\n", d.item,
                       configs[static_cast<size_t>(d.config)].name, d.what);
  }
  if (r.difference_count > r.differences.size()) out += "  ...\n";
  return out;
}

std::string BenchJson(const std::vector<BenchConfig>& configs, const BenchResult& r) {
  const TrialSummary& s = r.summary;
  nlohmann::json j;
  j["confidence"] = 0.95;
  j["method"] =
      "rounds run every configuration on the same block of items, in a random order; the ratio "
      "is exp of the t interval of the mean log ratio of paired block times per item";
  j["rounds"] = s.rounds;
  j["warmup_rounds"] = s.warmup_rounds;
  j["block_items"] = r.block_items;
  j["median_block_s"] = r.median_block_s;
  j["elapsed_s"] = r.elapsed_s;
  j["stopped"] = WordsFor(s.end).name;
  for (size_t c = 0; c < configs.size() && c < s.ratio.size(); ++c) {
    j["configurations"].push_back({{"name", configs[c].name},
                                   {"args", configs[c].run_args},
                                   {"items_per_s", ToJson(s.items_per_s[c])},
                                   {"seconds_per_item", ToJson(s.seconds_per_item[c])},
                                   {"time_ratio", ToJson(s.ratio[c])},
                                   {"failed_item_runs", r.failed[c]}});
  }
  nlohmann::json outputs = {{"compared", r.items_compared}, {"differ", r.difference_count}};
  outputs["differences"] = nlohmann::json::array();
  for (const OutputDifference& d : r.differences) {
    outputs["differences"].push_back(
        {{"item", d.item},
         {"configuration", configs[static_cast<size_t>(d.config)].name},
         {"what", d.what}});
  }
  j["outputs"] = outputs;
  return j.dump(2) + "\n";
}

int PrintBench(const BenchFlags& flags, const std::vector<BenchConfig>& configs,
               const BenchResult& result) {
  if (!result.error.empty()) return UsageError(result.error);
  fmt::print("{}", BenchTable(configs, result));
  for (const auto& [path, text] :
       {std::pair{flags.report, &BenchJson}, {flags.html, &RenderBenchHtml}}) {
    if (path.empty()) continue;
    if (int e = WriteFileAtomically(path, text(configs, result)); e != 0) {
      return UsageError(fmt::format("cannot write '{}': {}", path, ErrnoText(e)));
    }
  }
  return result.difference_count > 0 ? 1 : 0;
}

}  // namespace coreflow
