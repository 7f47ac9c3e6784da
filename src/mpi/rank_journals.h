#pragma once

#include <string>
#include <vector>

namespace coreflow {

// coreflow-mpi's journals: each rank writes its own, JOURNAL.rank-R beside the --joblog
// JOURNAL, so a crash of any rank (rank 0 included) loses nothing; at the end rank 0 merges
// them into JOURNAL and removes them. A resume reads JOURNAL and every rank's journal left
// there, whatever the number of ranks then.
std::string RankJournal(const std::string& journal, int rank);

// The rank journals of `journal` that exist, sorted by rank. Returns 0 or errno (not ENOENT:
// a directory that does not exist holds none).
int ListRankJournals(const std::string& journal, std::vector<std::string>* out);

// What a rank's run reads and writes, from the --joblog it was given.
struct RankJournalPlan {
  std::string own;                       // this rank's journal
  std::vector<std::string> resume_from;  // read beside it on a resume: JOURNAL and the others
  std::vector<std::string> stale;        // left by an earlier run, not resumed: to remove
};
RankJournalPlan PlanRankJournals(const std::string& journal, int rank, bool resume,
                                 bool journal_exists, const std::vector<std::string>& existing);

}  // namespace coreflow
