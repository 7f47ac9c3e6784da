#include "exec/worker_protocol.h"

#include <nlohmann/json.hpp>

namespace coreflow {

std::string EncodeWorkerRequest(uint64_t id, int attempt, int slot,
                                const std::vector<std::string>& args,
                                const std::vector<std::vector<std::string>>& inputs) {
  nlohmann::json j = {
      {"id", id}, {"attempt", attempt}, {"slot", slot}, {"args", args}, {"inputs", inputs}};
  std::string line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  line.push_back('\n');
  return line;
}

bool ParseWorkerMessage(std::string_view line, WorkerMessage* out, std::string* err) {
  nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) {
    *err = "not a JSON object";
    return false;
  }
  WorkerMessage m;
  if (auto ready = j.find("ready"); ready != j.end()) {
    if (!ready->is_boolean() || !ready->get<bool>()) {
      *err = "\"ready\" must be true";
      return false;
    }
    m.kind = WorkerMessage::Kind::kReady;
    *out = std::move(m);
    return true;
  }
  auto id = j.find("id");
  if (id == j.end() || !id->is_number_unsigned()) {
    *err = "no \"id\" (a task number) and no \"ready\"";
    return false;
  }
  auto status = j.find("status");
  if (status == j.end() || !status->is_number_integer()) {
    *err = "no integer \"status\"";
    return false;
  }
  auto value = status->get<int64_t>();
  if (value < 0 || value > 255) {
    *err = "\"status\" must be 0 to 255";
    return false;
  }
  m.id = id->get<uint64_t>();
  m.status = static_cast<int>(value);
  if (auto msg = j.find("message"); msg != j.end() && msg->is_string()) {
    m.message = msg->get<std::string>();
  }
  *out = std::move(m);
  return true;
}

bool LineReader::Append(std::string_view data) {
  if (start_ > 0 && start_ == buffer_.size()) {
    buffer_.clear();
    start_ = 0;
  }
  for (char c : data) {  // every line, whole or not, must stay within the limit
    line_length_ = c == '\n' ? 0 : line_length_ + 1;
    if (line_length_ > max_line_) return false;
  }
  buffer_.append(data);
  return true;
}

bool LineReader::Next(std::string* line) {
  size_t newline = buffer_.find('\n', start_);
  if (newline == std::string::npos) {
    if (start_ > 0) {  // keep the buffer from growing with consumed lines
      buffer_.erase(0, start_);
      start_ = 0;
    }
    return false;
  }
  line->assign(buffer_, start_, newline - start_);
  start_ = newline + 1;
  return true;
}

}  // namespace coreflow
