#include "plan/expand.h"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <string>
#include <vector>

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

}  // namespace
}  // namespace coreflow
