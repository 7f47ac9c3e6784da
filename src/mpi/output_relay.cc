#include "mpi/output_relay.h"

#include <cstdint>

#include "mpi/batch_codec.h"

namespace coreflow {

std::string EncodeGroup(const OutputGroup& group) {
  std::string out;
  PutLittleEndian(group.inputs, 8, &out);
  for (const OutputPiece& p : group.pieces) {
    out.push_back(p.stream == StdStream::kErr ? '2' : '1');
    PutLittleEndian(p.bytes.size(), 8, &out);
    out.append(p.bytes);
  }
  return out;
}

bool DecodeGroup(std::string_view body, OutputGroup* out) {
  out->pieces.clear();
  if (!GetLittleEndian(&body, 8, &out->inputs)) return false;
  while (!body.empty()) {
    OutputPiece p;
    if (body[0] != '1' && body[0] != '2') return false;
    p.stream = body[0] == '2' ? StdStream::kErr : StdStream::kOut;
    body.remove_prefix(1);
    uint64_t n = 0;
    if (!GetLittleEndian(&body, 8, &n) || n > body.size()) return false;
    p.bytes.assign(body.substr(0, n));
    body.remove_prefix(n);
    out->pieces.push_back(std::move(p));
  }
  return true;
}

void Outbox::Push(std::string group) {
  std::unique_lock<std::mutex> lock(mu_);
  room_.wait(lock, [&] { return closed_ || bytes_ == 0 || bytes_ + group.size() <= limit_; });
  if (closed_) return;
  bytes_ += group.size();
  groups_.push_back(std::move(group));
}

bool Outbox::Pop(std::string* group) {
  std::lock_guard<std::mutex> lock(mu_);
  if (groups_.empty()) return false;
  *group = std::move(groups_.front());
  groups_.pop_front();
  bytes_ -= group->size();
  room_.notify_all();
  return true;
}

void Outbox::Close() {
  std::lock_guard<std::mutex> lock(mu_);
  closed_ = true;
  room_.notify_all();
}

int ForwardingWriter::Write(StdStream stream, std::string_view bytes) {
  if (bytes.empty()) return 0;
  std::vector<OutputPiece>& pieces = group_.pieces;
  if (!pieces.empty() && pieces.back().stream == stream) {
    pieces.back().bytes.append(bytes);
  } else {
    pieces.push_back(OutputPiece{stream, std::string(bytes)});
  }
  if (depth_ == 0) EndGroup();  // written outside a group: a group of its own
  return 0;
}

void ForwardingWriter::EndGroup() {
  if (depth_ > 0 && --depth_ > 0) return;
  if (group_.pieces.empty() && group_.inputs == 0) return;  // silence, and no order to keep
  outbox_->Push(EncodeGroup(group_));
  group_ = OutputGroup{};
}

int SharedWriter::Write(StdStream stream, std::string_view bytes) {
  if (depth_ > 0) return real_->Write(stream, bytes);  // the engine's group holds the lock
  std::lock_guard<std::mutex> lock(mu_);
  return real_->Write(stream, bytes);
}

void SharedWriter::BeginGroup() {
  if (depth_++ == 0) mu_.lock();
}

void SharedWriter::EndGroup() {
  if (depth_ > 0 && --depth_ == 0) mu_.unlock();
}

void SharedWriter::WriteGroup(const OutputGroup& group) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const OutputPiece& p : group.pieces) real_->Write(p.stream, p.bytes);
}

}  // namespace coreflow
