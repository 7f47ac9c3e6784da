#include "run/run_journal.h"

#include <unistd.h>

#include <fmt/format.h>

#include "plan/expand.h"
#include "run/messages.h"
#include "sys/clock.h"
#include "sys/file_state.h"
#include "sys/process_tag.h"

namespace coreflow {

std::string ShardText(const RunFlags& f) {
  return f.shard.empty() ? "" : fmt::format("{}/{}", f.shard_index + 1, f.shard_count);
}

namespace {

void WarnOtherCommand(const std::string& path, const JournalInfo& info,
                      const std::string& template_text) {
  if (info.template_hash == TemplateHash(template_text, info.version)) return;
  Warn(fmt::format(
      "'{}' was written for the command '{}'; tasks are matched by command and inputs, so tasks "
      "of that command are not skipped",
      path, info.template_text));
}

// --resume-from: what other journals (other shards', earlier runs') record as finished.
bool LoadOtherJournals(const RunFlags& f, const std::string& template_text, ResumeIndex* resume,
                       std::string* err) {
  FileIdentity own = StatFile(f.joblog);
  for (const std::string& path : f.resume_from) {
    FileIdentity other = StatFile(path);
    if (!other.exists) {
      *err = fmt::format("--resume-from '{}': no such journal", path);
      return false;
    }
    if (own.exists && other.dev == own.dev && other.ino == own.ino) continue;  // read already
    JournalInfo info;
    if (!resume->LoadAlso(path, &info, err)) {
      *err = "--resume-from: " + *err;
      return false;
    }
    WarnOtherCommand(path, info, template_text);
  }
  return true;
}

// A shard resumes only its own part: a resubmitted piece of a job array (--array=3) sees
// SLURM_ARRAY_TASK_COUNT=1, and would otherwise run inputs that other shards finished.
bool CheckSameShard(const RunFlags& f, const ResumeIndex& resume, std::string* err) {
  std::string mine = ShardText(f);
  if (mine.empty()) return true;  // one run finishing what shards left: a merged journal
  for (const RunNote& run : resume.runs()) {
    if (run.shard.empty() || run.shard == mine) continue;
    *err = fmt::format(
        "--resume: '{}' is the journal of shard {}, but this run is shard {} (--shard {}); "
        "resubmit the whole job array (or srun -n) with --resume, or give that shard's "
        "--shard i/n",
        f.joblog, run.shard, mine, f.shard);
    return false;
  }
  return true;
}

bool OpenOwnJournal(const RunFlags& f, const std::string& template_text, JournalWriter* journal,
                    ResumeIndex* resume, std::string* err) {
  if (f.joblog != "-" && !journal->Acquire(f.joblog, err)) return false;
  if (!journal->warning().empty()) Warn(journal->warning());
  bool append = f.joblog_append && !Resumes(f);
  if (Resumes(f) || append) {
    if (!resume->Load(f.joblog, err) || !CheckSameShard(f, *resume, err)) return false;
    if (resume->exists() && append) {  // --joblog +FILE: add this run's records, skip nothing
      return journal->Continue(f.joblog, resume->info(), RealtimeNow(), err);
    }
    if (resume->exists()) {
      WarnOtherCommand(f.joblog, resume->info(), template_text);
      return journal->Continue(f.joblog, resume->info(), RealtimeNow(), err);
    }
  }
  return journal->Create(f.joblog, STDOUT_FILENO, TemplateHash(template_text, kJournalVersion),
                         template_text, err);
}

}  // namespace

bool OpenJournal(const RunFlags& f, const std::string& template_text, JournalWriter* journal,
                 ResumeIndex* resume, std::string* err) {
  // The others are read first: a mistake in their names leaves this run's journal untouched.
  return LoadOtherJournals(f, template_text, resume, err) &&
         OpenOwnJournal(f, template_text, journal, resume, err);
}

bool EndEarlierRuns(const ResumeIndex& resume, const std::string& journal, std::string* err) {
  std::vector<std::string> ids;
  double since = 0;  // when the first of them started: their processes started after it
  for (const RunNote& run : resume.runs()) {
    ids.push_back(run.id);
    if (run.started > 0 && (since == 0 || run.started < since)) since = run.started;
  }
  if (ids.empty()) return true;
  EndedProcesses ended = EndRunProcesses(ids, since, 30 * kNanosPerSecond);
  if (!ended.all_gone) {
    *err = fmt::format(
        "processes left by an earlier run of journal '{}' could not be ended within 30 s (stuck "
        "in the kernel?); nothing was run, try again when they are gone",
        journal);
    return false;
  }
  if (ended.killed > 0) {
    Say(fmt::format("coreflow: ended {} process{} that an earlier run of '{}' left running\n",
                    ended.killed, ended.killed == 1 ? "" : "es", journal));
  }
  return true;
}

bool CheckJournalIsNoInput(const std::string& journal, const std::vector<SourceSpec>& sources,
                           std::string* err) {
  if (journal.empty() || journal == "-") return true;
  FileIdentity j = StatFile(journal);
  if (!j.exists) return true;
  for (const SourceSpec& s : sources) {
    bool same = false;
    std::string shown;
    if (s.kind == SourceSpec::Kind::kFile) {
      FileIdentity in = StatFile(s.path);
      same = in.exists && in.dev == j.dev && in.ino == j.ino;
      shown = ":::: " + s.path;
    } else if (s.kind == SourceSpec::Kind::kStdin) {
      FileIdentity in = StatFd(STDIN_FILENO);
      same = in.exists && in.dev == j.dev && in.ino == j.ino;
      shown = "standard input";
    }
    if (same) {
      *err = fmt::format(
          "--joblog '{}' is also an input ({}): coreflow would read its own records as inputs; "
          "give the journal another name",
          journal, shown);
      return false;
    }
  }
  return true;
}

}  // namespace coreflow
