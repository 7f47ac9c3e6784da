// The C++ API in-process: what the command does is what RunOptions asks for, errors come back
// as text, and a pipeline, staging and GPU slots work from a program's own run.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "coreflow/coreflow.h"
#include "test_util.h"

namespace coreflow {
namespace {

using testutil::ReadFile;
using testutil::ScratchDir;
using testutil::TempFile;

// Every event, in the order told.
class Recorder : public TaskObserver {
 public:
  void OnTaskStarted(const TaskEvent& e) override { started.push_back(e.task); }
  void OnTaskFinished(const TaskEvent& e) override { finished.push_back(e); }
  std::vector<uint64_t> started;
  std::vector<TaskEvent> finished;
};

// Options whose tasks' output and coreflow's own lines go to files.
struct Captured {
  TempFile out{"api_out"};
  TempFile messages{"api_messages"};
  UniqueFd out_fd{open(out.path().c_str(), O_WRONLY | O_APPEND)};
  UniqueFd messages_fd{open(messages.path().c_str(), O_WRONLY | O_APPEND)};
  RunOptions Options() const {
    RunOptions o;
    o.stdout_fd = out_fd.get();
    o.messages_fd = messages_fd.get();
    o.no_summary = true;
    o.no_progress = true;
    return o;
  }
  std::vector<std::string> Lines() const {
    std::vector<std::string> lines;
    std::string text = ReadFile(out.path());
    for (size_t at = 0; at < text.size();) {
      size_t nl = text.find('\n', at);
      lines.push_back(text.substr(at, nl - at));
      at = nl == std::string::npos ? text.size() : nl + 1;
    }
    std::sort(lines.begin(), lines.end());
    return lines;
  }
};

TEST(ApiRunTest, AUsageErrorComesBackAsTextAndNothingRuns) {
  Captured c;
  RunOptions o = c.Options();
  o.command = {"echo", "{}", ":::", "a"};
  o.timeout = "soon";
  Recorder seen;
  RunResult r = coreflow::Run(o, &seen);
  EXPECT_EQ(r.exit_status, 255);
  EXPECT_NE(r.error.find("--timeout"), std::string::npos) << r.error;
  EXPECT_EQ(ReadFile(c.messages.path()), "coreflow: error: " + r.error + "\n");
  EXPECT_TRUE(seen.started.empty());
  // With messages_fd -1 the error is still returned, and written nowhere.
  o.messages_fd = -1;
  RunResult quiet = coreflow::Run(o);
  EXPECT_EQ(quiet.error, r.error);
}

TEST(ApiRunTest, ADescriptorThatCannotBeWrittenIsRefusedBeforeAnythingRuns) {
  Captured c;
  RunOptions o = c.Options();
  o.command = {"echo", "{}", ":::", "a"};
  int closed = dup(c.out_fd.get());
  ASSERT_GE(close(closed), 0);
  o.stdout_fd = closed;
  Recorder seen;
  RunResult r = coreflow::Run(o, &seen);
  EXPECT_EQ(r.exit_status, 255);
  EXPECT_EQ(r.error, "RunOptions::stdout_fd is " + std::to_string(closed) +
                         ", which is not a descriptor open for writing");
  EXPECT_TRUE(seen.started.empty());
  o.stdout_fd = c.out_fd.get();
  o.messages_fd = closed;  // the error has nowhere to go but RunResult
  r = coreflow::Run(o);
  EXPECT_EQ(r.exit_status, 255);
  EXPECT_NE(r.error.find("messages_fd"), std::string::npos) << r.error;
  UniqueFd read_only(open("/dev/null", O_RDONLY));
  o.messages_fd = c.messages_fd.get();
  o.stderr_fd = read_only.get();
  r = coreflow::Run(o);
  EXPECT_NE(r.error.find("stderr_fd"), std::string::npos) << r.error;
  EXPECT_EQ(c.Lines(), std::vector<std::string>{});
}

TEST(ApiRunTest, CommandWordsMayCarryTheirInputGroupsAsOnTheCommandLine) {
  Captured c;
  RunOptions o = c.Options();
  o.command = {"echo", "{1}-{2}", ":::", "a", "b", ":::", "1", "2"};
  o.jobs = "2";
  RunResult r = coreflow::Run(o);
  EXPECT_EQ(r.exit_status, 0) << r.error;
  EXPECT_EQ(r.succeeded, 4u);
  EXPECT_EQ(c.Lines(), (std::vector<std::string>{"a-1", "a-2", "b-1", "b-2"}));
}

TEST(ApiRunTest, APipelineGivenAsTextRunsEveryStageForEveryInput) {
  ScratchDir dir("api_pipeline");
  Captured c;
  RunOptions o = c.Options();
  o.pipeline_text =
      "[[input]]\nvalues = [\"x\", \"y\", \"z\"]\n"
      "[[stage]]\nname = \"first\"\ncommand = \"echo {} > " +
      dir.path() + "/{}.1\"\noutputs = [\"" + dir.path() +
      "/{}.1\"]\n"
      "[[stage]]\nname = \"second\"\ncommand = \"cat {first.output}; echo {} done\"\n";
  Recorder seen;
  RunResult r = coreflow::Run(o, &seen);
  ASSERT_EQ(r.exit_status, 0) << r.error << ReadFile(c.messages.path());
  EXPECT_EQ(seen.finished.size(), 6u);  // two stages of three inputs
  EXPECT_EQ(c.Lines(), (std::vector<std::string>{"x", "x done", "y", "y done", "z", "z done"}));
  o.pipeline_file = "p.toml";
  RunResult both = coreflow::Run(o);
  EXPECT_EQ(both.exit_status, 255);
  EXPECT_EQ(both.error,
            "give the pipeline one way: RunOptions::pipeline, pipeline_text, pipeline_file (-f) "
            "or stage_to (--stage-to)");
}

TEST(ApiRunTest, APipelineInCodeRunsAsItsFileWouldAndIsCheckedAsItsFileIs) {
  ScratchDir dir("api_pipeline_code");
  Captured c;
  RunOptions o = c.Options();
  o.jobs = "2";
  o.pipeline.inputs.push_back({.values = {"x", "y"}});
  o.pipeline.inputs.push_back({.values = {"1", "2"}, .link = true});
  Pipeline::Stage first;
  first.name = "first";
  first.command = "echo {1}{2} > " + dir.path() + "/{1}";
  first.outputs = {dir.path() + "/{1}"};
  Pipeline::Stage second;
  second.name = "second";
  second.command = "cat {first.output}";
  second.slots = 1;
  o.pipeline.stages = {first, second};
  Recorder seen;
  RunResult r = coreflow::Run(o, &seen);
  ASSERT_EQ(r.exit_status, 0) << r.error << ReadFile(c.messages.path());
  EXPECT_EQ(seen.finished.size(), 4u);
  EXPECT_EQ(c.Lines(), (std::vector<std::string>{"x1", "y2"}));
  // A mistake gets the file's message, with no line number to point at.
  o.pipeline.stages[1].name = "Second";
  RunResult bad = coreflow::Run(o);
  EXPECT_EQ(bad.exit_status, 255);
  EXPECT_EQ(bad.error,
            "RunOptions::pipeline: stage 2: name 'Second' must start with a lower-case letter "
            "and hold only a-z, 0-9, _ and -");
  o.pipeline.stages[1].name = "second";
  o.pipeline.stages[1].command = "cat {third.output}";
  bad = coreflow::Run(o);
  EXPECT_EQ(bad.exit_status, 255);
  EXPECT_NE(bad.error.find("third"), std::string::npos) << bad.error;
}

TEST(ApiRunTest, StagingCopiesWithTheCoreflowProgramItIsGiven) {
  ScratchDir dir("api_stage");
  testutil::WriteFile(dir.path() + "/in.txt", "payload\n");
  Captured c;
  RunOptions o = c.Options();
  o.coreflow_program = COREFLOW_BINARY;  // a program's own run: /proc/self/exe is not coreflow
  o.stage_to = dir.path() + "/scratch";
  o.command = {"cat", "{}", ";", "echo", "{}"};
  o.inputs = {dir.path() + "/in.txt"};
  RunResult r = coreflow::Run(o);
  ASSERT_EQ(r.exit_status, 0) << r.error << ReadFile(c.messages.path());
  std::vector<std::string> lines = c.Lines();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[1], "payload");
  EXPECT_EQ(lines[0], dir.path() + "/scratch/" + dir.path() + "/in.txt");  // the copy it read
}

TEST(ApiRunTest, GpuSlotsGiveEachTaskOneOfTheDevices) {
  Captured c;
  RunOptions o = c.Options();
  o.gpus = "0,1";
  o.gpus_per_task = "1";
  o.jobs = "2";
  o.command = {"echo", "{}", "$CUDA_VISIBLE_DEVICES", ":::", "a", "b", "c", "d"};
  RunResult r = coreflow::Run(o);
  ASSERT_EQ(r.exit_status, 0) << r.error << ReadFile(c.messages.path());
  std::vector<std::string> lines = c.Lines();
  ASSERT_EQ(lines.size(), 4u);
  for (const std::string& l : lines) EXPECT_TRUE(l.ends_with(" 0") || l.ends_with(" 1")) << l;
}

// Calls Run() again from inside a run, which must be refused, not nested.
class Reenter : public TaskObserver {
 public:
  void OnTaskStarted(const TaskEvent&) override {
    RunOptions o;
    o.command = {"true", ":::", "x"};
    o.messages_fd = -1;
    inner = coreflow::Run(o);
  }
  RunResult inner;
};

TEST(ApiRunTest, ASecondRunWhileOneGoesOnIsRefused) {
  Captured c;
  RunOptions o = c.Options();
  o.command = {"true", ":::", "a"};
  Reenter reenter;
  RunResult outer = coreflow::Run(o, &reenter);
  EXPECT_EQ(outer.exit_status, 0) << outer.error;
  EXPECT_EQ(reenter.inner.exit_status, 255);
  EXPECT_NE(reenter.inner.error.find("already running"), std::string::npos);
  RunResult after = coreflow::Run(o);  // and the next one, after it, runs
  EXPECT_EQ(after.exit_status, 0) << after.error;
}

}  // namespace
}  // namespace coreflow
