#include "plan/quote.h"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <filesystem>
#include <string>
#include <vector>

#include "test_util.h"

namespace coreflow {
namespace {

using testutil::RunProgram;
using testutil::ScratchDir;

TEST(ShellQuoteTest, PlainWordsStayUnquoted) {
  EXPECT_EQ(ShellQuote("abc"), "abc");
  EXPECT_EQ(ShellQuote("file_1.txt"), "file_1.txt");
  EXPECT_EQ(ShellQuote("/usr/local/bin/x-y+z"), "/usr/local/bin/x-y+z");
  EXPECT_EQ(ShellQuote("-n"), "-n");  // '-' is plain: quoting cannot stop option parsing
  EXPECT_EQ(ShellQuote("0123456789"), "0123456789");
  EXPECT_EQ(ShellQuote("ABCXYZ"), "ABCXYZ");
}

TEST(ShellQuoteTest, EmptyBecomesTwoQuotes) { EXPECT_EQ(ShellQuote(""), "''"); }

TEST(ShellQuoteTest, EverythingElseIsSingleQuoted) {
  EXPECT_EQ(ShellQuote("a b"), "'a b'");
  EXPECT_EQ(ShellQuote("$HOME"), "'$HOME'");
  EXPECT_EQ(ShellQuote("*"), "'*'");
  EXPECT_EQ(ShellQuote("~"), "'~'");
  EXPECT_EQ(ShellQuote("a=b"), "'a=b'");
  EXPECT_EQ(ShellQuote("a,b"), "'a,b'");
  EXPECT_EQ(ShellQuote("\\"), "'\\'");
  EXPECT_EQ(ShellQuote("\"x\""), "'\"x\"'");
  EXPECT_EQ(ShellQuote("a\nb"), "'a\nb'");
  EXPECT_EQ(ShellQuote("caf\xc3\xa9"), "'caf\xc3\xa9'");  // UTF-8 bytes are not plain
  EXPECT_EQ(ShellQuote(std::string("a\0b", 3)), std::string("'a\0b'", 5));
}

TEST(ShellQuoteTest, SingleQuoteIsWrittenAsQuotedDoubleQuote) {
  EXPECT_EQ(ShellQuote("it's"), "'it'\"'\"'s'");
  EXPECT_EQ(ShellQuote("a b'c d"), "'a b'\"'\"'c d'");
}

TEST(ShellQuoteTest, NoEmptyQuotesAtEitherEnd) {
  // GNU parallel --dry-run prints these exactly so (its "Remove unneeded '' at ends").
  EXPECT_EQ(ShellQuote("'"), "\"'\"");
  EXPECT_EQ(ShellQuote("''"), "\"'\"''\"'\"");
  EXPECT_EQ(ShellQuote("'a'"), "\"'\"'a'\"'\"");
  EXPECT_EQ(ShellQuote("a'"), "'a'\"'\"");
  EXPECT_EQ(ShellQuote("'a"), "\"'\"'a'");
}

TEST(ShellQuoteTest, AppendKeepsWhatIsThere) {
  std::string out = "echo ";
  AppendShellQuoted("a b", &out);
  out.push_back(' ');
  AppendShellQuoted("c", &out);
  out.push_back(' ');
  AppendShellQuoted("'x", &out);  // the leading '' is removed from the new text only
  EXPECT_EQ(out, "echo 'a b' c \"'\"'x'");
}

// Values chosen to break naive quoting: every one must reach printf as one literal word.
std::vector<std::string> HostileValues() {
  return {"",
          " ",
          "a b",
          "  two  spaces  ",
          "'",
          "''",
          "it's",
          "\"",
          "\"'\"'\"",
          "'\"'\"'",
          "$(touch PWNED)",
          "`touch PWNED`",
          "\"$(touch PWNED)\"",
          "'$(touch PWNED)'",
          "a\nb",
          "\n",
          "trailing newline\n",
          "a\tb",
          "\t",
          "caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x98\x80",
          "\x01\x02\x7f\xff",
          "-n",
          "-e",
          "--",
          "-",
          "*",
          "*.cc",
          "?",
          "[a-z]",
          "{a,b}",
          "~",
          "~root",
          "~/x",
          "\\",
          "\\n",
          "\\\\'",
          "$HOME",
          "${HOME}",
          "$0",
          "$$",
          "$",
          ";rm -rf PWNED",
          ";touch PWNED",
          "&& touch PWNED",
          "|| touch PWNED",
          "| touch PWNED",
          "& touch PWNED",
          "> PWNED",
          ">>PWNED",
          "< /dev/null",
          "!",
          "!!",
          "#comment",
          "%s",
          "%%",
          "a=b",
          "IFS=x",
          "(touch PWNED)",
          "{ touch PWNED; }",
          "\r\n"};
}

// Runs /bin/sh -c `script` in `cwd` and returns its stdout; *status gets the wait status.
std::string RunShell(const std::string& script, const std::string& cwd, int* status) {
  return RunProgram({"/bin/sh", "-c", script}, status, cwd);
}

TEST(ShellQuoteTest, ShellPrintsEveryHostileValueByteForByte) {
  ScratchDir dir("quote_test");
  ASSERT_FALSE(dir.path().empty());
  for (const std::string& v : HostileValues()) {
    int status = -1;
    std::string out = RunShell("printf %s " + ShellQuote(v), dir.path(), &status);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "value: " << v;
    EXPECT_EQ(out, v) << "quoted as: " << ShellQuote(v);
  }
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/PWNED")) << "a value was executed";
  EXPECT_TRUE(std::filesystem::is_empty(dir.path())) << "a value created a file";
}

TEST(ShellQuoteTest, EachQuotedValueIsExactlyOneWord) {
  // All values on one command line: printf repeats its format once per argument, so the
  // output shows how the shell split the line.
  ScratchDir dir("quote_test");
  ASSERT_FALSE(dir.path().empty());
  std::string script = "printf '<%s>'";
  std::string expected;
  for (const std::string& v : HostileValues()) {
    script += " " + ShellQuote(v);
    expected += "<" + v + ">";
  }
  int status = -1;
  EXPECT_EQ(RunShell(script, dir.path(), &status), expected);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_TRUE(std::filesystem::is_empty(dir.path())) << "a value created a file";
}

}  // namespace
}  // namespace coreflow
