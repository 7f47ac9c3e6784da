#pragma once

namespace coreflow {

// Where nothing tells a terminal's width, the width of the classic terminal.
inline constexpr int kDefaultTerminalColumns = 80;

// The width in columns of the terminal on `fd`, as the kernel knows it (TIOCGWINSZ), read anew
// on every call so that a resized window is followed. Where that is unknown (not a terminal, or
// a terminal that reports no size, as a serial line may), `columns_var`: the value of $COLUMNS,
// which the caller reads (null: unset), if it is a positive number; else 80.
int TerminalColumns(int fd, const char* columns_var = nullptr);

}  // namespace coreflow
