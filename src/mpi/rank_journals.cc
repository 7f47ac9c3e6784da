#include "mpi/rank_journals.h"

#include <algorithm>
#include <cerrno>

#include "base/parse.h"
#include "sys/fs.h"

namespace coreflow {
namespace {

constexpr const char* kRankSuffix = ".rank-";

void SplitPath(const std::string& path, std::string* dir, std::string* name) {
  size_t slash = path.rfind('/');
  *dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  *name = slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

std::string RankJournal(const std::string& journal, int rank) {
  return journal + kRankSuffix + std::to_string(rank);
}

int ListRankJournals(const std::string& journal, std::vector<std::string>* out) {
  out->clear();
  std::string dir;
  std::string base;
  SplitPath(journal, &dir, &base);
  std::vector<std::string> names;
  int e = ListDirectory(dir, &names);
  if (e == ENOENT) return 0;
  if (e != 0) return e;
  std::string prefix = base + kRankSuffix;
  std::vector<std::pair<int64_t, std::string>> found;
  for (const std::string& name : names) {
    int64_t rank = 0;
    if (name.size() > prefix.size() && name.compare(0, prefix.size(), prefix) == 0 &&
        name.find_first_not_of("0123456789", prefix.size()) == std::string::npos &&
        ParseInt(std::string_view(name).substr(prefix.size()), &rank)) {
      found.emplace_back(rank, name);
    }
  }
  std::sort(found.begin(), found.end());
  std::string shown_dir = journal.find('/') == std::string::npos ? "" : dir + "/";
  for (const auto& [rank, name] : found) out->push_back(shown_dir + name);
  return 0;
}

RankJournalPlan PlanRankJournals(const std::string& journal, int rank, bool resume,
                                 bool journal_exists, const std::vector<std::string>& existing) {
  RankJournalPlan plan;
  plan.own = RankJournal(journal, rank);
  if (!resume) {
    for (const std::string& path : existing) {
      if (path != plan.own) plan.stale.push_back(path);
    }
    return plan;
  }
  if (journal_exists) plan.resume_from.push_back(journal);
  for (const std::string& path : existing) {
    if (path != plan.own) plan.resume_from.push_back(path);
  }
  return plan;
}

}  // namespace coreflow
