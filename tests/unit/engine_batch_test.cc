// Batches (-N, -m, -X) as the engine forms them from streamed inputs.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engine/engine.h"
#include "engine_fake.h"
#include "sys/fd.h"

namespace coreflow {
namespace {

using enginetest::EngineTest;
using enginetest::FakeRunner;

std::vector<std::string> Numbers(int from, int to) {
  std::vector<std::string> values;
  for (int i = from; i <= to; ++i) values.push_back(std::to_string(i));
  return values;
}

class EngineBatchTest : public EngineTest {
 protected:
  RunConfig BatchConfig(BatchOptions::Mode mode, std::vector<std::string> values, int slots,
                        size_t max_line = 0) {
    RunConfig c = Config("echo", std::move(values), slots);
    c.batch.mode = mode;
    c.batch.max_line = max_line;
    c.schedule.keep_order = true;
    return c;
  }

  // How many inputs each command got, in the order they started.
  std::vector<size_t> StartedSizes() const {
    std::vector<size_t> sizes;
    for (const auto& argv : Argvs()) sizes.push_back(argv.size() - 1);
    return sizes;
  }

  // The same, from --dry-run's lines.
  std::vector<size_t> PrintedSizes() const {
    std::vector<size_t> sizes;
    size_t words = 0;
    for (char c : out_.Text()) {
      if (c == ' ') ++words;
      if (c == '\n') {
        sizes.push_back(words);
        words = 0;
      }
    }
    return sizes;
  }
};

// GNU parallel: seq 92 | parallel -j2 -X -s 100 echo fills two commands, then spreads the 27
// inputs left over the two slots.
TEST_F(EngineBatchTest, TheInputsLeftAtTheEndAreSpreadOverTheSlots) {
  EXPECT_EQ(Run(BatchConfig(BatchOptions::Mode::kContext, Numbers(1, 92), 2, 100)), 0);
  EXPECT_EQ(StartedSizes(), (std::vector<size_t>{34, 31, 14, 13}));
}

TEST_F(EngineBatchTest, TheSpreadTakesTheSameShareForEverySlotButTheLast) {
  EXPECT_EQ(Run(BatchConfig(BatchOptions::Mode::kMultiple, Numbers(1, 92), 3, 100)), 0);
  EXPECT_EQ(StartedSizes(), (std::vector<size_t>{34, 31, 9, 9, 9}));
  runner_ = FakeRunner{};
  EXPECT_EQ(Run(BatchConfig(BatchOptions::Mode::kContext, Numbers(1, 10), 4)), 0);
  EXPECT_EQ(StartedSizes(), (std::vector<size_t>{3, 3, 3, 1}));
}

TEST_F(EngineBatchTest, DryRunSpreadsTheSameWay) {
  RunConfig c = BatchConfig(BatchOptions::Mode::kContext, Numbers(1, 92), 2, 100);
  c.dry_run = true;
  EXPECT_EQ(Run(std::move(c)), 0);
  EXPECT_EQ(PrintedSizes(), (std::vector<size_t>{34, 31, 14, 13}));
}

TEST_F(EngineBatchTest, CountBatchesAreNotSpread) {
  RunConfig c = BatchConfig(BatchOptions::Mode::kCount, Numbers(1, 7), 4);
  c.batch.max_inputs = 5;
  EXPECT_EQ(Run(std::move(c)), 0);
  EXPECT_EQ(StartedSizes(), (std::vector<size_t>{5, 2}));
}

// A pipe that has no more data for now does not end a batch: the sizes depend only on the
// inputs, not on when they come.
TEST_F(EngineBatchTest, ASlowPipeDoesNotCutABatch) {
  for (BatchOptions::Mode mode : {BatchOptions::Mode::kContext, BatchOptions::Mode::kCount}) {
    runner_ = FakeRunner{};
    UniqueFd r, w;
    ASSERT_EQ(MakePipe(&r, &w, false), 0);
    ASSERT_EQ(WriteAll(w.get(), "1\n2\n3\n"), 0);
    runner_.on_watch = [&] {  // the rest comes once the engine waits for it
      if (!w.valid()) return;
      EXPECT_EQ(WriteAll(w.get(), "4\n5\n6\n7\n"), 0);
      w.Reset();
    };
    RunConfig c = BatchConfig(mode, {}, 1);
    c.batch.max_inputs = mode == BatchOptions::Mode::kCount ? 5 : 1;
    c.sources[0].kind = SourceSpec::Kind::kFile;
    c.sources[0].path = "/proc/self/fd/" + std::to_string(r.get());
    EXPECT_EQ(Run(std::move(c)), 0);
    std::vector<size_t> expected = {7};
    if (mode == BatchOptions::Mode::kCount) expected = {5, 2};
    EXPECT_EQ(StartedSizes(), expected);
    EXPECT_FALSE(runner_.watched.empty());  // the pipe did make the engine wait
  }
}

// With several sources -m and -X see one list of values: {} is each, {n} the n-th.
TEST_F(EngineBatchTest, SeveralSourcesMakeOneListOfValues) {
  RunConfig c = BatchConfig(BatchOptions::Mode::kContext, {}, 1);
  c.command_text = "echo {1}-{2} x{}";
  c.sources = {enginetest::Args({"a", "b"}), enginetest::Args({"c", "d"})};
  EXPECT_EQ(Run(std::move(c)), 0);
  EXPECT_EQ(Argvs(), (std::vector<std::vector<std::string>>{
                         {"echo", "a-c", "xa", "xc", "xa", "xd", "xb", "xc", "xb", "xd"}}));
}

TEST_F(EngineBatchTest, PositionsBeyondTheSourcesAreAcceptedForLineBatches) {
  RunConfig c = BatchConfig(BatchOptions::Mode::kMultiple, {"a", "b", "c"}, 1);
  c.command_text = "echo {3} {1}";
  EXPECT_EQ(Run(std::move(c)), 0);
  EXPECT_EQ(Argvs(), (std::vector<std::vector<std::string>>{{"echo", "c", "a"}}));
}

}  // namespace
}  // namespace coreflow
