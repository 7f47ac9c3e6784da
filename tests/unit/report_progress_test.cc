#include "report/progress.h"

#include <gtest/gtest.h>

#include <string>

#include "test_util.h"

namespace coreflow {
namespace {

using testutil::MemFile;

constexpr Nanos kMs = kNanosPerMilli;
constexpr Nanos kSec = kNanosPerSecond;
constexpr Nanos kStart = 5000 * kSec;  // the run's start on a fake monotonic clock

RunTotals Totals(uint64_t succeeded, uint64_t failed, int running, Nanos elapsed,
                 uint64_t total = 0, bool known = false) {
  RunTotals t;
  t.succeeded = succeeded;
  t.failed = failed;
  t.running = running;
  t.elapsed = elapsed;
  t.total = total;
  t.total_known = known;
  return t;
}

TaskRecord FinalRecord() {
  TaskRecord r;
  r.final = true;
  return r;
}

// ---- Format ----

TEST(ProgressFormat, KnownTotalShowsPercentRateAndEta) {
  EXPECT_EQ(ProgressDisplay::Format(Totals(3, 1, 2, 2 * kSec, 10, true)),
            "4/10 done (40%), 2 running, 1 failed, 2.0/s, ETA 0:03");
}

TEST(ProgressFormat, UnknownTotalShowsCountAndElapsedTime) {
  EXPECT_EQ(ProgressDisplay::Format(Totals(3, 1, 2, 2 * kSec, 10, false)),
            "4 done, 2 running, 1 failed, 2.0/s, elapsed 0:02");
  // A known total of zero is no total.
  EXPECT_EQ(ProgressDisplay::Format(Totals(0, 0, 0, 0, 0, true)),
            "0 done, 0 running, 0.0/s, elapsed 0:00");
}

TEST(ProgressFormat, NoFailuresNoFailedPart) {
  EXPECT_EQ(ProgressDisplay::Format(Totals(1, 0, 3, 5 * kSec, 9, true)),
            "1/9 done (11%), 3 running, 0.2/s, ETA 0:40");
}

TEST(ProgressFormat, NothingDoneYetHasNoRateAndNoEta) {
  EXPECT_EQ(ProgressDisplay::Format(Totals(0, 0, 4, 3 * kSec, 8, true)),
            "0/8 done (0%), 4 running, 0.0/s, elapsed 0:03");
}

TEST(ProgressFormat, AllDoneShowsElapsedInsteadOfEta) {
  EXPECT_EQ(ProgressDisplay::Format(Totals(4, 1, 0, 2 * kSec, 5, true)),
            "5/5 done (100%), 0 running, 1 failed, 2.5/s, elapsed 0:02");
}

TEST(ProgressFormat, LongTimesGetHours) {
  // One task per second, 3661 to go: 1 h 1 min 1 s.
  EXPECT_EQ(ProgressDisplay::Format(Totals(1, 0, 1, 1 * kSec, 3662, true)),
            "1/3662 done (0%), 1 running, 1.0/s, ETA 1:01:01");
  EXPECT_EQ(ProgressDisplay::Format(Totals(7, 0, 0, (36000 + 59) * kSec)),
            "7 done, 0 running, 0.0/s, elapsed 10:00:59");
  EXPECT_EQ(ProgressDisplay::Format(Totals(7, 0, 0, 599 * kSec + 600 * kMs)),
            "7 done, 0 running, 0.0/s, elapsed 10:00");  // rounded to the nearest second
}

TEST(ProgressFormat, PercentRoundsDown) {
  EXPECT_EQ(ProgressDisplay::Format(Totals(2, 0, 0, 0, 3, true)).substr(0, 15), "2/3 done (66%),");
}

// ---- Terminal mode ----

TEST(ProgressTerminal, DrawsInPlaceWithCarriageReturnsAtMostTenTimesASecond) {
  MemFile sink("progress_test");
  ProgressDisplay p(sink.fd(), /*terminal=*/true, kStart);
  EXPECT_TRUE(p.WantsTotal());
  RunTotals t1 = Totals(1, 0, 2, 1 * kSec, 3, true);
  p.OnTaskFinished(FinalRecord(), t1);
  EXPECT_EQ(sink.Take(), "\rcoreflow: " + ProgressDisplay::Format(t1));
  // 50 ms later: too soon.
  p.OnTaskFinished(FinalRecord(), Totals(2, 0, 1, 1 * kSec + 50 * kMs, 3, true));
  EXPECT_EQ(sink.Take(), "");
  RunTotals t3 = Totals(2, 1, 0, 1 * kSec + 150 * kMs, 3, true);
  p.OnTaskFinished(FinalRecord(), t3);
  std::string drawn = sink.Take();
  EXPECT_EQ(drawn.rfind("\rcoreflow: " + ProgressDisplay::Format(t3), 0), 0u) << drawn;
  EXPECT_EQ(drawn.find('\n'), std::string::npos);
}

TEST(ProgressTerminal, AttemptsThatWillBeRetriedAreNotShown) {
  MemFile sink("progress_test");
  ProgressDisplay p(sink.fd(), true, kStart);
  TaskRecord retried;
  retried.final = false;
  p.OnTaskFinished(retried, Totals(0, 0, 1, kSec));
  EXPECT_EQ(sink.Take(), "");
}

TEST(ProgressTerminal, PadsOverALongerPreviousLine) {
  MemFile sink("progress_test");
  ProgressDisplay p(sink.fd(), true, kStart);
  RunTotals longer = Totals(1, 0, 100, 1 * kSec);
  RunTotals shorter = Totals(2, 0, 0, 2 * kSec);
  std::string line1 = ProgressDisplay::Format(longer);
  std::string line2 = ProgressDisplay::Format(shorter);
  ASSERT_EQ(line1.size(), line2.size() + 2);
  p.OnTaskFinished(FinalRecord(), longer);
  EXPECT_EQ(sink.Take(), "\rcoreflow: " + line1);
  p.OnTaskFinished(FinalRecord(), shorter);
  EXPECT_EQ(sink.Take(), "\rcoreflow: " + line2 + "  ");
  // The padding is not remembered as width: a line as long as line2 needs none.
  p.OnTaskFinished(FinalRecord(), Totals(3, 0, 0, 3 * kSec));
  EXPECT_EQ(sink.Take(), "\rcoreflow: " + ProgressDisplay::Format(Totals(3, 0, 0, 3 * kSec)));
}

TEST(ProgressTerminal, ClearsForOutputAndRedrawsAfter) {
  MemFile sink("progress_test");
  ProgressDisplay p(sink.fd(), true, kStart);
  p.OnOutputBegin();  // nothing drawn yet: nothing to clear
  p.OnOutputEnd();
  EXPECT_EQ(sink.Take(), "");

  RunTotals t1 = Totals(1, 0, 100, 1 * kSec);
  p.OnTaskFinished(FinalRecord(), t1);
  sink.Take();
  p.OnOutputBegin();
  EXPECT_EQ(sink.Take(), "\r\033[K");
  p.OnOutputEnd();
  EXPECT_EQ(sink.Take(), "\rcoreflow: " + ProgressDisplay::Format(t1));  // no padding: cleared

  // Totals that came in while the display was throttled show in the redraw.
  RunTotals t2 = Totals(2, 0, 99, 1 * kSec + 10 * kMs);
  p.OnTaskFinished(FinalRecord(), t2);
  EXPECT_EQ(sink.Take(), "");
  p.OnOutputBegin();
  p.OnOutputEnd();
  EXPECT_EQ(sink.Take(), "\r\033[K\rcoreflow: " + ProgressDisplay::Format(t2));
}

TEST(ProgressTerminal, RunFinishedDrawsTheFinalLineWithANewline) {
  MemFile sink("progress_test");
  ProgressDisplay p(sink.fd(), true, kStart);
  p.OnTaskFinished(FinalRecord(), Totals(1, 0, 0, 1 * kSec, 1, true));
  sink.Take();
  RunTotals end = Totals(1, 0, 0, 1 * kSec + 5 * kMs, 1, true);
  p.OnRunFinished(end, 0);
  std::string drawn = sink.Take();
  EXPECT_EQ(drawn.rfind("\rcoreflow: " + ProgressDisplay::Format(end), 0), 0u) << drawn;
  EXPECT_EQ(drawn.back(), '\n');
  // The line is finished: output after it must not erase it.
  p.OnOutputBegin();
  p.OnOutputEnd();
  EXPECT_EQ(sink.Take(), "");
}

TEST(ProgressTerminal, RunFinishedAfterClearingDoesNotRedrawTwice) {
  MemFile sink("progress_test");
  ProgressDisplay p(sink.fd(), true, kStart);
  p.OnTaskFinished(FinalRecord(), Totals(1, 0, 0, 1 * kSec));
  p.OnOutputBegin();
  sink.Take();
  RunTotals end = Totals(1, 0, 0, 2 * kSec);
  p.OnRunFinished(end, 0);
  p.OnOutputEnd();
  EXPECT_EQ(sink.Take(), "\rcoreflow: " + ProgressDisplay::Format(end) + "\n");
}

// ---- Plain (log) mode ----

TEST(ProgressPlain, PrintsPlainLinesAtMostEveryFiveSeconds) {
  MemFile sink("progress_test");
  ProgressDisplay p(sink.fd(), /*terminal=*/false, kStart);
  RunTotals t1 = Totals(1, 0, 1, 500 * kMs);
  p.OnTaskFinished(FinalRecord(), t1);
  EXPECT_EQ(sink.Take(), "coreflow: " + ProgressDisplay::Format(t1) + "\n");
  p.OnTaskFinished(FinalRecord(), Totals(2, 0, 1, 1 * kSec));
  p.OnTaskFinished(FinalRecord(), Totals(3, 0, 1, 5 * kSec + 400 * kMs));
  EXPECT_EQ(sink.Take(), "");  // 4.9 s after the last line
  RunTotals t4 = Totals(4, 0, 1, 5 * kSec + 600 * kMs);
  p.OnTaskFinished(FinalRecord(), t4);
  EXPECT_EQ(sink.Take(), "coreflow: " + ProgressDisplay::Format(t4) + "\n");
  // No terminal control sequences, ever.
  p.OnOutputBegin();
  p.OnOutputEnd();
  EXPECT_EQ(sink.Take(), "");
}

TEST(ProgressPlain, TheFinalLineIsNotPrintedTwice) {
  MemFile sink("progress_test");
  ProgressDisplay p(sink.fd(), false, kStart);
  RunTotals last = Totals(3, 0, 0, 2 * kSec, 3, true);
  p.OnTaskFinished(FinalRecord(), last);
  EXPECT_EQ(sink.Take(), "coreflow: " + ProgressDisplay::Format(last) + "\n");
  p.OnRunFinished(last, 0);
  EXPECT_EQ(sink.Take(), "");
}

TEST(ProgressPlain, AFinalLineThatDiffersIsPrinted) {
  MemFile sink("progress_test");
  ProgressDisplay p(sink.fd(), false, kStart);
  p.OnTaskFinished(FinalRecord(), Totals(1, 0, 1, 1 * kSec, 2, true));
  sink.Take();
  p.OnTaskFinished(FinalRecord(), Totals(2, 0, 0, 2 * kSec, 2, true));  // throttled
  EXPECT_EQ(sink.Take(), "");
  RunTotals end = Totals(2, 0, 0, 2 * kSec, 2, true);
  p.OnRunFinished(end, 0);
  EXPECT_EQ(sink.Take(), "coreflow: " + ProgressDisplay::Format(end) + "\n");
}

TEST(ProgressPlain, AWriteErrorIsIgnored) {
  ProgressDisplay p(-1, false, kStart);
  p.OnTaskFinished(FinalRecord(), Totals(1, 0, 0, kSec));
  p.OnRunFinished(Totals(1, 0, 0, kSec), 0);
  SUCCEED();
}

}  // namespace
}  // namespace coreflow
