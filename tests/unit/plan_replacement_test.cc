#include "plan/replacement.h"

#include <gtest/gtest.h>

#include <string>

namespace coreflow {
namespace {

struct Row {
  const char* value;
  const char* no_extension;           // {.}
  const char* basename;               // {/}
  const char* dirname;                // {//}
  const char* basename_no_extension;  // {/.}
};

// Every row was produced by GNU parallel 20221122:
//   parallel --plain printf "'%s\0'" {.} {/} {//} {/.} ::: VALUE
constexpr Row kGnuParallel[] = {
    {".bashrc", "", ".bashrc", ".", ""},
    {"a.", "a", "a.", ".", "a"},
    {"dir.x/file", "dir.x/file", "file", "dir.x", "file"},
    {"a/b.tar.gz", "a/b.tar", "b.tar.gz", "a", "b.tar"},
    {"dir/", "dir/", "", ".", ""},
    {"file", "file", "file", ".", "file"},
    {"/a", "/a", "a", "/", "a"},
    {"a/b/", "a/b/", "", "a", ""},
    {"a//b", "a//b", "b", "a", "b"},
    {"/", "/", "", "/", ""},
    {"", "", "", ".", ""},
    {"a b/c d.e", "a b/c d", "c d.e", "a b", "c d"},
    {"x/.hidden", "x/", ".hidden", "x", ""},
    {"..", ".", "..", ".", "."},
    {".", "", ".", ".", ""},
    {"a.b/", "a.b/", "", ".", ""},
    {"a/.b.c", "a/.b", ".b.c", "a", ".b"},
    {"/a/b", "/a/b", "b", "/a", "b"},
    {"./x", "./x", "x", ".", "x"},
    {"a///", "a///", "", ".", ""},
    {"//a", "//a", "a", "/", "a"},
    {"a/b//", "a/b//", "", "a", ""},
    {"noext", "noext", "noext", ".", "noext"},
    {" a.b ", " a", " a.b ", ".", " a"},
    {"a..b", "a.", "a..b", ".", "a."},
    {"~/x.y", "~/x", "x.y", "~", "x"},
    {"/usr/lib/libc.so.6", "/usr/lib/libc.so", "libc.so.6", "/usr/lib", "libc.so"},
    {"dir/sub.d/", "dir/sub.d/", "", "dir", ""},
    {"a/b/c.d/e", "a/b/c.d/e", "e", "a/b/c.d", "e"},
    {"x.tar.gz/", "x.tar.gz/", "", ".", ""},
    {"../up.txt", "../up", "up.txt", "..", "up"},
    {"f.", "f", "f.", ".", "f"},
    {".a.b", ".a", ".a.b", ".", ".a"},
    {"a/.", "a/", ".", "a", ""},
    {"a/..", "a/.", "..", "a", "."},
    {"//", "//", "", "/", ""},
    {"///x//y//", "///x//y//", "", "///x", ""},
};

TEST(ApplyTransformTest, MatchesGnuParallel) {
  for (const Row& r : kGnuParallel) {
    SCOPED_TRACE(std::string("value '") + r.value + "'");
    EXPECT_EQ(ApplyTransform(Transform::kNone, r.value), r.value);
    EXPECT_EQ(ApplyTransform(Transform::kNoExtension, r.value), r.no_extension) << "{.}";
    EXPECT_EQ(ApplyTransform(Transform::kBasename, r.value), r.basename) << "{/}";
    EXPECT_EQ(ApplyTransform(Transform::kDirname, r.value), r.dirname) << "{//}";
    EXPECT_EQ(ApplyTransform(Transform::kBasenameNoExtension, r.value), r.basename_no_extension)
        << "{/.}";
  }
}

TEST(ApplyTransformTest, DocumentedEdgeCases) {
  EXPECT_EQ(ApplyTransform(Transform::kNoExtension, ".bashrc"), "");
  EXPECT_EQ(ApplyTransform(Transform::kNoExtension, "a."), "a");
  EXPECT_EQ(ApplyTransform(Transform::kNoExtension, "dir.x/file"), "dir.x/file");
  EXPECT_EQ(ApplyTransform(Transform::kNoExtension, "a/b.tar.gz"), "a/b.tar");
  EXPECT_EQ(ApplyTransform(Transform::kBasename, "dir/"), "");
  EXPECT_EQ(ApplyTransform(Transform::kDirname, "file"), ".");
  EXPECT_EQ(ApplyTransform(Transform::kDirname, "/a"), "/");
  EXPECT_EQ(ApplyTransform(Transform::kDirname, "dir/"), ".");
  EXPECT_EQ(ApplyTransform(Transform::kDirname, "a/b/"), "a");
  EXPECT_EQ(ApplyTransform(Transform::kDirname, "a//b"), "a");
  EXPECT_EQ(ApplyTransform(Transform::kDirname, "/"), "/");
  EXPECT_EQ(ApplyTransform(Transform::kDirname, ""), ".");
  EXPECT_EQ(ApplyTransform(Transform::kBasenameNoExtension, "a b/c d.e"), "c d");
}

TEST(ApplyTransformTest, KeepsBytesThatAreNotPathSyntax) {
  // Only '/' and '.' are special; newlines, quotes and UTF-8 pass through untouched.
  EXPECT_EQ(ApplyTransform(Transform::kNone, "a\nb 'c'"), "a\nb 'c'");
  EXPECT_EQ(ApplyTransform(Transform::kBasenameNoExtension, "d\xc3\xa9j\xc3\xa0/\xe2\x9c\x93.txt"),
            "\xe2\x9c\x93");
  EXPECT_EQ(ApplyTransform(Transform::kDirname, "x y/z\n.w"), "x y");
  EXPECT_EQ(ApplyTransform(Transform::kNone, std::string("a\0b", 3)), std::string("a\0b", 3));
}

TEST(TransformSuffixTest, SpellsEachTransform) {
  EXPECT_STREQ(TransformSuffix(Transform::kNone), "");
  EXPECT_STREQ(TransformSuffix(Transform::kNoExtension), ".");
  EXPECT_STREQ(TransformSuffix(Transform::kBasename), "/");
  EXPECT_STREQ(TransformSuffix(Transform::kDirname), "//");
  EXPECT_STREQ(TransformSuffix(Transform::kBasenameNoExtension), "/.");
}

}  // namespace
}  // namespace coreflow
