#include "sys/fs.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <optional>
#include <string>
#include <vector>

#include "sys/fd.h"
#include "test_util.h"

namespace coreflow {
namespace {

using testutil::DirEntries;
using testutil::EnvOverride;
using testutil::ScratchDir;
using testutil::UmaskOverride;

bool IsDir(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

void Touch(const std::string& path) {
  UniqueFd fd(OpenForWriting(path));
  EXPECT_TRUE(fd.valid()) << path;
}

// ---- MakeDirs / PathExists ----

TEST(MakeDirs, CreatesEveryMissingLevelWithMode0755) {
  ScratchDir dir("fs_test");
  UmaskOverride mask(022);
  std::string deep = dir.path() + "/a/b/c/d";
  ASSERT_EQ(MakeDirs(deep), 0);
  for (const char* sub : {"/a", "/a/b", "/a/b/c", "/a/b/c/d"}) {
    std::string p = dir.path() + sub;
    struct stat st {};
    ASSERT_EQ(stat(p.c_str(), &st), 0) << p;
    EXPECT_TRUE(S_ISDIR(st.st_mode)) << p;
    EXPECT_EQ(st.st_mode & 0777, 0755u) << p;
  }
  EXPECT_EQ(MakeDirs(deep), 0);                    // already there
  EXPECT_EQ(MakeDirs(dir.path() + "/a/b/x/"), 0);  // a trailing slash is fine
  EXPECT_TRUE(IsDir(dir.path() + "/a/b/x"));
  EXPECT_EQ(MakeDirs(dir.path() + "/a//y"), 0);  // so is a doubled one
  EXPECT_TRUE(IsDir(dir.path() + "/a/y"));
  EXPECT_EQ(MakeDirs(""), 0);
}

TEST(MakeDirs, FailsWithEnotdirWhereAFileIsInTheWay) {
  ScratchDir dir("fs_test");
  std::string file = dir.path() + "/file";
  Touch(file);
  EXPECT_EQ(MakeDirs(file), ENOTDIR);
  EXPECT_EQ(MakeDirs(file + "/sub/dir"), ENOTDIR);
  EXPECT_FALSE(IsDir(file + "/sub"));
}

TEST(MakeDirs, ReportsPermissionErrors) {
  if (geteuid() == 0) GTEST_SKIP() << "root may write anywhere";
  ScratchDir dir("fs_test");
  std::string locked = dir.path() + "/locked";
  ASSERT_EQ(mkdir(locked.c_str(), 0500), 0);
  EXPECT_EQ(MakeDirs(locked + "/a/b"), EACCES);
  chmod(locked.c_str(), 0700);
}

TEST(PathExists, FilesAndDirectoriesButNotMissingPaths) {
  ScratchDir dir("fs_test");
  Touch(dir.path() + "/f");
  EXPECT_TRUE(PathExists(dir.path()));
  EXPECT_TRUE(PathExists(dir.path() + "/f"));
  EXPECT_FALSE(PathExists(dir.path() + "/missing"));
  EXPECT_FALSE(PathExists(dir.path() + "/f/below-a-file"));
}

// ---- PrivateTempDir ----

TEST(PrivateTempDir, CreatesAPrivateDirectoryOnFirstUseAndRemovesIt) {
  ScratchDir scratch("fs_test");
  EnvOverride tmpdir("TMPDIR", scratch.path());
  std::string path;
  {
    PrivateTempDir temp;
    EXPECT_EQ(temp.path(), "");
    EXPECT_TRUE(DirEntries(scratch.path()).empty());  // nothing until it is needed
    UniqueFd fd(temp.CreateAnonymousFile());
    ASSERT_TRUE(fd.valid()) << ErrnoText(errno);
    path = temp.path();
    EXPECT_EQ(path.rfind(scratch.path() + "/coreflow.", 0), 0u) << path;
    struct stat st {};
    ASSERT_EQ(stat(path.c_str(), &st), 0);
    EXPECT_TRUE(S_ISDIR(st.st_mode));
    EXPECT_EQ(st.st_mode & 0777, 0700u);
    EXPECT_EQ(st.st_uid, geteuid());
  }
  EXPECT_FALSE(PathExists(path));
  EXPECT_TRUE(DirEntries(scratch.path()).empty());
}

TEST(PrivateTempDir, AnonymousFilesAreUnlinkedReadWriteAndCloseOnExec) {
  ScratchDir scratch("fs_test");
  EnvOverride tmpdir("TMPDIR", scratch.path());
  PrivateTempDir temp;
  UniqueFd a(temp.CreateAnonymousFile());
  UniqueFd b(temp.CreateAnonymousFile());
  ASSERT_TRUE(a.valid());
  ASSERT_TRUE(b.valid());
  EXPECT_NE(a.get(), b.get());
  EXPECT_TRUE(DirEntries(temp.path()).empty());  // no names: nothing to clean up after a crash
  struct stat st {};
  ASSERT_EQ(fstat(a.get(), &st), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode));
  EXPECT_EQ(st.st_nlink, 0u);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_NE(fcntl(a.get(), F_GETFD) & FD_CLOEXEC, 0);
  EXPECT_EQ(fcntl(a.get(), F_GETFL) & O_ACCMODE, O_RDWR);

  ASSERT_EQ(WriteAll(a.get(), "spilled"), 0);
  ASSERT_EQ(WriteAll(b.get(), "other"), 0);
  char buffer[16];
  ASSERT_EQ(pread(a.get(), buffer, sizeof buffer, 0), 7);
  EXPECT_EQ(std::string(buffer, 7), "spilled");
  ASSERT_EQ(pread(b.get(), buffer, sizeof buffer, 0), 5);
  EXPECT_EQ(std::string(buffer, 5), "other");
}

TEST(PrivateTempDir, TheDirectoryIsRemovedEvenWhileFilesAreOpen) {
  ScratchDir scratch("fs_test");
  EnvOverride tmpdir("TMPDIR", scratch.path());
  UniqueFd fd;
  std::string path;
  {
    PrivateTempDir temp;
    fd.Reset(temp.CreateAnonymousFile());
    ASSERT_TRUE(fd.valid());
    path = temp.path();
  }
  EXPECT_FALSE(PathExists(path));
  EXPECT_EQ(WriteAll(fd.get(), "still usable"), 0);
}

TEST(PrivateTempDir, FailsWithErrnoWhenTheDirectoryCannotBeCreated) {
  ScratchDir scratch("fs_test");
  std::string file = scratch.path() + "/file";
  Touch(file);
  EnvOverride tmpdir("TMPDIR", file + "/below");
  PrivateTempDir temp;
  errno = 0;
  EXPECT_EQ(temp.CreateAnonymousFile(), -1);
  EXPECT_EQ(errno, ENOTDIR);
  EXPECT_EQ(temp.path(), "");

  // Once TMPDIR is usable a later call succeeds.
  EnvOverride fixed("TMPDIR", scratch.path());
  UniqueFd fd(temp.CreateAnonymousFile());
  EXPECT_TRUE(fd.valid());
  EXPECT_EQ(temp.path().rfind(scratch.path() + "/coreflow.", 0), 0u);
}

TEST(PrivateTempDir, DefaultsToTmpWhenTmpdirIsUnsetOrEmpty) {
  for (bool empty : {false, true}) {
    std::string path;
    {
      EnvOverride tmpdir("TMPDIR", empty ? std::optional<std::string>("") : std::nullopt);
      PrivateTempDir temp;
      UniqueFd fd(temp.CreateAnonymousFile());
      EXPECT_TRUE(fd.valid());
      path = temp.path();
    }
    EXPECT_EQ(path.rfind("/tmp/coreflow.", 0), 0u) << path;
    EXPECT_FALSE(PathExists(path));
  }
}

TEST(PrivateTempDir, DestroyingAnUnusedOneTouchesNothing) {
  ScratchDir scratch("fs_test");
  EnvOverride tmpdir("TMPDIR", scratch.path());
  { PrivateTempDir temp; }
  EXPECT_TRUE(DirEntries(scratch.path()).empty());
  EXPECT_TRUE(IsDir(scratch.path()));
}

}  // namespace
}  // namespace coreflow
