#include "engine/results_dir.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "sys/fs.h"
#include "test_util.h"

namespace coreflow {
namespace {

using testutil::ReadFile;
using testutil::ScratchDir;

// ---- ResultsDirName ----

TEST(ResultsDirNameTest, PlainValuesAreKept) {
  EXPECT_EQ(ResultsDirName("sample_01.fastq"), "sample_01.fastq");
  EXPECT_EQ(ResultsDirName("a b"), "a b");
  EXPECT_EQ(ResultsDirName("caf\xc3\xa9"), "caf\xc3\xa9");
  EXPECT_EQ(ResultsDirName("..."), "...");
  EXPECT_EQ(ResultsDirName(".hidden"), ".hidden");
}

TEST(ResultsDirNameTest, SlashesBecomeBackslashUnderscore) {
  EXPECT_EQ(ResultsDirName("a/b"), "a\\_b");
  EXPECT_EQ(ResultsDirName("/abs/path/"), "\\_abs\\_path\\_");
  EXPECT_EQ(ResultsDirName("../up"), "..\\_up");
  EXPECT_EQ(ResultsDirName("/"), "\\_");
}

TEST(ResultsParamsDirTest, OneDirectoryPerSetOfValuesNoValueEscapes) {
  EXPECT_EQ(ResultsParamsDir("res", {{"b", "16"}}), "res/b=16");
  EXPECT_EQ(ResultsParamsDir("res", {{"b", "16"}, {"mode", "fast"}}), "res/b=16,mode=fast");
  EXPECT_EQ(ResultsParamsDir("res", {{"p", "../x"}}), "res/p=..\\_x");
}

TEST(ResultsDirNameTest, BackslashesAreDoubledLikeGnuParallel) {
  EXPECT_EQ(ResultsDirName("a\\b"), "a\\\\b");
  EXPECT_EQ(ResultsDirName("\\"), "\\\\");
}

TEST(ResultsDirNameTest, NamesThatCannotBeDirectoriesAreEscaped) {
  EXPECT_EQ(ResultsDirName(""), "\\e");
  EXPECT_EQ(ResultsDirName("."), "\\.");
  EXPECT_EQ(ResultsDirName(".."), "\\..");
}

TEST(ResultsDirNameTest, DistinctValuesNeverShareADirectory) {
  // Each pair would collide if the escapes themselves were not escaped.
  const std::vector<std::string> values = {"a/b",   "a\\_b", "",  "\\e", ".",    "\\.",
                                           "..",    "\\..",  "/", "\\_", "\\\\", "\\",
                                           "\\\\_", "e",     "_", "a_b", "a\\b", "a\\\\b"};
  std::set<std::string> names;
  for (const std::string& v : values) names.insert(ResultsDirName(v));
  EXPECT_EQ(names.size(), values.size());
}

TEST(ResultsDirNameTest, NamesAreAlwaysOneSafeComponent) {
  std::vector<std::string> values = {"",
                                     ".",
                                     "..",
                                     "/",
                                     "//",
                                     "/..",
                                     "../..",
                                     "a/../b",
                                     std::string(300, '/'),
                                     std::string(1000, '\\'),
                                     std::string(254, 'x'),
                                     std::string(4096, 'y')};
  for (const std::string& v : values) {
    std::string name = ResultsDirName(v);
    EXPECT_EQ(name.find('/'), std::string::npos) << v;
    EXPECT_NE(name, "");
    EXPECT_NE(name, ".");
    EXPECT_NE(name, "..");
    EXPECT_LT(name.size(), 255u) << "NAME_MAX";
  }
}

TEST(ResultsDirNameTest, LongNamesAreShortenedWithAHash) {
  std::string exact(200, 'x');
  EXPECT_EQ(ResultsDirName(exact), exact) << "200 bytes still fit";
  std::string a(300, 'x');
  std::string b = a;
  b.back() = 'y';
  std::string name_a = ResultsDirName(a);
  std::string name_b = ResultsDirName(b);
  EXPECT_LT(name_a.size(), 255u);
  EXPECT_EQ(name_a.substr(0, 180), std::string(180, 'x'));
  EXPECT_EQ(name_a.substr(180, 2), "\\h");
  EXPECT_EQ(name_a.size(), 180u + 2 + 16);
  EXPECT_NE(name_a, name_b) << "the hash tells values with a common prefix apart";
  EXPECT_EQ(ResultsDirName(a), name_a) << "stable";
  EXPECT_EQ(ResultsDirName(std::string(201, 'x')).size(), 198u);
}

TEST(ResultsDirNameTest, EscapesCountTowardTheLimit) {
  // 150 slashes are 300 bytes once escaped.
  std::string name = ResultsDirName(std::string(150, '/'));
  EXPECT_EQ(name.size(), 198u);
}

// ---- ResultsTaskDir ----

TEST(ResultsTaskDirTest, OneLevelPerSource) {
  EXPECT_EQ(ResultsTaskDir("out", {"a"}), "out/1/a");
  EXPECT_EQ(ResultsTaskDir("out", {"x/y", "", "z"}), "out/1/x\\_y/2/\\e/3/z");
  EXPECT_EQ(ResultsTaskDir("out", {}), "out");
}

// ---- WriteTaskResults ----

TEST(WriteTaskResultsTest, WritesSeqStdoutStderrAndExit) {
  ScratchDir scratch("results_test");
  ASSERT_FALSE(scratch.path().empty());
  std::string dir = scratch.path() + "/res";
  PrivateTempDir spill;
  CapturedOutput output(&spill);
  ASSERT_EQ(output.out.Append("hello\n"), 0);
  ASSERT_EQ(output.err.Append("warning\n"), 0);
  TaskInput input;
  input.seq = 7;
  input.items = {{"x y", "d/f"}};
  Outcome outcome;
  outcome.exit_code = 3;
  std::string where;
  ASSERT_EQ(WriteTaskResults(dir, input, &output, "killed by coreflow\n", outcome, &where), 0)
      << where;
  std::string task_dir = dir + "/1/x y/2/d\\_f";
  EXPECT_EQ(ReadFile(task_dir + "/seq"), "7\n");
  EXPECT_EQ(ReadFile(task_dir + "/stdout"), "hello\n");
  EXPECT_EQ(ReadFile(task_dir + "/stderr"), "warning\nkilled by coreflow\n");
  EXPECT_EQ(ReadFile(task_dir + "/exit"), "3\n");
}

TEST(WriteTaskResultsTest, SignalIsWrittenAs128PlusSignal) {
  ScratchDir scratch("results_test");
  ASSERT_FALSE(scratch.path().empty());
  TaskInput input;
  input.seq = 1;
  input.items = {{"a"}};
  Outcome outcome;
  outcome.signal = 9;
  std::string where;
  ASSERT_EQ(WriteTaskResults(scratch.path(), input, nullptr, "", outcome, &where), 0) << where;
  EXPECT_EQ(ReadFile(scratch.path() + "/1/a/exit"), "137\n");
  EXPECT_EQ(ReadFile(scratch.path() + "/1/a/stdout"), "") << "no captured output: empty files";
  EXPECT_EQ(ReadFile(scratch.path() + "/1/a/stderr"), "");
}

TEST(WriteTaskResultsTest, OnlyTheFirstItemNamesTheDirectory) {
  ScratchDir scratch("results_test");
  ASSERT_FALSE(scratch.path().empty());
  TaskInput input;
  input.seq = 2;
  input.items = {{"first"}, {"second"}};
  std::string where;
  ASSERT_EQ(WriteTaskResults(scratch.path(), input, nullptr, "", Outcome{}, &where), 0);
  EXPECT_EQ(ReadFile(scratch.path() + "/1/first/exit"), "0\n");
  EXPECT_FALSE(std::filesystem::exists(scratch.path() + "/1/second"));
}

TEST(WriteTaskResultsTest, RewritingReplacesOldFiles) {
  ScratchDir scratch("results_test");
  ASSERT_FALSE(scratch.path().empty());
  TaskInput input;
  input.seq = 12;
  input.items = {{"v"}};
  std::string where;
  ASSERT_EQ(WriteTaskResults(scratch.path(), input, nullptr, "a long first message\n",
                             Outcome{1, 0}, &where),
            0);
  input.seq = 3;
  ASSERT_EQ(WriteTaskResults(scratch.path(), input, nullptr, "short\n", Outcome{}, &where), 0);
  EXPECT_EQ(ReadFile(scratch.path() + "/1/v/seq"), "3\n");
  EXPECT_EQ(ReadFile(scratch.path() + "/1/v/stderr"), "short\n");
  EXPECT_EQ(ReadFile(scratch.path() + "/1/v/exit"), "0\n");
}

TEST(WriteTaskResultsTest, HostileValuesStayInsideTheDirectory) {
  ScratchDir scratch("results_test");
  ASSERT_FALSE(scratch.path().empty());
  std::string dir = scratch.path() + "/res";
  for (const std::string& v : {std::string(".."), std::string("../../escape"), std::string(""),
                               std::string("."), std::string(400, 'L')}) {
    TaskInput input;
    input.seq = 1;
    input.items = {{v}};
    std::string where;
    ASSERT_EQ(WriteTaskResults(dir, input, nullptr, "", Outcome{}, &where), 0) << where;
    EXPECT_EQ(where.rfind(dir + "/1/", 0), 0u) << where;
    EXPECT_EQ(ReadFile(ResultsTaskDir(dir, {v}) + "/seq"), "1\n");
  }
  // Nothing was created beside `res`.
  int entries = 0;
  for (const auto& e : std::filesystem::directory_iterator(scratch.path())) {
    EXPECT_EQ(e.path().filename(), "res");
    ++entries;
  }
  EXPECT_EQ(entries, 1);
}

TEST(WriteTaskResultsTest, ReportsWhereItFailed) {
  ScratchDir scratch("results_test");
  ASSERT_FALSE(scratch.path().empty());
  // A regular file where the directory should be.
  std::string blocker = scratch.path() + "/res";
  std::ofstream(blocker) << "x";
  TaskInput input;
  input.seq = 1;
  input.items = {{"a"}};
  std::string where;
  EXPECT_EQ(WriteTaskResults(blocker, input, nullptr, "", Outcome{}, &where), ENOTDIR);
  EXPECT_EQ(where, blocker + "/1/a");
}

}  // namespace
}  // namespace coreflow
