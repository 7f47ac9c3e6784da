#include "sys/terminal.h"

#include <sys/ioctl.h>

#include <cerrno>
#include <string_view>

#include "base/parse.h"

namespace coreflow {
namespace {

// The kernel's idea of the width, or 0 when it has none (ENOTTY, EBADF, a 0x0 window).
int IoctlColumns(int fd) {
  winsize size{};
  for (;;) {
    if (::ioctl(fd, TIOCGWINSZ, &size) == 0) return size.ws_col;
    if (errno != EINTR) return 0;  // the reason does not matter: the caller falls back
  }
}

// A width given as text ($COLUMNS), or 0 when it is not a sensible positive number.
int ParseColumns(const char* text) {
  if (text == nullptr) return 0;
  int64_t value = 0;
  if (!ParseInt(std::string_view(text), &value) || value <= 0 || value > 100000) return 0;
  return static_cast<int>(value);
}

}  // namespace

int TerminalColumns(int fd, const char* columns_var) {
  if (int columns = IoctlColumns(fd); columns > 0) return columns;
  if (int columns = ParseColumns(columns_var); columns > 0) return columns;
  return kDefaultTerminalColumns;
}

}  // namespace coreflow
