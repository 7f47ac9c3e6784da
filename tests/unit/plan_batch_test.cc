#include "plan/batch.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "plan/expand.h"

namespace coreflow {
namespace {

CommandTemplate Template(std::string_view line) {
  CommandTemplate t;
  std::string err;
  EXPECT_TRUE(ParseTemplate(line, 1, &t, &err)) << err;
  return t;
}

// A template as the engine reads it for `mode`, with `sources` input sources.
CommandTemplate BatchTemplate(std::string_view line, BatchOptions::Mode mode, int sources = 1) {
  CommandTemplate t;
  std::string err;
  BatchOptions options;
  options.mode = mode;
  EXPECT_TRUE(ParseBatchTemplate(line, sources, options, &t, &err)) << err;
  return t;
}

// Feeds `values` through the sizer; returns the batch sizes it makes.
std::vector<size_t> Sizes(BatchSizer& sizer, const std::vector<std::string>& values) {
  std::vector<size_t> sizes;
  size_t current = 0;
  for (const std::string& v : values) {
    if (!sizer.Fits({v})) {
      sizes.push_back(current);
      current = 0;
      sizer.Reset();
    }
    ++current;
    if (sizer.Add({v})) {
      sizes.push_back(current);
      current = 0;
      sizer.Reset();
    }
  }
  if (current > 0) sizes.push_back(current);
  return sizes;
}

TEST(BatchSizer, OneInputPerCommandByDefault) {
  CommandTemplate t = Template("echo {}");
  BatchSizer sizer(&t, BatchOptions{});
  EXPECT_FALSE(sizer.batching());
  EXPECT_EQ(Sizes(sizer, {"a", "b", "c"}), (std::vector<size_t>{1, 1, 1}));
}

TEST(BatchSizer, CountsForN) {
  CommandTemplate t = Template("echo {}");
  BatchSizer sizer(&t, BatchOptions{BatchOptions::Mode::kCount, 3, 0});
  EXPECT_EQ(Sizes(sizer, {"1", "2", "3", "4", "5", "6", "7"}), (std::vector<size_t>{3, 3, 1}));
}

TEST(BatchSizer, FillsTheLineForXAndM) {
  CommandTemplate t = BatchTemplate("echo {}", BatchOptions::Mode::kMultiple);
  // "echo " is 5 bytes; each value of 9 bytes costs 10 with its blank.
  BatchSizer sizer(&t, BatchOptions{BatchOptions::Mode::kMultiple, 0, 5 + 30});
  std::vector<std::string> values(7, "123456789");
  EXPECT_EQ(Sizes(sizer, values), (std::vector<size_t>{3, 3, 1}));
}

TEST(BatchSizer, ContextWordsCountOncePerInput) {
  CommandTemplate t = BatchTemplate("echo pre{}post", BatchOptions::Mode::kContext);
  BatchSizer sizer(&t, BatchOptions{BatchOptions::Mode::kContext, 0, 5 + 2 * 17});
  std::vector<std::string> values(5, "123456789");  // "pre123456789post" + a blank = 17
  EXPECT_EQ(Sizes(sizer, values), (std::vector<size_t>{2, 2, 1}));
}

TEST(BatchSizer, ATooLongInputStillGetsACommandOfItsOwn) {
  CommandTemplate t = BatchTemplate("echo {}", BatchOptions::Mode::kMultiple);
  BatchSizer sizer(&t, BatchOptions{BatchOptions::Mode::kMultiple, 0, 20});
  EXPECT_EQ(Sizes(sizer, {std::string(100, 'x'), "a", std::string(50, 'y')}),
            (std::vector<size_t>{1, 1, 1}));
}

std::vector<std::string> Numbers(int n) {
  std::vector<std::string> values;
  for (int i = 1; i <= n; ++i) values.push_back(std::to_string(i));
  return values;
}

std::vector<std::string> Gifs(int n) {
  std::vector<std::string> values;
  for (int i = 1; i <= n; ++i) values.push_back(std::to_string(i) + ".gif");
  return values;
}

// seq 15 | sed 's/$/.gif/' | parallel -m -s 80 echo a{}b{.}c{.} makes lines of 75, 77 and 31
// bytes: each occurrence of a replacement string counts, with its own transform.
TEST(BatchSizer, EveryReplacementStringCountsForM) {
  CommandTemplate t = BatchTemplate("echo a{}b{.}c{.}", BatchOptions::Mode::kMultiple);
  BatchSizer sizer(&t, BatchOptions{BatchOptions::Mode::kMultiple, 0, 80});
  EXPECT_EQ(Sizes(sizer, Gifs(15)), (std::vector<size_t>{7, 6, 2}));
}

TEST(BatchSizer, EveryReplacementStringCountsForX) {
  CommandTemplate t = BatchTemplate("echo a{}b{.}c{.}", BatchOptions::Mode::kContext);
  BatchSizer sizer(&t, BatchOptions{BatchOptions::Mode::kContext, 0, 80});
  EXPECT_EQ(Sizes(sizer, Gifs(15)), (std::vector<size_t>{6, 6, 3}));
  CommandTemplate twice = BatchTemplate("echo {} {}", BatchOptions::Mode::kContext);
  BatchSizer sizer2(&twice, BatchOptions{BatchOptions::Mode::kContext, 0, 40});
  EXPECT_EQ(Sizes(sizer2, Numbers(15)), (std::vector<size_t>{8, 6, 1}));  // as GNU parallel
}

struct LengthCase {
  const char* line;
  int sources;
  std::vector<std::vector<std::string>> items;
  bool exact;  // GNU parallel's count is the line's length: only {} and its kind
};

// The length counted is at least the command line's, byte for byte, whatever the template
// holds (exactly it where GNU parallel's count is exact); so no command of several inputs is
// longer than the limit (less its final NUL).
TEST(BatchSizer, TheLengthIsAtLeastTheCommandLines) {
  std::vector<std::string> hostile = {"a b", "it's", "$(x)", "", "plain", "-n", "é", "a.b/c.d"};
  std::vector<std::vector<std::string>> singles, pairs;
  for (const std::string& v : hostile) singles.push_back({v});
  for (const std::string& v : hostile) pairs.push_back({v, v + ".x"});
  std::vector<LengthCase> cases = {
      {"echo {}", 1, singles, true},
      {"echo a{}b{.}c{.} {/} {//} {/.} tail", 1, singles, true},
      {"echo {}-{.} x{/}", 2, pairs, true},
      {"echo {} | cat {#} {%}", 1, singles, false},
      {"cp {1} x{2}y {} {1.}{} dir/", 1, singles, false},
      {"echo {1}-{2} {}-{.} {3}", 2, pairs, false},
      {"echo {#}{} {%}{1}", 2, pairs, false},
      {"echo {2}", 2, pairs, false},
  };
  for (BatchOptions::Mode mode : {BatchOptions::Mode::kMultiple, BatchOptions::Mode::kContext}) {
    for (const LengthCase& c : cases) {
      CommandTemplate t = BatchTemplate(c.line, mode, c.sources);
      for (size_t limit : {30, 60, 100, 1000}) {
        BatchSizer sizer(&t, BatchOptions{mode, 0, limit});
        sizer.SetNumbers(12, 3);
        TaskInput batch{12, {}};
        auto check = [&] {
          if (batch.items.empty()) return;
          std::string line = ExpandCommandLine(t, batch, 3);
          if (c.exact) {
            EXPECT_EQ(sizer.length(), line.size()) << c.line << " | " << line;
          } else {
            EXPECT_GE(sizer.length(), line.size()) << c.line << " | " << line;
          }
          if (batch.items.size() > 1) {
            EXPECT_LT(line.size(), limit) << c.line << " | " << line;
          }
          batch.items.clear();
          sizer.Reset();
        };
        for (int round = 0; round < 3; ++round) {
          for (const auto& item : c.items) {
            if (!sizer.Fits(item)) check();
            batch.items.push_back(item);
            if (sizer.Add(item)) check();
          }
        }
        check();
      }
    }
  }
}

// GNU parallel counts {n} (and {#}, {%}) once per input, with that input's own value: its
// batches are smaller than the line would allow, and ours are the same.
TEST(BatchSizer, PositionsCountOncePerInputAsInGnuParallel) {
  CommandTemplate m = BatchTemplate("echo {1} {}", BatchOptions::Mode::kMultiple);
  BatchSizer sizer(&m, BatchOptions{BatchOptions::Mode::kMultiple, 0, 100});
  EXPECT_EQ(Sizes(sizer, Numbers(92)), (std::vector<size_t>{18, 15, 15, 15, 15, 14}));
  CommandTemplate x = BatchTemplate("echo x{1}y{}", BatchOptions::Mode::kContext);
  BatchSizer sizer2(&x, BatchOptions{BatchOptions::Mode::kContext, 0, 100});
  EXPECT_EQ(Sizes(sizer2, Numbers(92)), (std::vector<size_t>{16, 13, 13, 13, 13, 13, 11}));
}

// Where GNU parallel's count falls short (a long first value that -X repeats in every word),
// the line's own length still keeps the command within the limit.
TEST(BatchSizer, ARepeatedPositionCountsInEveryCopy) {
  CommandTemplate x = BatchTemplate("echo x{1}y{}", BatchOptions::Mode::kContext);
  BatchSizer sizer(&x, BatchOptions{BatchOptions::Mode::kContext, 0, 100});
  std::vector<std::string> values = {std::string(30, 'a'), "b", "c", "d", "e"};
  // GNU counts 72 bytes for the first two; the line, echo xa..aya..a xa..ayb, has 101.
  EXPECT_EQ(Sizes(sizer, values), (std::vector<size_t>{1, 4}));
}

// GNU parallel: when the input ends, the inputs not yet in a full command are divided among
// the slots, ceil(n / slots) to a command; -N is never spread.
TEST(BatchSizer, TheLastInputsAreSpreadForXAndM) {
  CommandTemplate t = BatchTemplate("echo {}", BatchOptions::Mode::kContext);
  BatchSizer x(&t, BatchOptions{BatchOptions::Mode::kContext, 0, 0});
  EXPECT_EQ(x.TailChunk(27, 2), 14u);
  EXPECT_EQ(x.TailChunk(10, 4), 3u);
  EXPECT_EQ(x.TailChunk(7, 2), 4u);
  EXPECT_EQ(x.TailChunk(5, 8), 1u);
  EXPECT_EQ(x.TailChunk(1, 4), 1u);
  EXPECT_EQ(x.TailChunk(9, 0), 9u);
  BatchSizer m(&t, BatchOptions{BatchOptions::Mode::kMultiple, 0, 0});
  EXPECT_EQ(m.TailChunk(27, 3), 9u);
  BatchSizer n(&t, BatchOptions{BatchOptions::Mode::kCount, 5, 0});
  EXPECT_EQ(n.TailChunk(4, 2), 4u);
}

TEST(BatchSizer, LimitInputsCapsTheBatch) {
  CommandTemplate t = BatchTemplate("echo {}", BatchOptions::Mode::kContext);
  BatchSizer sizer(&t, BatchOptions{BatchOptions::Mode::kContext, 0, 0});
  sizer.LimitInputs(4);
  EXPECT_EQ(Sizes(sizer, std::vector<std::string>(7, "v")), (std::vector<size_t>{4, 3}));
}

}  // namespace
}  // namespace coreflow
