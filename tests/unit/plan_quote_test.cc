#include "plan/quote.h"

#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

extern char** environ;

namespace coreflow {
namespace {

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

class ScratchDir {
 public:
  ScratchDir() {
    std::string tmpl = testing::TempDir() + "quote_test.XXXXXX";
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    if (mkdtemp(buf.data()) != nullptr) path_ = buf.data();
  }
  ~ScratchDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Runs /bin/sh -c `script` in `cwd` and returns its stdout; *status gets the wait status.
std::string RunShell(const std::string& script, const std::string& cwd, int* status) {
  int pipe_fds[2];
  if (pipe(pipe_fds) != 0) {
    ADD_FAILURE() << "pipe failed";
    return "";
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, pipe_fds[0]);
  posix_spawn_file_actions_addclose(&actions, pipe_fds[1]);
  posix_spawn_file_actions_addchdir_np(&actions, cwd.c_str());
  std::vector<std::string> args = {"/bin/sh", "-c", script};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  int e = posix_spawn(&pid, "/bin/sh", &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(pipe_fds[1]);
  std::string out;
  if (e != 0) {
    ADD_FAILURE() << "posix_spawn failed: " << e;
    close(pipe_fds[0]);
    return out;
  }
  char buf[4096];
  for (;;) {
    ssize_t n = read(pipe_fds[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  close(pipe_fds[0]);
  while (waitpid(pid, status, 0) < 0 && errno == EINTR) {
  }
  return out;
}

TEST(ShellQuoteTest, ShellPrintsEveryHostileValueByteForByte) {
  ScratchDir dir;
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
  ScratchDir dir;
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
