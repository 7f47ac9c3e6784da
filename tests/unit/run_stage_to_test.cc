#include "run/stage_to.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace coreflow {
namespace {

struct Made {
  bool ok = false;
  std::string err;
  PipelineSpec spec;
  std::vector<std::string> words;
  RunFlags flags;
};

Made Make(RunFlags flags, std::vector<std::string> words) {
  Made m;
  m.flags = std::move(flags);
  m.words = std::move(words);
  m.ok = PipelineFromStageTo(&m.flags, &m.words, &m.spec, &m.err);
  return m;
}

RunFlags StageTo(const std::string& dir, int prefetch = 0) {
  RunFlags f;
  f.stage_to = dir;
  f.prefetch = prefetch;
  return f;
}

TEST(StageToTest, TheCommandRunsOnTheCopyAfterAStagingStage) {
  Made m = Make(StageTo("/scratch/in", 4), {"score", "{}", "out/{/.}.tsv", ":::", "a.pdb"});
  ASSERT_TRUE(m.ok) << m.err;
  ASSERT_EQ(m.spec.stages.size(), 2u);
  EXPECT_EQ(m.spec.stages[0].stage_to, "/scratch/in");
  EXPECT_EQ(m.spec.stages[0].prefetch, 4);
  EXPECT_EQ(m.spec.stages[1].command, "score {stage.output} out/{/.}.tsv");
  ASSERT_EQ(m.spec.stages[1].references.size(), 1u);
  EXPECT_EQ(m.spec.stages[1].references[0].stage, StageId(0));
  EXPECT_EQ(m.words, (std::vector<std::string>{":::", "a.pdb"}));  // only the inputs are left
}

TEST(StageToTest, ACommandWithoutReplacementStringsGetsTheCopyAppended) {
  Made m = Make(StageTo("s"), {"wc", "-c", ":::", "a"});
  ASSERT_TRUE(m.ok) << m.err;
  EXPECT_EQ(m.spec.stages[1].command, "wc -c {stage.output}");
  m = Make(StageTo("s"), {"awk '{print $1}' {}"});  // braces that are no replacement string
  ASSERT_TRUE(m.ok) << m.err;
  EXPECT_EQ(m.spec.stages[1].command, "awk '{print $1}' {stage.output}");
  m = Make(StageTo("s"), {"gzip -c {/} > \"out/{#}\""});  // quotes survive the file's string
  ASSERT_TRUE(m.ok) << m.err;
  EXPECT_EQ(m.spec.stages[1].command, "gzip -c {/} > \"out/{#}\"");
}

TEST(StageToTest, OutputsAndThreadsGoToTheCommandsStage) {
  RunFlags f = StageTo("s");
  f.outputs = {"out/{/.}.tsv", "log/{/}.log"};
  f.threads = 4;
  Made m = Make(f, {"score", "{}"});
  ASSERT_TRUE(m.ok) << m.err;
  EXPECT_EQ(m.spec.stages[1].outputs, f.outputs);
  EXPECT_EQ(m.spec.stages[1].threads, 4);
  EXPECT_TRUE(m.flags.outputs.empty());
  EXPECT_EQ(m.flags.threads, 0);
}

TEST(StageToTest, RefusesWhatItCannotStage) {
  Made m = Make(StageTo("s"), {":::", "a"});
  EXPECT_FALSE(m.ok);
  EXPECT_NE(m.err.find("give the command"), std::string::npos) << m.err;
  m = Make(StageTo("s"), {"cat", ":::", "a", ":::", "b"});
  EXPECT_FALSE(m.ok);
  EXPECT_NE(m.err.find("give one input source"), std::string::npos) << m.err;
  RunFlags f = StageTo("s");
  f.finds = {"d/*.pdb"};
  m = Make(f, {"cat", ":::", "a"});
  EXPECT_FALSE(m.ok);
  f = StageTo("s");
  f.pipeline_file = "p.toml";
  m = Make(f, {"cat"});
  EXPECT_FALSE(m.ok);
  EXPECT_NE(m.err.find("-f"), std::string::npos) << m.err;
  f = StageTo("s");
  f.quote = true;
  EXPECT_FALSE(Make(f, {"cat"}).ok);
}

}  // namespace
}  // namespace coreflow
