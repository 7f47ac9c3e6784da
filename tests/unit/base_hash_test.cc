#include "base/hash.h"

#include <gtest/gtest.h>

#include <string>

namespace coreflow {
namespace {

// Published FNV-1a 64-bit test vectors: names derived from this hash are stored on disk
// (results directories, journals), so the function must never change.
TEST(Fnv1a64Test, MatchesReferenceVectors) {
  EXPECT_EQ(Fnv1a64(""), 0xcbf29ce484222325ull);
  EXPECT_EQ(Fnv1a64("a"), 0xaf63dc4c8601ec8cull);
  EXPECT_EQ(Fnv1a64("foobar"), 0x85944171f73967e8ull);
}

TEST(Fnv1a64Test, HashesEveryByteIncludingNulAndHighBytes) {
  EXPECT_NE(Fnv1a64(std::string("a\0b", 3)), Fnv1a64("ab"));
  EXPECT_NE(Fnv1a64("\xff"), Fnv1a64("\x7f"));
  EXPECT_NE(Fnv1a64("ab"), Fnv1a64("ba"));
}

TEST(Fnv1a64Test, SeedChainsLikeConcatenation) {
  // Hashing "foo" and then "bar" with the running value as the seed equals hashing "foobar".
  EXPECT_EQ(Fnv1a64("bar", Fnv1a64("foo")), Fnv1a64("foobar"));
  EXPECT_NE(Fnv1a64("a", 1), Fnv1a64("a"));
  EXPECT_EQ(Fnv1a64("", 42), 42u);
}

TEST(HexDigitsTest, SixteenLowercaseDigitsZeroPadded) {
  EXPECT_EQ(HexDigits(0), "0000000000000000");
  EXPECT_EQ(HexDigits(0xdeadbeef), "00000000deadbeef");
  EXPECT_EQ(HexDigits(0x0123456789abcdefull), "0123456789abcdef");
  EXPECT_EQ(HexDigits(~0ull), "ffffffffffffffff");
  EXPECT_EQ(HexDigits(0xcbf29ce484222325ull), "cbf29ce484222325");
}

}  // namespace
}  // namespace coreflow
