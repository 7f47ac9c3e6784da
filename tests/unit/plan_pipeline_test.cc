#include "plan/pipeline.h"

#include <gtest/gtest.h>

#include <string>

namespace coreflow {
namespace {

PipelineSpec Load(const std::string& text) {
  PipelineSpec spec;
  std::string err;
  EXPECT_TRUE(LoadPipeline(text, "p.toml", &spec, &err)) << err;
  return spec;
}

std::string ErrorOf(const std::string& text) {
  PipelineSpec spec;
  std::string err;
  EXPECT_FALSE(LoadPipeline(text, "p.toml", &spec, &err)) << text;
  return err;
}

constexpr const char* kAntibody = R"(
jobs = 16

[[input]]
file = "pdbs.txt"

[[stage]]
name = "contacts"
command = "voronota-contacts {} > contacts/{/.}.tsv"
threads = 4
mem = "2G"
timeout = "10m"
retries = 2
outputs = ["contacts/{/.}.tsv"]

[[stage]]
name = "graph"
worker = "python3 graph.py"
command = "{contacts.output}"
gpus = 0.5
outputs = "graphs/{/.}.json"

[[stage]]
name = "combine"
gather = "{//}"
group_size = 3
slots = 1
command = "python3 combine.py {graph.outputs}"
)";

TEST(PipelineTest, ReadsEveryKeyOfEveryStage) {
  PipelineSpec p = Load(kAntibody);
  EXPECT_EQ(p.origin, "p.toml");
  EXPECT_EQ(p.jobs, 16);
  ASSERT_EQ(p.sources.size(), 1u);
  EXPECT_EQ(p.sources[0].file, "pdbs.txt");
  ASSERT_EQ(p.stages.size(), 3u);
  const PipelineStage& c = p.stages[0];
  EXPECT_EQ(c.id, StageId(0));
  EXPECT_EQ(c.name, "contacts");
  EXPECT_EQ(c.threads, 4);
  EXPECT_EQ(c.mem, 2ull << 30);
  EXPECT_EQ(c.timeout, 600 * kNanosPerSecond);
  EXPECT_EQ(c.retries, 2);
  EXPECT_EQ(c.outputs, std::vector<std::string>{"contacts/{/.}.tsv"});
  EXPECT_TRUE(c.references.empty());
  const PipelineStage& g = p.stages[1];
  EXPECT_EQ(g.worker, "python3 graph.py");
  EXPECT_EQ(g.command, "{contacts.output}");
  EXPECT_DOUBLE_EQ(g.gpus, 0.5);
  EXPECT_EQ(g.outputs, std::vector<std::string>{"graphs/{/.}.json"});
  ASSERT_EQ(g.references.size(), 1u);
  EXPECT_EQ(g.references[0].stage, StageId(0));
  EXPECT_FALSE(g.references[0].all);
  const PipelineStage& m = p.stages[2];
  EXPECT_EQ(m.gather, "{//}");
  EXPECT_EQ(m.group_size, 3);
  EXPECT_EQ(m.slots, 1);
  ASSERT_EQ(m.references.size(), 1u);
  EXPECT_EQ(m.references[0].stage, StageId(1));
  EXPECT_TRUE(m.references[0].all);
}

TEST(PipelineTest, DefaultsAreOneThreadNoLimitsAndSlotsWhereTheQueueIs) {
  PipelineSpec p = Load("[[stage]]\nname = \"a\"\ncommand = \"echo {}\"\n");
  ASSERT_EQ(p.stages.size(), 1u);
  EXPECT_EQ(p.jobs, 0);
  EXPECT_TRUE(p.sources.empty());  // inputs may come from the command line
  EXPECT_EQ(p.stages[0].threads, 1);
  EXPECT_EQ(p.stages[0].mem, 0u);
  EXPECT_EQ(p.stages[0].timeout, 0);
  EXPECT_EQ(p.stages[0].slots, 0);
  EXPECT_EQ(p.stages[0].gpus, 0);
}

TEST(PipelineTest, SourcesAreValuesOrFilesAndMayBeLinked) {
  PipelineSpec p = Load(R"(
[[input]]
values = ["a", "b c", 3]
[[input]]
file = "models.txt"
link = true
[[stage]]
name = "s"
command = "run {1} {2}"
timeout = 90
mem = 1048576
)");
  ASSERT_EQ(p.sources.size(), 2u);
  EXPECT_EQ(p.sources[0].values, (std::vector<std::string>{"a", "b c", "3"}));
  EXPECT_FALSE(p.sources[0].link);
  EXPECT_EQ(p.sources[1].file, "models.txt");
  EXPECT_TRUE(p.sources[1].link);
  EXPECT_EQ(p.stages[0].timeout, 90 * kNanosPerSecond);
  EXPECT_EQ(p.stages[0].mem, 1048576u);
  p = Load("[[input]]\nglob = \"pdb/*/*.pdb\"\n[[stage]]\nname = \"s\"\ncommand = \"x\"\n");
  EXPECT_EQ(p.sources[0].glob, "pdb/*/*.pdb");
}

TEST(PipelineTest, FindsStageReferencesAndNothingElse) {
  auto refs = FindStageReferences("x {a.output} {} {1.} {b-c.outputs} {.output} {/.} {a.outputx}");
  ASSERT_EQ(refs.size(), 2u);
  EXPECT_EQ(refs[0].stage, "a");
  EXPECT_FALSE(refs[0].all);
  EXPECT_EQ(refs[1].stage, "b-c");
  EXPECT_TRUE(refs[1].all);
}

// Every mistake is one line naming the file, the line when there is one, and what to do.
TEST(PipelineTest, AStagingStageCopiesEachInputUnderItsDirectory) {
  PipelineSpec p = Load(R"(
[[stage]]
name = "fetch"
stage = { to = "$TMPDIR/pdbs/", prefetch = 8, max = "2G" }

[[stage]]
name = "contacts"
command = "voronota {fetch.output}"
)");
  ASSERT_EQ(p.stages.size(), 2u);
  EXPECT_EQ(p.stages[0].stage_to, "$TMPDIR/pdbs");
  EXPECT_EQ(p.stages[0].prefetch, 8);
  EXPECT_EQ(p.stages[0].stage_max, uint64_t{2} << 30);
  EXPECT_EQ(p.stages[0].outputs, (std::vector<std::string>{"$TMPDIR/pdbs/{}"}));
  EXPECT_TRUE(p.stages[0].command.empty());  // the run fills in its copy command
  ASSERT_EQ(p.stages[1].references.size(), 1u);
  EXPECT_EQ(p.stages[1].references[0].stage, StageId(0));
}

TEST(PipelineTest, AStagingStageTakesNoCommandAndIsNotGathered) {
  EXPECT_EQ(ErrorOf("[[stage]]\nname = \"f\"\nstage = { to = \"d\" }\ncommand = \"x\"\n"),
            "p.toml:4: stage 'f': a staging stage copies each input; it takes no 'command'");
  EXPECT_EQ(ErrorOf("[[stage]]\nname = \"f\"\nstage = \"d\"\n"),
            "p.toml:3: stage 'f': 'stage' must be a table such as { to = \"$TMPDIR/pdbs\", "
            "prefetch = 8 }");
  EXPECT_EQ(ErrorOf("[[stage]]\nname = \"f\"\nstage = { to = \"d\", max = 5 }\n"),
            "p.toml:3: stage 'f': stage: 'max' must be a size such as \"20G\"");
  EXPECT_EQ(ErrorOf("[[stage]]\nname = \"f\"\nstage = { prefetch = 2 }\n"),
            "p.toml:3: stage 'f': stage: give 'to', the directory (node-local scratch) to copy "
            "inputs to");
  EXPECT_EQ(ErrorOf("[[stage]]\nname = \"f\"\nstage = { to = \"d\", prefech = 2 }\n"),
            "p.toml:3: stage 'f': stage: unknown key 'prefech' (did you mean 'prefetch'?)");
  EXPECT_EQ(ErrorOf("[[stage]]\nname = \"f\"\nstage = { to = \"d\" }\n"
                    "[[stage]]\nname = \"g\"\ngather = \"{//}\"\ncommand = \"x {f.outputs}\"\n"),
            "p.toml:4: stage 'g': {f.outputs} names the copies of staging stage 'f', which are "
            "removed as each item's last stage ends; gather what a later stage made from them");
}

TEST(PipelineTest, EveryMistakeIsOneClearLine) {
  const std::string ok_stage = "[[stage]]\nname = \"a\"\ncommand = \"x\"\n";
  struct Case {
    std::string text;
    std::string message;
  };
  const Case cases[] = {
      {"[[stage]\n", "p.toml:1: "},
      {"", "p.toml: a pipeline needs at least one [[stage]] with a 'command'"},
      {"job = 3\n" + ok_stage, "p.toml:1: the file: unknown key 'job' (did you mean 'jobs'?)"},
      {"jobs = 0\n" + ok_stage, "p.toml:1: the file: 'jobs' must be a whole number from 1"},
      {"jobs = \"4\"\n" + ok_stage, "'jobs' must be a whole number"},
      {"stage = 3\n", "p.toml:1: 'stage' must be a list of tables: write [[stage]]"},
      {"[input]\nvalues = [1]\n" + ok_stage, "'input' must be a list of tables: write [[input]]"},
      {"[[input]]\nvalue = [\"a\"]\n" + ok_stage,
       "p.toml:2: input 1: unknown key 'value' (did you mean 'values'?)"},
      {"[[input]]\nlink = false\n" + ok_stage, "input 1: give one of 'values' (a list), 'file'"},
      {"[[input]]\nvalues = [\"a\"]\nfile = \"f\"\n" + ok_stage, "input 1: give one of"},
      {"[[input]]\nglob = \"*.pdb\"\nfile = \"f\"\n" + ok_stage, "input 1: give one of"},
      {"[[input]]\nglob = \"\"\n" + ok_stage, "input 1: 'glob' is empty"},
      {"[[input]]\nfile = \"\"\n" + ok_stage, "p.toml:2: input 1: 'file' is empty"},
      {"[[input]]\nvalues = [1.5]\n" + ok_stage, "input 1: 'values' must be a list of strings"},
      {"[[input]]\nfile = \"f\"\nlink = true\n" + ok_stage,
       "input 1: 'link' pairs a source with the one before it"},
      {"[[input]]\nvalues = [\"a\"]\n[[input]]\nvalues = [\"b\"]\nlink = 1\n" + ok_stage,
       "p.toml:5: input 2: 'link' must be true or false"},
      {"[[stage]]\ncommand = \"x\"\n", "p.toml:1: stage 1: every stage needs a 'name'"},
      {"[[stage]]\nname = \"Big\"\ncommand = \"x\"\n",
       "p.toml:2: stage 1: name 'Big' must start with a lower-case letter"},
      {"[[stage]]\nname = \"a b\"\ncommand = \"x\"\n", "name 'a b' must start"},
      {"[[stage]]\nname = \"a\"\n", "stage 'a': give a 'command' (run per item) or a 'worker'"},
      {ok_stage + "thread = 2\n",
       "p.toml:4: stage 1: unknown key 'thread' (did you mean "
       "'threads'?)"},
      {ok_stage + "colour = 2\n", "unknown key 'colour' (known: name, command, worker"},
      {ok_stage + "threads = 0\n", "stage 'a': 'threads' must be a whole number from 1"},
      {ok_stage + "retries = -1\n", "stage 'a': 'retries' must be a whole number from 0"},
      {ok_stage + "slots = 0\n", "stage 'a': 'slots' must be a whole number from 1"},
      {ok_stage + "mem = \"lots\"\n", "p.toml:4: stage 'a': 'mem' must be a size such as"},
      {ok_stage + "mem = 0\n", "'mem' must be a size"},
      {ok_stage + "timeout = \"soon\"\n", "'timeout' must be a duration such as"},
      {ok_stage + "timeout = -1\n", "'timeout' must be a duration"},
      {ok_stage + "gpus = -1\n", "'gpus' must be a number of devices"},
      {ok_stage + "gpus = \"1\"\n", "'gpus' must be a number of devices"},
      {ok_stage + "outputs = 3\n", "'outputs' must be a list of strings"},
      {ok_stage + "command = \"y\"\n", "p.toml:4: "},  // a key given twice is TOML's error
      {ok_stage + "group_size = 2\n", "stage 'a': 'group_size' needs 'gather'"},
      {ok_stage + ok_stage, "p.toml:4: stage 2: the name 'a' is taken by an earlier stage"},
      {"[[stage]]\nname = \"a\"\ncommand = \"x {b.output}\"\n",
       "p.toml:1: stage 'a': {b.output} names no earlier stage"},
      {"[[stage]]\nname = \"a\"\ncommand = \"x {a.outputs}\"\noutputs = [\"o\"]\n",
       "stage 'a': names its own outputs"},
      {ok_stage + "[[stage]]\nname = \"b\"\ncommand = \"x {a.output}\"\n",
       "stage 'b': {a.output} names stage 'a', which declares no 'outputs'"},
      {"[[stage]]\nname = \"a\"\ncommand = \"x\"\n[[stage]]\nname = \"b\"\n"
       "command = \"y\"\noutputs = [\"{c.output}\"]\n[[stage]]\nname = \"c\"\ncommand = \"z\"\n",
       "stage 'b': {c.output} names no earlier stage"},
  };
  for (const Case& c : cases) {
    std::string err = ErrorOf(c.text);
    EXPECT_NE(err.find(c.message), std::string::npos) << "for:\n" << c.text << "\ngot: " << err;
    EXPECT_EQ(err.find('\n'), std::string::npos) << err;
  }
}

}  // namespace
}  // namespace coreflow
