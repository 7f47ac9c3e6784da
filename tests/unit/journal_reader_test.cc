#include "journal/reader.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "journal/format.h"
#include "test_util.h"

namespace coreflow {
namespace {

using testutil::ScratchDir;

constexpr Hash128 kTemplateHash{0x1234, 0x00c0ffee12345678ull};
constexpr const char* kTemplate = "gzip -9\t{}";

JournalRecord Record(uint64_t seq, AttemptOutcome outcome = AttemptOutcome::kOk,
                     bool final = true) {
  JournalRecord r;
  r.seq = seq;
  r.start_wall = static_cast<Nanos>(1'700'000'000 + seq) * kNanosPerSecond;
  r.runtime = static_cast<Nanos>(seq) * kNanosPerMilli;
  r.exitval = outcome == AttemptOutcome::kOk ? 0 : 1;
  r.command = "gzip -9 file" + std::to_string(seq) + "\twith\ntabs\\";
  r.key = Hash128{7, 0x1000 + seq};
  r.outcome = outcome;
  r.final = final;
  return r;
}

// Everything a parser delivered, as text that is easy to compare.
struct Collected {
  std::vector<std::string> records;  // FormatRecord of each
  std::vector<std::string> starts;   // FormatStartMark of each

  JournalCallbacks Callbacks() {
    JournalCallbacks c;
    c.on_record = [this](const JournalRecord& r) { records.push_back(FormatRecord(r)); };
    c.on_start = [this](const StartMark& m) { starts.push_back(FormatStartMark(m)); };
    return c;
  }
};

// A journal of three records with start marks and a resume note between them.
std::string SampleJournal() {
  return JournalHeader(kTemplateHash, kTemplate) + FormatStartMark({{7, 0x1001}, 1, 1}) +
         FormatRecord(Record(1)) + FormatStartMark({{7, 0x1002}, 1, 2}) +
         FormatRecord(Record(2, AttemptOutcome::kFailed, false)) + FormatResumeNote(0) +
         FormatStartMark({{7, 0x1002}, 2, 2}) + FormatRecord(Record(2, AttemptOutcome::kFailed)) +
         FormatStartMark({{7, 0x1003}, 1, 3});
}

TEST(JournalReaderTest, WholeJournal) {
  Collected got;
  JournalParser parser(got.Callbacks());
  std::string err;
  std::string text = SampleJournal();
  ASSERT_TRUE(parser.Feed(text, &err)) << err;
  ASSERT_TRUE(parser.Finish(&err)) << err;
  EXPECT_EQ(err, "");
  const JournalInfo& info = parser.info();
  EXPECT_EQ(info.version, kJournalVersion);
  EXPECT_EQ(info.template_hash, kTemplateHash);
  EXPECT_EQ(info.template_text, kTemplate) << "the header's template text is unescaped";
  EXPECT_EQ(info.records, 3u);
  EXPECT_EQ(info.complete_bytes, text.size());
  EXPECT_FALSE(info.torn_tail);
  EXPECT_EQ(got.records,
            (std::vector<std::string>{FormatRecord(Record(1)),
                                      FormatRecord(Record(2, AttemptOutcome::kFailed, false)),
                                      FormatRecord(Record(2, AttemptOutcome::kFailed))}));
  EXPECT_EQ(got.starts,
            (std::vector<std::string>{
                FormatStartMark({{7, 0x1001}, 1, 1}), FormatStartMark({{7, 0x1002}, 1, 2}),
                FormatStartMark({{7, 0x1002}, 2, 2}), FormatStartMark({{7, 0x1003}, 1, 3})}));
}

TEST(JournalReaderTest, ByteByByteGivesTheSameResult) {
  // A read may end anywhere in a line: the parser must join the pieces.
  std::string text = SampleJournal();
  Collected whole;
  JournalParser whole_parser(whole.Callbacks());
  std::string err;
  ASSERT_TRUE(whole_parser.Feed(text, &err)) << err;
  ASSERT_TRUE(whole_parser.Finish(&err)) << err;

  Collected bytes;
  JournalParser byte_parser(bytes.Callbacks());
  for (char c : text) {
    ASSERT_TRUE(byte_parser.Feed(std::string_view(&c, 1), &err)) << err;
  }
  ASSERT_TRUE(byte_parser.Finish(&err)) << err;
  EXPECT_EQ(bytes.records, whole.records);
  EXPECT_EQ(bytes.starts, whole.starts);
  EXPECT_EQ(byte_parser.info().complete_bytes, whole_parser.info().complete_bytes);
  EXPECT_EQ(byte_parser.info().complete_bytes, text.size());
  EXPECT_EQ(byte_parser.info().records, 3u);
  EXPECT_EQ(byte_parser.info().template_text, kTemplate);
  EXPECT_FALSE(byte_parser.info().torn_tail);
}

TEST(JournalReaderTest, UnevenChunksGiveTheSameResult) {
  std::string text = SampleJournal();
  for (size_t chunk : {2u, 7u, 64u, 333u}) {
    Collected got;
    JournalParser parser(got.Callbacks());
    std::string err;
    for (size_t at = 0; at < text.size(); at += chunk) {
      ASSERT_TRUE(parser.Feed(std::string_view(text).substr(at, chunk), &err)) << err;
    }
    ASSERT_TRUE(parser.Finish(&err)) << err;
    EXPECT_EQ(got.records.size(), 3u) << chunk;
    EXPECT_EQ(got.starts.size(), 4u) << chunk;
    EXPECT_EQ(parser.info().complete_bytes, text.size()) << chunk;
  }
}

TEST(JournalReaderTest, TornLastLineIsIgnored) {
  // A crash in the middle of a write leaves part of a line: not an error, not a record.
  std::string complete = SampleJournal();
  std::string torn = FormatRecord(Record(3));
  torn.resize(torn.size() / 2);
  for (bool bytewise : {false, true}) {
    Collected got;
    JournalParser parser(got.Callbacks());
    std::string err;
    std::string text = complete + torn;
    if (bytewise) {
      for (char c : text) ASSERT_TRUE(parser.Feed(std::string_view(&c, 1), &err)) << err;
    } else {
      ASSERT_TRUE(parser.Feed(text, &err)) << err;
    }
    ASSERT_TRUE(parser.Finish(&err)) << err;
    EXPECT_TRUE(parser.info().torn_tail);
    EXPECT_EQ(parser.info().complete_bytes, complete.size()) << "just after the last newline";
    EXPECT_EQ(parser.info().records, 3u);
    EXPECT_EQ(got.records.size(), 3u);
  }
}

TEST(JournalReaderTest, OnLineGetsEveryCompleteLineAsWritten) {
  std::string complete = SampleJournal();
  std::string text = complete + "1\t:\ttorn";
  for (size_t chunk : {1u, 5u, 4096u}) {
    std::string lines;
    JournalCallbacks callbacks;
    int headers = 0;
    callbacks.on_line = [&](std::string_view line, const JournalInfo& info) {
      lines.append(line).push_back('\n');
      headers += info.version == kJournalVersion && lines.size() == line.size() + 1;
    };
    JournalParser parser(callbacks);
    std::string err;
    for (size_t at = 0; at < text.size(); at += chunk) {
      ASSERT_TRUE(parser.Feed(std::string_view(text).substr(at, chunk), &err)) << err;
    }
    ASSERT_TRUE(parser.Finish(&err)) << err;
    EXPECT_EQ(lines, complete) << chunk;
    EXPECT_EQ(headers, 1) << "the header's line comes with the version it gave";
  }
}

TEST(JournalReaderTest, TornTailMayBeAnything) {
  // Whatever the torn bytes are, they were never a line: even garbage is no error.
  std::string complete = SampleJournal();
  Collected got;
  JournalParser parser(got.Callbacks());
  std::string err;
  ASSERT_TRUE(parser.Feed(complete + "garbage\tthat is not a record", &err)) << err;
  ASSERT_TRUE(parser.Finish(&err)) << err;
  EXPECT_TRUE(parser.info().torn_tail);
  EXPECT_EQ(parser.info().complete_bytes, complete.size());
}

TEST(JournalReaderTest, MalformedLineInTheMiddleNamesItsLine) {
  // Lines 1-2 are the header, 3 a record, 4 the bad one, 5 another record.
  std::string text = JournalHeader(kTemplateHash, kTemplate) + FormatRecord(Record(1)) +
                     "this is not a record\n" + FormatRecord(Record(2));
  Collected got;
  JournalParser parser(got.Callbacks());
  std::string err;
  EXPECT_FALSE(parser.Feed(text, &err));
  EXPECT_EQ(err, "line 4: a record has 1 column, expected 17");
  EXPECT_EQ(got.records.size(), 1u) << "records before the bad line were delivered";
  // The parser stays failed.
  std::string later;
  EXPECT_FALSE(parser.Feed(FormatRecord(Record(3)), &later));
  EXPECT_FALSE(parser.Finish(&later));
  EXPECT_EQ(got.records.size(), 1u);
}

TEST(JournalReaderTest, MalformedColumnNamesItsLineFedBytewise) {
  std::string bad = FormatRecord(Record(2));
  bad.replace(bad.rfind('1'), 1, "2");  // Final "2"
  std::string text = JournalHeader(kTemplateHash, kTemplate) + FormatStartMark({{0, 1}, 1, 1}) +
                     FormatRecord(Record(1)) + bad + FormatRecord(Record(3));
  JournalParser parser(JournalCallbacks{});
  std::string err;
  bool ok = true;
  for (char c : text) {
    ok = parser.Feed(std::string_view(&c, 1), &err);
    if (!ok) break;
  }
  EXPECT_FALSE(ok);
  EXPECT_EQ(err, "line 5: a record has a malformed column");
}

TEST(JournalReaderTest, MalformedStartMarkIsAnError) {
  std::string text = JournalHeader(kTemplateHash, kTemplate) + "#start\tnot-hex\t1\t1\n";
  JournalParser parser(JournalCallbacks{});
  std::string err;
  EXPECT_FALSE(parser.Feed(text, &err));
  EXPECT_EQ(err, "line 3: malformed start mark");
}

TEST(JournalReaderTest, StartMarksGoToOnStart) {
  std::string text =
      JournalHeader(kTemplateHash, kTemplate) + "#start\t000000000000000000000000000000ab\t2\t5\n";
  std::vector<StartMark> marks;
  JournalCallbacks callbacks;
  callbacks.on_start = [&](const StartMark& m) { marks.push_back(m); };
  JournalParser parser(callbacks);
  std::string err;
  ASSERT_TRUE(parser.Feed(text, &err)) << err;
  ASSERT_TRUE(parser.Finish(&err)) << err;
  ASSERT_EQ(marks.size(), 1u);
  EXPECT_EQ(marks[0].key, (Hash128{0, 0xab}));
  EXPECT_EQ(marks[0].attempt, 2);
  EXPECT_EQ(marks[0].seq, 5u);
  EXPECT_EQ(parser.info().records, 0u) << "a start mark is not a record";
}

TEST(JournalReaderTest, UnknownNotesAreSkipped) {
  // Notes a later version writes must not stop this one from resuming.
  std::string text = JournalHeader(kTemplateHash, kTemplate) + "#notes\tanything at all\n" +
                     FormatRecord(Record(1)) + "#resume\t1700000000.000\n" + "#\n" +
                     "#start-of-something-else\tx\n" + FormatRecord(Record(2));
  Collected got;
  JournalParser parser(got.Callbacks());
  std::string err;
  ASSERT_TRUE(parser.Feed(text, &err)) << err;
  ASSERT_TRUE(parser.Finish(&err)) << err;
  EXPECT_EQ(parser.info().records, 2u);
  EXPECT_EQ(got.records.size(), 2u);
  EXPECT_TRUE(got.starts.empty());
  EXPECT_EQ(parser.info().complete_bytes, text.size());
}

TEST(JournalReaderTest, CallbacksAreOptional) {
  JournalParser parser(JournalCallbacks{});
  std::string err;
  ASSERT_TRUE(parser.Feed(SampleJournal(), &err)) << err;
  ASSERT_TRUE(parser.Finish(&err)) << err;
  EXPECT_EQ(parser.info().records, 3u);
}

TEST(JournalReaderTest, EmptyInputIsRejected) {
  JournalParser parser(JournalCallbacks{});
  std::string err;
  ASSERT_TRUE(parser.Feed("", &err));
  EXPECT_FALSE(parser.Finish(&err));
  EXPECT_EQ(err, "it is empty, not a coreflow journal");
}

TEST(JournalReaderTest, GnuParallelJoblogIsRejected) {
  std::string joblog =
      "Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand\n"
      "1\t:\t1700000000.000\t     0.003\t0\t2\t0\t0\techo a\n";
  JournalParser parser(JournalCallbacks{});
  std::string err;
  EXPECT_FALSE(parser.Feed(joblog, &err));
  EXPECT_EQ(err,
            "it is not a coreflow journal (no '#coreflow-journal' header); GNU parallel's joblog "
            "cannot be resumed");
}

TEST(JournalReaderTest, FileWithoutMagicAndNoNewlineIsRejected) {
  JournalParser parser(JournalCallbacks{});
  std::string err;
  ASSERT_TRUE(parser.Feed("hello world", &err));
  EXPECT_FALSE(parser.Finish(&err));
  EXPECT_EQ(err, "it is not a coreflow journal (no '#coreflow-journal' header)");
}

TEST(JournalReaderTest, MagicMustBeFollowedByATab) {
  for (const char* header : {"#coreflow-journal\n", "#coreflow-journal 1 00\n",
                             "#coreflow-journalx\t1\n", "# coreflow-journal\t1\n"}) {
    JournalParser parser(JournalCallbacks{});
    std::string err;
    EXPECT_FALSE(parser.Feed(header, &err)) << header;
    EXPECT_TRUE(err.starts_with("it is not a coreflow journal")) << err;
  }
}

TEST(JournalReaderTest, NewerVersionIsRejected) {
  std::string text = "#coreflow-journal\t3\t00000000000000000000000000000001\techo\nSeq\tHost\n";
  JournalParser parser(JournalCallbacks{});
  std::string err;
  EXPECT_FALSE(parser.Feed(text, &err));
  EXPECT_EQ(err, "it is a version 3 journal; this coreflow reads version 2");
}

TEST(JournalReaderTest, MalformedHeaderFields) {
  struct Case {
    const char* header;
    const char* error;
  };
  for (const Case& c : {Case{"#coreflow-journal\tone\t00\tx\n", "line 1: malformed version"},
                        Case{"#coreflow-journal\t0\t00\tx\n", "line 1: malformed version"},
                        Case{"#coreflow-journal\t\t00\tx\n", "line 1: malformed version"},
                        Case{"#coreflow-journal\t1\tXYZ\tx\n", "line 1: malformed template hash"},
                        Case{"#coreflow-journal\t1\t\tx\n", "line 1: malformed template hash"}}) {
    JournalParser parser(JournalCallbacks{});
    std::string err;
    EXPECT_FALSE(parser.Feed(c.header, &err)) << c.header;
    EXPECT_EQ(err, c.error) << c.header;
  }
}

TEST(JournalReaderTest, HeaderOnlyJournalHasNoRecords) {
  std::string text = JournalHeader(Hash128{0, 1}, "");
  JournalParser parser(JournalCallbacks{});
  std::string err;
  ASSERT_TRUE(parser.Feed(text, &err)) << err;
  ASSERT_TRUE(parser.Finish(&err)) << err;
  EXPECT_EQ(parser.info().version, kJournalVersion);
  EXPECT_EQ(parser.info().template_hash, (Hash128{0, 1}));
  EXPECT_EQ(parser.info().template_text, "");
  EXPECT_EQ(parser.info().records, 0u);
  EXPECT_EQ(parser.info().complete_bytes, text.size());
}

// ---- ReadJournal ----

TEST(JournalReaderTest, ReadJournalFromAFile) {
  ScratchDir dir("journal_reader");
  std::string text = SampleJournal();
  std::string path = dir.Write("run.journal", text);
  Collected got;
  JournalInfo info;
  std::string err;
  ASSERT_TRUE(ReadJournal(path, got.Callbacks(), &info, &err)) << err;
  EXPECT_EQ(info.version, kJournalVersion);
  EXPECT_EQ(info.template_hash, kTemplateHash);
  EXPECT_EQ(info.template_text, kTemplate);
  EXPECT_EQ(info.records, 3u);
  EXPECT_EQ(info.complete_bytes, text.size());
  EXPECT_FALSE(info.torn_tail);
  EXPECT_EQ(got.records.size(), 3u);
  EXPECT_EQ(got.starts.size(), 4u);
}

TEST(JournalReaderTest, ReadJournalLargerThanItsBuffer) {
  // Lines straddle the reader's 1 MiB reads; every record still arrives once, in order.
  ScratchDir dir("journal_reader");
  std::string text = JournalHeader(kTemplateHash, kTemplate);
  constexpr uint64_t kRecords = 30'000;
  for (uint64_t seq = 1; seq <= kRecords; ++seq) text += FormatRecord(Record(seq));
  ASSERT_GT(text.size(), 2u << 20);
  std::string torn = "30001\t:\t17";
  std::string path = dir.Write("big.journal", text + torn);
  uint64_t expected_seq = 1;
  bool in_order = true;
  JournalCallbacks callbacks;
  callbacks.on_record = [&](const JournalRecord& r) {
    in_order = in_order && r.seq == expected_seq++;
  };
  JournalInfo info;
  std::string err;
  ASSERT_TRUE(ReadJournal(path, callbacks, &info, &err)) << err;
  EXPECT_TRUE(in_order);
  EXPECT_EQ(expected_seq, kRecords + 1);
  EXPECT_EQ(info.records, kRecords);
  EXPECT_EQ(info.complete_bytes, text.size());
  EXPECT_TRUE(info.torn_tail);
}

TEST(JournalReaderTest, ReadJournalMissingFileNamesThePath) {
  ScratchDir dir("journal_reader");
  std::string path = dir.path() + "/absent.journal";
  JournalInfo info;
  std::string err;
  EXPECT_FALSE(ReadJournal(path, JournalCallbacks{}, &info, &err));
  EXPECT_EQ(err, "cannot read journal '" + path + "': " + ErrnoText(ENOENT));
}

TEST(JournalReaderTest, ReadJournalErrorsNameThePath) {
  ScratchDir dir("journal_reader");
  std::string empty = dir.Write("empty.journal", "");
  JournalInfo info;
  std::string err;
  EXPECT_FALSE(ReadJournal(empty, JournalCallbacks{}, &info, &err));
  EXPECT_EQ(err, "journal '" + empty + "': it is empty, not a coreflow journal");

  std::string bad = dir.Write("bad.journal", JournalHeader(Hash128{0, 1}, "x") + "1\t:\n");
  EXPECT_FALSE(ReadJournal(bad, JournalCallbacks{}, &info, &err));
  EXPECT_EQ(err, "journal '" + bad + "': line 3: a record has 2 columns, expected 17");

  EXPECT_FALSE(ReadJournal(dir.path(), JournalCallbacks{}, &info, &err)) << "a directory";
  EXPECT_NE(err.find(dir.path()), std::string::npos) << err;
}

}  // namespace
}  // namespace coreflow
