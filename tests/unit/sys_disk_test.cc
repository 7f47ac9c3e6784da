#include "sys/disk.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <string>
#include <vector>

#include "test_util.h"

namespace coreflow {
namespace {

using testutil::ScratchDir;

TEST(SystemDiskTest, StatTellsPresentFromAbsent) {
  ScratchDir dir("disk_test");
  std::string path = dir.Write("a.txt", "hello");
  SystemDisk disk;
  FileIdentity id = disk.Stat(path);
  EXPECT_TRUE(id.exists);
  EXPECT_EQ(id.size, 5);
  EXPECT_EQ(id, StatFile(path));
  EXPECT_FALSE(disk.Stat(dir.path() + "/missing").exists);
}

TEST(SystemDiskTest, RemoveAndMove) {
  ScratchDir dir("disk_test");
  std::string a = dir.Write("a.txt", "a");
  std::string b = dir.Write("b.txt", "bb");
  SystemDisk disk;
  FileIdentity moved = disk.Stat(b);
  EXPECT_EQ(disk.Move(b, b + ".failed"), 0);
  EXPECT_FALSE(disk.Stat(b).exists);
  EXPECT_EQ(disk.Stat(b + ".failed"), moved);
  EXPECT_EQ(disk.Remove(a), 0);
  EXPECT_FALSE(disk.Stat(a).exists);
  EXPECT_EQ(disk.Remove(a), 0);  // already gone counts as removed
  EXPECT_EQ(disk.Move(a, a + ".x"), ENOENT);
}

TEST(SystemDiskTest, ListNamesEveryEntry) {
  ScratchDir dir("disk_test");
  dir.Write("x/one", "");
  dir.Write("x/two", "");
  dir.Mkdir("x/sub");
  SystemDisk disk;
  std::vector<std::string> names = {"stale"};
  ASSERT_EQ(disk.List(dir.path() + "/x", &names), 0);
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{".", "..", "one", "sub", "two"}));
  EXPECT_EQ(disk.List(dir.path() + "/nope", &names), ENOENT);
  EXPECT_TRUE(names.empty());
}

}  // namespace
}  // namespace coreflow
