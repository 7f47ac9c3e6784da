#include "sys/file_state.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <string>

#include "sys/disk.h"
#include "test_util.h"

namespace coreflow {
namespace {

using testutil::ReadFile;
using testutil::ScratchDir;

// Sets a file's modification time exactly, so tests do not depend on timestamp granularity.
void SetMtime(const std::string& path, time_t sec, long nsec) {
  timespec times[2] = {{sec, nsec}, {sec, nsec}};
  ASSERT_EQ(utimensat(AT_FDCWD, path.c_str(), times, 0), 0) << path << ": " << ErrnoText(errno);
}

// Works in `dir` until destruction, then returns to where the test was.
class CurrentDirectory {
 public:
  explicit CurrentDirectory(const std::string& dir) {
    char buf[PATH_MAX];
    EXPECT_NE(getcwd(buf, sizeof buf), nullptr) << ErrnoText(errno);
    old_ = buf;
    EXPECT_EQ(chdir(dir.c_str()), 0) << dir << ": " << ErrnoText(errno);
  }
  ~CurrentDirectory() { EXPECT_EQ(chdir(old_.c_str()), 0) << old_ << ": " << ErrnoText(errno); }
  CurrentDirectory(const CurrentDirectory&) = delete;
  CurrentDirectory& operator=(const CurrentDirectory&) = delete;

 private:
  std::string old_;
};

// ---- StatFile ----

TEST(FileStateTest, MissingFileHasNoIdentity) {
  ScratchDir dir("file_state");
  FileIdentity id = StatFile(dir.path() + "/absent");
  EXPECT_FALSE(id.exists);
  EXPECT_EQ(id, FileIdentity{}) << "every field is zero";
  EXPECT_FALSE(StatFile("").exists);
  EXPECT_FALSE(StatFile(dir.path() + "/absent/below").exists);
}

TEST(FileStateTest, ExistingFileMatchesStat) {
  ScratchDir dir("file_state");
  std::string path = dir.Write("out.txt", "hello");
  SetMtime(path, 1'600'000'000, 123'456'789);
  FileIdentity id = StatFile(path);
  struct stat st {};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_TRUE(id.exists);
  EXPECT_EQ(id.dev, st.st_dev);
  EXPECT_EQ(id.ino, st.st_ino);
  EXPECT_EQ(id.size, 5);
  EXPECT_EQ(id.mtime_ns, 1'600'000'000'123'456'789);
  EXPECT_EQ(StatFile(path), id) << "an untouched file keeps its identity";
}

TEST(FileStateTest, DirectoriesExistToo) {
  ScratchDir dir("file_state");
  EXPECT_TRUE(StatFile(dir.path()).exists);
}

TEST(FileStateTest, RewriteInPlaceChangesSizeOrMtime) {
  ScratchDir dir("file_state");
  std::string path = dir.Write("out.txt", "first");
  SetMtime(path, 1'600'000'000, 0);
  FileIdentity before = StatFile(path);

  // Same inode, other size.
  dir.Write("out.txt", "second version");
  SetMtime(path, 1'600'000'000, 0);
  FileIdentity longer = StatFile(path);
  EXPECT_EQ(longer.ino, before.ino);
  EXPECT_EQ(longer.size, 14);
  EXPECT_NE(longer, before);

  // Same inode and size, later mtime.
  dir.Write("out.txt", "second VERSION");
  SetMtime(path, 1'600'000'000, 1);
  FileIdentity touched = StatFile(path);
  EXPECT_EQ(touched.ino, before.ino);
  EXPECT_EQ(touched.size, longer.size);
  EXPECT_NE(touched, longer);
}

TEST(FileStateTest, ReplacedFileHasAnotherInode) {
  // Same size, same mtime, but a new file renamed over the old one: still a change.
  ScratchDir dir("file_state");
  std::string path = dir.Write("out.txt", "abc");
  SetMtime(path, 1'600'000'000, 0);
  UniqueFd keep(open(path.c_str(), O_RDONLY | O_CLOEXEC));  // the inode stays taken
  ASSERT_TRUE(keep.valid());
  FileIdentity before = StatFile(path);
  std::string fresh = dir.Write("fresh.txt", "xyz");
  SetMtime(fresh, 1'600'000'000, 0);
  ASSERT_EQ(rename(fresh.c_str(), path.c_str()), 0);
  FileIdentity after = StatFile(path);
  EXPECT_TRUE(after.exists);
  EXPECT_EQ(after.size, before.size);
  EXPECT_EQ(after.mtime_ns, before.mtime_ns);
  EXPECT_NE(after.ino, before.ino);
  EXPECT_NE(after, before);
}

// ---- RemoveFile and MovePath ----

TEST(FileStateTest, RemoveFile) {
  ScratchDir dir("file_state");
  std::string path = dir.Write("partial.out", "half");
  EXPECT_EQ(RemoveFile(path), 0);
  EXPECT_FALSE(StatFile(path).exists);
  EXPECT_EQ(RemoveFile(path), 0) << "already gone counts as removed";
  EXPECT_EQ(RemoveFile(dir.path() + "/missing/x"), 0);
}

TEST(FileStateTest, RemoveFileReportsRealErrors) {
  ScratchDir dir("file_state");
  dir.Mkdir("sub");
  EXPECT_EQ(RemoveFile(dir.path() + "/sub"), EISDIR) << "unlink does not remove directories";
  EXPECT_TRUE(StatFile(dir.path() + "/sub").exists);
  std::string file = dir.Write("file", "x");
  EXPECT_EQ(RemoveFile(file + "/below"), ENOTDIR);
}

TEST(FileStateTest, MovePathReplacesTheTarget) {
  ScratchDir dir("file_state");
  std::string from = dir.Write("out.tmp", "new contents");
  std::string to = dir.Write("out.txt", "old");
  EXPECT_EQ(MovePath(from, to), 0);
  EXPECT_FALSE(StatFile(from).exists);
  EXPECT_EQ(ReadFile(to), "new contents");
}

TEST(FileStateTest, MovePathMovesDirectories) {
  ScratchDir dir("file_state");
  dir.Write("a/inner.txt", "x");
  EXPECT_EQ(MovePath(dir.path() + "/a", dir.path() + "/b"), 0);
  EXPECT_EQ(ReadFile(dir.path() + "/b/inner.txt"), "x");
  EXPECT_FALSE(StatFile(dir.path() + "/a").exists);
}

TEST(FileStateTest, MovePathErrors) {
  ScratchDir dir("file_state");
  EXPECT_EQ(MovePath(dir.path() + "/absent", dir.path() + "/to"), ENOENT);
  std::string from = dir.Write("from", "x");
  EXPECT_EQ(MovePath(from, dir.path() + "/missing/to"), ENOENT);
  EXPECT_TRUE(StatFile(from).exists) << "a failed move leaves the source alone";
}

// ---- DirectoryIndex ----

TEST(DirectoryIndexTest, ExistingAndMissingNames) {
  ScratchDir dir("dir_index");
  dir.Write("a.txt", "");
  dir.Write("b.txt", "b");
  dir.Mkdir("sub");
  SystemDisk disk;
  DirectoryIndex index(&disk);
  EXPECT_TRUE(index.Exists(dir.path() + "/a.txt"));
  EXPECT_TRUE(index.Exists(dir.path() + "/b.txt"));
  EXPECT_TRUE(index.Exists(dir.path() + "/sub")) << "directories are names too";
  EXPECT_FALSE(index.Exists(dir.path() + "/c.txt"));
  EXPECT_FALSE(index.Exists(dir.path() + "/A.TXT"));
  EXPECT_FALSE(index.Exists(dir.path() + "/a.tx"));
  EXPECT_EQ(index.scans(), 1u);
}

TEST(DirectoryIndexTest, FilesInAMissingDirectory) {
  ScratchDir dir("dir_index");
  SystemDisk disk;
  DirectoryIndex index(&disk);
  EXPECT_FALSE(index.Exists(dir.path() + "/missing/a.txt"));
  EXPECT_FALSE(index.Exists(dir.path() + "/missing/b.txt"));
  EXPECT_EQ(index.scans(), 1u) << "a missing directory is looked at once too";
  EXPECT_FALSE(index.Exists(dir.path() + "/missing/deeper/c.txt"));
  EXPECT_EQ(index.scans(), 2u);
}

TEST(DirectoryIndexTest, PathsWithoutASlashAreInTheCurrentDirectory) {
  ScratchDir dir("dir_index");
  dir.Write("here.txt", "x");
  dir.Write("sub/there.txt", "x");
  CurrentDirectory cwd(dir.path());
  SystemDisk disk;
  DirectoryIndex index(&disk);
  EXPECT_TRUE(index.Exists("here.txt"));
  EXPECT_FALSE(index.Exists("there.txt"));
  EXPECT_EQ(index.scans(), 1u);
  EXPECT_TRUE(index.Exists("sub/there.txt"));
  EXPECT_FALSE(index.Exists("sub/here.txt"));
  EXPECT_EQ(index.scans(), 2u);
}

TEST(DirectoryIndexTest, PathsInTheRootDirectory) {
  ScratchDir dir("dir_index");
  // The top directory the scratch directory lies in, such as "/tmp".
  std::string top = dir.path().substr(0, dir.path().find('/', 1));
  ASSERT_TRUE(top.size() > 1 && top[0] == '/') << dir.path();
  SystemDisk disk;
  DirectoryIndex index(&disk);
  EXPECT_TRUE(index.Exists(top));
  EXPECT_FALSE(index.Exists("/no-such-name-in-the-root-directory"));
  EXPECT_EQ(index.scans(), 1u);
}

TEST(DirectoryIndexTest, TrailingSlashAsksTheFileSystem) {
  ScratchDir dir("dir_index");
  dir.Mkdir("sub");
  SystemDisk disk;
  DirectoryIndex index(&disk);
  EXPECT_TRUE(index.Exists(dir.path() + "/sub/"));
  EXPECT_FALSE(index.Exists(dir.path() + "/missing/"));
  EXPECT_EQ(index.scans(), 0u) << "no name to look up, so no scan";
}

TEST(DirectoryIndexTest, OneScanPerDirectory) {
  // The point of the index: a thousand lookups in one directory read it once.
  ScratchDir dir("dir_index");
  for (int i = 0; i < 500; ++i) dir.Write("out" + std::to_string(i), "");
  SystemDisk disk;
  DirectoryIndex index(&disk);
  int found = 0;
  for (int i = 0; i < 1000; ++i) {
    bool exists = index.Exists(dir.path() + "/out" + std::to_string(i));
    EXPECT_EQ(exists, i < 500) << i;
    found += exists ? 1 : 0;
  }
  EXPECT_EQ(found, 500);
  EXPECT_EQ(index.scans(), 1u);
}

TEST(DirectoryIndexTest, SeveralDirectoriesOneScanEach) {
  ScratchDir dir("dir_index");
  dir.Write("a/x", "");
  dir.Write("b/y", "");
  SystemDisk disk;
  DirectoryIndex index(&disk);
  for (int round = 0; round < 3; ++round) {
    EXPECT_TRUE(index.Exists(dir.path() + "/a/x"));
    EXPECT_FALSE(index.Exists(dir.path() + "/a/y"));
    EXPECT_TRUE(index.Exists(dir.path() + "/b/y"));
    EXPECT_FALSE(index.Exists(dir.path() + "/b/x"));
  }
  EXPECT_EQ(index.scans(), 2u);
}

TEST(DirectoryIndexTest, AnswersAreCachedFromTheScan) {
  // Documented: the index sees a directory as it was at its first lookup.
  ScratchDir dir("dir_index");
  std::string gone = dir.Write("gone.txt", "");
  SystemDisk disk;
  DirectoryIndex index(&disk);
  EXPECT_FALSE(index.Exists(dir.path() + "/late.txt"));
  dir.Write("late.txt", "");
  ASSERT_EQ(unlink(gone.c_str()), 0);
  EXPECT_FALSE(index.Exists(dir.path() + "/late.txt")) << "created after the scan";
  EXPECT_TRUE(index.Exists(gone)) << "removed after the scan";
  EXPECT_EQ(index.scans(), 1u);

  DirectoryIndex fresh(&disk);
  EXPECT_TRUE(fresh.Exists(dir.path() + "/late.txt"));
  EXPECT_FALSE(fresh.Exists(gone));
}

}  // namespace
}  // namespace coreflow
