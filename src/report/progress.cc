#include "report/progress.h"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>
#include <string_view>
#include <utility>
#include <vector>

#include "report/units.h"
#include "sys/fd.h"
#include "sys/terminal.h"

namespace coreflow {
namespace {

constexpr Nanos kTerminalInterval = 100 * kNanosPerMilli;  // at most ten redraws a second
constexpr Nanos kPlainTick = kNanosPerSecond;              // plain lines need no finer clock
constexpr Nanos kPlainInterval = 5 * kNanosPerSecond;      // a log gets a line per 5 s at most
constexpr Nanos kPlainHeartbeat = 60 * kNanosPerSecond;    // and one a minute to show life
constexpr Nanos kSpinnerStep = 100 * kNanosPerMilli;
constexpr std::string_view kPrefix = "coreflow: ";
constexpr std::string_view kSpinner = "|/-\\";
constexpr int kMinBar = 10;  // a narrower bar says too little: the line drops it instead
constexpr int kMaxBar = 50;
// The bar leaves this much room for the fields, so that it keeps its size while their length
// changes a little from one redraw to the next.
constexpr int kFieldsRoom = 60;

// One field of the line; when the line does not fit, the fields with the lowest `keep` go first.
struct Field {
  std::string text;
  int keep;
};

constexpr int kAlwaysKept = 100;

// The fields of the line, in the order shown.
std::vector<Field> Fields(const RunTotals& t, bool final) {
  uint64_t done = t.succeeded + t.failed + t.skipped;
  uint64_t ran = t.succeeded + t.failed;  // skipped tasks take no time: they would skew the rate
  double secs = ToSeconds(t.elapsed);
  double rate = secs > 0 ? static_cast<double>(ran) / secs : 0;
  bool known = t.total_known && t.total > 0;
  std::vector<Field> fields;
  if (known) {
    uint64_t percent = std::min(done, t.total) * 100 / t.total;
    fields.push_back({fmt::format("{}/{} done ({}%)", done, t.total, percent), kAlwaysKept});
  } else {
    fields.push_back({fmt::format("{} done", done), kAlwaysKept});
  }
  fields.push_back({fmt::format("{} running", t.running), 5});
  if (t.failed > 0) fields.push_back({fmt::format("{} failed", t.failed), 8});
  if (t.interrupted > 0) fields.push_back({fmt::format("{} interrupted", t.interrupted), 7});
  if (t.skipped > 0) fields.push_back({fmt::format("{} skipped", t.skipped), 1});
  if (rate > 0) fields.push_back({FormatRate(rate), 4});
  if (known && !final && rate > 0 && done < t.total) {
    double left = static_cast<double>(t.total - done) / rate;
    fields.push_back({"ETA " + FormatClock(left), 6});
  } else {
    fields.push_back({"elapsed " + FormatClock(secs), 6});
  }
  if (t.rss_known && t.running > 0) {  // with nothing running the last sample is stale
    fields.push_back({"mem " + FormatBytes(t.running_rss_bytes), 3});
  }
  return fields;
}

std::string Join(const std::vector<Field>& fields) {
  std::string out;
  for (const Field& f : fields) {
    if (!out.empty()) out += ", ";
    out += f.text;
  }
  return out;
}

// "[#####.....]" with `inner` characters between the brackets.
std::string Bar(uint64_t done, uint64_t total, int inner) {
  auto width = static_cast<uint64_t>(inner);
  uint64_t filled = std::min(done, total) * width / total;
  std::string bar = "[";
  bar.append(filled, '#');
  bar.append(width - filled, '.');
  bar += "]";
  return bar;
}

// The line with `prefix`, a bar and `text` in `width` characters; empty if the bar would be
// narrower than kMinBar.
std::string WithBar(const RunTotals& t, std::string_view prefix, const std::string& text,
                    int width) {
  int fixed = static_cast<int>(prefix.size() + text.size()) + 3;  // brackets and a space
  if (fixed + kMinBar > width) return "";
  int fields = std::max(static_cast<int>(text.size()), kFieldsRoom);
  int inner = width - static_cast<int>(prefix.size()) - 3 - fields;
  inner = std::min({std::max(inner, kMinBar), kMaxBar, width - fixed});
  uint64_t done = t.succeeded + t.failed + t.skipped;
  return std::string(prefix) + Bar(done, t.total, inner) + " " + text;
}

// Drops the least important field after the first (which is always kept); false if none is left.
bool DropOne(std::vector<Field>* fields) {
  if (fields->size() <= 1) return false;
  auto least = std::min_element(fields->begin() + 1, fields->end(),
                                [](const Field& a, const Field& b) { return a.keep < b.keep; });
  fields->erase(least);
  return true;
}

// The counts a plain line shows, to tell whether a new line would say something new.
std::string Counts(const RunTotals& t) {
  return fmt::format("{} {} {} {} {} {} {}", t.total, t.total_known, t.succeeded, t.failed,
                     t.interrupted, t.skipped, t.running);
}

}  // namespace

ProgressDisplay::ProgressDisplay(int fd, bool terminal)
    : ProgressDisplay(fd, terminal, [fd] { return TerminalColumns(fd); }) {}

ProgressDisplay::ProgressDisplay(int fd, bool terminal, ColumnsFn columns)
    : fd_(fd), terminal_(terminal), columns_(std::move(columns)) {}

ProgressDisplay::~ProgressDisplay() {
  // The run ended without OnRunFinished (an error): whatever comes next starts a line of its own.
  if (shown_) WriteAll(fd_, "\n");
}

std::string ProgressDisplay::PlainLine(const RunTotals& totals, bool final) {
  return std::string(kPrefix) + Join(Fields(totals, final));
}

std::string ProgressDisplay::TerminalLine(const RunTotals& t, int columns, bool final) {
  auto width = static_cast<size_t>(std::max(columns - 1, 0));
  std::vector<Field> fields = Fields(t, final);
  std::string text = Join(fields);
  std::string lead;
  if (t.total_known && t.total > 0) {
    for (std::string_view prefix : {kPrefix, std::string_view()}) {
      std::string line = WithBar(t, prefix, text, static_cast<int>(width));
      if (!line.empty()) return line;
    }
  } else {
    // While the total is unknown a spinner shows that the run is alive.
    auto step = static_cast<size_t>(std::max<Nanos>(t.elapsed, 0) / kSpinnerStep);
    if (!final) lead = {kSpinner[step % kSpinner.size()], ' '};
    if (kPrefix.size() + lead.size() + text.size() <= width) {
      return std::string(kPrefix) + lead + text;
    }
  }
  while (lead.size() + text.size() > width && DropOne(&fields)) text = Join(fields);
  std::string line = lead + text;
  if (line.size() > width) line.resize(width);  // the count alone is too wide: cut it
  return line;
}

Nanos ProgressDisplay::TickInterval() const { return terminal_ ? kTerminalInterval : kPlainTick; }

bool ProgressDisplay::Due(const RunTotals& t) const {
  if (!last_draw_) return true;
  Nanos since = t.elapsed - *last_draw_;
  if (terminal_) return since >= kTerminalInterval;
  if (since >= kPlainHeartbeat) return true;
  return since >= kPlainInterval && Counts(t) != last_counts_;
}

void ProgressDisplay::Update(const RunTotals& totals) {
  if (finished_) return;
  last_totals_ = totals;
  if (cleared_ || !Due(totals)) return;  // while output is written, OnOutputEnd redraws
  last_draw_ = totals.elapsed;
  Draw(totals, false);
}

void ProgressDisplay::Draw(const RunTotals& totals, bool final) {
  // Progress is best effort: write errors (a closed stderr) must not stop the run.
  if (terminal_) {
    std::string out = "\r";  // appended, not "\r" + s: GCC 12 -O3 warns (-Wrestrict) on that
    out += TerminalLine(totals, columns_(), final);
    out += "\033[K";
    if (final) out += "\n";
    shown_ = !final;
    WriteAll(fd_, out);
    return;
  }
  last_counts_ = Counts(totals);
  std::string line = PlainLine(totals, final);
  if (line == last_line_) return;  // the last scheduled line may also be the final one
  last_line_ = line;
  WriteAll(fd_, line + "\n");
}

void ProgressDisplay::OnTick(const RunTotals& totals) { Update(totals); }

void ProgressDisplay::OnTaskFinished(const TaskRecord& record, const RunTotals& totals) {
  if (record.final) Update(totals);  // an attempt that will be retried changes no count
}

void ProgressDisplay::OnRunFinished(const RunTotals& totals, int /*exit_status*/) {
  if (finished_) return;
  finished_ = true;
  cleared_ = false;
  last_totals_ = totals;
  Draw(totals, true);
}

void ProgressDisplay::OnOutputBegin() {
  if (!terminal_ || !shown_) return;
  WriteAll(fd_, "\r\033[K");  // erase the line so that the output starts at column 0
  shown_ = false;
  cleared_ = true;
}

void ProgressDisplay::OnOutputEnd() {
  if (!cleared_) return;
  cleared_ = false;
  Draw(last_totals_, false);
}

}  // namespace coreflow
