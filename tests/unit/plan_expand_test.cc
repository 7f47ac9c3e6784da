#include "plan/expand.h"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <string>
#include <vector>

#include "base/hash.h"
#include "test_util.h"

namespace coreflow {
namespace {

using testutil::RunProgram;

using Argv = std::vector<std::string>;

CommandTemplate Template(std::string_view line, int num_sources = 1) {
  CommandTemplate t;
  std::string err;
  EXPECT_TRUE(ParseTemplate(line, num_sources, &t, &err)) << line << ": " << err;
  return t;
}

// One task whose single item holds one value per source.
TaskInput Input(std::vector<std::string> values, uint64_t seq = 1) {
  TaskInput in;
  in.seq = seq;
  in.items.push_back(std::move(values));
  return in;
}

Argv Expand(std::string_view line, const TaskInput& in, int num_sources = 1, int slot = 1) {
  Command c;
  ExpandCommand(Template(line, num_sources), in, slot, &c);
  return c.argv;
}

// ---- direct templates ----

TEST(ExpandCommandTest, DirectTemplateSubstitutesValues) {
  EXPECT_EQ(Expand("gzip -9 {}", Input({"data.txt"})), (Argv{"gzip", "-9", "data.txt"}));
  EXPECT_EQ(Expand("cp {} {.}.bak", Input({"a/b.txt"})), (Argv{"cp", "a/b.txt", "a/b.bak"}));
  EXPECT_EQ(Expand("prog --in={} --base={/.}", Input({"d/x.y.z"})),
            (Argv{"prog", "--in=d/x.y.z", "--base=x.y"}));
  EXPECT_EQ(Expand("echo {//} {/}", Input({"/a/b/c"})), (Argv{"echo", "/a/b", "c"}));
}

TEST(ExpandCommandTest, AppendedFieldGetsTheValue) {
  EXPECT_EQ(Expand("echo", Input({"a b"})), (Argv{"echo", "a b"}));
}

TEST(ExpandCommandTest, GpuIsTheDevicesTheTaskHolds) {
  CommandTemplate t = Template("fold --device {gpu} {}");
  EXPECT_TRUE(t.uses_gpu);
  EXPECT_FALSE(Template("fold {}").uses_gpu);
  TaskInput in = Input({"x.pdb"});
  in.gpus = "GPU-a,GPU-b";
  Command c;
  ExpandCommand(t, in, 1, &c);
  EXPECT_EQ(c.argv, (Argv{"fold", "--device", "GPU-a,GPU-b", "x.pdb"}));
  // Like {%}, {gpu} alone means no input is appended.
  EXPECT_EQ(Expand("fold {gpu}", in), (Argv{"fold", "GPU-a,GPU-b"}));
}

TEST(ExpandCommandTest, ParamIsTheValueTheTaskRunsWith) {
  FieldScope scope;
  scope.params = {"b", "mode"};
  CommandTemplate t;
  std::string err;
  ASSERT_TRUE(ParseTemplate("fit -b {param:b} --{param:mode} {}", scope, &t, &err)) << err;
  TaskInput in = Input({"x"});
  in.params = {{"b", "16"}, {"mode", "fast"}};
  Command c;
  ExpandCommand(t, in, 1, &c);
  EXPECT_EQ(c.argv, (Argv{"fit", "-b", "16", "--fast", "x"}));
}

TEST(ExpandCommandTest, HostileValuesAreExactlyOneArgvWord) {
  for (const std::string& v :
       {std::string(""), std::string(" "), std::string("a b"), std::string("'"),
        std::string("\"\"; rm -rf ~"), std::string("$(touch PWNED)"), std::string("`id`"),
        std::string("a\nb"), std::string("\t"), std::string("*"), std::string("-n"),
        std::string("--help"), std::string("~"), std::string("$HOME"), std::string("a|b>c"),
        std::string("caf\xc3\xa9"), std::string("{}"), std::string("{1}")}) {
    EXPECT_EQ(Expand("prog {}", Input({v})), (Argv{"prog", v})) << "value: " << v;
    EXPECT_EQ(Expand("prog x{}y", Input({v})), (Argv{"prog", "x" + v + "y"})) << "value: " << v;
  }
}

TEST(ExpandCommandTest, SeveralSourcesSplitTheWordLikeTheShell) {
  // GNU parallel writes {} as the quoted values joined by spaces; the shell then splits them.
  EXPECT_EQ(Expand("echo {}", Input({"a", "b c"}), 2), (Argv{"echo", "a", "b c"}));
  EXPECT_EQ(Expand("echo x{}y", Input({"a", "b c"}), 2), (Argv{"echo", "xa", "b cy"}));
  EXPECT_EQ(Expand("echo {.}", Input({"a.x", "b.y", "c"}), 3), (Argv{"echo", "a", "b", "c"}));
}

TEST(ExpandCommandTest, NumberedFieldsPickTheirSource) {
  EXPECT_EQ(Expand("cmp {2} {1}", Input({"a", "b"}), 2), (Argv{"cmp", "b", "a"}));
  EXPECT_EQ(Expand("x {1}{2}", Input({"a", "b"}), 2), (Argv{"x", "ab"}));
  EXPECT_EQ(Expand("x {2/.} {1//}", Input({"d/f", "e/g.h"}), 2), (Argv{"x", "g", "d"}));
}

TEST(ExpandCommandTest, BatchedItemsEachBecomeAWord) {
  TaskInput in;
  in.seq = 4;
  in.items = {{"a.1"}, {"b c.2"}, {"d"}};
  EXPECT_EQ(Expand("echo {}", in), (Argv{"echo", "a.1", "b c.2", "d"}));
  EXPECT_EQ(Expand("echo x{.}y", in), (Argv{"echo", "xa", "b c", "dy"}));
  TaskInput two;
  two.items = {{"a", "1"}, {"b", "2"}};
  EXPECT_EQ(Expand("echo {2} {}", two, 2), (Argv{"echo", "1", "2", "a", "1", "b", "2"}));
}

TEST(ExpandCommandTest, SeqAndSlot) {
  EXPECT_EQ(Expand("echo {#} {%} {}", Input({"v"}, 17), 1, 3), (Argv{"echo", "17", "3", "v"}));
  EXPECT_EQ(Expand("out.{#}.{%}", Input({"v"}, 12345678901ull), 1, 64),
            (Argv{"out.12345678901.64"}));
}

TEST(ExpandCommandTest, ReplacesWhatTheCommandHeld) {
  Command c;
  c.argv = {"stale", "words"};
  ExpandCommand(Template("echo {}"), Input({"x"}), 1, &c);
  EXPECT_EQ(c.argv, (Argv{"echo", "x"}));
  ExpandCommand(Template("echo {} | cat"), Input({"y"}), 1, &c);
  EXPECT_EQ(c.argv, (Argv{kShellPath, "-c", "echo y | cat"}));
}

// ---- shell templates ----

TEST(ExpandCommandTest, ShellTemplateQuotesEveryValue) {
  EXPECT_EQ(Expand("echo {} | wc -c", Input({"a b"})),
            (Argv{"/bin/sh", "-c", "echo 'a b' | wc -c"}));
  EXPECT_EQ(Expand("cd {} && ls", Input({"$(rm -rf ~)"})),
            (Argv{"/bin/sh", "-c", "cd '$(rm -rf ~)' && ls"}));
  EXPECT_EQ(Expand("echo {} > out", Input({"it's"})),
            (Argv{"/bin/sh", "-c", "echo 'it'\"'\"'s' > out"}));
  EXPECT_EQ(Expand("echo {} >x", Input({""})), (Argv{"/bin/sh", "-c", "echo '' >x"}));
}

TEST(ExpandCommandTest, ShellTemplateWithSeveralValues) {
  EXPECT_EQ(Expand("echo x{}y | cat", Input({"a", "b c"}), 2),
            (Argv{"/bin/sh", "-c", "echo xa 'b c'y | cat"}));
  EXPECT_EQ(Expand("echo {#}-{%} {2} {1/.} | cat", Input({"d/a.x", "b c"}, 1), 2, 1),
            (Argv{"/bin/sh", "-c", "echo 1-1 'b c' a | cat"}));
}

TEST(ExpandCommandTest, InputsAreCommandsRunAsWritten) {
  CommandTemplate t = Template("");
  Command c;
  ExpandCommand(t, Input({"echo hi | tr a-z A-Z"}), 1, &c);
  EXPECT_EQ(c.argv, (Argv{"/bin/sh", "-c", "echo hi | tr a-z A-Z"}));
  // Several sources are joined with spaces, unquoted, as GNU parallel does.
  ExpandCommand(t, Input({"echo", "a b"}), 1, &c);
  EXPECT_EQ(c.argv, (Argv{"/bin/sh", "-c", "echo a b"}));
}

// ---- ExpandCommandLine ----

TEST(ExpandCommandLineTest, QuotesValuesForDirectTemplatesToo) {
  // What --dry-run prints and the joblog records, also for templates run without a shell.
  CommandTemplate t = Template("gzip -9 {}");
  EXPECT_EQ(ExpandCommandLine(t, Input({"a b"}), 1), "gzip -9 'a b'");
  EXPECT_EQ(ExpandCommandLine(t, Input({"plain.txt"}), 1), "gzip -9 plain.txt");
  EXPECT_EQ(ExpandCommandLine(Template("echo"), Input({"x"}), 1), "echo x");
  EXPECT_EQ(ExpandCommandLine(Template("echo {} {#} {%}", 2), Input({"a", "'"}, 9), 4),
            "echo a \"'\" 9 4");
}

TEST(ExpandCommandLineTest, InputsAreCommandsAreNotQuoted) {
  EXPECT_EQ(ExpandCommandLine(Template(""), Input({"ls -l 'x y'"}), 1), "ls -l 'x y'");
}

TEST(ExpandCommandTest, ShellAndDirectFormsRunTheSame) {
  // The program must receive the same values whether or not a shell stands in between.
  const std::vector<std::string> values = {"a b",          "'",    "\"", "$(echo PWNED)",
                                           "`echo PWNED`", "x\ny", "*",  "~",
                                           "\\",           "-n",   "",   ";echo PWNED"};
  for (const std::string& v : values) {
    int status = -1;
    Argv direct = Expand("printf %s. {1} {2}", Input({v, "2"}), 2);
    ASSERT_EQ(direct[0], "printf");
    EXPECT_EQ(RunProgram(direct, &status), v + ".2.");
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    Argv shell = Expand("printf %s. {1} {2} | cat", Input({v, "2"}), 2);
    ASSERT_EQ(shell[0], kShellPath);
    EXPECT_EQ(RunProgram(shell, &status), v + ".2.") << shell[2];
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
}

// ---- ExpandPath ----

std::string Path(std::string_view text, const TaskInput& in, int num_sources = 1) {
  std::vector<Piece> pieces;
  std::string err;
  EXPECT_TRUE(ParsePathTemplate(text, num_sources, &pieces, &err)) << text << ": " << err;
  return ExpandPath(pieces, in);
}

TEST(PathTemplateExpandTest, TransformsApply) {
  TaskInput in = Input({"data/sub/photo.tar.gz"}, 12);
  EXPECT_EQ(Path("out/{/.}.tsv", in), "out/photo.tar.tsv");
  EXPECT_EQ(Path("{}", in), "data/sub/photo.tar.gz");
  EXPECT_EQ(Path("{.}.done", in), "data/sub/photo.tar.done");
  EXPECT_EQ(Path("{/}", in), "photo.tar.gz");
  EXPECT_EQ(Path("{//}/x", in), "data/sub/x");
  EXPECT_EQ(Path("log/{#}.txt", in), "log/12.txt");
}

TEST(PathTemplateExpandTest, ValuesAreInsertedLiterally) {
  // A path is never read by a shell: quoting would put the quotes into the file name.
  for (const std::string& v :
       {std::string("a b"), std::string("it's"), std::string("$(rm x)"), std::string("*?[]"),
        std::string("\\"), std::string("\n"), std::string("-rf"), std::string("~")}) {
    EXPECT_EQ(Path("out/{}.txt", Input({v})), "out/" + v + ".txt") << v;
  }
}

TEST(PathTemplateExpandTest, NumberedSources) {
  TaskInput in = Input({"x/a.csv", "y/b.json"});
  EXPECT_EQ(Path("{1/.}-{2/.}.out", in, 2), "a-b.out");
  EXPECT_EQ(Path("{2//}/{1/}", in, 2), "y/a.csv");
  // {} stands for every source, joined with a space as on a command line.
  EXPECT_EQ(Path("all/{/}", in, 2), "all/a.csv b.json");
}

TEST(PathTemplateExpandTest, FixedPathIgnoresTheInput) {
  EXPECT_EQ(Path("summary.txt", Input({"anything"})), "summary.txt");
}

TEST(PathTemplateExpandTest, BatchesJoinTheirItems) {
  TaskInput in;
  in.seq = 1;
  in.items = {{"a.txt"}, {"b.txt"}};
  EXPECT_EQ(Path("{.}.out", in), "a b.out");
}

// ---- TaskKey ----

TaskInput Items(std::vector<std::vector<std::string>> items, uint64_t seq = 1) {
  TaskInput in;
  in.seq = seq;
  in.items = std::move(items);
  return in;
}

// Every property holds for both key schemes: version 2 journals' XXH3-128 and version 1's
// FNV-1a, which a resume of an old journal still uses.
class TaskKeyTest : public testing::TestWithParam<int> {
 protected:
  Hash128 Key(std::string_view text, const TaskInput& in) { return TaskKey(text, in, GetParam()); }
};

INSTANTIATE_TEST_SUITE_P(JournalVersions, TaskKeyTest, testing::Values(1, 2));

TEST(TaskKeyStability, StableAcrossReleases) {
  // Keys are stored in journals; if they changed, --resume would run everything again.
  EXPECT_EQ(TaskKey("gzip -9 {}", Input({"data/a b.txt"}), 1), (Hash128{0, 0x8420243c3cf2ab1full}));
  EXPECT_EQ(TaskKey("cmp {1} {2}", Input({"x", "y"}), 1), (Hash128{0, 0x4565f7c5ca95c9b0ull}));
  EXPECT_EQ(HexDigits128(TaskKey("gzip -9 {}", Input({"data/a b.txt"}), 2)),
            "b1eb82f3187218e2d5e74c761d1fd22f");
  EXPECT_EQ(HexDigits128(TaskKey("cmp {1} {2}", Input({"x", "y"}), 2)),
            "b55bb752ba6d241e4a7dd2d9eb397f8a");
  EXPECT_EQ(TemplateHash("echo", 1), (Hash128{0, Fnv1a64("echo")}));
  EXPECT_EQ(TemplateHash("echo", 2), Xxh3Hash128("echo"));
}

TEST(TaskKeyStability, VersionTwoKeysUseAllOf128Bits) {
  Hash128 k = TaskKey("t {}", Input({"a"}), 2);
  EXPECT_NE(k.high, 0u);
  EXPECT_NE(k.low, 0u);
}

TEST_P(TaskKeyTest, SameTemplateAndValuesSameKey) {
  EXPECT_EQ(Key("gzip {}", Input({"a.txt"})), Key("gzip {}", Input({"a.txt"})));
  EXPECT_EQ(Key("cmp {1} {2}", Input({"x", "y"})), Key("cmp {1} {2}", Input({"x", "y"})));
}

TEST_P(TaskKeyTest, StableAcrossCalls) {
  TaskInput in = Input({"a b", ""});
  Hash128 first = Key("t {}", in);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(Key("t {}", in), first);
}

TEST_P(TaskKeyTest, IndependentOfSeq) {
  // Inputs may be reordered or grow between runs; a task keeps its key.
  EXPECT_EQ(Key("gzip {}", Input({"a.txt"}, 1)), Key("gzip {}", Input({"a.txt"}, 999)));
}

TEST_P(TaskKeyTest, DiffersWhenTheTemplateDiffers) {
  EXPECT_NE(Key("gzip {}", Input({"a"})), Key("gzip -9 {}", Input({"a"})));
  EXPECT_NE(Key("gzip {}", Input({"a"})), Key("gzip  {}", Input({"a"})));
  EXPECT_NE(Key("", Input({"a"})), Key(" ", Input({"a"})));
}

TEST_P(TaskKeyTest, DiffersWhenAValueDiffers) {
  EXPECT_NE(Key("t", Input({"a"})), Key("t", Input({"b"})));
  EXPECT_NE(Key("t", Input({"a"})), Key("t", Input({"a "})));
  EXPECT_NE(Key("t", Input({"x", "a"})), Key("t", Input({"x", "b"})));
  EXPECT_NE(Key("t", Input({"a", "b"})), Key("t", Input({"b", "a"}))) << "order matters";
}

TEST_P(TaskKeyTest, DiffersWhenValuesAreSplitDifferently) {
  EXPECT_NE(Key("t", Input({"a b"})), Key("t", Input({"a", "b"})));
  EXPECT_NE(Key("t", Input({"ab", ""})), Key("t", Input({"a", "b"})));
  EXPECT_NE(Key("t", Input({"ab"})), Key("t", Input({"a", "b"})));
  EXPECT_NE(Key("t", Input({"", "ab"})), Key("t", Input({"ab", ""})));
  EXPECT_NE(Key("t", Input({""})), Key("t", Input({"", ""})));
  // Lengths are hashed as digits: a value that looks like a length must not blur the line.
  EXPECT_NE(Key("t", Input({"1a"})), Key("t", Input({"a", "a"})));
  EXPECT_NE(Key("t", Input({std::string(10, 'x')})), Key("t", Input({"0xxxxxxxxxx"})));
}

TEST_P(TaskKeyTest, DiffersWhenItemsAreGroupedDifferently) {
  // A batch of two items is another task than one item with two sources.
  EXPECT_NE(Key("t", Items({{"a"}, {"b"}})), Key("t", Items({{"a", "b"}})));
  EXPECT_NE(Key("t", Items({{"a"}, {}})), Key("t", Items({{"a"}})));
  EXPECT_NE(Key("t", Items({})), Key("t", Items({{}})));
  EXPECT_NE(Key("t", Items({{"a", "b"}, {"c"}})), Key("t", Items({{"a"}, {"b", "c"}})));
}

// ---- batches ----

TaskInput Batch(std::vector<std::string> values, uint64_t seq = 1) {
  TaskInput in;
  in.seq = seq;
  for (std::string& v : values) in.items.push_back({std::move(v)});
  return in;
}

TEST(ExpandBatchTest, MultipleValuesSitSideBySide) {  // -m
  Command c;
  ExpandCommand(Template("echo pre{}post"), Batch({"1", "2", "3"}), 1, &c);
  EXPECT_EQ(c.argv, (Argv{"echo", "pre1", "2", "3post"}));
}

TEST(ExpandBatchTest, ContextReplaceRepeatsTheWord) {  // -X, -N
  CommandTemplate t = Template("cp {} x{.}y {#} dir/");
  UseContextReplace(&t);
  Command c;
  ExpandCommand(t, Batch({"a b.txt", "c"}, 7), 1, &c);
  EXPECT_EQ(c.argv, (Argv{"cp", "a b.txt", "c", "xa by", "xcy", "7", "dir/"}));
  EXPECT_EQ(ExpandCommandLine(t, Batch({"a b.txt", "c"}, 7), 1),
            "cp 'a b.txt' c x'a b'y xcy 7 dir/");
}

TEST(ExpandBatchTest, ContextReplaceInAShellTemplate) {
  CommandTemplate t = Template("echo [{}] | cat");
  ASSERT_TRUE(t.use_shell);
  UseContextReplace(&t);
  Command c;
  ExpandCommand(t, Batch({"it's", "b"}), 1, &c);
  EXPECT_EQ(c.argv, (Argv{"/bin/sh", "-c", "echo ['it'\"'\"'s'] [b] | cat"}));
}

TEST(ExpandBatchTest, PositionsPickTheNthInputAndVanishPastTheEnd) {  // -N with one source
  CommandTemplate t = Template("echo {1}-{2} {2.}", 2);
  t.flat_inputs = true;
  Command c;
  ExpandCommand(t, Batch({"a.x", "b.y"}), 1, &c);
  EXPECT_EQ(c.argv, (Argv{"echo", "a.x-b.y", "b"}));
  ExpandCommand(t, Batch({"c.z"}), 1, &c);
  EXPECT_EQ(c.argv, (Argv{"echo", "c.z-"}));  // as GNU parallel: the lone {2.} word goes
}

// -m, -X with several sources, as GNU parallel: the batch is one list of values, input after
// input; {} stands for each value and {n} for the n-th.
TaskInput Pairs(std::vector<std::vector<std::string>> items) {
  TaskInput in;
  in.seq = 1;
  in.items = std::move(items);
  return in;
}

TEST(ExpandBatchTest, ContextReplaceRepeatsTheWordPerValueOfSeveralSources) {
  CommandTemplate t = Template("echo {}-{.} {1}{} {1}-{2}", 2);
  t.flat_inputs = true;
  UseContextReplace(&t);
  TaskInput in = Pairs({{"a.x", "b"}, {"a.x", "c.y"}});
  EXPECT_EQ(ExpandCommandLine(t, in, 1),
            "echo a.x-a b-b a.x-a c.y-c a.xa.x a.xb a.xa.x a.xc.y a.x-b");
  Command c;
  ExpandCommand(t, in, 1, &c);
  EXPECT_EQ(c.argv, (Argv{"echo", "a.x-a", "b-b", "a.x-a", "c.y-c", "a.xa.x", "a.xb", "a.xa.x",
                          "a.xc.y", "a.x-b"}));
}

TEST(ExpandBatchTest, MultipleValuesOfSeveralSourcesSitSideBySide) {
  CommandTemplate t = Template("echo x{1}y {2} {}", 2);
  t.flat_inputs = true;
  EXPECT_EQ(ExpandCommandLine(t, Pairs({{"a", "c"}, {"a", "d"}, {"b", "c"}}), 1),
            "echo xay c a c a d b c");
}

TEST(ExpandBatchTest, AWordOfPositionsAloneIsWrittenOnce) {  // -X: {1} does not repeat
  CommandTemplate t = Template("cp {1} {3} dir/{}", 3);
  t.flat_inputs = true;
  UseContextReplace(&t);
  Command c;
  ExpandCommand(t, Batch({"a", "b"}), 1, &c);
  EXPECT_EQ(c.argv, (Argv{"cp", "a", "dir/a", "dir/b"}));  // {3} is past the end: no word
}

TEST(ExpandBatchTest, AnEmptyValueIsStillAWord) {
  CommandTemplate t = Template("printf %s, {}");
  UseContextReplace(&t);
  Command c;
  ExpandCommand(t, Batch({"a", ""}), 1, &c);
  EXPECT_EQ(c.argv, (Argv{"printf", "%s,", "a", ""}));
}

TEST(DescribeInputTest, ValuesQuotedWhereNeededAndCut) {
  EXPECT_EQ(DescribeInput(Input({"a.txt"}), 100), "a.txt");
  EXPECT_EQ(DescribeInput(Input({"a b", "x", ""}), 100), "'a b' x ''");
  TaskInput batch;
  for (const char* v : {"4", "5", "6"}) batch.items.push_back({v});
  EXPECT_EQ(DescribeInput(batch, 100), "4 5 6");
  EXPECT_EQ(DescribeInput(Input({std::string(50, 'x')}), 10), "xxxxxxx...");
  // Never in the middle of a character.
  EXPECT_EQ(DescribeInput(Input({"\xC3\xA9\xC3\xA9\xC3\xA9"}), 7), "'\xC3\xA9...");
}

// ---- columns (--colsep) ----

TaskInput Rows(std::vector<std::vector<std::string>> rows) {
  TaskInput in;
  in.seq = 1;
  in.items = std::move(rows);
  NoteRagged(&in);
  return in;
}

CommandTemplate ColumnTemplate(std::string_view line) {
  FieldScope scope;
  scope.any_number = true;
  CommandTemplate t;
  std::string err;
  EXPECT_TRUE(ParseTemplate(line, scope, &t, &err)) << err;
  return t;
}

TEST(ExpandColumnsTest, MissingColumnsStandForNothing) {
  CommandTemplate t = ColumnTemplate("printf %s. x{3}y {3} z");
  Command c;
  ExpandCommand(t, Rows({{"a", "b", "c"}}), 1, &c);
  EXPECT_EQ(c.argv, (Argv{"printf", "%s.", "xcy", "c", "z"}));
  ExpandCommand(t, Rows({{"1", "2"}}), 1, &c);
  EXPECT_EQ(c.argv, (Argv{"printf", "%s.", "xy", "z"}));  // as GNU parallel
  EXPECT_EQ(ExpandCommandLine(t, Rows({{"1", "2"}}), 1), "printf %s. xy  z");
  EXPECT_EQ(ExpandPath(t.pieces, Rows({{"1"}})), "printf %s. xy  z");
}

TEST(ExpandColumnsTest, BatchPositionsCountColumnsOfEveryInput) {  // -N with --colsep
  CommandTemplate t = ColumnTemplate("echo {1} {2} {3} {4} {5}");
  t.flat_inputs = true;
  UseContextReplace(&t);
  Command c;
  ExpandCommand(t, Rows({{"a", "b", "c"}, {"d"}}), 1, &c);
  EXPECT_EQ(c.argv, (Argv{"echo", "a", "b", "c", "d"}));
}

TEST(ExpandColumnsTest, ContextReplaceRepeatsOncePerValue) {  // -N, -X: GNU parallel's way
  CommandTemplate t = ColumnTemplate("echo x{}y -{}- {#}");
  t.flat_inputs = true;  // as ParseBatchTemplate makes it for -X, and -N with one source
  UseContextReplace(&t);
  Command c;
  ExpandCommand(t, Rows({{"a", "b"}, {"c"}}), 1, &c);
  EXPECT_EQ(c.argv, (Argv{"echo", "xay", "xby", "xcy", "-a-", "-b-", "-c-", "1"}));
  EXPECT_EQ(ExpandCommandLine(t, Rows({{"a b", "c"}}), 1), "echo x'a b'y xcy -'a b'- -c- 1");
}

}  // namespace
}  // namespace coreflow
