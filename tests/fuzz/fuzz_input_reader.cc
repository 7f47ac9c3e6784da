// Reads arbitrary bytes through DelimitedReader and checks that the records it yields are
// exactly the input cut at each delimiter, up to a newline-separated record holding a NUL
// byte, which is refused.
//
// Byte 0 picks the mode: bit 0 the delimiter ('\n' or '\0'), bit 1 a pipe instead of a regular
// file (memfd), bit 2 repeats the rest past one 64 KiB read chunk so records straddle reads,
// bit 3 the two-byte delimiter '\r\n' instead. The digits '0'..'9' name modes.

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "inputs/source.h"
#include "sys/fd.h"

namespace {

constexpr size_t kRepeatTo = 64 * 1024 + 512;  // just past the reader's chunk size

// A descriptor positioned at the start of `bytes`, or an invalid one if none could be made.
coreflow::UniqueFd MakeSource(const std::string& bytes, bool use_pipe) {
  if (use_pipe) {
    coreflow::UniqueFd read_end, write_end;
    // All of it must fit in the pipe, as nothing drains it while we write; growing the pipe past
    // 64 KiB lets repeated inputs straddle reads here too. Otherwise use a memfd after all.
    if (coreflow::MakePipe(&read_end, &write_end, /*nonblocking_read=*/true) == 0 &&
        (::fcntl(write_end.get(), F_GETPIPE_SZ) >= static_cast<int>(bytes.size()) ||
         ::fcntl(write_end.get(), F_SETPIPE_SZ, static_cast<int>(bytes.size())) >=
             static_cast<int>(bytes.size())) &&
        coreflow::WriteAll(write_end.get(), bytes) == 0) {
      return read_end;  // write_end closes here, so the reader sees end of file
    }
  }
  coreflow::UniqueFd fd(::memfd_create("fuzz_input", MFD_CLOEXEC));
  if (!fd.valid() || coreflow::WriteAll(fd.get(), bytes) != 0 ||
      ::lseek(fd.get(), 0, SEEK_SET) != 0) {
    return coreflow::UniqueFd();
  }
  return fd;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  // NUL, newline or a two-byte delimiter (-d '\r\n').
  const std::string delimiter = (data[0] & 8) != 0   ? std::string("\r\n")
                                : (data[0] & 1) != 0 ? std::string(1, '\0')
                                                     : std::string("\n");
  const bool use_pipe = (data[0] & 2) != 0;
  const bool repeat = (data[0] & 4) != 0;
  std::string input(reinterpret_cast<const char*>(data + 1), size - 1);
  if (repeat && !input.empty()) {
    const std::string once = input;
    while (input.size() < kRepeatTo) input += once;
  }

  coreflow::UniqueFd fd = MakeSource(input, use_pipe);
  if (!fd.valid()) return 0;  // out of descriptors or memory: not the reader's fault
  coreflow::DelimitedReader reader(std::move(fd), delimiter, "fuzz");
  uint64_t expected_count = 0;
  const bool counted = reader.CountRemaining(&expected_count);

  std::string joined, value, err;
  uint64_t count = 0;
  for (;;) {
    coreflow::ReadStatus status = reader.Next(&value, &err);
    if (status == coreflow::ReadStatus::kEnd) break;
    if (status == coreflow::ReadStatus::kError) {
      // Only a NUL byte in a newline-separated record is refused, and the records before it
      // came through whole.
      size_t nul = input.find('\0');
      if (delimiter[0] == '\0' || nul == std::string::npos ||
          err.find("NUL byte") == std::string::npos) {
        __builtin_trap();
      }
      size_t line_start = input.rfind(delimiter, nul);
      std::string_view before(input.data(), line_start == std::string::npos ? 0 : line_start);
      if (joined != before) __builtin_trap();
      return 0;
    }
    // The writer is gone before the first read, so nothing else may block or fail.
    if (status != coreflow::ReadStatus::kValue) __builtin_trap();
    if (value.find(delimiter) != std::string::npos) __builtin_trap();
    if (count > 0) joined += delimiter;
    joined += value;
    ++count;
  }
  if (reader.Next(&value, &err) != coreflow::ReadStatus::kEnd) __builtin_trap();  // stays ended

  // A trailing delimiter ends the last record; it does not start an empty one.
  std::string_view expected = input;
  if (expected.size() >= delimiter.size() &&
      expected.substr(expected.size() - delimiter.size()) == delimiter) {
    expected.remove_suffix(delimiter.size());
  }
  if (joined != expected) __builtin_trap();
  if (count == 0 && !input.empty()) __builtin_trap();
  if (counted && expected_count != count) __builtin_trap();
  return 0;
}
