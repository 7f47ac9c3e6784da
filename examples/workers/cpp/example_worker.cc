// A coreflow worker in C++: started once per slot, it scores the values of many tasks.
// Each value in a task's args becomes one line "<value>\t<score>" on stdout, the score being
// the 64-bit FNV-1a hash of the file the value names (when it names one) or of the value
// itself. The value "fail" fails the task with status 3. The protocol: docs/workers.md.
//
//   g++ -std=c++20 -O2 example_worker.cc -o example_worker
//   coreflow run --worker ./example_worker {} ::: *.txt
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace {

using nlohmann::json;

constexpr uint64_t kFnvOffset = 14695981039346656037ull;
constexpr uint64_t kFnvPrime = 1099511628211ull;

uint64_t Fnv1a(std::string_view bytes, uint64_t hash = kFnvOffset) {
  for (unsigned char c : bytes) {
    hash = (hash ^ c) * kFnvPrime;
  }
  return hash;
}

// The hash of the file a value names, or of the value when it names no regular file.
uint64_t Score(const std::string& value) {
  std::error_code ignored;
  if (value.empty() || !std::filesystem::is_regular_file(value, ignored)) {
    return Fnv1a(value);
  }
  std::ifstream in(value, std::ios::binary);
  uint64_t hash = kFnvOffset;
  char buf[65536];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    hash = Fnv1a({buf, static_cast<size_t>(in.gcount())}, hash);
  }
  return hash;
}

[[noreturn]] void Die(const std::string& message) {
  std::cerr << "example_worker: " << message << std::endl;
  std::exit(2);
}

// Writes all of data; a write cut short by a signal or a full pipe is carried on.
void WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) Die("cannot write to the result fd");
    data.remove_prefix(static_cast<size_t>(n));
  }
}

int ResultFd() {
  const char* value = std::getenv("COREFLOW_RESULT_FD");
  if (value == nullptr) {
    Die("COREFLOW_RESULT_FD is not set: run me under `coreflow run --worker ...`");
  }
  char* end = nullptr;
  errno = 0;
  long fd = std::strtol(value, &end, 10);
  if (*value == '\0' || *end != '\0' || errno != 0 || fd < 0 || fd > INT_MAX) {
    Die(std::string("COREFLOW_RESULT_FD is not a file descriptor: ") + value);
  }
  return static_cast<int>(fd);
}

}  // namespace

int main() {
  const int result_fd = ResultFd();
  WriteAll(result_fd, "{\"ready\": true}\n");  // nothing to load here: ready at once
  std::string line;
  while (std::getline(std::cin, line)) {
    json request;
    try {
      request = json::parse(line);
    } catch (const json::parse_error& e) {
      Die(std::string("malformed request: ") + e.what());
    }
    if (!request.is_object() || !request.contains("id") || !request["id"].is_number_integer() ||
        !request.contains("args") || !request["args"].is_array()) {
      Die("malformed request: not an object with an integer id and args: " + line);
    }
    int status = 0;
    for (const json& arg : request["args"]) {
      if (!arg.is_string()) Die("malformed request: an arg is not a string: " + line);
      const auto& value = arg.get_ref<const std::string&>();
      if (value == "fail") {
        status = 3;
        continue;
      }
      char score[17];
      std::snprintf(score, sizeof score, "%016llx", static_cast<unsigned long long>(Score(value)));
      std::cout << value << '\t' << score << '\n';
    }
    std::cout.flush();  // the task's output must be in the pipe before its answer
    json answer = {{"id", request["id"]}, {"status", status}};
    if (status != 0) answer["message"] = "an argument was the literal string \"fail\"";
    WriteAll(result_fd, answer.dump() + "\n");
  }
  return 0;
}
