#include "report/progress.h"

#include <fmt/format.h>

#include "sys/fd.h"

namespace coreflow {
namespace {

std::string Clock(double seconds) {
  auto s = static_cast<long long>(seconds + 0.5);
  if (s >= 3600) return fmt::format("{}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60);
  return fmt::format("{}:{:02}", s / 60, s % 60);
}

}  // namespace

ProgressDisplay::ProgressDisplay(int fd, bool terminal, Nanos start)
    : fd_(fd), terminal_(terminal), start_(start) {}

std::string ProgressDisplay::Format(const RunTotals& t) {
  uint64_t done = t.succeeded + t.failed;
  double secs = ToSeconds(t.elapsed);
  double rate = secs > 0 ? static_cast<double>(done) / secs : 0;
  std::string line;
  if (t.total_known && t.total > 0) {
    line = fmt::format("{}/{} done ({}%)", done, t.total, done * 100 / t.total);
  } else {
    line = fmt::format("{} done", done);
  }
  line += fmt::format(", {} running", t.running);
  if (t.failed > 0) line += fmt::format(", {} failed", t.failed);
  line += fmt::format(", {:.1f}/s", rate);
  if (t.total_known && rate > 0 && done < t.total) {
    line += ", ETA " + Clock(static_cast<double>(t.total - done) / rate);
  } else {
    line += ", elapsed " + Clock(secs);
  }
  return line;
}

void ProgressDisplay::Draw(const RunTotals& totals, bool last) {
  last_totals_ = totals;
  std::string line = "coreflow: " + Format(totals);
  std::string out;
  if (terminal_) {
    size_t width = line.size();
    if (width < last_width_ && drawn_) line.append(last_width_ - width, ' ');
    last_width_ = width;
    out = "\r" + line + (last ? "\n" : "");
    drawn_ = !last;
  } else {
    if (line == last_line_) return;  // the last task's line is also the final one
    out = line + "\n";
  }
  last_line_ = line;
  WriteAll(fd_, out);  // progress is best effort: a closed stderr must not stop the run
}

void ProgressDisplay::OnTaskFinished(const TaskRecord& record, const RunTotals& totals) {
  if (!record.final) return;
  last_totals_ = totals;
  Nanos now = start_ + totals.elapsed;
  Nanos interval = terminal_ ? 100 * kNanosPerMilli : 5 * kNanosPerSecond;
  if (last_draw_ != 0 && now - last_draw_ < interval) return;
  last_draw_ = now;
  Draw(totals, false);
}

void ProgressDisplay::OnRunFinished(const RunTotals& totals, int) {
  cleared_ = false;
  Draw(totals, true);
}

void ProgressDisplay::OnOutputBegin() {
  if (!terminal_ || !drawn_) return;
  WriteAll(fd_, "\r\033[K");  // erase the line so task output starts at column 0
  drawn_ = false;
  last_width_ = 0;
  cleared_ = true;
}

void ProgressDisplay::OnOutputEnd() {
  if (!cleared_) return;
  cleared_ = false;
  Draw(last_totals_, false);
}

}  // namespace coreflow
