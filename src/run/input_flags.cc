#include "run/input_flags.h"

#include <cctype>

#include "inputs/columns.h"

namespace coreflow {
namespace {

bool IsDigit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }

// One pass of unquote_printf: each `\` followed by `width` digits becomes what Perl makes of
// "\ddd": up to three octal digits give a byte, the digits after them stay as they are (and
// "\8" is just "8").
std::string ReplaceOctal(std::string_view text, size_t width) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    bool digits = text[i] == '\\' && i + width < text.size();
    for (size_t k = 1; digits && k <= width; ++k) digits = IsDigit(text[i + k]);
    if (!digits) {
      out.push_back(text[i]);
      continue;
    }
    std::string_view d = text.substr(i + 1, width);
    unsigned value = 0;
    size_t octal = 0;
    while (octal < d.size() && d[octal] <= '7') value = value * 8 + (d[octal++] - '0');
    if (value > 0377) {  // \400 to \777: a character beyond a byte, in UTF-8 as Perl keeps it
      out.push_back(static_cast<char>(0xc0 | (value >> 6)));
      out.push_back(static_cast<char>(0x80 | (value & 0x3f)));
    } else if (octal > 0) {
      out.push_back(static_cast<char>(value));
    }
    out.append(d.substr(octal));
    i += width;
  }
  return out;
}

}  // namespace

std::string UnescapeDelimiter(std::string_view text) {
  std::string plain;
  for (size_t i = 0; i < text.size(); ++i) {
    char next = i + 1 < text.size() ? text[i + 1] : '\0';
    if (text[i] == '\\' && (next == 't' || next == 'n' || next == 'r')) {
      plain.push_back(next == 't' ? '\t' : next == 'n' ? '\n' : '\r');
      ++i;
    } else {
      plain.push_back(text[i]);
    }
  }
  // GNU parallel replaces three-digit escapes first, then one-digit ones.
  return ReplaceOctal(ReplaceOctal(plain, 3), 1);
}

bool ResolveInputFlags(const RunFlags& f, InputOptions* out, std::string* err) {
  if (f.null) out->delimiter.assign(1, '\0');
  if (!f.delimiter.empty()) out->delimiter = UnescapeDelimiter(f.delimiter);
  out->colsep = f.colsep;
  out->link = f.link;
  out->find_threads = f.find_threads;
  out->shard_index = f.shard_index;
  out->shard_count = f.shard_count;
  if (f.header == "0") {
    *err =
        "--header 0 (column names from file names) is not supported; --header : takes the "
        "first value of each input source as its column names";
    return false;
  }
  // As in GNU parallel, outside --pipe any other value means "the first line".
  out->header = !f.header.empty();
  ColumnSplitter check;  // an invalid regex is a usage error before any input is read
  return out->colsep.empty() || check.Init(out->colsep, true, err);
}

}  // namespace coreflow
