#include "report/progress.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "test_util.h"

namespace coreflow {
namespace {

using testutil::MemFile;

constexpr Nanos kMs = kNanosPerMilli;
constexpr Nanos kSec = kNanosPerSecond;
constexpr uint64_t kGiB = uint64_t{1} << 30;
constexpr uint64_t kMiB = uint64_t{1} << 20;

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

RunTotals WithMemory(RunTotals t, uint64_t bytes) {
  t.running_rss_bytes = bytes;
  t.rss_known = true;
  return t;
}

TaskRecord FinalRecord() {
  TaskRecord r;
  r.final = true;
  return r;
}

size_t Count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// A display on a memfd whose terminal is `columns` wide.
ProgressDisplay TerminalDisplay(const MemFile& sink, int columns = 100) {
  return ProgressDisplay(sink.fd(), /*terminal=*/true, [columns] { return columns; });
}

// ---- Plain lines ----

TEST(ProgressPlainLine, KnownTotalShowsPercentRateAndEta) {
  EXPECT_EQ(ProgressDisplay::PlainLine(Totals(3, 1, 2, 2 * kSec, 10, true)),
            "coreflow: 4/10 done (40%), 2 running, 1 failed, 2.0/s, ETA 0:03");
}

TEST(ProgressPlainLine, TasksStoppedByCoreflowAreInterruptedNotFailed) {
  RunTotals t = Totals(1, 0, 0, 1 * kSec, 3, true);
  t.interrupted = 2;
  EXPECT_EQ(ProgressDisplay::PlainLine(t, /*final=*/true),
            "coreflow: 1/3 done (33%), 0 running, 2 interrupted, 1.0/s, elapsed 0:01");
}

TEST(ProgressPlainLine, MemoryOfRunningTasksShowsWhenSampled) {
  RunTotals t = WithMemory(Totals(3, 0, 2, 2 * kSec, 10, true), kGiB + kGiB / 5);
  EXPECT_EQ(ProgressDisplay::PlainLine(t),
            "coreflow: 3/10 done (30%), 2 running, 1.5/s, ETA 0:05, mem 1.2 GiB");
  // Nothing running: the last sample is stale, so it is left out.
  t.running = 0;
  EXPECT_EQ(ProgressDisplay::PlainLine(t), "coreflow: 3/10 done (30%), 0 running, 1.5/s, ETA 0:05");
}

TEST(ProgressPlainLine, SkippedTasksCountAsDoneButNotInTheRate) {
  RunTotals t = Totals(2, 0, 1, 2 * kSec, 10, true);
  t.skipped = 6;
  // 8 of 10 done; 2 ran in 2 s, so the 2 left take 2 s.
  EXPECT_EQ(ProgressDisplay::PlainLine(t),
            "coreflow: 8/10 done (80%), 1 running, 6 skipped, 1.0/s, ETA 0:02");
}

TEST(ProgressPlainLine, UnknownTotalShowsCountAndElapsedTime) {
  EXPECT_EQ(ProgressDisplay::PlainLine(Totals(3, 1, 2, 2 * kSec, 10, false)),
            "coreflow: 4 done, 2 running, 1 failed, 2.0/s, elapsed 0:02");
  // A known total of zero is no total.
  EXPECT_EQ(ProgressDisplay::PlainLine(Totals(0, 0, 0, 0, 0, true)),
            "coreflow: 0 done, 0 running, elapsed 0:00");
}

TEST(ProgressPlainLine, SlowRunsShowTasksPerMinute) {
  EXPECT_EQ(ProgressDisplay::PlainLine(Totals(1, 0, 3, 5 * kSec, 9, true)),
            "coreflow: 1/9 done (11%), 3 running, 12/min, ETA 0:40");
}

TEST(ProgressPlainLine, NothingDoneYetHasNoRateAndNoEta) {
  EXPECT_EQ(ProgressDisplay::PlainLine(Totals(0, 0, 4, 3 * kSec, 8, true)),
            "coreflow: 0/8 done (0%), 4 running, elapsed 0:03");
}

TEST(ProgressPlainLine, AllDoneOrFinalShowsElapsedInsteadOfEta) {
  EXPECT_EQ(ProgressDisplay::PlainLine(Totals(4, 1, 0, 2 * kSec, 5, true)),
            "coreflow: 5/5 done (100%), 0 running, 1 failed, 2.5/s, elapsed 0:02");
  // A run that stopped early (--halt) has no ETA in its last line.
  EXPECT_EQ(ProgressDisplay::PlainLine(Totals(2, 1, 0, 2 * kSec, 5, true), /*final=*/true),
            "coreflow: 3/5 done (60%), 0 running, 1 failed, 1.5/s, elapsed 0:02");
}

TEST(ProgressPlainLine, LongEtasGetHours) {
  // One task per second, 3661 to go: 1 h 1 min 1 s.
  EXPECT_EQ(ProgressDisplay::PlainLine(Totals(1, 0, 1, 1 * kSec, 3662, true)),
            "coreflow: 1/3662 done (0%), 1 running, 1.0/s, ETA 1:01:01");
}

TEST(ProgressPlainLine, PercentRoundsDown) {
  EXPECT_EQ(ProgressDisplay::PlainLine(Totals(2, 0, 0, 0, 3, true)).substr(0, 25),
            "coreflow: 2/3 done (66%),");
}

// ---- Terminal lines ----

TEST(ProgressTerminalLine, WideTerminalsGetABarBeforeThePlainFields) {
  RunTotals t = WithMemory(Totals(10, 1, 2, 2 * kSec, 20, true), kGiB + kGiB / 5);
  std::string fields = "11/20 done (55%), 2 running, 1 failed, 5.5/s, ETA 0:02, mem 1.2 GiB";
  // 100 columns: 99 usable, less the prefix, the brackets and a space, less 67 for the fields
  // (more than the 60 that the bar leaves them) is 19, 11/20 of it filled.
  EXPECT_EQ(ProgressDisplay::TerminalLine(t, 100), "coreflow: [##########.........] " + fields);
  // A wide terminal caps the bar at 50.
  EXPECT_EQ(ProgressDisplay::TerminalLine(t, 300),
            "coreflow: [" + std::string(27, '#') + std::string(23, '.') + "] " + fields);
  RunTotals all = Totals(20, 0, 0, 4 * kSec, 20, true);
  EXPECT_EQ(ProgressDisplay::TerminalLine(all, 80, /*final=*/true),
            "coreflow: [##########] 20/20 done (100%), 0 running, 5.0/s, elapsed 0:04");
}

TEST(ProgressTerminalLine, TheBarKeepsItsSizeWhileTheFieldsChangeALittle) {
  // Fields of 42 and 53 characters leave the bar the same room (they get 60 either way).
  std::string a = ProgressDisplay::TerminalLine(Totals(1, 0, 2, 1 * kSec, 20, true), 100);
  std::string b = ProgressDisplay::TerminalLine(Totals(15, 3, 2, 1 * kSec, 200, true), 100);
  EXPECT_EQ(a.find(']'), b.find(']')) << a << "\n" << b;
  EXPECT_EQ(a.find(']'), std::string("coreflow: [").size() + 26) << a;
}

TEST(ProgressTerminalLine, NarrowTerminalsDropThePrefixThenTheBarThenFields) {
  RunTotals t = WithMemory(Totals(10, 1, 2, 2 * kSec, 20, true), kGiB + kGiB / 5);
  t.skipped = 1;
  std::string fields =
      "12/20 done (60%), 2 running, 1 failed, 1 skipped, 5.5/s, ETA 0:01, mem 1.2 GiB";
  ASSERT_EQ(fields.size(), 78u);
  EXPECT_EQ(ProgressDisplay::TerminalLine(t, 102),
            "coreflow: [######....] " + fields);  // the bar at its smallest
  EXPECT_EQ(ProgressDisplay::TerminalLine(t, 101),
            "[###########........] " + fields);  // no prefix, so the bar grows
  EXPECT_EQ(ProgressDisplay::TerminalLine(t, 92),
            "[" + std::string(6, '#') + std::string(4, '.') + "] " + fields);
  EXPECT_EQ(ProgressDisplay::TerminalLine(t, 91), fields);  // no bar
  EXPECT_EQ(ProgressDisplay::TerminalLine(t, 79), fields);
  EXPECT_EQ(ProgressDisplay::TerminalLine(t, 78),
            "12/20 done (60%), 2 running, 1 failed, 5.5/s, ETA 0:01, mem 1.2 GiB");  // skipped
  EXPECT_EQ(ProgressDisplay::TerminalLine(t, 60),
            "12/20 done (60%), 2 running, 1 failed, 5.5/s, ETA 0:01");  // and memory
  EXPECT_EQ(ProgressDisplay::TerminalLine(t, 40), "12/20 done (60%), 1 failed, ETA 0:01");
  EXPECT_EQ(ProgressDisplay::TerminalLine(t, 30), "12/20 done (60%), 1 failed");
  EXPECT_EQ(ProgressDisplay::TerminalLine(t, 18), "12/20 done (60%)");
  EXPECT_EQ(ProgressDisplay::TerminalLine(t, 10), "12/20 don");  // cut: nothing else is left
  EXPECT_EQ(ProgressDisplay::TerminalLine(t, 1), "");
  EXPECT_EQ(ProgressDisplay::TerminalLine(t, 0), "");
}

TEST(ProgressTerminalLine, NeverWiderThanTheTerminalLessOneColumn) {
  RunTotals shapes[] = {
      WithMemory(Totals(123456, 7890, 64, 3600 * kSec, 9999999, true), 123 * kGiB),
      WithMemory(Totals(123456, 7890, 64, 3600 * kSec), 5 * kMiB),
      Totals(0, 0, 0, 0, 1, true),
      Totals(0, 0, 0, 0),
  };
  shapes[0].skipped = 4242;
  for (const RunTotals& t : shapes) {
    for (int columns = 0; columns <= 250; ++columns) {
      for (bool final : {false, true}) {
        std::string line = ProgressDisplay::TerminalLine(t, columns, final);
        EXPECT_LE(static_cast<int>(line.size()), std::max(columns - 1, 0))
            << columns << ": " << line;
        EXPECT_EQ(line.find_first_of("\r\n\033"), std::string::npos) << line;
      }
    }
  }
}

TEST(ProgressTerminalLine, UnknownTotalHasASpinnerAndNoBarPercentOrEta) {
  RunTotals t = WithMemory(Totals(40, 0, 4, 10 * kSec), 300 * kMiB);
  EXPECT_EQ(ProgressDisplay::TerminalLine(t, 100),
            "coreflow: | 40 done, 4 running, 4.0/s, elapsed 0:10, mem 300 MiB");
  // The spinner turns with time, a step per tenth of a second.
  std::string frames;
  for (Nanos ms : {0, 100, 250, 399, 400}) {
    t.elapsed = 10 * kSec + ms * kMs;
    frames += ProgressDisplay::TerminalLine(t, 100)[10];
  }
  EXPECT_EQ(frames, "|/-\\|");
  // Narrow: the prefix goes, the spinner stays.
  EXPECT_EQ(ProgressDisplay::TerminalLine(t, 40), "| 40 done, 4 running, elapsed 0:10");
  // The last line has no spinner.
  EXPECT_EQ(ProgressDisplay::TerminalLine(Totals(40, 0, 0, 10 * kSec), 100, true),
            "coreflow: 40 done, 0 running, 4.0/s, elapsed 0:10");
}

// ---- Terminal mode ----

TEST(ProgressTerminal, AsksForTotalsMemoryAndFrequentTicks) {
  MemFile sink("progress_test");
  ProgressDisplay p = TerminalDisplay(sink);
  EXPECT_TRUE(p.WantsTotal());
  EXPECT_TRUE(p.WantsMemory());
  EXPECT_GE(p.TickInterval(), 50 * kMs);
  EXPECT_LE(p.TickInterval(), 200 * kMs);
}

TEST(ProgressTerminal, DrawsInPlaceAtMostTenTimesASecond) {
  MemFile sink("progress_test");
  ProgressDisplay p = TerminalDisplay(sink);
  RunTotals t1 = Totals(1, 0, 2, 1 * kSec, 3, true);
  p.OnTaskFinished(FinalRecord(), t1);
  EXPECT_EQ(sink.Take(), "\r" + ProgressDisplay::TerminalLine(t1, 100) + "\033[K");
  // 50 ms later: too soon, whether a task ends or the clock ticks.
  p.OnTaskFinished(FinalRecord(), Totals(2, 0, 1, 1 * kSec + 50 * kMs, 3, true));
  p.OnTick(Totals(2, 0, 1, 1 * kSec + 99 * kMs, 3, true));
  EXPECT_EQ(sink.Take(), "");
  RunTotals t3 = Totals(2, 1, 0, 1 * kSec + 150 * kMs, 3, true);
  p.OnTaskFinished(FinalRecord(), t3);
  EXPECT_EQ(sink.Take(), "\r" + ProgressDisplay::TerminalLine(t3, 100) + "\033[K");
}

TEST(ProgressTerminal, TicksRedrawWhileNoTaskEnds) {
  MemFile sink("progress_test");
  ProgressDisplay p = TerminalDisplay(sink);
  RunTotals t = Totals(0, 0, 2, 0, 0, false);
  p.OnTick(t);  // the first tick shows the run at once
  EXPECT_EQ(Count(sink.Take(), "\r"), 1u);
  t.elapsed = 2 * kSec;
  p.OnTick(t);
  std::string drawn = sink.Take();
  EXPECT_EQ(drawn, "\r" + ProgressDisplay::TerminalLine(t, 100) + "\033[K");
  EXPECT_NE(drawn.find("elapsed 0:02"), std::string::npos) << drawn;
}

TEST(ProgressTerminal, ManyEventsGiveAtMostTenLinesASecond) {
  MemFile sink("progress_test");
  ProgressDisplay p = TerminalDisplay(sink);
  // Ten seconds of a task ending every 3 ms, with ticks every 100 ms in between.
  uint64_t done = 0;
  for (Nanos at = 0; at <= 10 * kSec; at += 3 * kMs) {
    p.OnTaskFinished(FinalRecord(), Totals(++done, 0, 4, at, 5000, true));
    if (at % (100 * kMs) < 3 * kMs) p.OnTick(Totals(done, 0, 4, at, 5000, true));
  }
  std::string drawn = sink.Text();
  EXPECT_LE(Count(drawn, "\r"), 101u);
  EXPECT_GE(Count(drawn, "\r"), 90u);
  EXPECT_EQ(Count(drawn, "\n"), 0u);
  EXPECT_EQ(Count(drawn, "\033[K"), Count(drawn, "\r"));
}

TEST(ProgressTerminal, FollowsTheTerminalWidth) {
  MemFile sink("progress_test");
  int columns = 100;
  ProgressDisplay p(sink.fd(), true, [&columns] { return columns; });
  RunTotals t = Totals(1, 0, 2, 1 * kSec, 3, true);
  p.OnTick(t);
  EXPECT_EQ(sink.Take(), "\r" + ProgressDisplay::TerminalLine(t, 100) + "\033[K");
  columns = 30;
  t.elapsed += kSec;
  p.OnTick(t);
  EXPECT_EQ(sink.Take(), "\r" + ProgressDisplay::TerminalLine(t, 30) + "\033[K");
}

TEST(ProgressTerminal, AttemptsThatWillBeRetriedAreNotShown) {
  MemFile sink("progress_test");
  ProgressDisplay p = TerminalDisplay(sink);
  TaskRecord retried;
  retried.final = false;
  p.OnTaskFinished(retried, Totals(0, 0, 1, kSec));
  EXPECT_EQ(sink.Take(), "");
}

TEST(ProgressTerminal, ClearsForOutputAndRedrawsAfter) {
  MemFile sink("progress_test");
  ProgressDisplay p = TerminalDisplay(sink);
  p.OnOutputBegin();  // nothing drawn yet: nothing to clear
  p.OnOutputEnd();
  EXPECT_EQ(sink.Take(), "");

  RunTotals t1 = Totals(1, 0, 100, 1 * kSec);
  p.OnTaskFinished(FinalRecord(), t1);
  sink.Take();
  p.OnOutputBegin();
  EXPECT_EQ(sink.Take(), "\r\033[K");
  p.OnOutputEnd();
  EXPECT_EQ(sink.Take(), "\r" + ProgressDisplay::TerminalLine(t1, 100) + "\033[K");

  // Totals that came in while the display was throttled show in the redraw.
  RunTotals t2 = Totals(2, 0, 99, 1 * kSec + 10 * kMs);
  p.OnTaskFinished(FinalRecord(), t2);
  EXPECT_EQ(sink.Take(), "");
  p.OnOutputBegin();
  p.OnOutputEnd();
  EXPECT_EQ(sink.Take(), "\r\033[K\r" + ProgressDisplay::TerminalLine(t2, 100) + "\033[K");
}

TEST(ProgressTerminal, NothingIsDrawnBetweenOutputBeginAndEnd) {
  MemFile sink("progress_test");
  ProgressDisplay p = TerminalDisplay(sink);
  p.OnTick(Totals(0, 0, 1, 0));
  p.OnOutputBegin();
  sink.Take();
  RunTotals later = Totals(1, 0, 1, 5 * kSec);
  p.OnTick(later);
  p.OnTaskFinished(FinalRecord(), later);
  EXPECT_EQ(sink.Take(), "");
  p.OnOutputEnd();
  EXPECT_EQ(sink.Take(), "\r" + ProgressDisplay::TerminalLine(later, 100) + "\033[K");
}

TEST(ProgressTerminal, RunFinishedDrawsTheFinalLineWithANewline) {
  MemFile sink("progress_test");
  ProgressDisplay p = TerminalDisplay(sink);
  p.OnTaskFinished(FinalRecord(), Totals(1, 0, 0, 1 * kSec, 1, true));
  sink.Take();
  RunTotals end = Totals(1, 0, 0, 1 * kSec + 5 * kMs, 1, true);
  p.OnRunFinished(end, 0);
  EXPECT_EQ(sink.Take(), "\r" + ProgressDisplay::TerminalLine(end, 100, true) + "\033[K\n");
  // The line is finished: output, ticks and a second end leave it alone.
  p.OnOutputBegin();
  p.OnOutputEnd();
  p.OnTick(Totals(1, 0, 0, 9 * kSec, 1, true));
  p.OnRunFinished(end, 0);
  EXPECT_EQ(sink.Take(), "");
}

TEST(ProgressTerminal, RunFinishedAfterClearingDoesNotRedrawTwice) {
  MemFile sink("progress_test");
  ProgressDisplay p = TerminalDisplay(sink);
  p.OnTaskFinished(FinalRecord(), Totals(1, 0, 0, 1 * kSec));
  p.OnOutputBegin();
  sink.Take();
  RunTotals end = Totals(1, 0, 0, 2 * kSec);
  p.OnRunFinished(end, 0);
  p.OnOutputEnd();
  EXPECT_EQ(sink.Take(), "\r" + ProgressDisplay::TerminalLine(end, 100, true) + "\033[K\n");
}

TEST(ProgressTerminal, ALineLeftOpenIsEndedOnDestruction) {
  MemFile sink("progress_test");
  {
    ProgressDisplay p = TerminalDisplay(sink);
    p.OnTick(Totals(0, 0, 1, 0));
  }
  std::string drawn = sink.Text();
  EXPECT_EQ(drawn.back(), '\n');
  EXPECT_EQ(Count(drawn, "\n"), 1u);
  {
    ProgressDisplay p = TerminalDisplay(sink);
    p.OnTick(Totals(0, 0, 1, 0));
    p.OnRunFinished(Totals(1, 0, 0, kSec), 0);
  }
  EXPECT_EQ(Count(sink.Text(), "\n"), 2u);  // the final line's own, nothing more
}

TEST(ProgressTerminal, UsesTheWidthOfTheTerminalOnItsDescriptorByDefault) {
  // A memfd is no terminal: the width falls back to 80 columns.
  MemFile sink("progress_test");
  ProgressDisplay p(sink.fd(), true);
  RunTotals t = WithMemory(Totals(5000, 100, 64, 3600 * kSec, 100000, true), 12 * kGiB);
  p.OnTick(t);
  EXPECT_EQ(sink.Take(), "\r" + ProgressDisplay::TerminalLine(t, 80) + "\033[K");
}

// ---- Plain (log) mode ----

TEST(ProgressPlain, TicksRarely) {
  ProgressDisplay p(-1, /*terminal=*/false);
  EXPECT_GE(p.TickInterval(), 500 * kMs);
  EXPECT_LE(p.TickInterval(), 5 * kSec);
}

TEST(ProgressPlain, PrintsPlainLinesAtMostEveryFiveSeconds) {
  MemFile sink("progress_test");
  ProgressDisplay p(sink.fd(), /*terminal=*/false);
  RunTotals t1 = Totals(1, 0, 1, 500 * kMs);
  p.OnTaskFinished(FinalRecord(), t1);
  EXPECT_EQ(sink.Take(), ProgressDisplay::PlainLine(t1) + "\n");
  p.OnTaskFinished(FinalRecord(), Totals(2, 0, 1, 1 * kSec));
  p.OnTick(Totals(2, 0, 1, 3 * kSec));
  p.OnTaskFinished(FinalRecord(), Totals(3, 0, 1, 5 * kSec + 400 * kMs));
  EXPECT_EQ(sink.Take(), "");  // 4.9 s after the last line
  RunTotals t4 = Totals(4, 0, 1, 5 * kSec + 600 * kMs);
  p.OnTaskFinished(FinalRecord(), t4);
  EXPECT_EQ(sink.Take(), ProgressDisplay::PlainLine(t4) + "\n");
  // No terminal control sequences, ever.
  p.OnOutputBegin();
  p.OnOutputEnd();
  EXPECT_EQ(sink.Take(), "");
}

TEST(ProgressPlain, TicksPrintWhenCountsChangedOrOnceAMinute) {
  MemFile sink("progress_test");
  ProgressDisplay p(sink.fd(), false);
  p.OnTick(Totals(0, 0, 2, 0, 4, true));
  EXPECT_EQ(sink.Take(), "coreflow: 0/4 done (0%), 2 running, elapsed 0:00\n");
  // Nothing changed: no line for a minute.
  for (Nanos at = kSec; at < 60 * kSec; at += kSec) p.OnTick(Totals(0, 0, 2, at, 4, true));
  EXPECT_EQ(sink.Take(), "");
  p.OnTick(Totals(0, 0, 2, 60 * kSec, 4, true));
  EXPECT_EQ(sink.Take(), "coreflow: 0/4 done (0%), 2 running, elapsed 1:00\n");
  // A task ended without a line (too soon); the next tick after 5 s tells.
  p.OnTaskFinished(FinalRecord(), Totals(1, 0, 2, 61 * kSec, 4, true));
  EXPECT_EQ(sink.Take(), "");
  p.OnTick(Totals(1, 0, 2, 65 * kSec + 500 * kMs, 4, true));
  EXPECT_EQ(sink.Take(), "coreflow: 1/4 done (25%), 2 running, 55/h, ETA 3:17\n");
}

TEST(ProgressPlain, ManyEventsGiveALineEveryFiveSeconds) {
  MemFile sink("progress_test");
  ProgressDisplay p(sink.fd(), false);
  uint64_t done = 0;
  for (Nanos at = 0; at <= 60 * kSec; at += 10 * kMs) {
    p.OnTaskFinished(FinalRecord(), Totals(++done, 0, 4, at, 100000, true));
    if (at % kSec == 0) p.OnTick(Totals(done, 0, 4, at, 100000, true));
  }
  p.OnRunFinished(Totals(done, 0, 0, 60 * kSec + 5 * kMs, 100000, true), 0);
  std::string text = sink.Text();
  EXPECT_EQ(Count(text, "\n"), 13u + 1u) << text;  // at 0, 5, ..., 60 s and the final line
  EXPECT_EQ(text.find_first_of("\r\033"), std::string::npos);
}

TEST(ProgressPlain, TheFinalLineIsNotPrintedTwice) {
  MemFile sink("progress_test");
  ProgressDisplay p(sink.fd(), false);
  RunTotals last = Totals(3, 0, 0, 2 * kSec, 3, true);
  p.OnTaskFinished(FinalRecord(), last);
  EXPECT_EQ(sink.Take(), ProgressDisplay::PlainLine(last) + "\n");
  p.OnRunFinished(last, 0);
  EXPECT_EQ(sink.Take(), "");
}

TEST(ProgressPlain, AFinalLineThatDiffersIsPrinted) {
  MemFile sink("progress_test");
  ProgressDisplay p(sink.fd(), false);
  p.OnTaskFinished(FinalRecord(), Totals(1, 0, 1, 1 * kSec, 2, true));
  sink.Take();
  p.OnTaskFinished(FinalRecord(), Totals(2, 0, 0, 2 * kSec, 2, true));  // throttled
  EXPECT_EQ(sink.Take(), "");
  RunTotals end = Totals(2, 0, 0, 2 * kSec, 2, true);
  p.OnRunFinished(end, 0);
  EXPECT_EQ(sink.Take(), ProgressDisplay::PlainLine(end, true) + "\n");
}

TEST(ProgressPlain, AWriteErrorIsIgnored) {
  ProgressDisplay p(-1, false);
  p.OnTaskFinished(FinalRecord(), Totals(1, 0, 0, kSec));
  p.OnRunFinished(Totals(1, 0, 0, kSec), 0);
  ProgressDisplay q(-1, true);
  q.OnTick(Totals(1, 0, 0, kSec));
  SUCCEED();
}

}  // namespace
}  // namespace coreflow
