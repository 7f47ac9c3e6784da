#include "report/html_text.h"

#include <algorithm>
#include <iterator>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

namespace coreflow {
namespace {

using Json = nlohmann::json;

// `s` with invalid UTF-8 replaced by U+FFFD.
std::string ValidUtf8(const std::string& s) {
  if (std::all_of(s.begin(), s.end(), [](char c) { return (c & 0x80) == 0; })) return s;
  std::string literal = Json(s).dump(-1, ' ', false, Json::error_handler_t::replace);
  return Json::parse(literal).get<std::string>();
}

using Entity = std::pair<std::string_view, std::string_view>;
constexpr Entity kEntities[] = {{"&", "&amp;"},
                                {"<", "&lt;"},
                                {">", "&gt;"},
                                {"\"", "&quot;"},
                                {"'", "&#39;"},
                                {"\xE2\x80\xA8", "&#x2028;"},
                                {"\xE2\x80\xA9", "&#x2029;"},
                                {std::string_view("\0", 1), "\xEF\xBF\xBD"}};

}  // namespace

std::string HtmlText(const std::string& raw) {
  std::string s = ValidUtf8(raw), out;
  std::string_view rest = s;
  while (!rest.empty()) {
    auto* e = std::find_if(std::begin(kEntities), std::end(kEntities),
                           [&](const auto& e) { return rest.starts_with(e.first); });
    if (e == std::end(kEntities)) {
      out += rest.front();
      rest.remove_prefix(1);
    } else {
      out += e->second;
      rest.remove_prefix(e->first.size());
    }
  }
  return out;
}

}  // namespace coreflow
