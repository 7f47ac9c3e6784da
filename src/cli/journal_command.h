#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace coreflow {

struct JournalFlags {
  std::string output;
  std::vector<std::string> inputs;
};

// Declares `coreflow journal merge -o FILE JOURNAL...` on `app`; returns the merge command.
CLI::App* AddJournalCommand(CLI::App& app, JournalFlags* flags);

// Merges the journals and says what it did. Returns 0, or 255 on an error (nothing written).
int JournalMergeMain(const JournalFlags& flags);

}  // namespace coreflow
