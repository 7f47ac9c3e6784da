#include "base/environment.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace coreflow {
namespace {

TEST(EnvironmentTest, EmptyByDefault) {
  Environment env;
  EXPECT_EQ(env.Get("PATH"), nullptr);
  EXPECT_TRUE(env.Entries().empty());
}

TEST(EnvironmentTest, ParsesNameValueEntries) {
  Environment env({"HOME=/home/me", "EMPTY=", "EQ=a=b=c", "SPACE=x y"});
  ASSERT_NE(env.Get("HOME"), nullptr);
  EXPECT_EQ(*env.Get("HOME"), "/home/me");
  ASSERT_NE(env.Get("EMPTY"), nullptr) << "an empty value is still set";
  EXPECT_EQ(*env.Get("EMPTY"), "");
  ASSERT_NE(env.Get("EQ"), nullptr);
  EXPECT_EQ(*env.Get("EQ"), "a=b=c") << "only the first '=' separates the name";
  EXPECT_EQ(*env.Get("SPACE"), "x y");
  EXPECT_EQ(env.Get("home"), nullptr) << "names are case-sensitive";
}

TEST(EnvironmentTest, DropsMalformedEntries) {
  Environment env({"NOEQUALS", "=value", "", "OK=1"});
  EXPECT_EQ(env.Entries(), std::vector<std::string>{"OK=1"});
  EXPECT_EQ(env.Get("NOEQUALS"), nullptr);
  EXPECT_EQ(env.Get(""), nullptr);
}

TEST(EnvironmentTest, FirstDuplicateWinsLikeGetenv) {
  // getenv(3) returns the first match, so the child must see the same value.
  Environment env({"A=first", "A=second"});
  ASSERT_NE(env.Get("A"), nullptr);
  EXPECT_EQ(*env.Get("A"), "first");
  EXPECT_EQ(env.Entries().size(), 1u);
}

TEST(EnvironmentTest, SetOverwritesAndUnsetRemoves) {
  Environment env({"A=1"});
  env.Set("A", "2");
  env.Set("B", "");
  EXPECT_EQ(*env.Get("A"), "2");
  EXPECT_EQ(*env.Get("B"), "");
  env.Unset("A");
  EXPECT_EQ(env.Get("A"), nullptr);
  env.Unset("NEVER_SET");  // harmless
  EXPECT_EQ(env.Entries(), std::vector<std::string>{"B="});
}

TEST(EnvironmentTest, EntriesAreSortedByName) {
  Environment env({"ZED=1", "alpha=2", "MIDDLE=3"});
  env.Set("BETA", "4");
  EXPECT_EQ(env.Entries(), (std::vector<std::string>{"BETA=4", "MIDDLE=3", "ZED=1", "alpha=2"}));
}

TEST(EnvironmentTest, GetAcceptsAStringView) {
  Environment env({"LONG_NAME=v"});
  std::string_view prefix("LONG_NAME_SUFFIX", 9);
  ASSERT_NE(env.Get(prefix), nullptr);
  EXPECT_EQ(*env.Get(prefix), "v");
}

TEST(EnvironmentTest, EntriesRoundTrip) {
  std::vector<std::string> in = {"A=1", "B=x=y", "C="};
  EXPECT_EQ(Environment(Environment(in).Entries()).Entries(), in);
}

}  // namespace
}  // namespace coreflow
