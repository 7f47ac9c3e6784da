#include "sys/cgroup.h"

#include <sstream>

#include "base/parse.h"
#include "sys/fd.h"

namespace coreflow {
namespace {

struct Mount {
  std::string root;         // the path inside the hierarchy that is mounted
  std::string mount_point;  // where it is mounted
  bool v2 = false;
  std::string super_options;
};

// Undoes the octal escapes (\040 for a space) that /proc/self/mountinfo uses.
std::string Unescape(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size()) {
      int v = 0;
      bool ok = true;
      for (size_t k = 1; k <= 3; ++k) {
        if (s[i + k] < '0' || s[i + k] > '7') {
          ok = false;
          break;
        }
        v = v * 8 + (s[i + k] - '0');
      }
      if (ok) {
        out.push_back(static_cast<char>(v));
        i += 3;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

std::vector<Mount> CgroupMounts(const std::string& root) {
  std::vector<Mount> mounts;
  std::string text;
  if (!ReadSmallFile(root + "/proc/self/mountinfo", &text)) return mounts;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    // id parent dev root mount_point options [optional...] - fstype source super_options
    std::istringstream fields(line);
    std::vector<std::string> f;
    std::string word;
    while (fields >> word) f.push_back(word);
    size_t dash = 0;
    while (dash < f.size() && f[dash] != "-") ++dash;
    if (f.size() < 5 || dash + 3 > f.size()) continue;
    const std::string& fstype = f[dash + 1];
    if (fstype != "cgroup" && fstype != "cgroup2") continue;
    Mount m;
    m.root = Unescape(f[3]);
    m.mount_point = Unescape(f[4]);
    m.v2 = fstype == "cgroup2";
    m.super_options = f[dash + 3 < f.size() ? dash + 3 : dash + 2];
    mounts.push_back(std::move(m));
  }
  return mounts;
}

bool HasController(const std::string& comma_list, std::string_view controller) {
  std::istringstream items(comma_list);
  std::string item;
  while (std::getline(items, item, ',')) {
    if (item == controller) return true;
  }
  return false;
}

// The cgroup path of this process for a v1 controller, or for v2 when controller is empty.
bool OwnCgroupPath(const std::string& root, std::string_view controller, std::string* path) {
  std::string text;
  if (!ReadSmallFile(root + "/proc/self/cgroup", &text)) return false;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    size_t a = line.find(':');
    size_t b = a == std::string::npos ? a : line.find(':', a + 1);
    if (b == std::string::npos) continue;
    std::string controllers = line.substr(a + 1, b - a - 1);
    bool match = controller.empty() ? (line.compare(0, a, "0") == 0 && controllers.empty())
                                    : HasController(controllers, controller);
    if (match) {
      *path = line.substr(b + 1);
      return true;
    }
  }
  return false;
}

void AppendAncestors(const Mount& m, const std::string& own_path, bool v2,
                     std::vector<CgroupDir>* out) {
  std::string rel;
  if (m.root == "/") {
    rel = own_path;
  } else if (own_path.compare(0, m.root.size(), m.root) == 0 &&
             (own_path.size() == m.root.size() || own_path[m.root.size()] == '/')) {
    // Below the mount root; a sibling such as /pod12 under a root of /pod1 is not.
    rel = own_path.substr(m.root.size());
  }  // else: a cgroup namespace hides our path; the mount point is our cgroup
  while (rel.size() > 1 && rel.back() == '/') rel.pop_back();
  if (rel == "/") rel.clear();
  for (;;) {
    out->push_back({m.mount_point + rel, v2});
    if (rel.empty()) break;
    size_t slash = rel.rfind('/');
    rel.resize(slash == std::string::npos ? 0 : slash);
  }
}

bool ReadInt(const std::string& path, int64_t* value) {
  std::string text;
  if (!ReadSmallFile(path, &text)) return false;
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return ParseInt(text, value);
}

}  // namespace

std::vector<CgroupDir> CgroupDirsFor(const std::string& root, std::string_view controller) {
  std::vector<CgroupDir> dirs;
  for (const Mount& m : CgroupMounts(root)) {
    std::string own;
    if (m.v2) {
      if (OwnCgroupPath(root, "", &own)) AppendAncestors(m, own, true, &dirs);
    } else if (HasController(m.super_options, controller)) {
      if (OwnCgroupPath(root, controller, &own)) AppendAncestors(m, own, false, &dirs);
    }
  }
  for (CgroupDir& d : dirs) d.path = root + d.path;
  return dirs;
}

double CgroupCpuQuota(const std::string& root, std::string* where) {
  double best = 0;
  for (const CgroupDir& d : CgroupDirsFor(root, "cpu")) {
    double cpus = 0;
    std::string file;
    if (d.v2) {
      std::string text;
      file = d.path + "/cpu.max";
      if (!ReadSmallFile(file, &text)) continue;
      std::istringstream in(text);
      std::string quota, period;
      in >> quota >> period;
      int64_t q = 0, p = 100000;
      if (quota == "max" || !ParseInt(quota, &q) || q <= 0) continue;
      if (!period.empty() && (!ParseInt(period, &p) || p <= 0)) continue;
      cpus = static_cast<double>(q) / static_cast<double>(p);
    } else {
      int64_t q = 0, p = 0;
      file = d.path + "/cpu.cfs_quota_us";
      if (!ReadInt(file, &q) || q <= 0) continue;
      if (!ReadInt(d.path + "/cpu.cfs_period_us", &p) || p <= 0) continue;
      cpus = static_cast<double>(q) / static_cast<double>(p);
    }
    if (best == 0 || cpus < best) {
      best = cpus;
      *where = file;
    }
  }
  return best;
}

int64_t CgroupMemoryLimit(const std::string& root, std::string* where) {
  int64_t best = 0;
  for (const CgroupDir& d : CgroupDirsFor(root, "memory")) {
    std::string file = d.path + (d.v2 ? "/memory.max" : "/memory.limit_in_bytes");
    int64_t limit = 0;
    if (!ReadInt(file, &limit) || limit <= 0) continue;  // "max" fails to parse: no limit
    if (limit >= (INT64_MAX / 2)) continue;              // v1 spells "unlimited" as ~2^63
    if (best == 0 || limit < best) {
      best = limit;
      *where = file;
    }
  }
  return best;
}

}  // namespace coreflow
