#include <fnmatch.h>
#include <poll.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "fake_directories.h"
#include "inputs/find_pattern.h"
#include "inputs/find_source.h"
#include "inputs/tree_walk.h"
#include "test_util.h"

namespace coreflow {
namespace {

using testutil::FakeDirectories;

FindPattern Parse(const std::string& text) {
  FindPattern p;
  std::string err;
  EXPECT_TRUE(ParseFindPattern(text, &p, &err)) << err;
  return p;
}

// Every match, waiting on the walk's descriptor as the engine does.
std::vector<std::string> Drain(TreeWalk& walk, std::string* err) {
  std::vector<std::string> out;
  for (;;) {
    std::string path;
    TreeWalk::Step s = walk.Next(&path, err);
    if (s == TreeWalk::Step::kMatch) out.push_back(path);
    if (s == TreeWalk::Step::kEnd || s == TreeWalk::Step::kError) return out;
    if (s == TreeWalk::Step::kNotYet) {
      pollfd p{walk.fd(), POLLIN, 0};
      ::poll(&p, 1, -1);
    }
  }
}

std::vector<std::string> Walk(DirectoryReader* reader, const std::string& pattern, int threads,
                              std::string* err = nullptr) {
  std::string ignored;
  if (err == nullptr) err = &ignored;
  TreeWalk walk(reader, Parse(pattern), threads);
  if (!walk.Start(err)) return {};  // the start directory cannot be read: *err says why
  return Drain(walk, err);
}

TEST(FindPatternTest, SplitsTheLiteralDirectoriesFromTheParts) {
  FindPattern p = Parse("data/pdb/**/*.pdb");
  EXPECT_EQ(p.root, "data/pdb");
  EXPECT_EQ(p.shown_root, "data/pdb");
  EXPECT_EQ(p.parts, (std::vector<std::string>{"**", "*.pdb"}));
  EXPECT_FALSE(p.directories);

  p = Parse("/scratch/*/");
  EXPECT_EQ(p.root, "/scratch");
  EXPECT_EQ(p.parts, (std::vector<std::string>{"*"}));
  EXPECT_TRUE(p.directories);

  p = Parse("*.txt");  // relative, a wildcard first: walked from ".", shown without "./"
  EXPECT_EQ(p.root, ".");
  EXPECT_EQ(p.shown_root, "");

  p = Parse("/x.pdb");  // no wildcard: the last component is still matched
  EXPECT_EQ(p.root, "/");
  EXPECT_EQ(p.parts, (std::vector<std::string>{"x.pdb"}));

  p = Parse("a//**/**/b");  // doubled slashes and `**` fold
  EXPECT_EQ(p.root, "a");
  EXPECT_EQ(p.parts, (std::vector<std::string>{"**", "b"}));
}

TEST(FindPatternTest, RefusesWhatCanMatchNothing) {
  FindPattern p;
  std::string err;
  EXPECT_FALSE(ParseFindPattern("", &p, &err));
  EXPECT_NE(err.find("empty"), std::string::npos) << err;
  EXPECT_FALSE(ParseFindPattern("/", &p, &err));
  EXPECT_FALSE(ParseFindPattern("data/*/../x", &p, &err));
  EXPECT_NE(err.find("'..' after a wildcard"), std::string::npos) << err;
  EXPECT_TRUE(ParseFindPattern("../data/*.pdb", &p, &err));  // before the wildcard is fine
  EXPECT_EQ(p.root, "../data");
}

TEST(TreeWalkTest, GivesMatchesDepthFirstWithNamesSorted) {
  FakeDirectories fs;
  for (const char* f : {"r/x.pdb", "r/a/y.pdb", "r/a/b/z.pdb", "r/a.b.pdb", "r/c/w.pdb",
                        "r/c/w.txt", "r/.h/h.pdb"}) {
    fs.AddFile(f);
  }
  EXPECT_EQ(
      Walk(&fs, "r/**/*.pdb", 4),
      (std::vector<std::string>{"r/a/b/z.pdb", "r/a/y.pdb", "r/a.b.pdb", "r/c/w.pdb", "r/x.pdb"}));
  EXPECT_EQ(Walk(&fs, "r/*/", 4), (std::vector<std::string>{"r/a", "r/c"}));
  EXPECT_EQ(Walk(&fs, "r/**/", 4), (std::vector<std::string>{"r/a", "r/a/b", "r/c"}));
  EXPECT_EQ(Walk(&fs, "r/.h/*", 4), (std::vector<std::string>{"r/.h/h.pdb"}));
  EXPECT_EQ(Walk(&fs, "r/.*/*.pdb", 4), (std::vector<std::string>{"r/.h/h.pdb"}));
  EXPECT_EQ(Walk(&fs, "r/*", 4), (std::vector<std::string>{"r/a.b.pdb", "r/x.pdb"}));
}

TEST(TreeWalkTest, AStartThatCannotBeReadFailsStart) {
  FakeDirectories fs;
  fs.AddFile("r/a/1.pdb");
  TreeWalk walk(&fs, Parse("q/**/*.pdb"), 2);
  std::string err;
  EXPECT_FALSE(walk.Start(&err));
  EXPECT_EQ(err, "--find 'q/**/*.pdb': cannot read directory 'q': No such file or directory");
}

TEST(TreeWalkTest, ARelativePatternShowsPathsWithoutDotSlash) {
  FakeDirectories fs;
  fs.AddFile("a.txt");
  fs.AddFile("d/b.txt");
  EXPECT_EQ(Walk(&fs, "**/*.txt", 2), (std::vector<std::string>{"a.txt", "d/b.txt"}));
}

// What a shell's globstar matches, written independently of the walk: component by component.
bool Reference(const std::vector<std::string>& parts, size_t p,
               const std::vector<std::string>& path, size_t c) {
  if (p == parts.size()) return c == path.size();
  if (parts[p] == "**") {  // no directory at all, unless it ends the pattern: then one name
    if (p + 1 < parts.size() && Reference(parts, p + 1, path, c)) return true;
    bool last = p + 1 == parts.size() && c + 1 == path.size();
    return c < path.size() && path[c][0] != '.' && (last || Reference(parts, p, path, c + 1));
  }
  return c < path.size() && ::fnmatch(parts[p].c_str(), path[c].c_str(), FNM_PERIOD) == 0 &&
         Reference(parts, p + 1, path, c + 1);
}

struct RandomTree {
  FakeDirectories fs;
  std::vector<std::pair<std::vector<std::string>, bool>> entries;  // components under r, is dir
};

void Grow(std::mt19937& rng, RandomTree* t, std::vector<std::string> at, int depth) {
  static const std::vector<std::string> kNames = {"a",     "b",  "a.b",    ".h", "x.pdb", "y.pdb",
                                                  "z.txt", "ab", "ba.pdb", "c",  "[x",    "a b"};
  std::uniform_int_distribution<int> count(0, depth == 0 ? 8 : 5);
  int n = count(rng);
  for (int i = 0; i < n; ++i) {
    std::vector<std::string> path = at;
    path.push_back(kNames[rng() % kNames.size()]);
    bool seen = std::any_of(t->entries.begin(), t->entries.end(),
                            [&](const auto& e) { return e.first == path; });
    if (seen) continue;
    bool dir = depth < 4 && rng() % 2 == 0;
    std::string joined = "r";
    for (const std::string& c : path) joined += "/" + c;
    t->entries.push_back({path, dir});
    if (dir) {
      t->fs.AddDirectory(joined);
      Grow(rng, t, path, depth + 1);
    } else {
      t->fs.AddFile(joined);
    }
  }
}

TEST(TreeWalkTest, MatchesWhatAShellGlobWouldInTheSameOrderWhateverTheThreads) {
  const std::vector<std::string> patterns = {
      "r/**/*.pdb", "r/*/*.pdb",    "r/**",   "r/**/",         "r/*/",
      "r/a*/**/b*", "r/**/a/*.txt", "r/?/*",  "r/**/**/x.pdb", "r/[ab]*/**/*.pdb",
      "r/.h/**",    "r/*/**/c/",    "r/a b/*"};
  for (uint32_t seed = 1; seed <= 30; ++seed) {
    std::mt19937 rng(seed);
    RandomTree tree;
    tree.fs.AddDirectory("r");
    Grow(rng, &tree, {}, 0);
    for (const std::string& text : patterns) {
      FindPattern pattern = Parse(text);
      std::vector<std::string> parts;  // the whole pattern, component by component
      for (size_t start = 0; start < text.size();) {
        size_t slash = std::min(text.find('/', start), text.size());
        if (slash > start) parts.push_back(text.substr(start, slash - start));
        start = slash + 1;
      }
      std::vector<std::vector<std::string>> want;
      for (auto [path, dir] : tree.entries) {
        path.insert(path.begin(), "r");
        if (dir == pattern.directories && Reference(parts, 0, path, 0)) want.push_back(path);
      }
      std::sort(want.begin(), want.end());  // component by component: the walk's order
      std::vector<std::string> expected;
      for (const auto& path : want) {
        std::string joined;
        for (const std::string& c : path) joined += (joined.empty() ? "" : "/") + c;
        expected.push_back(joined);
      }
      for (int threads : {1, 3, 16}) {
        EXPECT_EQ(Walk(&tree.fs, text, threads), expected)
            << "seed " << seed << ", pattern " << text << ", " << threads << " threads";
      }
    }
  }
}

TEST(TreeWalkTest, GivesOutTheFirstMatchesWhileALaterDirectoryIsStillBeingRead) {
  FakeDirectories fs;
  fs.AddFile("r/a/1.pdb");
  fs.AddFile("r/a/2.pdb");
  fs.AddFile("r/z/3.pdb");
  fs.Gate("r/z");
  TreeWalk walk(&fs, Parse("r/**/*.pdb"), 4);
  std::string err;
  ASSERT_TRUE(walk.Start(&err)) << err;
  fs.AwaitWaitingAt("r/z");  // a thread is inside the slow read

  std::vector<std::string> got;
  std::string path;
  while (got.size() < 2) {
    TreeWalk::Step s = walk.Next(&path, &err);
    ASSERT_NE(s, TreeWalk::Step::kEnd);
    ASSERT_NE(s, TreeWalk::Step::kError) << err;
    if (s == TreeWalk::Step::kMatch) got.push_back(path);
    if (s == TreeWalk::Step::kNotYet) {
      pollfd p{walk.fd(), POLLIN, 0};
      ::poll(&p, 1, -1);
    }
  }
  EXPECT_EQ(got, (std::vector<std::string>{"r/a/1.pdb", "r/a/2.pdb"}));
  // The next one is behind the gate: not yet, and nothing wakes the caller.
  EXPECT_EQ(walk.Next(&path, &err), TreeWalk::Step::kNotYet);
  pollfd p{walk.fd(), POLLIN, 0};
  EXPECT_EQ(::poll(&p, 1, 0), 0);
  fs.Open("r/z");
  EXPECT_EQ(Drain(walk, &err), (std::vector<std::string>{"r/z/3.pdb"}));
}

TEST(TreeWalkTest, AnUnreadableDirectoryStopsTheWalkWhereTheOrderReachesIt) {
  FakeDirectories fs;
  fs.AddFile("r/a/1.pdb");
  fs.AddFile("r/b/2.pdb");
  fs.AddFile("r/c/3.pdb");
  fs.Fail("r/b", EACCES);
  std::string err;
  EXPECT_EQ(Walk(&fs, "r/*/*.pdb", 4, &err), (std::vector<std::string>{"r/a/1.pdb"}));
  EXPECT_NE(err.find("cannot read directory 'r/b'"), std::string::npos) << err;
  EXPECT_NE(err.find("--find 'r/*/*.pdb'"), std::string::npos) << err;
}

TEST(TreeWalkTest, ReadsOnlyTheDirectoriesThePatternCanReach) {
  FakeDirectories fs;
  fs.AddFile("r/a/deep/er/1.pdb");
  fs.AddFile("r/b/2.pdb");
  EXPECT_EQ(Walk(&fs, "r/*/*.pdb", 2), (std::vector<std::string>{"r/b/2.pdb"}));
  EXPECT_EQ(fs.reads(), 3);  // r, r/a, r/b: never r/a/deep
}

TEST(TreeWalkTest, TellsTheObserverEachDirectoryOnceWithAllItsNames) {
  FakeDirectories fs;
  fs.AddFile("r/a/1.pdb");
  fs.AddFile("r/a/1.out");
  fs.AddFile("r/b/2.pdb");
  TreeWalk walk(&fs, Parse("r/*/*.pdb"), 3);
  std::map<std::string, std::vector<std::string>> seen;
  walk.set_listing_observer([&](const std::string& dir, const std::vector<std::string>& names) {
    EXPECT_EQ(seen.count(dir), 0u) << dir;
    seen[dir] = names;
  });
  std::string err;
  ASSERT_TRUE(walk.Start(&err));
  Drain(walk, &err);
  EXPECT_EQ(seen["r"], (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(seen["r/a"], (std::vector<std::string>{"1.out", "1.pdb"}));
  EXPECT_EQ(seen["r/b"], (std::vector<std::string>{"2.pdb"}));
}

// What this checks is that the destructor returns while threads are busy (no hang) and, under
// TSan (make check-threads), that stopping them races with nothing.
TEST(TreeWalkTest, StopsCleanlyWithDirectoriesLeft) {
  FakeDirectories fs;
  for (int i = 0; i < 200; ++i) fs.AddFile("r/d" + std::to_string(i) + "/x.pdb");
  auto walk = std::make_unique<TreeWalk>(&fs, Parse("r/*/*.pdb"), 8);
  std::string err;
  ASSERT_TRUE(walk->Start(&err));
  walk.reset();
  EXPECT_LE(fs.reads(), 201);  // the start and at most every directory, never one twice
}

TEST(SystemDirectoryReaderTest, WalksARealTreeWithoutFollowingLinks) {
  testutil::ScratchDir dir("find");
  const std::string& d = dir.path();
  std::filesystem::create_directories(d + "/r/b/c");
  std::filesystem::create_directories(d + "/r/a");
  testutil::WriteFile(d + "/r/a/1.pdb", "x");
  testutil::WriteFile(d + "/r/b/c/2.pdb", "x");
  testutil::WriteFile(d + "/r/3.pdb", "x");
  std::filesystem::create_directory_symlink(d + "/r/b", d + "/r/loop");  // never walked into
  std::filesystem::create_symlink(d + "/r/3.pdb", d + "/r/4.pdb");       // not a regular file,
                                                                         // but not a directory
  SystemDirectoryReader reader;
  std::vector<DirEntry> entries;
  ASSERT_EQ(reader.Read(d + "/r", &entries), 0);
  EXPECT_EQ(entries.size(), 5u);
  EXPECT_EQ(Walk(&reader, d + "/r/**/*.pdb", 4),
            (std::vector<std::string>{d + "/r/3.pdb", d + "/r/4.pdb", d + "/r/a/1.pdb",
                                      d + "/r/b/c/2.pdb"}));
  EXPECT_EQ(Walk(&reader, d + "/r/**/", 4),
            (std::vector<std::string>{d + "/r/a", d + "/r/b", d + "/r/b/c"}));
  EXPECT_EQ(reader.Read(d + "/r/3.pdb", &entries), ENOTDIR);
  EXPECT_EQ(reader.Read(d + "/none", &entries), ENOENT);
}

TEST(FindSourceTest, AWalkThatMatchesNothingIsAnError) {
  FakeDirectories fs;
  fs.AddFile("r/a/1.txt");
  FindSource source(&fs, Parse("r/**/*.pdb"), 2);
  std::string err;
  ASSERT_TRUE(source.Start(&err));
  std::string value;
  ReadStatus s;
  do {
    s = source.Next(&value, &err);
    if (s == ReadStatus::kWouldBlock) {
      pollfd p{source.fd(), POLLIN, 0};
      ::poll(&p, 1, -1);
    }
  } while (s == ReadStatus::kWouldBlock);
  EXPECT_EQ(s, ReadStatus::kError);
  EXPECT_NE(err.find("--find 'r/**/*.pdb' matches nothing (2 directories read under 'r')"),
            std::string::npos)
      << err;
}

}  // namespace
}  // namespace coreflow
