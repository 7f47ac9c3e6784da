#include "run/input_flags.h"

#include <gtest/gtest.h>

#include <string>

namespace coreflow {
namespace {

TEST(UnescapeDelimiterTest, GnuParallelEscapes) {
  EXPECT_EQ(UnescapeDelimiter(","), ",");
  EXPECT_EQ(UnescapeDelimiter("\\n"), "\n");
  EXPECT_EQ(UnescapeDelimiter("\\t"), "\t");
  EXPECT_EQ(UnescapeDelimiter("\\r\\n"), "\r\n");
  EXPECT_EQ(UnescapeDelimiter("\\0"), std::string(1, '\0'));
  EXPECT_EQ(UnescapeDelimiter("\\000"), std::string(1, '\0'));
  EXPECT_EQ(UnescapeDelimiter("\\101"), "A");
  EXPECT_EQ(UnescapeDelimiter("\\1"), "\x01");
  EXPECT_EQ(UnescapeDelimiter("ab"), "ab");
}

TEST(UnescapeDelimiterTest, WhatGnuParallelLeavesAlone) {
  EXPECT_EQ(UnescapeDelimiter("\\\\"), "\\\\");    // no \\ escape: two backslashes
  EXPECT_EQ(UnescapeDelimiter("\\x41"), "\\x41");  // no hexadecimal escapes
  EXPECT_EQ(UnescapeDelimiter("\\"), "\\");
  EXPECT_EQ(UnescapeDelimiter("\\8"), "8");  // Perl's "\8"
  EXPECT_EQ(UnescapeDelimiter("\\18"),
            "\x01"
            "8");                                     // octal digits only
  EXPECT_EQ(UnescapeDelimiter("\\\\n"), "\\\n");      // the second backslash starts \n
  EXPECT_EQ(UnescapeDelimiter("\\777"), "\xc7\xbf");  // beyond a byte: Perl's UTF-8
}

RunFlags Flags() { return RunFlags{}; }

TEST(ResolveInputFlagsTest, DelimiterNullColumnsAndLink) {
  InputOptions o;
  std::string err;
  RunFlags f = Flags();
  ASSERT_TRUE(ResolveInputFlags(f, &o, &err)) << err;
  EXPECT_EQ(o.delimiter, "\n");
  EXPECT_FALSE(o.columns());
  f.null = true;
  ASSERT_TRUE(ResolveInputFlags(f, &o, &err)) << err;
  EXPECT_EQ(o.delimiter, std::string(1, '\0'));
  f.delimiter = "\\r\\n";
  f.colsep = "\\t";
  f.link = true;
  ASSERT_TRUE(ResolveInputFlags(f, &o, &err)) << err;
  EXPECT_EQ(o.delimiter, "\r\n");
  EXPECT_EQ(o.colsep, "\\t");
  EXPECT_TRUE(o.link);
  EXPECT_TRUE(o.columns());
}

TEST(ResolveInputFlagsTest, Header) {
  InputOptions o;
  std::string err;
  RunFlags f = Flags();
  f.header = ":";
  ASSERT_TRUE(ResolveInputFlags(f, &o, &err)) << err;
  EXPECT_TRUE(o.header);
  EXPECT_TRUE(o.columns());
  f.header = ".*\\n";  // GNU parallel's regex means the first line outside --pipe
  ASSERT_TRUE(ResolveInputFlags(f, &o, &err)) << err;
  EXPECT_TRUE(o.header);
  f.header = "0";
  EXPECT_FALSE(ResolveInputFlags(f, &o, &err));
  EXPECT_NE(err.find("--header 0"), std::string::npos) << err;
}

TEST(ResolveInputFlagsTest, InvalidColsepIsAnError) {
  InputOptions o;
  std::string err;
  RunFlags f = Flags();
  f.colsep = "(";
  EXPECT_FALSE(ResolveInputFlags(f, &o, &err));
  EXPECT_NE(err.find("--colsep '('"), std::string::npos) << err;
}

}  // namespace
}  // namespace coreflow
