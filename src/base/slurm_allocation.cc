#include "base/slurm_allocation.h"

#include <fmt/format.h>

#include "base/parse.h"

namespace coreflow {
namespace {

const std::string* FirstSet(const Environment& env, const char* a, const char* b) {
  const std::string* v = env.Get(a);
  return v != nullptr && !v->empty() ? v : env.Get(b);
}

// Splits at the commas outside brackets.
std::vector<std::string_view> SplitTopLevel(std::string_view text) {
  std::vector<std::string_view> parts;
  int depth = 0;
  size_t start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '[') ++depth;
    if (text[i] == ']') --depth;
    if (text[i] == ',' && depth == 0) {
      parts.push_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  parts.push_back(text.substr(start));
  return parts;
}

bool Digits(std::string_view s) {
  if (s.empty() || s.size() > 9) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// The names of one item ("a[1-2]b[3,4]"), appended to *out.
bool ExpandItem(std::string_view item, std::vector<std::string>* out, std::string* err) {
  size_t open = item.find('[');
  if (open == std::string_view::npos) {
    if (item.empty() || item.find(']') != std::string_view::npos) {
      *err = fmt::format("'{}' is no host name", item);
      return false;
    }
    if (out->size() >= kMaxHosts) {
      *err = fmt::format("more than {} hosts", kMaxHosts);
      return false;
    }
    out->emplace_back(item);
    return true;
  }
  size_t close = item.find(']', open);
  if (close == std::string_view::npos) {
    *err = fmt::format("'{}' has a '[' without its ']'", item);
    return false;
  }
  std::string_view prefix = item.substr(0, open);
  std::string_view rest = item.substr(close + 1);
  for (std::string_view range : SplitTopLevel(item.substr(open + 1, close - open - 1))) {
    size_t dash = range.find('-');
    std::string_view first = range.substr(0, dash);
    std::string_view last = dash == std::string_view::npos ? first : range.substr(dash + 1);
    int64_t lo = 0;
    int64_t hi = 0;
    if (!Digits(first) || !Digits(last) || !ParseInt(first, &lo) || !ParseInt(last, &hi) ||
        hi < lo) {
      *err = fmt::format("'{}' in '{}' is no range of numbers", range, item);
      return false;
    }
    for (int64_t n = lo; n <= hi; ++n) {
      std::string name = fmt::format("{}{:0{}}", prefix, n, first.size());
      std::vector<std::string> tails;
      if (!ExpandItem(std::string(name) + std::string(rest), &tails, err)) return false;
      if (out->size() + tails.size() > kMaxHosts) {
        *err = fmt::format("more than {} hosts", kMaxHosts);
        return false;
      }
      out->insert(out->end(), tails.begin(), tails.end());
    }
  }
  return true;
}

}  // namespace

bool ExpandHostlist(std::string_view text, std::vector<std::string>* out, std::string* err) {
  out->clear();
  for (std::string_view item : SplitTopLevel(text)) {
    if (!ExpandItem(item, out, err)) return false;
  }
  return true;
}

bool ExpandCountsPerNode(std::string_view text, std::vector<int>* out) {
  out->clear();
  for (std::string_view part : SplitTopLevel(text)) {
    int64_t count = 0;
    int64_t times = 1;
    size_t paren = part.find("(x");
    if (paren != std::string_view::npos) {
      if (part.back() != ')' ||
          !ParseInt(part.substr(paren + 2, part.size() - paren - 3), &times) || times < 1 ||
          times > static_cast<int64_t>(kMaxHosts)) {
        return false;
      }
      part = part.substr(0, paren);
    }
    if (!ParseInt(part, &count) || count < 0 || count > 1'000'000 ||
        out->size() + static_cast<size_t>(times) > kMaxHosts) {
      return false;
    }
    out->insert(out->end(), static_cast<size_t>(times), static_cast<int>(count));
  }
  return true;
}

bool ParseGpuCount(std::string_view text, int* out) {
  size_t colon = text.rfind(':');
  int64_t n = 0;
  if (!ParseInt(colon == std::string_view::npos ? text : text.substr(colon + 1), &n) || n < 0 ||
      n > 1'000'000) {
    return false;
  }
  *out = static_cast<int>(n);
  return true;
}

SlurmAllocation ReadSlurmAllocation(const Environment& env) {
  SlurmAllocation a;
  const std::string* job = FirstSet(env, "SLURM_JOB_ID", "SLURM_JOBID");
  if (job == nullptr || job->empty()) return a;
  a.job_id = *job;
  const std::string* list = FirstSet(env, "SLURM_JOB_NODELIST", "SLURM_NODELIST");
  std::vector<std::string> names;
  std::string why;
  if (list == nullptr || list->empty()) {
    a.problem = "SLURM_JOB_NODELIST is not set: the job's nodes are unknown";
    return a;
  }
  if (!ExpandHostlist(*list, &names, &why)) {
    a.problem = fmt::format("SLURM_JOB_NODELIST='{}' cannot be read ({})", *list, why);
    return a;
  }
  const std::string* here = env.Get("SLURMD_NODENAME");
  for (std::string& name : names) {
    SlurmNode node;
    node.this_node = here != nullptr && *here == name;
    node.name = std::move(name);
    a.nodes.push_back(std::move(node));
  }
  std::vector<int> cpus;
  const std::string* per_node = env.Get("SLURM_JOB_CPUS_PER_NODE");
  if (per_node != nullptr && ExpandCountsPerNode(*per_node, &cpus) &&
      cpus.size() == a.nodes.size()) {
    for (size_t i = 0; i < cpus.size(); ++i) a.nodes[i].cpus = cpus[i];
  } else if (per_node != nullptr) {
    a.problem =
        fmt::format("SLURM_JOB_CPUS_PER_NODE='{}' does not give one count for each of the {} nodes",
                    *per_node, a.nodes.size());
  }
  int gpus = 0;
  if (const std::string* g = env.Get("SLURM_GPUS_PER_NODE"); g != nullptr && !g->empty()) {
    if (ParseGpuCount(*g, &gpus)) {
      for (SlurmNode& node : a.nodes) node.gpus = gpus;
    } else {
      a.problem = fmt::format("SLURM_GPUS_PER_NODE='{}' is no GPU count", *g);
    }
  } else if (const std::string* on = env.Get("SLURM_GPUS_ON_NODE");
             on != nullptr && ParseGpuCount(*on, &gpus)) {
    for (SlurmNode& node : a.nodes) {
      if (node.this_node) node.gpus = gpus;
    }
  }
  return a;
}

}  // namespace coreflow
