#pragma once

#include <string>
#include <vector>

#include "inputs/combine.h"
#include "journal/resume.h"
#include "journal/writer.h"
#include "run/run_flags.h"

namespace coreflow {

// "i/n" for a run of --shard (as its '#run' note records it), else empty.
std::string ShardText(const RunFlags& f);

// Starts the journal, or with --resume continues the one there after reading what it finished.
// The journal is locked first, so that a second coreflow neither truncates nor resumes it.
// A shard resumes only a journal of the same shard.
bool OpenJournal(const RunFlags& f, const std::string& template_text, JournalWriter* journal,
                 ResumeIndex* resume, std::string* err);

// A resumed run first ends whatever the runs before it left running: a crashed coreflow's
// tasks may have started processes that outlived it, and they would race this run.
bool EndEarlierRuns(const ResumeIndex& resume, const std::string& journal, std::string* err);

// A journal that is also an input would be read while it is written, or cut before it is read.
bool CheckJournalIsNoInput(const std::string& journal, const std::vector<SourceSpec>& sources,
                           std::string* err);

}  // namespace coreflow
