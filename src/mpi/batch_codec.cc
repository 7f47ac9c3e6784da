#include "mpi/batch_codec.h"

#include <cstdint>

namespace coreflow {

void PutLittleEndian(uint64_t n, size_t bytes, std::string* out) {
  for (size_t i = 0; i < bytes; ++i) out->push_back(static_cast<char>((n >> (8 * i)) & 0xff));
}

bool GetLittleEndian(std::string_view* in, size_t bytes, uint64_t* n) {
  if (in->size() < bytes) return false;
  *n = 0;
  for (size_t i = 0; i < bytes; ++i) {
    *n |= static_cast<uint64_t>(static_cast<uint8_t>((*in)[i])) << (8 * i);
  }
  in->remove_prefix(bytes);
  return true;
}

namespace {

void PutU32(uint32_t n, std::string* out) { PutLittleEndian(n, 4, out); }

bool GetU32(std::string_view* in, uint32_t* n) {
  uint64_t wide = 0;
  if (!GetLittleEndian(in, 4, &wide)) return false;
  *n = static_cast<uint32_t>(wide);
  return true;
}

}  // namespace

std::string EncodeBatch(const std::vector<Tuple>& tuples) {
  std::string out;
  PutU32(static_cast<uint32_t>(tuples.size()), &out);
  for (const Tuple& t : tuples) {
    PutU32(static_cast<uint32_t>(t.size()), &out);
    for (const std::string& v : t) {
      PutU32(static_cast<uint32_t>(v.size()), &out);
      out += v;
    }
  }
  return out;
}

bool DecodeBatch(std::string_view body, std::vector<Tuple>* out) {
  out->clear();
  uint32_t count = 0;
  if (!GetU32(&body, &count) || count > body.size() / 4) return false;
  out->reserve(count);
  for (uint32_t i = 0; i < count; ++i) {
    uint32_t values = 0;
    if (!GetU32(&body, &values) || values > body.size() / 4) return false;
    Tuple t;
    t.reserve(values);
    for (uint32_t j = 0; j < values; ++j) {
      uint32_t size = 0;
      if (!GetU32(&body, &size) || size > body.size()) return false;
      t.emplace_back(body.substr(0, size));
      body.remove_prefix(size);
    }
    out->push_back(std::move(t));
  }
  return body.empty();
}

}  // namespace coreflow
