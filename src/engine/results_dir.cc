#include "engine/results_dir.h"

#include <cerrno>

#include <fmt/format.h>

#include "base/hash.h"
#include "sys/fd.h"
#include "sys/fs.h"

namespace coreflow {

std::string ResultsDirName(const std::string& value) {
  if (value.empty()) return "\\e";
  if (value == "." || value == "..") return "\\" + value;
  std::string name;
  for (char c : value) {
    if (c == '/') {
      name += "\\_";
    } else if (c == '\\') {
      name += "\\\\";  // else a value holding "\_" would share the directory of one with "/"
    } else {
      name.push_back(c);
    }
  }
  constexpr size_t kMaxName = 200;  // below NAME_MAX (255), leaving room for the hash
  if (name.size() > kMaxName) name = name.substr(0, 180) + "\\h" + HexDigits(Fnv1a64(value));
  return name;
}

std::string ResultsTaskDir(const std::string& dir, const std::vector<std::string>& values) {
  std::string path = dir;
  for (size_t i = 0; i < values.size(); ++i) {
    path += fmt::format("/{}/{}", i + 1, ResultsDirName(values[i]));
  }
  return path;
}

std::string ResultsParamsDir(const std::string& dir,
                             const std::vector<std::pair<std::string, std::string>>& params) {
  std::string name;
  for (const auto& [key, value] : params) {
    name += fmt::format("{}{}={}", name.empty() ? "" : ",", key, value);
  }
  return dir + "/" + ResultsDirName(name);
}

int WriteTaskResults(const std::string& dir, const TaskInput& input, const CapturedOutput* output,
                     const std::string& extra_stderr, const Outcome& outcome, std::string* where) {
  static const std::vector<std::string> kNone;
  const std::vector<std::string>& values = input.items.empty() ? kNone : input.items.front();
  std::string task_dir = ResultsTaskDir(dir, values);
  *where = task_dir;
  if (int e = MakeDirs(task_dir)) return e;
  auto write_file = [&](const char* name, auto&& fill) -> int {
    *where = task_dir + "/" + name;
    UniqueFd fd(OpenForWriting(*where));
    if (!fd.valid()) return errno;
    return fill(fd.get());
  };
  int status = outcome.signal != 0 ? 128 + outcome.signal : outcome.exit_code;
  if (int e =
          write_file("seq", [&](int fd) { return WriteAll(fd, fmt::format("{}\n", input.seq)); }))
    return e;
  if (int e = write_file("stdout", [&](int fd) { return output ? output->out.WriteTo(fd) : 0; }))
    return e;
  if (int e = write_file("stderr", [&](int fd) {
        int r = output ? output->err.WriteTo(fd) : 0;
        return r != 0 ? r : WriteAll(fd, extra_stderr);
      }))
    return e;
  return write_file("exit", [&](int fd) { return WriteAll(fd, fmt::format("{}\n", status)); });
}

}  // namespace coreflow
