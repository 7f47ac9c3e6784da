#include "report/units.h"

#include <time.h>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <string_view>

namespace coreflow {

std::string FormatBytes(uint64_t bytes) {
  static constexpr std::string_view kUnits[] = {"KiB", "MiB", "GiB", "TiB", "PiB"};
  if (bytes < 1024) return fmt::format("{} B", bytes);
  double value = static_cast<double>(bytes) / 1024;
  size_t unit = 0;
  while (value >= 1023.5 && unit + 1 < std::size(kUnits)) {  // 1023.5 MiB shows as 1.0 GiB
    value /= 1024;
    ++unit;
  }
  if (value < 9.95) return fmt::format("{:.1f} {}", value, kUnits[unit]);
  return fmt::format("{:.0f} {}", value, kUnits[unit]);
}

std::string FormatKib(double kib) {
  if (!(kib > 0)) return FormatBytes(0);  // NaN too
  return FormatBytes(static_cast<uint64_t>(std::min(kib, 1e15) * 1024));
}

std::string FormatClock(double seconds) {
  auto s = static_cast<long long>(std::max(seconds, 0.0) + 0.5);
  if (s >= 3600) return fmt::format("{}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60);
  return fmt::format("{}:{:02}", s / 60, s % 60);
}

std::string FormatDuration(double seconds) {
  if (!(seconds >= 0)) seconds = 0;  // NaN too
  if (seconds < 59.95) return fmt::format("{:.{}f} s", seconds, seconds < 9.995 ? 2 : 1);
  return FormatClock(seconds);
}

std::string FormatRate(double per_second) {
  double value = per_second;
  std::string_view unit = "/s";
  if (value < 1) {
    value *= 60;
    unit = "/min";
  }
  if (value < 1) {
    value *= 60;
    unit = "/h";
  }
  if (value < 9.95) return fmt::format("{:.1f}{}", value, unit);  // 9.96 would print "10.0"
  return fmt::format("{:.0f}{}", value, unit);
}

std::string FormatTimestamp(double epoch_seconds) {
  if (!(epoch_seconds > 0)) return "";
  auto t = static_cast<time_t>(epoch_seconds);
  tm local{};
  char text[32];
  if (localtime_r(&t, &local) == nullptr ||
      strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &local) == 0) {
    return "";
  }
  long offset = local.tm_gmtoff / 60;  // minutes east of UTC, written +01:00 as ISO 8601 has it
  long minutes = offset < 0 ? -offset : offset;
  return fmt::format("{}{}{:02}:{:02}", text, offset < 0 ? '-' : '+', minutes / 60, minutes % 60);
}

}  // namespace coreflow
