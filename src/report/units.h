#pragma once

#include <cstdint>
#include <string>

namespace coreflow {

// Numbers as people read them, shared by the progress line, the summary and the reports.

// "512 B", "1.2 GiB", "37 MiB": binary units, one decimal below 10.
std::string FormatBytes(uint64_t bytes);
// FormatBytes of a size in KiB, as rusage and the journal keep it.
std::string FormatKib(double kib);
// "0:07", "12:34", "1:02:03": a clock, rounded to the nearest second; negative shows as 0:00.
std::string FormatClock(double seconds);
// "0.35 s", "42.3 s" under a minute, then a clock: task runtimes and makespans.
std::string FormatDuration(double seconds);
// "2.5/s", "12/min", "3.0/h": the unit chosen so that slow runs show more than "0.0/s".
std::string FormatRate(double per_second);
// "2026-03-01T14:05:09+01:00": seconds since the epoch as local time, in ISO 8601 with the
// offset from UTC; "" for 0 (unknown).
std::string FormatTimestamp(double epoch_seconds);

}  // namespace coreflow
