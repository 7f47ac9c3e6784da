#include "report/text.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace coreflow {
namespace {

using Lines = std::vector<std::string>;

TEST(ReportText, ShortenCutsAtACharacterWithDots) {
  EXPECT_EQ(Shorten("abcdef", 6), "abcdef");
  EXPECT_EQ(Shorten("abcdefg", 6), "abc...");
  EXPECT_EQ(Shorten("\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9", 4), "\xC3\xA9...");
  EXPECT_EQ(Shorten("\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9", 4), "\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9");
  EXPECT_EQ(Shorten("abcdef", 2), "...");
}

TEST(ReportText, LastLinesAreTheLastNonBlankOnes) {
  EXPECT_EQ(LastLines("", 3, 80, false), Lines{});
  EXPECT_EQ(LastLines("one\ntwo\n\n  \nthree\nfour\n\n", 3, 80, false),
            (Lines{"two", "three", "four"}));
  EXPECT_EQ(LastLines("only", 3, 80, false), Lines{"only"});
}

TEST(ReportText, LastLinesShowWhatATerminalWouldShow) {
  // Progress redrawn with \r, colours, a tab and a CRLF line end.
  EXPECT_EQ(LastLines("10%\r50%\r100%\n\x1b[1;31merror\x1b[0m:\tbad\r\n", 3, 80, false),
            (Lines{"100%", "error: bad"}));
}

TEST(ReportText, LastLinesAreCutToTheWidth) {
  EXPECT_EQ(LastLines(std::string(30, 'x') + "\n", 3, 10, false), Lines{"xxxxxxx..."});
}

TEST(ReportText, ATailCutFromALongerStreamMarksItsFirstLine) {
  // The tail begins inside a character, then in the middle of a line.
  std::string tail = "\xA9rror one\nerror two\n";
  EXPECT_EQ(LastLines(tail, 3, 80, true), (Lines{"...rror one", "error two"}));
  EXPECT_EQ(LastLines(tail, 1, 80, true), Lines{"error two"});
}

}  // namespace
}  // namespace coreflow
