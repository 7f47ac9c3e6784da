#include "cli/journal_command.h"

#include <fmt/format.h>

#include "base/plural.h"
#include "journal/merge.h"
#include "run/messages.h"

namespace coreflow {

CLI::App* AddJournalCommand(CLI::App& app, JournalFlags* f) {
  CLI::App* journal = app.add_subcommand("journal", "Work with the journals runs write");
  journal->require_subcommand(1);
  CLI::App* merge = journal->add_subcommand(
      "merge",
      "Merge the journals of the shards of one job (or of several runs) into one that "
      "--resume and report read; a record already there is not written twice, so merging "
      "again is harmless.\n"
      "  coreflow journal merge -o all.journal run.*.journal");
  merge
      ->add_option("-o,--output", f->output,
                   "The merged journal; replaced all at once, and may be one of the inputs")
      ->required();
  merge->add_option("journals", f->inputs, "The journals to merge, in this order")->required();
  return merge;
}

int JournalMergeMain(const JournalFlags& f) {
  std::string err;
  MergeSummary summary;
  if (!MergeJournalFiles(f.inputs, f.output, &summary, &err)) return UsageError(err);
  fmt::print(stderr, "coreflow: merged {} into '{}': {}", Plural(summary.journals, "journal"),
             f.output, Plural(summary.records, "record"));
  if (summary.duplicates > 0) {
    fmt::print(stderr, ", {} already there left out", Plural(summary.duplicates, "line"));
  }
  fmt::print(stderr, "\n");
  for (const std::string& torn : summary.torn) {
    Warn(fmt::format("'{}' ends in a line cut short (a crash as it was written); it was left out",
                     torn));
  }
  for (const std::string& other : summary.other_commands) {
    Warn(fmt::format(
        "'{}' was written for another command than '{}'; its tasks keep their own keys, so a "
        "resume of this command does not skip them",
        other, f.inputs.front()));
  }
  return 0;
}

}  // namespace coreflow
