#include "cli/pipeline_file.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

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
  PipelineSpec gpus = Spec("[[stage]]\nname = \"g\"\ncommand = \"x\"\ngpus = 1\n");
  EXPECT_FALSE(ApplyOneStage(gpus, &flags, &none, &err));
  EXPECT_EQ(err, "p.toml: stage 'g' uses 'gpus', which this version does not run yet; remove it");
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
