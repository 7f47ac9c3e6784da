#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "report/run_data.h"

namespace coreflow {

// Reads a journal into what reports are made of: every attempt, the configuration of its last
// run (its '#config' note), the sessions a resumed run added, the attempts a crash cut short
// (a start mark without a record), and whether the last run ended whole ('#end'). Works on the
// journal of a run that is still going. False with *err naming the file.
bool LoadJournalRunData(const std::string& path, RunData* data, std::string* err);

// The '#config' note: the run's settings as JSON, and back.
std::string SettingsNote(const RunSettings& settings);
bool ParseSettingsNote(const std::string& text, RunSettings* settings);

}  // namespace coreflow
