#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace coreflow {

// Text from tasks made fit for a line of the summary.

// `text` cut to at most `width` characters (UTF-8 code points), with "..." at the end when
// cut; never in the middle of a character.
std::string Shorten(std::string_view text, size_t width);

// The last `max_lines` non-blank lines of a stream's tail, each cut to `width` characters,
// as a terminal would have shown them: what follows the last carriage return of a line
// (progress bars), escape sequences dropped, other control characters as spaces. When
// `cut_at_start`, the tail's first line may be the end of a longer one, and gets "..." in
// front when shown.
std::vector<std::string> LastLines(std::string_view tail, size_t max_lines, size_t width,
                                   bool cut_at_start);

}  // namespace coreflow
