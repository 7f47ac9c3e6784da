#include "report/bench_html.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "base/plural.h"
#include "base/version.h"
#include "report/html_assets.h"
#include "report/html_text.h"
#include "report/summary.h"

namespace coreflow {
namespace {

std::string Range(const Interval& i, int digits) {
  if (!std::isfinite(i.high)) return "no interval";
  return fmt::format("{:.{}g} &ndash; {:.{}g}", i.low, digits, i.high, digits);
}

// The ratios' intervals on one axis, with a line at 1: where each configuration stands.
std::string RatioChart(const std::vector<BenchConfig>& configs, const TrialSummary& s) {
  double lo = 1, hi = 1;
  for (const Interval& r : s.ratio) {
    if (!std::isfinite(r.high)) continue;
    lo = std::min(lo, r.low);
    hi = std::max(hi, r.high);
  }
  double pad = std::max((hi - lo) * 0.08, 0.01);
  lo -= pad;
  hi += pad;
  const int width = 640, row = 26, left = 140;
  int height = row * static_cast<int>(configs.size()) + 24;
  auto x = [&](double v) { return left + (v - lo) / (hi - lo) * (width - left - 20); };
  std::string svg = fmt::format(
      R"(<svg viewBox="0 0 {} {}" width="{}" height="{}" role="img" aria-label="time ratios">)",
      width, height, width, height);
  svg += fmt::format(R"(<line x1="{:.1f}" y1="0" x2="{:.1f}" y2="{}" stroke="#999" )"
                     R"(stroke-dasharray="3 3"/><text x="{:.1f}" y="{}" font-size="11" )"
                     R"(text-anchor="middle" fill="#666">1</text>)",
                     x(1), x(1), height - 14, x(1), height - 2);
  for (size_t c = 0; c < configs.size() && c < s.ratio.size(); ++c) {
    const Interval& r = s.ratio[c];
    double y = row * static_cast<double>(c) + row / 2.0;
    svg += fmt::format(R"(<text x="0" y="{:.1f}" font-size="12" dominant-baseline="middle">)"
                       R"({}</text>)",
                       y, HtmlText(configs[c].name));
    if (!std::isfinite(r.high)) continue;
    svg += fmt::format(R"(<line x1="{:.1f}" y1="{:.1f}" x2="{:.1f}" y2="{:.1f}" )"
                       R"(stroke="#2f6fde" stroke-width="3"/><circle cx="{:.1f}" cy="{:.1f}" )"
                       R"(r="4" fill="#1b3f80"/>)",
                       x(r.low), y, x(r.high), y, x(r.estimate), y);
  }
  return svg + "</svg>";
}

std::string ConfigTable(const std::vector<BenchConfig>& configs, const BenchResult& r) {
  const TrialSummary& s = r.summary;
  std::string rows;
  for (size_t c = 0; c < configs.size() && c < s.ratio.size(); ++c) {
    std::string ratio = c == 0 ? "1 (the reference)"
                               : fmt::format("{:.3f} ({}) {}", s.ratio[c].estimate,
                                             Range(s.ratio[c], 4), RatioVerdict(s.ratio[c]));
    rows += fmt::format(
        "<tr><td>{}</td><td class=\"cmd\"><code>{}</code></td><td class=\"num\">{:.4g} "
        "({})</td><td>{}</td><td class=\"num\">{}</td></tr>",
        HtmlText(configs[c].name), HtmlText(QuoteCommandLine(configs[c].run_args)),
        s.items_per_s[c].estimate, Range(s.items_per_s[c], 4), ratio,
        c < r.failed.size() ? r.failed[c] : 0);
  }
  return "<table><tr><th>configuration</th><th>coreflow run</th><th>items/s (95 %)</th>"
         "<th>time per item against the first (95 %)</th><th>failed item runs</th></tr>" +
         rows + "</table>";
}

std::string OutputsSection(const std::vector<BenchConfig>& configs, const BenchResult& r) {
  if (r.difference_count == 0) {
    return fmt::format("<p>The same in all {} compared with <b>{}</b>.</p>",
                       Plural(r.items_compared, "item run"), HtmlText(configs[0].name));
  }
  std::string rows;
  for (const OutputDifference& d : r.differences) {
    rows += fmt::format("<tr><td><code>{}</code></td><td>{}</td><td>{}</td></tr>", HtmlText(d.item),
                        HtmlText(configs[static_cast<size_t>(d.config)].name), HtmlText(d.what));
  }
  return fmt::format(
      "<p class=\"status bad\">{} of {} differ from <b>{}</b>{}.</p><table><tr><th>item</th>"
      "<th>configuration</th><th>how</th></tr>{}</table>",
      r.difference_count, Plural(r.items_compared, "item run"), HtmlText(configs[0].name),
      r.difference_count > r.differences.size() ? " (the first are listed)" : "", rows);
}

}  // namespace

std::string RenderBenchHtml(const std::vector<BenchConfig>& configs, const BenchResult& r) {
  const TrialSummary& s = r.summary;
  std::string page =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      "<title>coreflow bench</title><style>";
  page += kReportStyle;
  page += "</style></head><body><main>";
  page += fmt::format(
      "<header><h1>coreflow bench</h1><p class=\"status\">{}, {} of {} after {} of warm-up, "
      "{:.1f} s</p></header>",
      Plural(configs.size(), "configuration"), Plural(s.rounds, "round"),
      Plural(r.block_items, "item"), Plural(s.warmup_rounds, "round"), r.elapsed_s);
  page += "<section><h2>Configurations</h2>" + ConfigTable(configs, r) + "</section>";
  page += "<section><h2>Time per item against the first, 95 % intervals</h2>" +
          RatioChart(configs, s) + "</section>";
  page += "<section><h2>Outputs</h2>" + OutputsSection(configs, r) + "</section>";
  page +=
      "<section><h2>Method</h2><p>Each round runs every configuration on the same block of "
      "items, in an order drawn anew; the warm-up rounds are not counted. A ratio is exp of "
      "Student's t interval of the mean log ratio of the paired blocks' time per item; it is "
      "called faster or slower only when its whole interval is below or above 1.</p></section>";
  page += fmt::format("<footer>coreflow {}</footer></main></body></html>\n", kVersion);
  return page;
}

}  // namespace coreflow
