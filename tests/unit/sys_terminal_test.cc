#include "sys/terminal.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <termios.h>

#include "sys/fd.h"
#include "test_util.h"

namespace coreflow {
namespace {

using testutil::Pipe;

// A pseudo-terminal: the side a program writes to is `follower`, sized by the test.
struct PseudoTerminal {
  PseudoTerminal() {
    leader = UniqueFd(posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC));
    if (!leader.valid()) return;  // a sandbox without /dev/ptmx: the tests skip
    if (grantpt(leader.get()) != 0 || unlockpt(leader.get()) != 0) {
      ADD_FAILURE() << "cannot unlock the pseudo-terminal: " << ErrnoText(errno);
      return;
    }
    const char* name = ptsname(leader.get());
    EXPECT_NE(name, nullptr) << ErrnoText(errno);
    if (name != nullptr) follower = UniqueFd(open(name, O_RDWR | O_NOCTTY | O_CLOEXEC));
    EXPECT_TRUE(follower.valid()) << name << ": " << ErrnoText(errno);
  }
  void Resize(unsigned short rows, unsigned short columns) {
    winsize size{};
    size.ws_row = rows;
    size.ws_col = columns;
    EXPECT_EQ(ioctl(leader.get(), TIOCSWINSZ, &size), 0) << ErrnoText(errno);
  }
  UniqueFd leader;
  UniqueFd follower;
};

TEST(TerminalColumns, ReadsTheWidthOfATerminal) {
  PseudoTerminal pty;
  if (!pty.leader.valid()) GTEST_SKIP() << "no pseudo-terminal: " << ErrnoText(errno);
  ASSERT_TRUE(pty.follower.valid());
  pty.Resize(24, 132);
  EXPECT_EQ(TerminalColumns(pty.follower.get()), 132);
  EXPECT_EQ(TerminalColumns(pty.follower.get(), "40"), 132);  // the kernel knows better
  pty.Resize(24, 37);                                         // a resized window is followed
  EXPECT_EQ(TerminalColumns(pty.follower.get()), 37);
}

TEST(TerminalColumns, ATerminalWithoutASizeFallsBackToColumnsThenEighty) {
  PseudoTerminal pty;
  if (!pty.leader.valid()) GTEST_SKIP() << "no pseudo-terminal: " << ErrnoText(errno);
  ASSERT_TRUE(pty.follower.valid());
  pty.Resize(0, 0);
  EXPECT_EQ(TerminalColumns(pty.follower.get(), "120"), 120);
  EXPECT_EQ(TerminalColumns(pty.follower.get()), kDefaultTerminalColumns);
}

TEST(TerminalColumns, NoTerminalFallsBackToColumnsThenEighty) {
  Pipe pipe;
  EXPECT_EQ(TerminalColumns(pipe.write_end.get(), "120"), 120);
  EXPECT_EQ(TerminalColumns(pipe.write_end.get(), nullptr), 80);
  EXPECT_EQ(TerminalColumns(-1, "66"), 66);
  EXPECT_EQ(TerminalColumns(-1), 80);
}

TEST(TerminalColumns, NonsenseInColumnsIsIgnored) {
  for (const char* bad : {"", "0", "-5", "wide", "80x", " 90", "99999999999999999999"}) {
    EXPECT_EQ(TerminalColumns(-1, bad), 80) << "'" << bad << "'";
  }
}

}  // namespace
}  // namespace coreflow
