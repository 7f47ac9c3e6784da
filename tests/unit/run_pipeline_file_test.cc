#include "run/pipeline_file.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "run/staging_copy.h"

namespace coreflow {
namespace {

using Words = std::vector<std::string>;

PipelineSpec Spec(const std::string& text) {
  PipelineSpec spec;
  std::string err;
  EXPECT_TRUE(LoadPipeline(text, "p.toml", &spec, &err)) << err;
  return spec;
}

TEST(PipelineFileTest, OneStageBecomesTheSameRunWrittenOnTheCommandLine) {
  PipelineSpec spec = Spec(R"(
jobs = 8
[[input]]
values = ["a", "b c"]
[[input]]
file = "more.txt"
link = true
[[stage]]
name = "s"
command = "gzip -k {}"
threads = 2
mem = "1G"
timeout = "90s"
retries = 2
outputs = ["{}.gz"]
)");
  RunFlags flags;
  Words words;
  std::string err;
  ASSERT_TRUE(ApplyOneStage(spec, &flags, &words, &err)) << err;
  EXPECT_EQ(words, (Words{"gzip -k {}", ":::", "a", "b c", "::::+", "more.txt"}));
  EXPECT_EQ(flags.jobs, "4");  // 8 cores, 2 threads a task
  EXPECT_EQ(flags.threads, 2);
  EXPECT_EQ(flags.mem_per_task, std::to_string(1ull << 30));
  EXPECT_EQ(flags.timeout, "90000ms");
  EXPECT_EQ(flags.retries, 3);  // GNU's --retries counts every attempt
  EXPECT_EQ(flags.outputs, Words{"{}.gz"});
}

TEST(PipelineFileTest, TheCommandLineWinsAndMayGiveTheInputs) {
  PipelineSpec spec = Spec(
      "[[stage]]\nname = \"s\"\ncommand = \"echo\"\nthreads = 4\n"
      "slots = 3\ntimeout = 5\n");
  RunFlags flags;
  flags.jobs = "2";
  flags.timeout = "1s";
  Words words = {":::", "x", "y"};
  std::string err;
  ASSERT_TRUE(ApplyOneStage(spec, &flags, &words, &err)) << err;
  EXPECT_EQ(words, (Words{"echo", ":::", "x", "y"}));
  EXPECT_EQ(flags.jobs, "2");
  EXPECT_EQ(flags.timeout, "1s");
  EXPECT_EQ(flags.threads, 4);
}

TEST(PipelineFileTest, AWorkerStageSendsItsCommandAsTheRequest) {
  PipelineSpec spec = Spec(
      "[[stage]]\nname = \"w\"\nworker = \"python3 score.py\"\n"
      "command = \"{} --fast\"\n");
  RunFlags flags;
  Words words;
  std::string err;
  ASSERT_TRUE(ApplyOneStage(spec, &flags, &words, &err)) << err;
  EXPECT_EQ(flags.worker.command, "python3 score.py");
  EXPECT_EQ(words, Words{"{} --fast"});
}

TEST(PipelineFileTest, AOneStageFilesGpusAreItsTasksAsk) {
  PipelineSpec spec = Spec("[[stage]]\nname = \"g\"\ncommand = \"x\"\ngpus = 0.5\n");
  RunFlags flags;
  Words none;
  std::string err;
  ASSERT_TRUE(ApplyOneStage(spec, &flags, &none, &err)) << err;
  EXPECT_EQ(flags.gpus_per_task, "0.5");
  RunFlags given;
  given.gpus_per_task = "1";  // the command line wins
  Words again;
  ASSERT_TRUE(ApplyOneStage(spec, &given, &again, &err)) << err;
  EXPECT_EQ(given.gpus_per_task, "1");
}

TEST(PipelineFileTest, StagesAskForGpusAndAWarmWorkerKeepsItsOwn) {
  const char* text =
      "[[stage]]\nname = \"a\"\ncommand = \"x\"\n"
      "[[stage]]\nname = \"b\"\ncommand = \"y\"\ngpus = 0.5\n";
  PipelineSpec spec = Spec(text);
  RunFlags flags;
  Words none;
  std::string err;
  ASSERT_TRUE(ApplySeveralStages(spec, &flags, &none, &err)) << err;
  EXPECT_TRUE(flags.stages_ask_gpus);
  RunConfig config;
  config.gpu_ids = {"g0"};
  ASSERT_TRUE(SetStages(spec, "--gpus", &config, &err)) << err;
  ASSERT_EQ(config.schedule.stages.size(), 2u);
  EXPECT_EQ(config.schedule.stages[0].gpus, 0);
  EXPECT_EQ(config.schedule.stages[1].gpus, 500);
  EXPECT_FALSE(config.schedule.stages[1].gpus_per_slot);
  config.gpu_ids.clear();
  EXPECT_FALSE(SetStages(spec, "no GPU was found (no nvidia-smi on PATH)", &config, &err));
  EXPECT_EQ(err,
            "p.toml: stage 'b': gpus asks for GPUs, but no GPU was found (no nvidia-smi on PATH); "
            "name the devices with --gpus LIST");
  PipelineSpec workers = Spec(
      "[[stage]]\nname = \"a\"\nworker = \"w\"\ncommand = \"x\"\ngpus = 1\n"
      "[[stage]]\nname = \"b\"\ncommand = \"y\"\ngpus = 0.5\n");
  EXPECT_FALSE(ApplySeveralStages(workers, &flags, &none, &err));
  EXPECT_EQ(err,
            "p.toml: stage 'a' runs warm workers that keep their GPUs for the run, so stage 'b' "
            "cannot ask for GPUs too; give it none, or run 'a' as a command");
}

TEST(PipelineFileTest, AStagingStageCopiesWithThisBinaryAndHoldsNoCore) {
  PipelineSpec spec = Spec(
      "[[stage]]\nname = \"fetch\"\nstage = { to = \"${SCRATCH}/pdbs\", prefetch = 3 }\n"
      "[[stage]]\nname = \"b\"\ncommand = \"wc {fetch.output}\"\n");
  std::string err;
  ASSERT_TRUE(PrepareStagingStages(Environment({"SCRATCH=/local/job7"}), "", kSelfExe, &spec, &err))
      << err;
  EXPECT_EQ(spec.stages[0].command, "/proc/self/exe __copy {} /local/job7/pdbs/{}");
  EXPECT_EQ(spec.stages[0].outputs, (std::vector<std::string>{"/local/job7/pdbs/{}"}));
  EXPECT_EQ(spec.stages[0].slots, 8);  // copies at once by default
  RunConfig config;
  ASSERT_TRUE(SetStages(spec, "", &config, &err)) << err;
  EXPECT_EQ(config.schedule.stages[0].cores, 0);
  EXPECT_EQ(config.schedule.stages[0].ahead, 3);
  EXPECT_TRUE(config.pipeline[0].scratch);
  EXPECT_FALSE(config.pipeline[1].scratch);

  PipelineSpec unset = Spec("[[stage]]\nname = \"f\"\nstage = { to = \"$NOPE/x\" }\n");
  EXPECT_FALSE(PrepareStagingStages(Environment(), "", kSelfExe, &unset, &err));
  EXPECT_EQ(err,
            "p.toml: stage 'f': stage.to '$NOPE/x' names $NOPE, which is not set; set it or give "
            "the directory itself");
  PipelineSpec capped = Spec(
      "[[stage]]\nname = \"fetch\"\nstage = { to = \"d\", max = \"1G\" }\n"
      "[[stage]]\nname = \"b\"\ncommand = \"wc {fetch.output}\"\n");
  ASSERT_TRUE(PrepareStagingStages(Environment(), "2M", kSelfExe, &capped, &err)) << err;
  EXPECT_EQ(capped.stages[0].stage_max, uint64_t{2} << 20);  // the command line wins
  RunConfig capped_config;
  ASSERT_TRUE(SetStages(capped, "", &capped_config, &err)) << err;
  EXPECT_EQ(capped_config.schedule.scratch_cap, uint64_t{2} << 20);
  EXPECT_TRUE(capped_config.schedule.stages[0].holds_scratch);
  PipelineSpec none = Spec("[[stage]]\nname = \"a\"\ncommand = \"x\"\n");
  EXPECT_FALSE(PrepareStagingStages(Environment(), "2M", kSelfExe, &none, &err));
  EXPECT_EQ(err, "--stage-max caps the copies of a staging stage, and p.toml has none");
  PipelineSpec second = Spec(
      "[[stage]]\nname = \"a\"\ncommand = \"x\"\n"
      "[[stage]]\nname = \"fetch\"\nstage = { to = \"d\" }\n");
  EXPECT_FALSE(PrepareStagingStages(Environment(), "", kSelfExe, &second, &err));
  EXPECT_EQ(err, "p.toml: stage 'fetch' stages inputs and must be the first stage");
  PipelineSpec spaced = Spec("[[stage]]\nname = \"f\"\nstage = { to = \"my dir\" }\n");
  EXPECT_FALSE(PrepareStagingStages(Environment(), "", kSelfExe, &spaced, &err));
  EXPECT_EQ(err,
            "p.toml: stage 'f': stage.to 'my dir' holds characters coreflow does not put in a "
            "command; use a plain directory path");
  // A program of the user's calling the C++ API, with no coreflow installed to copy with.
  PipelineSpec no_copier = Spec("[[stage]]\nname = \"f\"\nstage = { to = \"d\" }\n");
  EXPECT_FALSE(PrepareStagingStages(Environment(), "", "", &no_copier, &err));
  EXPECT_EQ(err,
            "p.toml: stage 'f' copies with the coreflow program, and none was found; install "
            "coreflow beside the library or on PATH, or name it in RunOptions::coreflow_program");
}

TEST(PipelineFileTest, MistakesAreUsageErrorsNamingTheFile) {
  RunFlags flags;
  std::string err;
  Words command = {"echo", ":::", "a"};
  PipelineSpec plain = Spec("[[stage]]\nname = \"s\"\ncommand = \"x\"\n");
  EXPECT_FALSE(ApplyOneStage(plain, &flags, &command, &err));
  EXPECT_EQ(err,
            "'echo' follows -f p.toml: the file gives the command; put only inputs "
            "(::: values, :::: files) after it");
  PipelineSpec with_inputs =
      Spec("[[input]]\nvalues = [\"a\"]\n[[stage]]\nname = \"s\"\ncommand = \"x\"\n");
  Words inputs = {":::", "b"};
  EXPECT_FALSE(ApplyOneStage(with_inputs, &flags, &inputs, &err));
  EXPECT_NE(err.find("p.toml has [[input]] tables and the command line gives inputs too"),
            std::string::npos);
  Words none;
  PipelineSpec gather = Spec("[[stage]]\nname = \"g\"\ncommand = \"x\"\ngather = \"{//}\"\n");
  EXPECT_FALSE(ApplyOneStage(gather, &flags, &none, &err));
  EXPECT_EQ(err,
            "p.toml: stage 'g' gathers, and a pipeline of one stage has nothing to gather from; "
            "remove 'gather'");
  std::string read_err;
  PipelineSpec spec;
  EXPECT_FALSE(ReadPipelineFile("/nonexistent/p.toml", &spec, &read_err));
  EXPECT_EQ(read_err, "cannot read pipeline file '/nonexistent/p.toml': No such file or directory");
}

TEST(PipelineFileTest, ThePlanListsInputsAndWhatEachStageAsks) {
  PipelineSpec spec = Spec(R"(
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
outputs = ["graphs/{/.}.json"]
[[stage]]
name = "summary"
gather = "{//}"
slots = 1
command = "summarize {graph.outputs}"
)");
  EXPECT_EQ(DescribePipeline(spec),
            "pipeline p.toml: 3 stages, 16 cores\n"
            "inputs: :::: pdbs.txt\n"
            "stage 1 'contacts': threads 4, mem 2048 MiB, timeout 600 s, retries 2\n"
            "  command: voronota-contacts {} > contacts/{/.}.tsv\n"
            "  output:  contacts/{/.}.tsv\n"
            "stage 2 'graph': threads 1\n"
            "  worker:  python3 graph.py\n"
            "  request: {contacts.output}\n"
            "  output:  graphs/{/.}.json\n"
            "stage 3 'summary' (once per group {//}): threads 1, slots 1\n"
            "  command: summarize {graph.outputs}\n");
}

}  // namespace
}  // namespace coreflow
