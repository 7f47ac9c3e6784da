#include "report/text.h"

#include <algorithm>

namespace coreflow {
namespace {

bool IsContinuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// One line as a terminal shows it: after its last '\r', escape sequences dropped, control
// characters as spaces, trailing blanks gone.
std::string Visible(std::string_view line) {
  while (!line.empty() && line.back() == '\r') line.remove_suffix(1);  // CRLF line ends
  if (size_t cr = line.rfind('\r'); cr != std::string_view::npos) line.remove_prefix(cr + 1);
  std::string out;
  for (size_t i = 0; i < line.size(); ++i) {
    auto c = static_cast<unsigned char>(line[i]);
    if (c == 0x1B) {  // ESC [ ... final byte: colours and cursor moves
      if (i + 1 < line.size() && line[i + 1] == '[') {
        i += 2;
        while (i < line.size() && !(line[i] >= 0x40 && line[i] <= 0x7E)) ++i;
      }
      continue;
    }
    out.push_back(c < 0x20 || c == 0x7F ? ' ' : static_cast<char>(c));
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

}  // namespace

std::string Shorten(std::string_view text, size_t width) {
  size_t chars = 0;
  size_t cut = std::string_view::npos;  // where the first width - 3 characters end
  for (size_t i = 0; i < text.size(); ++i) {
    if (IsContinuation(text[i])) continue;
    if (chars == (width > 3 ? width - 3 : 0)) cut = i;
    if (++chars > width) return std::string(text.substr(0, cut)) + "...";
  }
  return std::string(text);
}

std::vector<std::string> LastLines(std::string_view tail, size_t max_lines, size_t width,
                                   bool cut_at_start) {
  // A tail cut from a longer stream may begin inside a character.
  while (cut_at_start && !tail.empty() && IsContinuation(tail.front())) tail.remove_prefix(1);
  std::vector<std::string> lines;
  size_t end = tail.size();
  while (lines.size() < max_lines && end > 0) {
    size_t nl = tail.rfind('\n', end - 1);
    size_t begin = nl == std::string_view::npos ? 0 : nl + 1;
    std::string line = Visible(tail.substr(begin, end - begin));
    end = nl == std::string_view::npos ? 0 : nl;
    if (line.find_first_not_of(' ') == std::string::npos) continue;
    // A line whose start was not kept shows that it was cut.
    if (begin == 0 && cut_at_start) line = "..." + line;
    lines.push_back(Shorten(line, width));
  }
  std::reverse(lines.begin(), lines.end());
  return lines;
}

}  // namespace coreflow
