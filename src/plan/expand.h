#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/hash128.h"
#include "plan/task.h"
#include "plan/template.h"

namespace coreflow {

// Fills `out` with the argv of one task in slot `slot` (1-based): the program itself when the
// template needs no shell, else /bin/sh -c with every substituted value quoted.
void ExpandCommand(const CommandTemplate& t, const TaskInput& in, int slot, Command* out);

// Appends the words of the template with values inserted literally, never run by a shell:
// a warm worker's arguments. A shell template is split on blanks (SplitTemplateWords first).
void ExpandWords(const CommandTemplate& t, const TaskInput& in, int slot,
                 std::vector<std::string>* out);

// The command as a shell command line, with substituted values quoted: what --dry-run prints,
// the joblog records and, for shell templates, what /bin/sh runs.
std::string ExpandCommandLine(const CommandTemplate& t, const TaskInput& in, int slot);

// A task's input values as reports name the task: every value of every input, shell-quoted
// where needed, side by side ("a", "'a b' x", "4 5 6" for a batch); at most `max_bytes`
// (cut at a character boundary, with "..." at the end).
std::string DescribeInput(const TaskInput& in, size_t max_bytes);

// An output path (ParsePathTemplate) for one task: values inserted literally, no quoting.
std::string ExpandPath(const std::vector<Piece>& pieces, const TaskInput& in);

// A text (ParseTextTemplate) for one task in slot `slot`: values inserted literally.
std::string ExpandText(const std::vector<Piece>& pieces, const TaskInput& in, int slot);

// A task's identity across runs: a hash of the command template and its input values, so
// --resume finds finished tasks even when the inputs were reordered or grew. `version` is the
// journal's: 2 is XXH3-128, 1 the 64-bit FNV-1a of version 1 journals (in `low`).
Hash128 TaskKey(std::string_view template_text, const TaskInput& in, int version);
// The hash of the template a journal's header holds, by the same rule.
Hash128 TemplateHash(std::string_view template_text, int version);

// The path of the shell used for templates that need one.
inline constexpr const char* kShellPath = "/bin/sh";

}  // namespace coreflow
