#include "exec/worker_protocol.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

namespace coreflow {
namespace {

TEST(WorkerRequest, IsOneJsonLineWithEveryField) {
  std::string line = EncodeWorkerRequest(12, 2, 3, {"a b", "--out", "x\ny"}, {{"a b"}, {"c", "d"}});
  ASSERT_FALSE(line.empty());
  EXPECT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1);  // the newline in a value is escaped
  auto j = nlohmann::json::parse(line);
  EXPECT_EQ(j["id"], 12);
  EXPECT_EQ(j["attempt"], 2);
  EXPECT_EQ(j["slot"], 3);
  EXPECT_EQ(j["args"], nlohmann::json({"a b", "--out", "x\ny"}));
  EXPECT_EQ(j["inputs"], nlohmann::json({{"a b"}, {"c", "d"}}));
}

TEST(WorkerRequest, BytesThatAreNotUtf8AreReplacedNotFatal) {
  std::string line = EncodeWorkerRequest(1, 1, 1, {"bad\xff"}, {{"bad\xff"}});
  auto j = nlohmann::json::parse(line);
  EXPECT_EQ(j["args"][0], "bad\xEF\xBF\xBD");  // U+FFFD
}

WorkerMessage Parse(const std::string& line, std::string* err_out = nullptr) {
  WorkerMessage m;
  std::string err;
  bool ok = ParseWorkerMessage(line, &m, &err);
  if (err_out != nullptr) *err_out = ok ? "" : err;
  EXPECT_TRUE(ok || err_out != nullptr) << line << ": " << err;
  return m;
}

TEST(WorkerMessage, ReadyAndAnswers) {
  EXPECT_EQ(Parse(R"({"ready": true})").kind, WorkerMessage::Kind::kReady);
  EXPECT_EQ(Parse(R"({"ready":true,"pid":5})").kind, WorkerMessage::Kind::kReady);
  WorkerMessage m = Parse(R"({"id": 7, "status": 3, "message": "no model", "extra": [1]})");
  EXPECT_EQ(m.kind, WorkerMessage::Kind::kResult);
  EXPECT_EQ(m.id, 7u);
  EXPECT_EQ(m.status, 3);
  EXPECT_EQ(m.message, "no model");
  EXPECT_EQ(Parse(R"({"status":0,"id":1})").status, 0);
}

TEST(WorkerMessage, GarbageIsRefusedWithAReason) {
  for (const char* bad :
       {"", "not json", "[1,2]", "42", R"({"id": 1})", R"({"status": 0})",
        R"({"id": -1, "status": 0})", R"({"id": "7", "status": 0})", R"({"id": 1, "status": 256})",
        R"({"id": 1, "status": -1})", R"({"id": 1, "status": 1.5})", R"({"ready": false})",
        R"({"ready": "yes"})", R"({"id": 1, "status": 0)"}) {
    std::string err;
    Parse(bad, &err);
    EXPECT_FALSE(err.empty()) << "accepted: " << bad;
  }
}

TEST(LineReader, JoinsPartialLinesAndSplitsSeveral) {
  LineReader r;
  std::string line;
  EXPECT_TRUE(r.Append("{\"id\": 1,"));
  EXPECT_FALSE(r.Next(&line));
  EXPECT_TRUE(r.has_partial());
  EXPECT_TRUE(r.Append(" \"status\": 0}\nsecond\nthi"));
  ASSERT_TRUE(r.Next(&line));
  EXPECT_EQ(line, "{\"id\": 1, \"status\": 0}");
  ASSERT_TRUE(r.Next(&line));
  EXPECT_EQ(line, "second");
  EXPECT_FALSE(r.Next(&line));
  EXPECT_TRUE(r.Append("rd\n"));
  ASSERT_TRUE(r.Next(&line));
  EXPECT_EQ(line, "third");
  EXPECT_FALSE(r.has_partial());
}

TEST(LineReader, AHugeLineIsAnError) {
  LineReader r(/*max_line=*/16);
  EXPECT_TRUE(r.Append("0123456789"));
  EXPECT_TRUE(r.Append("012345"));  // 16: at the limit
  EXPECT_FALSE(r.Append("6"));
  LineReader whole(16);
  EXPECT_FALSE(whole.Append("short\n" + std::string(17, 'x') + "\n"));  // complete, too long
}

TEST(LineReader, ManyLinesDoNotGrowTheBuffer) {
  LineReader r(64);
  std::string line;
  for (int i = 0; i < 10000; ++i) {
    ASSERT_TRUE(r.Append("{\"id\": 1, \"status\": 0}\n"));
    ASSERT_TRUE(r.Next(&line));
  }
  EXPECT_FALSE(r.Next(&line));
}

}  // namespace
}  // namespace coreflow
