#include "sys/gpu.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>

#include "base/parse.h"
#include "sys/fd.h"
#include "sys/program_path.h"

extern char** environ;

namespace coreflow {
namespace {

constexpr std::string_view kUuidMark = " (UUID: ";

std::string_view Trim(std::string_view s) {
  size_t begin = s.find_first_not_of(" \t");
  if (begin == std::string_view::npos) return {};
  size_t end = s.find_last_not_of(" \t\r");
  return s.substr(begin, end - begin + 1);
}

// "HEAD (UUID: X)" into HEAD and X; false when the line does not end that way.
bool SplitUuid(std::string_view line, std::string_view* head, std::string_view* uuid) {
  size_t mark = line.rfind(kUuidMark);
  if (mark == std::string_view::npos || line.back() != ')') return false;
  *head = line.substr(0, mark);
  *uuid = line.substr(mark + kUuidMark.size(), line.size() - mark - kUuidMark.size() - 1);
  return !uuid->empty();
}

// The GPU that one CUDA_VISIBLE_DEVICES entry names, or -1.
int Match(const std::vector<Gpu>& gpus, std::string_view entry) {
  int64_t index = 0;
  if (ParseInt(entry, &index)) {
    for (size_t i = 0; i < gpus.size(); ++i) {
      if (gpus[i].index == index) return static_cast<int>(i);
    }
    return -1;
  }
  int found = -1;
  for (size_t i = 0; i < gpus.size(); ++i) {
    bool hit = entry.size() > 4 && gpus[i].uuid.compare(0, entry.size(), entry) == 0;
    for (const std::string& mig : gpus[i].mig_uuids) hit = hit || mig == entry;
    if (!hit) continue;
    if (found >= 0) return -1;  // a prefix shared by two GPUs names neither
    found = static_cast<int>(i);
  }
  return found;
}

int64_t NowMs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1000 + ts.tv_nsec / 1'000'000;
}

// Waits for `pid` until `deadline_ms`, then kills it; always reaps it. True when it exited 0.
bool Reap(pid_t pid, int64_t deadline_ms, bool* timed_out) {
  int status = 0;
  while (true) {
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) return WIFEXITED(status) && WEXITSTATUS(status) == 0;
    if (r < 0 && errno != EINTR) return false;
    if (NowMs() >= deadline_ms) break;
    usleep(5000);
  }
  *timed_out = true;
  kill(pid, SIGKILL);
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return false;
}

// Runs `program -L` with stdout captured, stdin and stderr on /dev/null. False with *note.
bool RunList(const std::string& program, int timeout_ms, std::string* out, std::string* note) {
  UniqueFd read_end, write_end;
  if (MakePipe(&read_end, &write_end, false) != 0) {
    *note = "cannot make a pipe for nvidia-smi";
    return false;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, write_end.get(), 1);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  std::string arg0 = program, arg1 = "-L";
  char* argv[] = {arg0.data(), arg1.data(), nullptr};
  pid_t pid = 0;
  int rc = posix_spawn(&pid, program.c_str(), &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  write_end.Reset();
  if (rc != 0) {
    *note = "cannot run nvidia-smi: " + ErrnoText(rc);
    return false;
  }
  int64_t deadline = NowMs() + timeout_ms;
  char buffer[4096];
  while (out->size() < (1u << 20)) {
    int64_t left = deadline - NowMs();
    if (left <= 0) break;
    pollfd p{read_end.get(), POLLIN, 0};
    int ready = poll(&p, 1, static_cast<int>(left));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) break;
    ssize_t n = ReadSome(read_end.get(), buffer, sizeof buffer);
    if (n <= 0) break;
    out->append(buffer, static_cast<size_t>(n));
  }
  bool timed_out = false;
  bool ok = Reap(pid, deadline, &timed_out);
  if (timed_out) {
    *note = "nvidia-smi did not answer within " + std::to_string(timeout_ms) + " ms";
  } else if (!ok) {
    *note = "nvidia-smi -L failed";
  }
  return ok;
}

}  // namespace

std::vector<Gpu> ParseNvidiaSmiList(std::string_view text) {
  std::vector<Gpu> gpus;
  while (!text.empty()) {
    size_t end = text.find('\n');
    std::string_view line = Trim(text.substr(0, end));
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    std::string_view head, uuid;
    if (!SplitUuid(line, &head, &uuid)) continue;
    if (line.rfind("MIG ", 0) == 0) {
      if (!gpus.empty()) gpus.back().mig_uuids.emplace_back(uuid);
      continue;
    }
    size_t colon = head.find(':');
    int64_t index = 0;
    if (head.rfind("GPU ", 0) != 0 || colon == std::string_view::npos ||
        !ParseInt(head.substr(4, colon - 4), &index) || index < 0) {
      continue;
    }
    Gpu g;
    g.index = static_cast<int>(index);
    g.name = std::string(Trim(head.substr(colon + 1)));
    g.uuid = std::string(uuid);
    gpus.push_back(std::move(g));
  }
  return gpus;
}

std::vector<Gpu> FilterVisibleGpus(const std::vector<Gpu>& gpus, const std::string* visible) {
  if (visible == nullptr) return gpus;
  std::vector<Gpu> out;
  std::vector<bool> taken(gpus.size(), false);
  std::string_view rest = *visible;
  while (!rest.empty()) {
    size_t comma = rest.find(',');
    std::string_view entry = Trim(rest.substr(0, comma));
    rest.remove_prefix(comma == std::string_view::npos ? rest.size() : comma + 1);
    int i = Match(gpus, entry);
    if (i < 0) break;
    if (taken[static_cast<size_t>(i)]) continue;
    taken[static_cast<size_t>(i)] = true;
    out.push_back(gpus[static_cast<size_t>(i)]);
  }
  return out;
}

GpuList DetectGpus(const Environment& env, int timeout_ms) {
  GpuList list;
  std::string program = FindOnPath(env, "nvidia-smi");
  if (program.empty()) {
    list.note = "no nvidia-smi on PATH";
    return list;
  }
  std::string text;
  if (!RunList(program, timeout_ms, &text, &list.note)) return list;
  list.ran = true;
  std::vector<Gpu> all = ParseNvidiaSmiList(text);
  list.listed = static_cast<int>(all.size());
  list.gpus = FilterVisibleGpus(all, env.Get("CUDA_VISIBLE_DEVICES"));
  if (list.listed == 0) {
    list.note = "nvidia-smi lists no GPU";
  } else if (list.gpus.empty()) {
    list.note = "CUDA_VISIBLE_DEVICES hides every GPU";
  }
  return list;
}

}  // namespace coreflow
