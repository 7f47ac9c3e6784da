#include "run/argv_split.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace coreflow {
namespace {

using Words = std::vector<std::string>;

CommandAndSources Split(const Words& words) {
  CommandAndSources out;
  std::string err;
  EXPECT_TRUE(SplitCommandAndSources(words, &out, &err)) << err;
  EXPECT_EQ(err, "");
  return out;
}

std::string SplitError(const Words& words) {
  CommandAndSources out;
  std::string err;
  EXPECT_FALSE(SplitCommandAndSources(words, &out, &err));
  EXPECT_NE(err, "");
  return err;
}

// "args:a,b", "file:x", with a leading '+' when linked: one string per source.
std::vector<std::string> Describe(const CommandAndSources& c) {
  std::vector<std::string> out;
  for (const SourceSpec& s : c.sources) {
    std::string d = s.linked ? "+" : "";
    switch (s.kind) {
      case SourceSpec::Kind::kArgs: {
        d += "args:";
        for (size_t i = 0; i < s.args.size(); ++i) d += (i ? "," : "") + s.args[i];
        break;
      }
      case SourceSpec::Kind::kFile:
        d += "file:" + s.path;
        break;
      case SourceSpec::Kind::kStdin:
        d += "stdin";
        break;
      case SourceSpec::Kind::kFind:
        d += "find:" + s.path;
        break;
    }
    out.push_back(d);
  }
  return out;
}

TEST(IsSourceSeparatorTest, OnlyTheFourSeparators) {
  for (const char* w : {":::", ":::+", "::::", "::::+"}) EXPECT_TRUE(IsSourceSeparator(w)) << w;
  for (const char* w : {"", ":", "::", ":::::", "+:::", "::: ", ":::++", "::::+x", "-:::"}) {
    EXPECT_FALSE(IsSourceSeparator(w)) << w;
  }
}

TEST(SplitCommandAndSourcesTest, CommandOnly) {
  CommandAndSources c = Split({"gzip", "-9", "{}"});
  EXPECT_EQ(c.command, (Words{"gzip", "-9", "{}"}));
  EXPECT_TRUE(c.sources.empty());
}

TEST(SplitCommandAndSourcesTest, NothingAtAll) {
  CommandAndSources c = Split({});
  EXPECT_TRUE(c.command.empty());
  EXPECT_TRUE(c.sources.empty());
}

TEST(SplitCommandAndSourcesTest, ArgumentSources) {
  CommandAndSources c = Split({"echo", "{1}", "{2}", ":::", "a", "b", ":::", "1", "2", "3"});
  EXPECT_EQ(c.command, (Words{"echo", "{1}", "{2}"}));
  EXPECT_EQ(Describe(c), (Words{"args:a,b", "args:1,2,3"}));
}

TEST(SplitCommandAndSourcesTest, NoCommandBeforeSources) {
  CommandAndSources c = Split({":::", "echo a", "echo b"});
  EXPECT_TRUE(c.command.empty());
  EXPECT_EQ(Describe(c), (Words{"args:echo a,echo b"}));
}

TEST(SplitCommandAndSourcesTest, LinkedArgumentSources) {
  CommandAndSources c = Split({"echo", ":::", "a", "b", ":::+", "1", "2", ":::", "x"});
  EXPECT_EQ(Describe(c), (Words{"args:a,b", "+args:1,2", "args:x"}));
}

TEST(SplitCommandAndSourcesTest, EmptyArgumentSourceIsKept) {
  // An empty source empties the product; that is the combiner's business, not an error here.
  CommandAndSources c = Split({"echo", ":::", ":::", "a"});
  EXPECT_EQ(Describe(c), (Words{"args:", "args:a"}));
  EXPECT_EQ(Describe(Split({"echo", ":::"})), (Words{"args:"}));
}

TEST(SplitCommandAndSourcesTest, EachFileAfterFourColonsIsASource) {
  CommandAndSources c = Split({"cat", "::::", "f1", "f2", "-", ":::", "a"});
  EXPECT_EQ(c.command, (Words{"cat"}));
  EXPECT_EQ(Describe(c), (Words{"file:f1", "file:f2", "file:-", "args:a"}));
}

TEST(SplitCommandAndSourcesTest, LinkedFilesAreAllLinked) {
  // GNU parallel: `::: a b ::::+ f1 f2` zips a b with both files.
  CommandAndSources c = Split({"echo", ":::", "a", "b", "::::+", "f1", "f2"});
  EXPECT_EQ(Describe(c), (Words{"args:a,b", "+file:f1", "+file:f2"}));
  c = Split({"echo", "::::", "f1", "::::+", "f2", "f3", "::::", "f4"});
  EXPECT_EQ(Describe(c), (Words{"file:f1", "+file:f2", "+file:f3", "file:f4"}));
}

TEST(SplitCommandAndSourcesTest, SeparatorLookalikesAreArguments) {
  CommandAndSources c = Split({"echo", "::", ":::", "::::::", "x:::"});
  EXPECT_EQ(c.command, (Words{"echo", "::"}));
  EXPECT_EQ(Describe(c), (Words{"args:::::::,x:::"}));
}

TEST(SplitCommandAndSourcesTest, FourColonsNeedAFile) {
  EXPECT_EQ(SplitError({"cat", "::::"}), "'::::' must be followed by at least one file name");
  EXPECT_EQ(SplitError({"cat", "::::", ":::", "a"}),
            "'::::' must be followed by at least one file name");
  EXPECT_EQ(SplitError({"cat", ":::", "a", "::::+"}),
            "'::::+' must be followed by at least one file name");
}

TEST(SplitCommandAndSourcesTest, FirstSourceCannotBeLinked) {
  std::string err = SplitError({"echo", ":::+", "a"});
  EXPECT_NE(err.find("first input source"), std::string::npos) << err;
  err = SplitError({"echo", "::::+", "f"});
  EXPECT_NE(err.find("first input source"), std::string::npos) << err;
}

TEST(SplitCommandAndSourcesTest, ResetsTheOutput) {
  CommandAndSources c;
  c.command = {"old"};
  c.sources.resize(3);
  std::string err;
  ASSERT_TRUE(SplitCommandAndSources({"new", ":::", "x"}, &c, &err));
  EXPECT_EQ(c.command, (Words{"new"}));
  EXPECT_EQ(Describe(c), (Words{"args:x"}));
}

}  // namespace
}  // namespace coreflow
