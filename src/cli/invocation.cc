#include "cli/invocation.h"

#include <map>
#include <string_view>

#include "report/summary.h"

namespace coreflow {

CommandLine DescribeInvocation(const CLI::App& sub, int argc, const char* const* argv) {
  CommandLine out;
  out.argv.assign(argv, argv + argc);
  for (size_t i = 1; i < out.argv.size(); ++i) {
    if (out.argv[i] == sub.get_name()) {
      out.subcommand = i;
      break;
    }
  }
  size_t rest = sub.remaining().size();  // the template and the inputs, after every option
  out.options_end = rest <= out.argv.size() ? out.argv.size() - rest : out.argv.size();
  if (out.options_end < out.subcommand + 1) out.options_end = out.subcommand + 1;
  std::map<const CLI::Option*, size_t> seen;  // an option given again has its next value
  for (const CLI::Option* opt : sub.parse_order()) {
    size_t k = seen[opt]++;
    GivenOption given{opt->get_name(), "", opt->get_items_expected() == 0};
    if (!given.flag && k < opt->results().size()) given.value = opt->results()[k];
    out.options.push_back(std::move(given));
  }
  return out;
}

}  // namespace coreflow
