#include "base/parse.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

namespace coreflow {
namespace {

// ---- ParseInt ----

TEST(ParseIntTest, AcceptsPlainAndSignedDecimals) {
  int64_t v = -1;
  ASSERT_TRUE(ParseInt("0", &v));
  EXPECT_EQ(v, 0);
  ASSERT_TRUE(ParseInt("42", &v));
  EXPECT_EQ(v, 42);
  ASSERT_TRUE(ParseInt("-42", &v));
  EXPECT_EQ(v, -42);
  ASSERT_TRUE(ParseInt("+7", &v));
  EXPECT_EQ(v, 7);
  ASSERT_TRUE(ParseInt("-0", &v));
  EXPECT_EQ(v, 0);
  ASSERT_TRUE(ParseInt("00042", &v));  // leading zeros are still decimal, not octal
  EXPECT_EQ(v, 42);
}

TEST(ParseIntTest, AcceptsTheFullInt64Range) {
  int64_t v = 0;
  ASSERT_TRUE(ParseInt("9223372036854775807", &v));
  EXPECT_EQ(v, std::numeric_limits<int64_t>::max());
  ASSERT_TRUE(ParseInt("-9223372036854775807", &v));
  EXPECT_EQ(v, -std::numeric_limits<int64_t>::max());
  // The most negative value has no positive counterpart but is still a valid int64.
  ASSERT_TRUE(ParseInt("-9223372036854775808", &v));
  EXPECT_EQ(v, std::numeric_limits<int64_t>::min());
}

TEST(ParseIntTest, RejectsOverflow) {
  int64_t v = 123;
  EXPECT_FALSE(ParseInt("9223372036854775808", &v));
  EXPECT_FALSE(ParseInt("-9223372036854775809", &v));
  EXPECT_FALSE(ParseInt("18446744073709551616", &v));
  EXPECT_FALSE(ParseInt("99999999999999999999", &v));
  EXPECT_FALSE(ParseInt("100000000000000000000000", &v));
  EXPECT_EQ(v, 123) << "a failed parse must leave the output alone";
}

TEST(ParseIntTest, RejectsGarbage) {
  int64_t v = 5;
  for (const char* bad : {"", "+", "-", "--1", "+-1", " 1", "1 ", "1a", "a1", "0x10", "1.0", "1e3",
                          "1,000", "1_000", "٣", "\n1", "1\n"}) {
    EXPECT_FALSE(ParseInt(bad, &v)) << "'" << bad << "'";
  }
  EXPECT_EQ(v, 5);
}

TEST(ParseIntTest, DoesNotReadPastTheView) {
  int64_t v = 0;
  std::string_view text("123456", 3);
  ASSERT_TRUE(ParseInt(text, &v));
  EXPECT_EQ(v, 123);
}

// ---- ParseDouble ----

TEST(ParseDoubleTest, AcceptsNonNegativeNumbers) {
  double v = -1;
  ASSERT_TRUE(ParseDouble("2", &v));
  EXPECT_EQ(v, 2.0);
  ASSERT_TRUE(ParseDouble("0.5", &v));
  EXPECT_EQ(v, 0.5);
  ASSERT_TRUE(ParseDouble(".25", &v));
  EXPECT_EQ(v, 0.25);
  ASSERT_TRUE(ParseDouble("3.", &v));
  EXPECT_EQ(v, 3.0);
  ASSERT_TRUE(ParseDouble("1e3", &v));
  EXPECT_EQ(v, 1000.0);
  ASSERT_TRUE(ParseDouble("2.5E-1", &v));
  EXPECT_EQ(v, 0.25);
  ASSERT_TRUE(ParseDouble("+4", &v));
  EXPECT_EQ(v, 4.0);
  ASSERT_TRUE(ParseDouble("0", &v));
  EXPECT_EQ(v, 0.0);
}

TEST(ParseDoubleTest, RejectsNegativeNonFiniteAndGarbage) {
  double v = 7;
  for (const char* bad : {"", "-1", "-0.5", "inf", "nan", "infinity", "1e999", "0x10", "1.2.3",
                          "1e", "e5", ".", "1 ", " 1", "1,5", "abc", "1e3x", "--1"}) {
    EXPECT_FALSE(ParseDouble(bad, &v)) << "'" << bad << "'";
  }
  EXPECT_EQ(v, 7);
}

TEST(ParseDoubleTest, RejectsOverlongText) {
  double v = 0;
  EXPECT_FALSE(ParseDouble(std::string(65, '1'), &v));
  EXPECT_TRUE(ParseDouble(std::string(64, '0'), &v));
}

// ---- ParseDuration ----

Nanos Duration(std::string_view text) {
  Nanos n = -1;
  std::string err;
  EXPECT_TRUE(ParseDuration(text, &n, &err)) << text << ": " << err;
  EXPECT_EQ(err, "");
  return n;
}

TEST(ParseDurationTest, BareNumbersAreSeconds) {
  EXPECT_EQ(Duration("30"), 30 * kNanosPerSecond);
  EXPECT_EQ(Duration("0"), 0);
  EXPECT_EQ(Duration("2.5"), 2'500'000'000);
  EXPECT_EQ(Duration("1e2"), 100 * kNanosPerSecond);
}

TEST(ParseDurationTest, EveryUnit) {
  EXPECT_EQ(Duration("2.5s"), 2'500'000'000);
  EXPECT_EQ(Duration("500ms"), 500 * kNanosPerMilli);
  EXPECT_EQ(Duration("250us"), 250'000);
  EXPECT_EQ(Duration("10m"), 600 * kNanosPerSecond);
  EXPECT_EQ(Duration("1.5m"), 90 * kNanosPerSecond);
  EXPECT_EQ(Duration("1h"), 3600 * kNanosPerSecond);
  EXPECT_EQ(Duration("1d"), 86400 * kNanosPerSecond);
  EXPECT_EQ(Duration("0.5ms"), 500'000);
  EXPECT_EQ(Duration("1e3ms"), kNanosPerSecond);  // the exponent is not taken for a unit
}

TEST(ParseDurationTest, DecimalFractionsRoundToTheNearestNanosecond) {
  // 1.005 * 1e9 is 1004999999.99... in binary floating point; truncating would lose 1 ns.
  EXPECT_EQ(Duration("1.005s"), 1'005'000'000);
  EXPECT_EQ(Duration("0.071m"), 4'260'000'000);
  EXPECT_EQ(Duration("0.001us"), 1);
}

TEST(ParseDurationTest, LargestDurations) {
  EXPECT_EQ(Duration("100000d"), int64_t{100000} * 86400 * kNanosPerSecond);
  Nanos n = 0;
  std::string err;
  EXPECT_FALSE(ParseDuration("1000000d", &n, &err));
  EXPECT_NE(err.find("too long"), std::string::npos) << err;
  err.clear();
  EXPECT_FALSE(ParseDuration("1e300", &n, &err));
  EXPECT_NE(err.find("too long"), std::string::npos) << err;
}

TEST(ParseDurationTest, RejectsMalformedNumbers) {
  for (const char* bad : {"", "s", "abc", "-5s", "-1", ".s", "1.2.3s", " 5s", "ms5"}) {
    Nanos n = 77;
    std::string err;
    EXPECT_FALSE(ParseDuration(bad, &n, &err)) << "'" << bad << "'";
    EXPECT_NE(err.find("is not a duration"), std::string::npos) << bad << ": " << err;
    EXPECT_EQ(n, 77);
  }
}

TEST(ParseDurationTest, RejectsUnknownUnits) {
  for (const char* bad : {"5x", "5ns", "5S", "5MS", "5sec", "5 s", "5min", "5s ", "1y"}) {
    Nanos n = 77;
    std::string err;
    EXPECT_FALSE(ParseDuration(bad, &n, &err)) << "'" << bad << "'";
    EXPECT_NE(err.find("unknown time unit"), std::string::npos) << bad << ": " << err;
    EXPECT_EQ(n, 77);
  }
  std::string err;
  Nanos n = 0;
  EXPECT_FALSE(ParseDuration("3fortnights", &n, &err));
  EXPECT_NE(err.find("'fortnights'"), std::string::npos) << "names the unit: " << err;
}

// ---- ParseSize ----

int64_t Size(std::string_view text) {
  int64_t n = -1;
  std::string err;
  EXPECT_TRUE(ParseSize(text, &n, &err)) << text << ": " << err;
  return n;
}

constexpr int64_t kKi = 1024;
constexpr int64_t kMi = kKi * 1024;
constexpr int64_t kGi = kMi * 1024;
constexpr int64_t kTi = kGi * 1024;

TEST(ParseSizeTest, BareNumbersAreBytes) {
  EXPECT_EQ(Size("512"), 512);
  EXPECT_EQ(Size("0"), 0);
  EXPECT_EQ(Size("10B"), 10);
  EXPECT_EQ(Size("10b"), 10);
}

TEST(ParseSizeTest, UnitsArePowersOf1024InAnySpelling) {
  EXPECT_EQ(Size("100k"), 100 * kKi);
  EXPECT_EQ(Size("100K"), 100 * kKi);
  EXPECT_EQ(Size("1KB"), kKi);
  EXPECT_EQ(Size("1KiB"), kKi);
  EXPECT_EQ(Size("512M"), 512 * kMi);
  EXPECT_EQ(Size("1MiB"), kMi);
  EXPECT_EQ(Size("1m"), kMi);
  EXPECT_EQ(Size("1.5G"), kGi + kGi / 2);
  EXPECT_EQ(Size("2GiB"), 2 * kGi);
  EXPECT_EQ(Size("2GB"), 2 * kGi);
  EXPECT_EQ(Size("2gib"), 2 * kGi);
  EXPECT_EQ(Size("3T"), 3 * kTi);
  EXPECT_EQ(Size("1TiB"), kTi);
  EXPECT_EQ(Size("1e3K"), 1000 * kKi);
}

TEST(ParseSizeTest, FractionalBytesAreDropped) {
  EXPECT_EQ(Size("1.1K"), 1126);  // 1126.4
  EXPECT_EQ(Size("0.5K"), 512);
}

TEST(ParseSizeTest, RejectsMalformedAndUnknown) {
  struct Case {
    const char* text;
    const char* message;
  };
  for (const Case& c :
       {Case{"", "is not a size"}, Case{"abc", "is not a size"}, Case{"-1K", "is not a size"},
        Case{"K", "is not a size"}, Case{"1X", "unknown size unit"},
        Case{"1P", "unknown size unit"}, Case{"1 K", "unknown size unit"},
        Case{"1KiBB", "unknown size unit"}, Case{"1iB", "unknown size unit"},
        Case{"8E", "unknown size unit"}, Case{"1e7T", "too large"}}) {
    int64_t n = 99;
    std::string err;
    EXPECT_FALSE(ParseSize(c.text, &n, &err)) << "'" << c.text << "'";
    EXPECT_NE(err.find(c.message), std::string::npos) << c.text << ": " << err;
    EXPECT_EQ(n, 99);
  }
}

// ---- FormatDuration ----

TEST(FormatDurationTest, PicksAUnitByMagnitude) {
  EXPECT_EQ(FormatDuration(0), "0 us");
  EXPECT_EQ(FormatDuration(12'000), "12 us");
  EXPECT_EQ(FormatDuration(999'000), "999 us");
  EXPECT_EQ(FormatDuration(kNanosPerMilli), "1.0 ms");
  EXPECT_EQ(FormatDuration(230 * kNanosPerMilli), "230.0 ms");
  EXPECT_EQ(FormatDuration(kNanosPerSecond), "1.00 s");
  EXPECT_EQ(FormatDuration(1'500'000'000), "1.50 s");
  EXPECT_EQ(FormatDuration(99 * kNanosPerSecond), "99.00 s");
  EXPECT_EQ(FormatDuration(100 * kNanosPerSecond), "100 s");
  EXPECT_EQ(FormatDuration(3600 * kNanosPerSecond), "3600 s");
}

// ---- ParseCount (GNU parallel's multipliers for -s and -N) ----

TEST(ParseCountTest, LowerCaseIsDecimalUpperCaseIsBinary) {
  struct Case {
    const char* text;
    int64_t want;
  } cases[] = {{"80", 80},         {"1k", 1000},    {"1K", 1024},    {"2ki", 2048},
               {"1Ki", 1024},      {"1m", 1000000}, {"1M", 1048576}, {"1g", 1000000000},
               {"1G", 1073741824}, {"1.5k", 1500},  {"0", 0},        {"1e3", 1000}};
  for (const Case& c : cases) {
    int64_t n = -1;
    std::string err;
    EXPECT_TRUE(ParseCount(c.text, &n, &err)) << c.text << ": " << err;
    EXPECT_EQ(n, c.want) << c.text;
  }
}

TEST(ParseCountTest, RejectsGarbageFractionsAndUnknownMultipliers) {
  for (const char* text :
       {"", "k", "1x", "1kb", "1.5", "0.0001k", "-1", "1kk", "99999999999999P"}) {
    int64_t n = 0;
    std::string err;
    EXPECT_FALSE(ParseCount(text, &n, &err)) << "'" << text << "'";
    EXPECT_FALSE(err.empty()) << text;
  }
}

}  // namespace
}  // namespace coreflow
