#include "sys/copy.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <string>

#include "test_util.h"

namespace coreflow {
namespace {

using testutil::ReadFile;
using testutil::ScratchDir;
using testutil::WriteFile;

struct stat StatOf(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(stat(path.c_str(), &st), 0) << path;
  return st;
}

std::vector<std::string> Names(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    names.push_back(e.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

TEST(CopyFileWhole, CopiesIntoNewDirectoriesWithTheSourcesModeAndTimes) {
  ScratchDir dir("copy");
  std::string src = dir.path() + "/in.pdb";
  std::string big(3 << 20, 'x');  // several megabytes: more than one read of the fallback
  big[12345] = 'y';
  WriteFile(src, big);
  chmod(src.c_str(), 0640);
  std::string dest = dir.path() + "/scratch/a/b/in.pdb";
  CopyResult result;
  std::string step;
  ASSERT_EQ(CopyFileWhole(src, dest, &result, &step), 0) << step;
  EXPECT_FALSE(result.identical);
  EXPECT_EQ(result.bytes, big.size());
  EXPECT_EQ(ReadFile(dest), big);
  struct stat from = StatOf(src), to = StatOf(dest);
  EXPECT_EQ(to.st_mode & 07777, 0640u);
  EXPECT_EQ(to.st_mtim.tv_sec, from.st_mtim.tv_sec);
  EXPECT_EQ(to.st_mtim.tv_nsec, from.st_mtim.tv_nsec);
  EXPECT_EQ(Names(dir.path() + "/scratch/a/b"), std::vector<std::string>{"in.pdb"});  // no temp
}

TEST(CopyFileWhole, AnIdenticalCopyIsLeftAndAChangedSourceIsCopiedAgain) {
  ScratchDir dir("copy");
  std::string src = dir.path() + "/in", dest = dir.path() + "/out";
  WriteFile(src, "one");
  CopyResult result;
  std::string step;
  ASSERT_EQ(CopyFileWhole(src, dest, &result, &step), 0) << step;
  ino_t first = StatOf(dest).st_ino;
  ASSERT_EQ(CopyFileWhole(src, dest, &result, &step), 0) << step;
  EXPECT_TRUE(result.identical);
  EXPECT_EQ(result.bytes, 0u);
  EXPECT_EQ(StatOf(dest).st_ino, first);  // not replaced
  WriteFile(src, "two, longer");
  ASSERT_EQ(CopyFileWhole(src, dest, &result, &step), 0) << step;
  EXPECT_FALSE(result.identical);
  EXPECT_EQ(ReadFile(dest), "two, longer");
}

TEST(CopyFileWhole, ALeftoverPartFromACrashIsReplaced) {
  ScratchDir dir("copy");
  std::string src = dir.path() + "/in", dest = dir.path() + "/out";
  WriteFile(src, "whole");
  WriteFile(dir.path() + "/.out.coreflow-part", "half");  // a copy killed midway
  CopyResult result;
  std::string step;
  ASSERT_EQ(CopyFileWhole(src, dest, &result, &step), 0) << step;
  EXPECT_EQ(ReadFile(dest), "whole");
  EXPECT_EQ(Names(dir.path()), (std::vector<std::string>{"in", "out"}));
}

TEST(CopyFileWhole, FailuresNameTheStepAndLeaveNothing) {
  ScratchDir dir("copy");
  CopyResult result;
  std::string step;
  EXPECT_EQ(CopyFileWhole(dir.path() + "/missing", dir.path() + "/out", &result, &step), ENOENT);
  EXPECT_EQ(step, "open the source");
  EXPECT_EQ(CopyFileWhole(dir.path(), dir.path() + "/out", &result, &step), EINVAL);
  EXPECT_EQ(step, "copy the source (not a regular file)");
  WriteFile(dir.path() + "/in", "x");
  WriteFile(dir.path() + "/file", "not a directory");
  EXPECT_EQ(CopyFileWhole(dir.path() + "/in", dir.path() + "/file/out", &result, &step), ENOTDIR);
  EXPECT_EQ(step, "make the destination's directory");
  EXPECT_EQ(Names(dir.path()), (std::vector<std::string>{"file", "in"}));
}

}  // namespace
}  // namespace coreflow
