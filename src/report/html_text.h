#pragma once

#include <string>

namespace coreflow {

// Text for HTML content or a quoted attribute: markup characters become references, invalid
// UTF-8 becomes U+FFFD, and so do NULs; U+2028/2029 become references, as some tools take them
// for line ends. For the pages coreflow writes (report/html.h, report/bench_html.h).
std::string HtmlText(const std::string& raw);

}  // namespace coreflow
