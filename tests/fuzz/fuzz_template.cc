// Parses arbitrary command templates and expands the ones that parse.
//
// Input layout: byte 0 picks the number of input sources ('1'..'9' map to 1..9, other bytes
// wrap around) and the slot; the rest up to the first NUL is the template; what follows is
// NUL-separated values, grouped into items of one value per source.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "plan/expand.h"
#include "plan/task.h"
#include "plan/template.h"

namespace {

constexpr size_t kMaxItems = 3;  // a small batch: enough to split words on several values

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const int selector = data[0];
  const int num_sources = 1 + ((selector - '1') % 9 + 9) % 9;
  const int slot = 1 + selector / 9 % 4;
  std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  size_t nul = rest.find('\0');
  std::string_view line = rest.substr(0, nul);
  std::string_view values = nul == std::string_view::npos ? "" : rest.substr(nul + 1);

  coreflow::CommandTemplate t;
  std::string err;
  if (!coreflow::ParseTemplate(line, num_sources, &t, &err)) {
    if (err.empty()) __builtin_trap();  // a rejected template must say why
    return 0;
  }

  // Every item holds exactly num_sources values, as the input combiner guarantees; missing
  // values are empty.
  coreflow::TaskInput in;
  in.seq = 1 + values.size();
  do {
    std::vector<std::string> item;
    for (int s = 0; s < num_sources; ++s) {
      size_t end = values.find('\0');
      item.emplace_back(values.substr(0, end));
      values = end == std::string_view::npos ? "" : values.substr(end + 1);
    }
    in.items.push_back(std::move(item));
  } while (!values.empty() && in.items.size() < kMaxItems);

  coreflow::Command command;
  coreflow::ExpandCommand(t, in, slot, &command);
  std::string command_line = coreflow::ExpandCommandLine(t, in, slot);
  if (t.use_shell) {
    // Shell templates run exactly the line that --dry-run prints and the joblog records.
    if (command.argv.size() != 3 || command.argv[2] != command_line) __builtin_trap();
  } else if (command.argv.size() < t.words.size()) {
    __builtin_trap();  // fields may split a word into several, never drop one
  }
  return 0;
}
