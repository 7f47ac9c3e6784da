#include "engine/declared_outputs.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <optional>
#include <string>
#include <vector>

#include "fake_disk.h"

namespace coreflow {
namespace {

using testutil::FakeDisk;

TaskInput Input(std::vector<std::string> values, uint64_t seq = 1) {
  TaskInput in;
  in.seq = seq;
  for (std::string& v : values) in.items.push_back({std::move(v)});
  return in;
}

// --outputs over a fake disk, with the templates parsed as the engine parses them.
class DeclaredOutputsTest : public ::testing::Test {
 protected:
  void Declare(std::vector<std::string> templates, OutputOptions options = {},
               bool batched = false) {
    outputs_.emplace(&disk_, options);
    std::string err;
    ASSERT_TRUE(outputs_->Parse(templates, FieldScope{}, batched, &err)) << err;
  }
  std::vector<std::string> Paths(const TaskInput& in, std::string* refused = nullptr) {
    std::vector<std::string> paths;
    std::string ignored;
    outputs_->Expand(in, &paths, refused != nullptr ? refused : &ignored);
    return paths;
  }

  FakeDisk disk_;
  std::optional<DeclaredOutputs> outputs_;
};

TEST_F(DeclaredOutputsTest, ExpandsOnePathPerTemplate) {
  Declare({"out/{.}.tsv", "log/{}.log"});
  EXPECT_EQ(outputs_->per_input(), 2u);
  EXPECT_EQ(Paths(Input({"a.txt"})), (std::vector<std::string>{"out/a.tsv", "log/a.txt.log"}));
}

TEST_F(DeclaredOutputsTest, OutputsPresentMeanTheTaskIsUpToDate) {
  Declare({"out/{}.tsv", "out/{}.log"});
  disk_.Write("out/a.tsv");
  disk_.Write("out/a.log");
  disk_.Write("out/b.tsv");
  EXPECT_TRUE(outputs_->UpToDate(Paths(Input({"a"}))));
  EXPECT_FALSE(outputs_->UpToDate(Paths(Input({"b"}))));  // b.log is missing
  EXPECT_FALSE(outputs_->UpToDate(Paths(Input({"c"}))));
  EXPECT_EQ(disk_.lists, 1);  // one listing of out/ answers every input
  EXPECT_EQ(disk_.stats, 0);
}

TEST_F(DeclaredOutputsTest, AnInputWalksListingAnswersForItsDirectoryWithoutAnotherRead) {
  Declare({"{.}.out"});  // beside each input: any walked directory may hold outputs
  outputs_->Listed("d/a", {"1.pdb", "1.out", "2.pdb"});
  EXPECT_TRUE(outputs_->UpToDate(Paths(Input({"d/a/1.pdb"}))));
  EXPECT_FALSE(outputs_->UpToDate(Paths(Input({"d/a/2.pdb"}))));
  EXPECT_EQ(disk_.lists, 0);
  EXPECT_FALSE(outputs_->UpToDate(Paths(Input({"d/b/3.pdb"}))));  // not walked: listed now
  EXPECT_EQ(disk_.lists, 1);
}

TEST_F(DeclaredOutputsTest, AWalksListingIsKeptOnlyWhereOutputsCanBe) {
  Declare({"out/{/.}.tsv"});
  disk_.Write("out/1.tsv");
  outputs_->Listed("d/a", {"1.pdb", "1.tsv"});  // outputs are never under d/: not kept
  outputs_->Listed("out", {});                  // a listing older than the file: the first wins
  EXPECT_FALSE(outputs_->UpToDate(Paths(Input({"d/a/1.pdb"}))));
  EXPECT_EQ(disk_.lists, 0);
  Declare({"out/{/.}.tsv"}, OutputOptions{.clobber = true});
  outputs_->Listed("out", {"1.tsv"});
  EXPECT_FALSE(outputs_->UpToDate(Paths(Input({"d/a/1.pdb"}))));  // --clobber runs it anyway
}

TEST_F(DeclaredOutputsTest, MissingDirectoryHoldsNothing) {
  Declare({"nowhere/{}.tsv"});
  EXPECT_FALSE(outputs_->UpToDate(Paths(Input({"a"}))));
}

TEST_F(DeclaredOutputsTest, ClobberRunsTasksWhoseOutputsExist) {
  Declare({"out/{}.tsv"}, OutputOptions{.clobber = true});
  disk_.Write("out/a.tsv");
  EXPECT_FALSE(outputs_->UpToDate(Paths(Input({"a"}))));
  EXPECT_EQ(disk_.lists, 0);
}

TEST_F(DeclaredOutputsTest, SuccessfulTaskThatDidNotWriteItsOutputFails) {
  Declare({"out/{}.tsv", "out/{}.log"});
  disk_.Write("out/a.tsv");
  std::string missing = outputs_->Missing(TaskId{7}, Paths(Input({"a"})));
  EXPECT_EQ(missing, "coreflow: task 7 exited 0 but did not write its output 'out/a.log'\n");
  disk_.Write("out/a.log");
  EXPECT_EQ(outputs_->Missing(TaskId{7}, Paths(Input({"a"}))), "");
}

TEST_F(DeclaredOutputsTest, FailedAttemptsOutputsAreRemoved) {
  Declare({"out/{}.tsv", "out/{}.log"});
  std::vector<std::string> paths = Paths(Input({"a"}));
  std::vector<FileIdentity> before = outputs_->Identify(paths);
  disk_.Write("out/a.tsv");  // the attempt wrote one of them, then failed
  EXPECT_TRUE(outputs_->DiscardFailed(paths, before).empty());
  EXPECT_FALSE(disk_.Has("out/a.tsv"));
  EXPECT_EQ(disk_.removed, (std::vector<std::string>{"out/a.tsv"}));  // not the absent one
}

TEST_F(DeclaredOutputsTest, FailedAttemptLeavesWhatItDidNotTouch) {
  Declare({"out/{}.tsv", "out/{}.log"});
  disk_.Write("out/a.tsv");
  disk_.Write("out/a.log");
  std::vector<std::string> paths = Paths(Input({"a"}));
  std::vector<FileIdentity> before = outputs_->Identify(paths);
  disk_.Write("out/a.log");  // rewritten by the attempt
  outputs_->DiscardFailed(paths, before);
  EXPECT_TRUE(disk_.Has("out/a.tsv"));
  EXPECT_FALSE(disk_.Has("out/a.log"));
}

TEST_F(DeclaredOutputsTest, KeepFailedOutputsMovesThemAside) {
  Declare({"out/{}.tsv"}, OutputOptions{.keep_failed = true});
  std::vector<std::string> paths = Paths(Input({"a"}));
  std::vector<FileIdentity> before = outputs_->Identify(paths);
  FileIdentity written = disk_.Write("out/a.tsv");
  EXPECT_TRUE(outputs_->DiscardFailed(paths, before).empty());
  EXPECT_FALSE(disk_.Has("out/a.tsv"));
  EXPECT_EQ(disk_.Stat("out/a.tsv.failed"), written);
  EXPECT_TRUE(disk_.removed.empty());
}

TEST_F(DeclaredOutputsTest, CleanupThatFailsIsAWarning) {
  Declare({"out/{}.tsv"});
  std::vector<std::string> paths = Paths(Input({"a"}));
  std::vector<FileIdentity> before = outputs_->Identify(paths);
  disk_.Write("out/a.tsv");
  disk_.FailOn("out/a.tsv", EACCES);
  std::vector<std::string> warnings = outputs_->DiscardFailed(paths, before);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("cannot remove partial output 'out/a.tsv'"), std::string::npos)
      << warnings[0];
  EXPECT_NE(warnings[0].find("ermission denied"), std::string::npos) << warnings[0];
}

TEST_F(DeclaredOutputsTest, ResumeRemovesOnlyWhatTheCutAttemptCreatedOrChanged) {
  Declare({"out/{}.a", "out/{}.b", "out/{}.c"});
  FileIdentity kept = disk_.Write("out/x.a");  // there before the cut attempt, untouched
  FileIdentity old_b = disk_.Write("out/x.b");
  disk_.Write("out/x.b");  // the cut attempt rewrote it
  disk_.Write("out/x.c");  // the cut attempt created it
  std::vector<std::optional<FileIdentity>> cut_before = {kept, old_b, FileIdentity{}};
  EXPECT_TRUE(outputs_->DiscardCut(Paths(Input({"x"})), cut_before).empty());
  EXPECT_TRUE(disk_.Has("out/x.a"));
  EXPECT_FALSE(disk_.Has("out/x.b"));
  EXPECT_FALSE(disk_.Has("out/x.c"));
}

TEST_F(DeclaredOutputsTest, ResumeRemovesOutputsOfUnknownState) {
  Declare({"out/{}.a", "out/{}.b"});
  FileIdentity a = disk_.Write("out/x.a");
  disk_.Write("out/x.b");
  // A journal before version 2 says nothing: every output may be half written.
  EXPECT_TRUE(outputs_->DiscardCut(Paths(Input({"x"})), {std::nullopt, std::nullopt}).empty());
  EXPECT_FALSE(disk_.Has("out/x.a"));
  EXPECT_FALSE(disk_.Has("out/x.b"));
  // Fewer states than outputs: the rest are unknown too.
  disk_.Write("out/x.b");
  a = disk_.Write("out/x.a");
  outputs_->DiscardCut(Paths(Input({"x"})), {a});
  EXPECT_TRUE(disk_.Has("out/x.a"));
  EXPECT_FALSE(disk_.Has("out/x.b"));
}

TEST_F(DeclaredOutputsTest, PathEscapingItsDirectoryIsRefusedAndNeverTouched) {
  Declare({"out/{}.tsv"});
  std::string refused;
  std::vector<std::string> paths = Paths(Input({"../etc/x"}), &refused);
  ASSERT_EQ(paths, (std::vector<std::string>{"out/../etc/x.tsv"}));
  EXPECT_EQ(refused,
            "coreflow: input '../etc/x' was not run: its output 'out/../etc/x.tsv' (--outputs "
            "'out/{}.tsv') is outside 'out/'\n");
  disk_.Write("out/../etc/x.tsv");
  outputs_->DiscardFailed(paths, {FileIdentity{}});
  outputs_->DiscardCut(paths, {std::nullopt});
  EXPECT_TRUE(disk_.Has("out/../etc/x.tsv"));
  EXPECT_TRUE(disk_.removed.empty());
}

TEST_F(DeclaredOutputsTest, PathInsideItsDirectoryIsNotRefused) {
  Declare({"out/{}.tsv"});
  std::string refused;
  Paths(Input({"sub/../x"}), &refused);
  EXPECT_EQ(refused, "");
}

TEST_F(DeclaredOutputsTest, BatchCleansEachInputsOutputsAgainstItsTemplate) {
  Declare({"out/{}.tsv", "log/{}.log"}, {}, /*batched=*/true);
  std::vector<std::string> paths;
  std::string refused;
  outputs_->Expand(Input({"a"}), &paths, &refused);
  outputs_->Expand(Input({"../b"}), &paths, &refused);  // its log would land outside log/
  ASSERT_EQ(paths,
            (std::vector<std::string>{"out/a.tsv", "log/a.log", "out/../b.tsv", "log/../b.log"}));
  EXPECT_NE(refused.find("input '../b' was not run"), std::string::npos) << refused;
  std::vector<FileIdentity> before = outputs_->Identify(paths);
  for (const std::string& path : paths) disk_.Write(path);
  outputs_->DiscardFailed(paths, before);
  EXPECT_EQ(disk_.removed, (std::vector<std::string>{"out/a.tsv", "log/a.log"}));
  // The escaping ones were left alone, so only the removed ones are missing now.
  EXPECT_EQ(outputs_->Missing(TaskId{3}, paths),
            "coreflow: task 3 exited 0 but did not write its output 'out/a.tsv'\n"
            "coreflow: task 3 exited 0 but did not write its output 'log/a.log'\n");
}

TEST_F(DeclaredOutputsTest, BatchIsUpToDateOnlyWithEveryInputsOutputs) {
  Declare({"out/{}.tsv"}, {}, /*batched=*/true);
  std::vector<std::string> paths;
  std::string refused;
  outputs_->Expand(Input({"a"}), &paths, &refused);
  outputs_->Expand(Input({"b"}), &paths, &refused);
  disk_.Write("out/a.tsv");
  EXPECT_FALSE(outputs_->UpToDate(paths));
  EXPECT_EQ(outputs_->Missing(TaskId{1}, paths),
            "coreflow: task 1 exited 0 but did not write its output 'out/b.tsv'\n");
}

TEST_F(DeclaredOutputsTest, SameFileForEveryTaskIsAUsageError) {
  DeclaredOutputs outputs(&disk_, {});
  std::string err;
  EXPECT_FALSE(outputs.Parse({"out/all.tsv"}, FieldScope{}, false, &err));
  EXPECT_NE(err.find("is the same file for every task"), std::string::npos) << err;
}

TEST_F(DeclaredOutputsTest, NumberedOutputsInABatchAreAUsageError) {
  DeclaredOutputs outputs(&disk_, {});
  std::string err;
  EXPECT_TRUE(outputs.Parse({"out/{#}.tsv"}, FieldScope{}, false, &err)) << err;
  DeclaredOutputs batched(&disk_, {});
  EXPECT_FALSE(batched.Parse({"out/{#}.tsv"}, FieldScope{}, true, &err));
  EXPECT_NE(err.find("uses {#}, but with -N, -X or -m"), std::string::npos) << err;
}

TEST_F(DeclaredOutputsTest, MalformedTemplateNamesTheFlag) {
  DeclaredOutputs outputs(&disk_, {});
  std::string err;
  EXPECT_FALSE(outputs.Parse({"out/{9}.tsv"}, FieldScope{}, false, &err));
  EXPECT_EQ(err.rfind("--outputs: ", 0), 0u) << err;
}

}  // namespace
}  // namespace coreflow
