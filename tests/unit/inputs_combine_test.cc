#include "inputs/combine.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "test_util.h"

namespace coreflow {
namespace {

using testutil::Pipe;
using testutil::TempFile;

using Tuple = std::vector<std::string>;
using Tuples = std::vector<Tuple>;

SourceSpec Args(std::vector<std::string> args, bool linked = false) {
  SourceSpec s;
  s.kind = SourceSpec::Kind::kArgs;
  s.args = std::move(args);
  s.linked = linked;
  return s;
}

SourceSpec File(std::string path, bool linked = false) {
  SourceSpec s;
  s.kind = SourceSpec::Kind::kFile;
  s.path = std::move(path);
  s.linked = linked;
  return s;
}

SourceSpec Stdin() {
  SourceSpec s;
  s.kind = SourceSpec::Kind::kStdin;
  return s;
}

// Reads every tuple; none of these sources blocks.
Tuples Drain(InputCombiner* c) {
  Tuples out;
  Tuple t;
  std::string err;
  for (;;) {
    ReadStatus s = c->Next(&t, &err);
    if (s == ReadStatus::kValue) {
      out.push_back(t);
      continue;
    }
    EXPECT_EQ(s, ReadStatus::kEnd) << err;
    break;
  }
  return out;
}

Tuples Combine(const std::vector<SourceSpec>& specs) {
  InputCombiner c;
  std::string err;
  EXPECT_TRUE(c.Open(specs, '\n', &err)) << err;
  return Drain(&c);
}

// A source that fails on its first read.
class FailingSource : public InputSource {
 public:
  ReadStatus Next(std::string*, std::string* err) override {
    *err = "broken source";
    return ReadStatus::kError;
  }
};

// ---- products and links ----

TEST(InputCombinerTest, SingleSource) {
  EXPECT_EQ(Combine({Args({"a", "b", "c"})}), (Tuples{{"a"}, {"b"}, {"c"}}));
}

TEST(InputCombinerTest, ProductWithTheFirstSourceSlowest) {
  EXPECT_EQ(Combine({Args({"a", "b"}), Args({"1", "2"})}),
            (Tuples{{"a", "1"}, {"a", "2"}, {"b", "1"}, {"b", "2"}}));
}

TEST(InputCombinerTest, ThreeWayProductIsAnOdometer) {
  EXPECT_EQ(Combine({Args({"a", "b"}), Args({"1", "2", "3"}), Args({"x", "y"})}),
            (Tuples{{"a", "1", "x"},
                    {"a", "1", "y"},
                    {"a", "2", "x"},
                    {"a", "2", "y"},
                    {"a", "3", "x"},
                    {"a", "3", "y"},
                    {"b", "1", "x"},
                    {"b", "1", "y"},
                    {"b", "2", "x"},
                    {"b", "2", "y"},
                    {"b", "3", "x"},
                    {"b", "3", "y"}}));
}

TEST(InputCombinerTest, LinkedSourcesZipAndStopAtTheShortest) {
  EXPECT_EQ(Combine({Args({"a", "b", "c"}), Args({"1", "2"}, true)}),
            (Tuples{{"a", "1"}, {"b", "2"}}));
  EXPECT_EQ(Combine({Args({"a", "b"}), Args({"1", "2", "3"}, true)}),
            (Tuples{{"a", "1"}, {"b", "2"}}));
  EXPECT_EQ(Combine({Args({"a", "b"}), Args({"1", "2"}, true), Args({"x", "y"}, true)}),
            (Tuples{{"a", "1", "x"}, {"b", "2", "y"}}));
}

TEST(InputCombinerTest, LinkedGroupInsideAProduct) {
  // x y ::: a b c :::+ 1 2  ->  {x,y} x zip(a b c, 1 2)
  EXPECT_EQ(Combine({Args({"x", "y"}), Args({"a", "b", "c"}), Args({"1", "2"}, true)}),
            (Tuples{{"x", "a", "1"}, {"x", "b", "2"}, {"y", "a", "1"}, {"y", "b", "2"}}));
}

TEST(InputCombinerTest, EmptyFactorGivesNoTuples) {
  EXPECT_EQ(Combine({Args({"a", "b"}), Args({})}), Tuples{});
  EXPECT_EQ(Combine({Args({}), Args({"a", "b"})}), Tuples{});
  EXPECT_EQ(Combine({Args({"a"}), Args({"1"}), Args({})}), Tuples{});
  EXPECT_EQ(Combine({Args({"a", "b"}), Args({}, true)}), Tuples{});
  EXPECT_EQ(Combine({Args({})}), Tuples{});
}

TEST(InputCombinerTest, NoSourcesAtAll) {
  InputCombiner c;
  std::string err;
  ASSERT_TRUE(c.Open({}, '\n', &err));
  EXPECT_EQ(c.num_sources(), 0);
  EXPECT_EQ(Drain(&c), Tuples{});
}

TEST(InputCombinerTest, CountsSources) {
  InputCombiner c;
  std::string err;
  ASSERT_TRUE(c.Open({Args({"a"}), Args({"1"}, true), Args({"x"})}, '\n', &err));
  EXPECT_EQ(c.num_sources(), 3);
}

TEST(InputCombinerTest, NextReplacesTheTupleAndStaysEnded) {
  InputCombiner c;
  std::string err;
  ASSERT_TRUE(c.Open({Args({"a"})}, '\n', &err));
  Tuple t = {"stale", "values"};
  ASSERT_EQ(c.Next(&t, &err), ReadStatus::kValue);
  EXPECT_EQ(t, (Tuple{"a"}));
  EXPECT_EQ(c.Next(&t, &err), ReadStatus::kEnd);
  EXPECT_EQ(c.Next(&t, &err), ReadStatus::kEnd);
}

// ---- files ----

TEST(InputCombinerTest, FilesAreSourcesWithTheGivenDelimiter) {
  TempFile lines("combine_test", "a\nb\n");
  TempFile nul("combine_test", std::string("1\n\0"
                                           "2\0",
                                           5));
  InputCombiner c;
  std::string err;
  ASSERT_TRUE(c.Open({File(lines.path()), Args({"x"})}, '\n', &err)) << err;
  EXPECT_EQ(Drain(&c), (Tuples{{"a", "x"}, {"b", "x"}}));
  InputCombiner z;
  ASSERT_TRUE(z.Open({Args({"x"}), File(nul.path())}, '\0', &err)) << err;
  EXPECT_EQ(Drain(&z), (Tuples{{"x", "1\n"}, {"x", "2"}}));
}

TEST(InputCombinerTest, MissingFileIsNamed) {
  InputCombiner c;
  std::string err;
  std::string missing = testing::TempDir() + "no-such-dir/inputs.txt";
  EXPECT_FALSE(c.Open({Args({"a"}), File(missing)}, '\n', &err));
  EXPECT_NE(err.find("'" + missing + "'"), std::string::npos) << err;
  EXPECT_NE(err.find("No such file or directory"), std::string::npos) << err;
}

TEST(InputCombinerTest, StdinCanBeUsedOnlyOnce) {
  std::string err;
  InputCombiner a;
  EXPECT_FALSE(a.Open({Stdin(), Stdin()}, '\n', &err));
  EXPECT_NE(err.find("standard input"), std::string::npos) << err;
  err.clear();
  InputCombiner b;
  EXPECT_FALSE(b.Open({File("-"), Stdin()}, '\n', &err)) << "'-' is standard input";
  EXPECT_NE(err.find("only once"), std::string::npos) << err;
  err.clear();
  InputCombiner c;
  EXPECT_FALSE(c.Open({Stdin(), Args({"x"}), File("-")}, '\n', &err));
  EXPECT_NE(err.find("only once"), std::string::npos) << err;
}

TEST(InputCombinerTest, ErrorInABufferedGroupFailsOpen) {
  std::vector<std::vector<std::unique_ptr<InputSource>>> groups(2);
  groups[0].push_back(std::make_unique<ListSource>(std::vector<std::string>{"a"}));
  groups[1].push_back(std::make_unique<FailingSource>());
  InputCombiner c;
  std::string err;
  EXPECT_FALSE(c.OpenSources(std::move(groups), &err));
  EXPECT_EQ(err, "broken source");
}

TEST(InputCombinerTest, ErrorInTheStreamedGroupEndsTheInput) {
  std::vector<std::vector<std::unique_ptr<InputSource>>> groups(1);
  groups[0].push_back(std::make_unique<FailingSource>());
  InputCombiner c;
  std::string err;
  ASSERT_TRUE(c.OpenSources(std::move(groups), &err));
  Tuple t;
  EXPECT_EQ(c.Next(&t, &err), ReadStatus::kError);
  EXPECT_EQ(err, "broken source");
  EXPECT_EQ(c.Next(&t, &err), ReadStatus::kEnd);
}

// ---- streaming ----

TEST(InputCombinerTest, FirstGroupStreamsBeforeEndOfFile) {
  Pipe p;
  int read_fd = p.read_end.get();
  std::vector<std::vector<std::unique_ptr<InputSource>>> groups(2);
  groups[0].push_back(std::make_unique<DelimitedReader>(std::move(p.read_end), '\n', "pipe"));
  groups[1].push_back(std::make_unique<ListSource>(std::vector<std::string>{"1", "2"}));
  InputCombiner c;
  std::string err;
  ASSERT_TRUE(c.OpenSources(std::move(groups), &err)) << "must not wait for the pipe";
  EXPECT_EQ(c.num_sources(), 2);
  Tuple t;
  EXPECT_EQ(c.Next(&t, &err), ReadStatus::kWouldBlock);
  EXPECT_EQ(c.fd(), read_fd);

  ASSERT_EQ(WriteAll(p.write_end.get(), "a\n"), 0);
  ASSERT_EQ(c.Next(&t, &err), ReadStatus::kValue);
  EXPECT_EQ(t, (Tuple{"a", "1"}));
  ASSERT_EQ(c.Next(&t, &err), ReadStatus::kValue);
  EXPECT_EQ(t, (Tuple{"a", "2"}));
  EXPECT_EQ(c.Next(&t, &err), ReadStatus::kWouldBlock);

  ASSERT_EQ(WriteAll(p.write_end.get(), "b\n"), 0);
  ASSERT_EQ(c.Next(&t, &err), ReadStatus::kValue);
  EXPECT_EQ(t, (Tuple{"b", "1"}));
  ASSERT_EQ(c.Next(&t, &err), ReadStatus::kValue);
  EXPECT_EQ(t, (Tuple{"b", "2"}));

  p.write_end.Reset();
  EXPECT_EQ(c.Next(&t, &err), ReadStatus::kEnd);
}

TEST(InputCombinerTest, OpenStreamsAFileThatIsAPipe) {
  // `:::: /dev/fd/N` on a pipe: Open must return before the writer finishes.
  Pipe p;
  std::string path = "/proc/self/fd/" + std::to_string(p.read_end.get());
  InputCombiner c;
  std::string err;
  ASSERT_TRUE(c.Open({File(path), Args({"x", "y"})}, '\n', &err)) << err;
  Tuple t;
  EXPECT_EQ(c.Next(&t, &err), ReadStatus::kWouldBlock);
  ASSERT_GE(c.fd(), 0);
  ASSERT_EQ(WriteAll(p.write_end.get(), "first\n"), 0);
  ASSERT_EQ(c.Next(&t, &err), ReadStatus::kValue);
  EXPECT_EQ(t, (Tuple{"first", "x"}));
  ASSERT_EQ(c.Next(&t, &err), ReadStatus::kValue);
  EXPECT_EQ(t, (Tuple{"first", "y"}));
  p.write_end.Reset();
  EXPECT_EQ(c.Next(&t, &err), ReadStatus::kEnd);
}

TEST(InputCombinerTest, LinkedStreamsWaitForEachOther) {
  Pipe left, right;
  int right_fd = right.read_end.get();
  std::vector<std::vector<std::unique_ptr<InputSource>>> groups(1);
  groups[0].push_back(std::make_unique<DelimitedReader>(std::move(left.read_end), '\n', "l"));
  groups[0].push_back(std::make_unique<DelimitedReader>(std::move(right.read_end), '\n', "r"));
  InputCombiner c;
  std::string err;
  ASSERT_TRUE(c.OpenSources(std::move(groups), &err));
  Tuple t;
  ASSERT_EQ(WriteAll(left.write_end.get(), "a\nb\n"), 0);
  EXPECT_EQ(c.Next(&t, &err), ReadStatus::kWouldBlock);
  EXPECT_EQ(c.fd(), right_fd) << "waits on the source that has nothing yet";
  ASSERT_EQ(WriteAll(right.write_end.get(), "1\n"), 0);
  ASSERT_EQ(c.Next(&t, &err), ReadStatus::kValue);
  EXPECT_EQ(t, (Tuple{"a", "1"}));
  right.write_end.Reset();  // the shorter source ends the zip
  EXPECT_EQ(c.Next(&t, &err), ReadStatus::kEnd);
}

TEST(InputCombinerTest, BufferedGroupReadsAPipeWhole) {
  Pipe p;
  ASSERT_EQ(WriteAll(p.write_end.get(), "1\n2"), 0);
  p.write_end.Reset();
  std::vector<std::vector<std::unique_ptr<InputSource>>> groups(2);
  groups[0].push_back(std::make_unique<ListSource>(std::vector<std::string>{"a", "b"}));
  groups[1].push_back(std::make_unique<DelimitedReader>(std::move(p.read_end), '\n', "pipe"));
  InputCombiner c;
  std::string err;
  ASSERT_TRUE(c.OpenSources(std::move(groups), &err)) << err;
  EXPECT_EQ(Drain(&c), (Tuples{{"a", "1"}, {"a", "2"}, {"b", "1"}, {"b", "2"}}));
}

// ---- columns (--colsep), headers (--header) and --link ----

Tuples CombineWith(const std::vector<SourceSpec>& specs, const InputOptions& options) {
  InputCombiner c;
  std::string err;
  EXPECT_TRUE(c.Open(specs, options, &err)) << err;
  return Drain(&c);
}

InputOptions Colsep(std::string separator) {
  InputOptions o;
  o.colsep = std::move(separator);
  return o;
}

TEST(InputCombinerColumnsTest, ValuesBecomeTheirColumns) {
  EXPECT_EQ(CombineWith({Args({"a,b", " c ", ""})}, Colsep(",")),
            (Tuples{{"a", "b"}, {"c"}, {""}}));
}

TEST(InputCombinerColumnsTest, ColumnsOfEverySourceFollowEachOther) {
  EXPECT_EQ(CombineWith({Args({"a,b", "c,d"}), Args({"1,2", "3"})}, Colsep(",")),
            (Tuples{{"a", "b", "1", "2"}, {"a", "b", "3"}, {"c", "d", "1", "2"}, {"c", "d", "3"}}));
  EXPECT_EQ(CombineWith({Args({"a,b", "c,d"}), Args({"1,2", "3"}, true)}, Colsep(",")),
            (Tuples{{"a", "b", "1", "2"}, {"c", "d", "3"}}));
}

TEST(InputCombinerColumnsTest, RegexErrorFailsOpen) {
  InputCombiner c;
  std::string err;
  EXPECT_FALSE(c.Open({Args({"a"})}, Colsep("[x"), &err));
  EXPECT_NE(err.find("--colsep"), std::string::npos) << err;
}

TEST(InputCombinerColumnsTest, HeaderNamesColumnsAcrossSources) {
  InputOptions o;
  o.header = true;  // without --colsep: split on tabs, not trimmed
  InputCombiner c;
  std::string err;
  ASSERT_TRUE(c.Open({Args({"x\tx2", "1\t 2 ", "3"}), Args({"y", "a"})}, o, &err)) << err;
  EXPECT_EQ(c.column_names(), (std::vector<std::string>{"x", "x2", "y"}));
  FieldScope scope = c.field_scope();
  EXPECT_TRUE(scope.any_number);
  EXPECT_EQ(scope.names, &c.column_names());
  EXPECT_EQ(scope.names_origin, "the headers of ::: x\tx2 ..., ::: y ...");
  EXPECT_EQ(Drain(&c), (Tuples{{"1", " 2 ", "a"}, {"3", "a"}}));
}

TEST(InputCombinerColumnsTest, HeaderOfAFileWithColsepAndCrlf) {
  TempFile f("combine_test", "alpha, beta\r\n1,2\r\n3,4\r\n");
  InputOptions o = Colsep(",");
  o.header = true;
  InputCombiner c;
  std::string err;
  ASSERT_TRUE(c.Open({File(f.path())}, o, &err)) << err;
  EXPECT_EQ(c.column_names(), (std::vector<std::string>{"alpha", "beta"}));
  EXPECT_EQ(c.field_scope().names_origin, "the header of " + f.path());
  uint64_t n = 0;
  ASSERT_TRUE(c.CountRemaining(&n));
  EXPECT_EQ(n, 2u) << "the header is not a task";
  EXPECT_EQ(Drain(&c), (Tuples{{"1", "2"}, {"3", "4"}}));
}

TEST(InputCombinerColumnsTest, WithoutColumnsNothingIsSplit) {
  InputCombiner c;
  std::string err;
  ASSERT_TRUE(c.Open({Args({"a,b\tc"})}, InputOptions{}, &err)) << err;
  EXPECT_FALSE(c.field_scope().any_number);
  EXPECT_EQ(c.field_scope().names, nullptr);
  EXPECT_EQ(Drain(&c), (Tuples{{"a,b\tc"}}));
}

InputOptions Link() {
  InputOptions o;
  o.link = true;
  return o;
}

TEST(InputCombinerLinkTest, ShorterSourcesStartOverUntilTheLongestEnds) {
  EXPECT_EQ(
      CombineWith({Args({"1", "2"}), Args({"I", "II", "III"}), Args({"a", "b", "c", "d", "e"})},
                  Link()),
      (Tuples{{"1", "I", "a"},
              {"2", "II", "b"},
              {"1", "III", "c"},
              {"2", "I", "d"},
              {"1", "II", "e"}}));
  EXPECT_EQ(CombineWith({Args({"a", "b"}), Args({"1", "2"})}, Link()),
            (Tuples{{"a", "1"}, {"b", "2"}}));
  EXPECT_EQ(CombineWith({Args({"a", "b"}), Args({"1", "2", "3"}, true)}, Link()),
            (Tuples{{"a", "1"}, {"b", "2"}, {"a", "3"}}))
      << ":::+ under --link recycles too";
  EXPECT_EQ(CombineWith({Args({"a", "b"})}, Link()), (Tuples{{"a"}, {"b"}}));
}

TEST(InputCombinerLinkTest, AnEmptySourceLeavesNothingToLink) {
  EXPECT_EQ(CombineWith({Args({"a", "b"}), Args({})}, Link()), Tuples{});
  EXPECT_EQ(CombineWith({Args({}), Args({"a", "b"})}, Link()), Tuples{});
}

TEST(InputCombinerLinkTest, CountsTheLongest) {
  TempFile f("combine_test", "1\n2\n3\n4\n");
  InputCombiner c;
  std::string err;
  ASSERT_TRUE(c.Open({Args({"a", "b"}), File(f.path())}, Link(), &err)) << err;
  uint64_t n = 0;
  ASSERT_TRUE(c.CountRemaining(&n));
  EXPECT_EQ(n, 4u);
  EXPECT_EQ(Drain(&c), (Tuples{{"a", "1"}, {"b", "2"}, {"a", "3"}, {"b", "4"}}));
  InputCombiner empty;
  ASSERT_TRUE(empty.Open({Args({"a", "b"}), Args({})}, Link(), &err)) << err;
  ASSERT_TRUE(empty.CountRemaining(&n));
  EXPECT_EQ(n, 0u);
}

TEST(InputCombinerLinkTest, ShortFileAndPipeStartOverWithTheirHeaders) {
  TempFile f("combine_test", "h\n1\n2\n");
  Pipe p;
  ASSERT_EQ(WriteAll(p.write_end.get(), "k\nx\n"), 0);
  p.write_end.Reset();
  std::string pipe = "/proc/self/fd/" + std::to_string(p.read_end.get());
  InputOptions o = Link();
  o.header = true;
  InputCombiner c;
  std::string err;
  ASSERT_TRUE(c.Open({File(f.path()), File(pipe), Args({"j", "a", "b", "c"})}, o, &err)) << err;
  EXPECT_EQ(c.column_names(), (std::vector<std::string>{"h", "k", "j"}));
  EXPECT_EQ(Drain(&c), (Tuples{{"1", "x", "a"}, {"2", "x", "b"}, {"1", "x", "c"}}));
}

}  // namespace
}  // namespace coreflow

// ---- --shard ----

namespace coreflow {
namespace {

Tuples Shard(const std::vector<SourceSpec>& specs, uint32_t index, uint32_t count) {
  InputCombiner c;
  InputOptions options;
  options.shard_index = index;
  options.shard_count = count;
  std::string err;
  EXPECT_TRUE(c.Open(specs, options, &err)) << err;
  uint64_t n = 0;
  EXPECT_FALSE(c.CountRemaining(&n) && count > 1);  // a shard's share is not known ahead
  return Drain(&c);
}

TEST(InputCombinerShardTest, ShardsSplitTheTuplesDisjointlyAndEvenly) {
  std::vector<std::string> values;
  for (int i = 1; i <= 3000; ++i) values.push_back(std::to_string(i));
  const std::vector<SourceSpec> specs = {Args(values), Args({"x", "y"})};
  Tuples all = Combine(specs);
  Tuples joined;
  for (uint32_t i = 0; i < 3; ++i) {
    Tuples part = Shard(specs, i, 3);
    EXPECT_GT(part.size(), 1800u) << "shard " << i;  // 2000 each, give or take
    EXPECT_LT(part.size(), 2200u) << "shard " << i;
    joined.insert(joined.end(), part.begin(), part.end());
  }
  std::sort(all.begin(), all.end());
  std::sort(joined.begin(), joined.end());
  EXPECT_EQ(joined, all);  // each tuple in exactly one shard
}

TEST(InputCombinerShardTest, ATuplesShardDependsOnItsValuesAlone) {
  Tuples forward = Shard({Args({"a", "b", "c", "d", "e", "f", "g", "h"})}, 1, 4);
  Tuples backward = Shard({Args({"h", "g", "f", "e", "d", "c", "b", "a"})}, 1, 4);
  std::reverse(backward.begin(), backward.end());
  EXPECT_EQ(forward, backward);
  EXPECT_TRUE(InShard({"ab", "c"}, 0, 1));
  int differ = 0;  // values that concatenate alike are still told apart
  for (uint32_t n = 2; n < 40; ++n)
    differ += InShard({"ab", "c"}, 0, n) != InShard({"a", "bc"}, 0, n);
  EXPECT_GT(differ, 0);
}

}  // namespace
}  // namespace coreflow
