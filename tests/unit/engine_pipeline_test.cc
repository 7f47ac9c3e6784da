// The engine carrying a pipeline of several stages over a fake runner: items pass the stages
// in order, name earlier stages' outputs, stop at a failure, gather in groups and resume at
// their first unfinished stage.
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "engine_fake.h"
#include "journal/format.h"
#include "plan/expand.h"
#include "test_util.h"

namespace coreflow {
namespace {

using enginetest::EngineTest;
using enginetest::FakeRunner;
using enginetest::Has;
using enginetest::TaskResult;
using testutil::ScratchDir;

class EnginePipelineTest : public EngineTest {
 protected:
  void SetUp() override {
    // Every task "writes" its first argument, unless that names a failure.
    runner_.behavior = [](const FakeRunner::StartCall& call, int) {
      TaskResult r;
      if (call.argv[1].find("fail") != std::string::npos) {
        r.wait_status = 1 << 8;
        return r;
      }
      std::ofstream(call.argv[1]) << "x\n";
      return r;
    };
  }

  // make DIR/{}.a; make DIR/{}.b {a.output}; and, with `gather`, one task per group.
  RunConfig Pipeline(std::vector<std::string> values, const std::string& gather = "") {
    RunConfig c = Config("make " + dir_.path() + "/{}.a", std::move(values), 2);
    StageConfig a{"a", c.command_text, 1, 0, {dir_.path() + "/{}.a"}, "", 0};
    StageConfig b{
        "b", "make " + dir_.path() + "/{}.b {a.output}", 3, 0, {dir_.path() + "/{}.b"}, "", 0};
    c.outputs = a.outputs;
    c.pipeline = {a, b};
    c.schedule.stages = {StageOptions{}, StageOptions{}};
    if (!gather.empty()) {
      c.pipeline.push_back(StageConfig{"g",
                                       "make " + dir_.path() + "/{group}.g {b.outputs}",
                                       1,
                                       0,
                                       {dir_.path() + "/{group}.g"},
                                       gather,
                                       0});
      c.schedule.stages.push_back(StageOptions{});
    }
    return c;
  }

  std::vector<std::string> Made() const {
    std::vector<std::string> out;
    for (const auto& s : runner_.starts) {
      std::string arg = s.argv[1].substr(dir_.path().size() + 1);
      for (size_t i = 2; i < s.argv.size(); ++i) {
        arg += " <" + s.argv[i].substr(dir_.path().size() + 1);
      }
      out.push_back(arg);
    }
    return out;
  }

  ScratchDir dir_{"engine_pipeline"};
};

TEST_F(EnginePipelineTest, EachItemPassesTheStagesInOrderWithTheOutputsOfTheOneBefore) {
  EXPECT_EQ(Run(Pipeline({"x", "y"})), 0) << err_.Text();
  std::vector<std::string> made = Made();
  ASSERT_EQ(made.size(), 4u);
  EXPECT_TRUE(Has(made, "x.b <x.a"));
  EXPECT_TRUE(Has(made, "y.b <y.a"));
  // A later stage goes first: x's stage b starts before y's stage a ends.
  EXPECT_EQ(made[0], "x.a");
  // {#} and PARALLEL_SEQ are the item's at every stage; threads are the stage's.
  for (const auto& s : runner_.starts) {
    bool stage_b = s.argv[1].ends_with(".b");
    bool x = s.argv[1].ends_with("/x.a") || s.argv[1].ends_with("/x.b");
    EXPECT_TRUE(Has(s.env, std::string("PARALLEL_SEQ=") + (x ? "1" : "2")));
    EXPECT_TRUE(Has(s.env, std::string("OMP_NUM_THREADS=") + (stage_b ? "3" : "1")));
    EXPECT_EQ(s.threads, stage_b ? 3 : 1);
  }
  EXPECT_EQ(engine_->totals().succeeded, 2u);  // items, not tasks
  EXPECT_EQ(engine_->journal_text(), "pipeline: a: make " + dir_.path() + "/{}.a | b: make " +
                                         dir_.path() + "/{}.b {a.output}");
}

TEST_F(EnginePipelineTest, AFailedItemGoesNoFurtherAndTheOthersGoOn) {
  EXPECT_EQ(Run(Pipeline({"x", "fail", "z"})), 1);
  std::vector<std::string> made = Made();
  EXPECT_TRUE(Has(made, "fail.a"));
  EXPECT_FALSE(Has(made, "fail.b <fail.a"));
  EXPECT_TRUE(Has(made, "z.b <z.a"));
  EXPECT_EQ(engine_->totals().succeeded, 2u);
  EXPECT_EQ(engine_->totals().failed, 1u);
}

TEST_F(EnginePipelineTest, AGatherStageRunsOncePerGroupWithItsItemsInInputOrder) {
  EXPECT_EQ(Run(Pipeline({"p.1", "q.1", "p.2", "q.2", "p.3"}, "{.}")), 0) << err_.Text();
  std::vector<std::string> made = Made();
  ASSERT_EQ(made.size(), 12u);
  EXPECT_TRUE(Has(made, "p.g <p.1.b <p.2.b <p.3.b"));
  EXPECT_TRUE(Has(made, "q.g <q.1.b <q.2.b"));
  // Each group's task starts after the last of its items passed stage b, and gets a {#} of
  // its own: the group's number.
  for (const auto& s : runner_.starts) {
    if (s.argv[1].ends_with("/q.g")) {
      EXPECT_TRUE(Has(s.env, "PARALLEL_SEQ=2"));
    }
  }
}

TEST_F(EnginePipelineTest, AGroupWithAFailedItemIsNotRunAndSaysWhy) {
  EXPECT_EQ(Run(Pipeline({"p.1", "fail.1", "fail.2", "p.2"}, "{.}")), 2);
  std::vector<std::string> made = Made();
  EXPECT_TRUE(Has(made, "p.g <p.1.b <p.2.b"));
  for (const std::string& m : made) EXPECT_FALSE(m.starts_with("fail.g")) << m;
  EXPECT_NE(err_.Text().find("stage 'g': group 'fail' was not run: 2 of its 2 items failed (2, 3)"),
            std::string::npos)
      << err_.Text();
}

TEST_F(EnginePipelineTest, AGroupSizeRunsAFullGroupAtOnceAndFailsAShortOne) {
  RunConfig config = Pipeline({"p.1", "p.2", "q.1"}, "{.}");
  config.pipeline.back().group_size = 2;
  EXPECT_EQ(Run(std::move(config)), 1);
  std::vector<std::string> made = Made();
  EXPECT_TRUE(Has(made, "p.g <p.1.b <p.2.b"));
  for (const std::string& m : made) EXPECT_FALSE(m.starts_with("q.g")) << m;
  EXPECT_NE(err_.Text().find("group 'q' was not run: it has 1 of the 2 items it needs"),
            std::string::npos)
      << err_.Text();
}

TEST_F(EnginePipelineTest, ResumeStartsEachItemAtItsFirstUnfinishedStage) {
  RunConfig config = Pipeline({"x", "y"});
  std::string a_text = config.command_text;
  ResumeIndex index;
  JournalRecord done;  // x passed stage a in an earlier run
  done.key = TaskKey(a_text, TaskInput{1, {{"x"}}}, kJournalVersion);
  index.Add(done);
  resume_ = &index;
  EXPECT_EQ(Run(std::move(config)), 0) << err_.Text();
  std::vector<std::string> made = Made();
  EXPECT_FALSE(Has(made, "x.a"));
  EXPECT_TRUE(Has(made, "x.b <x.a"));
  EXPECT_TRUE(Has(made, "y.a"));
  EXPECT_TRUE(Has(made, "y.b <y.a"));
  EXPECT_EQ(engine_->resumed(), 1u);
}

TEST_F(EnginePipelineTest, AnItemThatFailedAStageBeforeStopsThereOnResume) {
  RunConfig config = Pipeline({"x"});
  ResumeIndex index;
  JournalRecord failed;
  failed.key = TaskKey(config.command_text, TaskInput{1, {{"x"}}}, kJournalVersion);
  failed.outcome = AttemptOutcome::kFailed;
  failed.exitval = 1;
  index.Add(failed);
  resume_ = &index;
  EXPECT_EQ(Run(std::move(config)), 0);
  EXPECT_TRUE(runner_.starts.empty());  // --resume: finished (failed) is finished
}

}  // namespace
}  // namespace coreflow
