#include "schedule/halt.h"

#include <gtest/gtest.h>

namespace coreflow {
namespace {

HaltPolicy Parse(const char* text) {
  HaltPolicy h;
  std::string err;
  EXPECT_TRUE(ParseHaltPolicy(text, &h, &err)) << text << ": " << err;
  return h;
}

TEST(HaltPolicy, Never) {
  EXPECT_EQ(Parse("never").when, HaltPolicy::When::kNever);
  EXPECT_EQ(Parse("0").when, HaltPolicy::When::kNever);
}

TEST(HaltPolicy, WhenWhyCount) {
  HaltPolicy h = Parse("soon,fail=3");
  EXPECT_EQ(h.when, HaltPolicy::When::kSoon);
  EXPECT_EQ(h.why, HaltPolicy::Why::kFail);
  EXPECT_EQ(h.count, 3);
  EXPECT_EQ(h.percent, 0);
  h = Parse("now,success=1");
  EXPECT_EQ(h.when, HaltPolicy::When::kNow);
  EXPECT_EQ(h.why, HaltPolicy::Why::kSuccess);
  h = Parse("now,done=7");
  EXPECT_EQ(h.why, HaltPolicy::Why::kDone);
  EXPECT_EQ(h.count, 7);
}

TEST(HaltPolicy, Percent) {
  HaltPolicy h = Parse("soon,fail=12.5%");
  EXPECT_DOUBLE_EQ(h.percent, 12.5);
  EXPECT_EQ(h.count, 0);
  h = Parse("30%");  // GNU shorthand for soon,fail=30%
  EXPECT_EQ(h.when, HaltPolicy::When::kSoon);
  EXPECT_EQ(h.why, HaltPolicy::Why::kFail);
  EXPECT_DOUBLE_EQ(h.percent, 30);
}

TEST(HaltPolicy, GnuNumericForms) {
  HaltPolicy h = Parse("1");
  EXPECT_EQ(h.when, HaltPolicy::When::kSoon);
  EXPECT_EQ(h.why, HaltPolicy::Why::kFail);
  EXPECT_EQ(h.count, 1);
  h = Parse("2");
  EXPECT_EQ(h.when, HaltPolicy::When::kNow);
  h = Parse("-1");
  EXPECT_EQ(h.when, HaltPolicy::When::kSoon);
  EXPECT_EQ(h.why, HaltPolicy::Why::kSuccess);
  h = Parse("-2");
  EXPECT_EQ(h.when, HaltPolicy::When::kNow);
  EXPECT_EQ(h.why, HaltPolicy::Why::kSuccess);
}

TEST(HaltPolicy, RejectsGarbage) {
  for (const char* bad :
       {"", "sometimes", "now", "now,fail", "now,fail=", "now,fail=0", "now,fail=-1",
        "later,fail=1", "now,oops=1", "now,fail=101%", "now,fail=0%", "soon,fail=x", "3"}) {
    HaltPolicy h;
    std::string err;
    EXPECT_FALSE(ParseHaltPolicy(bad, &h, &err)) << bad;
    EXPECT_NE(err.find("--halt"), std::string::npos) << bad;
  }
}

}  // namespace
}  // namespace coreflow
