#include "journal/format.h"

#include <gtest/gtest.h>

#include <array>
#include <climits>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "schedule/events.h"
#include "test_util.h"

namespace coreflow {
namespace {

constexpr std::array<AttemptOutcome, 9> kAllOutcomes = {
    AttemptOutcome::kOk,         AttemptOutcome::kFailed,      AttemptOutcome::kSignal,
    AttemptOutcome::kTimeout,    AttemptOutcome::kNoExec,      AttemptOutcome::kMissingOutput,
    AttemptOutcome::kOverMemory, AttemptOutcome::kInterrupted, AttemptOutcome::kSkipped};

// A record whose every column differs from the defaults, with times exact to the millisecond
// (the journal keeps three decimals).
JournalRecord SampleRecord() {
  JournalRecord r;
  r.seq = 7;
  r.start_wall = 1'700'000'000'250'000'000;  // 1700000000.250 s
  r.runtime = 1'500'000'000;
  r.receive = 42;
  r.exitval = 3;
  r.signal = 0;
  r.command = "echo a\tb";
  r.key = Hash128{0xfedcba9876543210ull, 0x0123456789abcdefull};
  r.attempt = 2;
  r.user_cpu = 125'000'000;
  r.sys_cpu = 70'000'000;
  r.max_rss_kib = 2048;
  r.slot = 4;
  r.outcome = AttemptOutcome::kFailed;
  r.final = true;
  return r;
}

// The columns of a record line (without its newline).
std::vector<std::string> Columns(const std::string& line) {
  std::vector<std::string> cols;
  size_t start = 0;
  for (;;) {
    size_t tab = line.find('\t', start);
    cols.push_back(line.substr(start, tab - start));
    if (tab == std::string::npos) return cols;
    start = tab + 1;
  }
}

std::string Join(const std::vector<std::string>& cols) {
  std::string out;
  for (size_t i = 0; i < cols.size(); ++i) {
    if (i > 0) out += '\t';
    out += cols[i];
  }
  return out;
}

// A well-formed record line without its newline, for tests that break one column of it.
std::string GoodLine() {
  std::string line = FormatRecord(SampleRecord());
  line.pop_back();
  return line;
}

// Parses `line`, which must be accepted.
JournalRecord MustParse(const std::string& line) {
  JournalRecord r;
  std::string err;
  EXPECT_TRUE(ParseRecord(line, &r, &err)) << line << ": " << err;
  return r;
}

// Parses `line`, which must be rejected, and returns the error.
std::string ParseError(const std::string& line) {
  JournalRecord r;
  std::string err;
  EXPECT_FALSE(ParseRecord(line, &r, &err)) << line;
  EXPECT_NE(err, "") << line;
  return err;
}

// The line with column `index` replaced by `value`.
std::string WithColumn(size_t index, const std::string& value) {
  std::vector<std::string> cols = Columns(GoodLine());
  cols.at(index) = value;
  return Join(cols);
}

void ExpectSameRecord(const JournalRecord& got, const JournalRecord& want) {
  EXPECT_EQ(got.seq, want.seq);
  // Epoch nanoseconds pass through a double with three decimals: equal to well within 1 us.
  EXPECT_LE(std::llabs(got.start_wall - want.start_wall), 1000) << got.start_wall;
  EXPECT_EQ(got.runtime, want.runtime);
  EXPECT_EQ(got.receive, want.receive);
  EXPECT_EQ(got.exitval, want.exitval);
  EXPECT_EQ(got.signal, want.signal);
  EXPECT_EQ(got.command, want.command);
  EXPECT_EQ(got.key, want.key);
  EXPECT_EQ(got.attempt, want.attempt);
  EXPECT_EQ(got.user_cpu, want.user_cpu);
  EXPECT_EQ(got.sys_cpu, want.sys_cpu);
  EXPECT_EQ(got.max_rss_kib, want.max_rss_kib);
  EXPECT_EQ(got.slot, want.slot);
  EXPECT_EQ(got.outcome, want.outcome);
  EXPECT_EQ(got.final, want.final);
}

// ---- header ----

TEST(JournalFormatTest, HeaderHasMagicVersionHashAndEscapedTemplate) {
  std::string h = JournalHeader(Hash128{0, 0xff}, "gzip\t{}\n|\\");
  size_t newline = h.find('\n');
  ASSERT_NE(newline, std::string::npos);
  EXPECT_EQ(h.substr(0, newline),
            "#coreflow-journal\t2\t000000000000000000000000000000ff\tgzip\\t{}\\n|\\\\");
  EXPECT_TRUE(h.starts_with(kJournalMagic));
  EXPECT_EQ(kJournalVersion, 2);
  h = JournalHeader(Hash128{0, 0xff}, "gzip", 1);  // a resumed version 1 journal goes on as one
  EXPECT_EQ(h.substr(0, h.find('\n')), "#coreflow-journal\t1\t00000000000000ff\tgzip");
}

TEST(JournalFormatTest, HeaderSecondLineNamesTheSeventeenColumns) {
  std::string h = JournalHeader(Hash128{1, 0x0123456789abcdefull}, "echo {}");
  size_t first = h.find('\n');
  ASSERT_NE(first, std::string::npos);
  EXPECT_EQ(h.substr(0, first), "#coreflow-journal\t2\t00000000000000010123456789abcdef\techo {}");
  std::string second = h.substr(first + 1);
  ASSERT_TRUE(second.ends_with('\n'));
  second.pop_back();
  EXPECT_EQ(second.find('\n'), std::string::npos) << "the header is exactly two lines";
  // GNU parallel's nine joblog columns first, so its tools can read ours.
  EXPECT_EQ(Columns(second),
            (std::vector<std::string>{"Seq", "Host", "Starttime", "JobRuntime", "Send", "Receive",
                                      "Exitval", "Signal", "Command", "Key", "Attempt", "UserCPU",
                                      "SysCPU", "MaxRSSKiB", "Slot", "Outcome", "Final"}));
}

// ---- records ----

TEST(JournalFormatTest, FormatRecordExactText) {
  EXPECT_EQ(FormatRecord(SampleRecord()),
            "7\t:\t1700000000.250\t     1.500\t0\t42\t3\t0\techo a\\tb\t"
            "fedcba98765432100123456789abcdef\t2\t0.125\t0.070\t2048\t4\tfailed\t1\n");
}

TEST(JournalFormatTest, FormatRecordNonFinalSignalAndZeroes) {
  JournalRecord r;
  r.seq = 1;
  r.signal = 9;
  r.exitval = 0;
  r.command = "sleep 9";
  r.key = Hash128{0, 1};
  r.outcome = AttemptOutcome::kSignal;
  r.final = false;
  EXPECT_EQ(FormatRecord(r),
            "1\t:\t0.000\t     0.000\t0\t0\t0\t9\tsleep 9\t00000000000000000000000000000001\t1\t"
            "0.000\t0.000\t0\t0\tsignal\t0\n");
}

TEST(JournalFormatTest, RuntimeColumnIsTenWideAndGrows) {
  // GNU parallel pads JobRuntime to ten characters; longer values are not cut.
  JournalRecord r = SampleRecord();
  r.runtime = 123'456'789'000'000;  // 123456.789 s
  EXPECT_EQ(Columns(FormatRecord(r))[3], "123456.789");
  r.runtime = 12'345'678'900'000'000;  // 12345678.900 s
  EXPECT_EQ(Columns(FormatRecord(r))[3], "12345678.900");
}

TEST(JournalFormatTest, RecordIsOneLineOfSeventeenColumns) {
  JournalRecord r = SampleRecord();
  r.command = "a\nb\tc\\d\n";
  std::string line = FormatRecord(r);
  ASSERT_TRUE(line.ends_with('\n'));
  line.pop_back();
  EXPECT_EQ(line.find('\n'), std::string::npos);
  EXPECT_EQ(Columns(line).size(), 17u);
  EXPECT_EQ(Columns(line)[8], "a\\nb\\tc\\\\d\\n");
}

TEST(JournalFormatTest, OutcomeNames) {
  const std::vector<std::string> names = {"ok",          "failed",      "signal",
                                          "timeout",     "noexec",      "missing-output",
                                          "over-memory", "interrupted", "skipped"};
  for (size_t i = 0; i < kAllOutcomes.size(); ++i) {
    EXPECT_EQ(OutcomeName(kAllOutcomes[i]), names[i]);
    AttemptOutcome back = AttemptOutcome::kOk;
    ASSERT_TRUE(ParseOutcomeName(names[i], &back)) << names[i];
    EXPECT_EQ(back, kAllOutcomes[i]);
  }
  AttemptOutcome unchanged = AttemptOutcome::kSkipped;
  EXPECT_FALSE(ParseOutcomeName("OK", &unchanged));
  EXPECT_FALSE(ParseOutcomeName("", &unchanged));
  EXPECT_FALSE(ParseOutcomeName("missing_output", &unchanged));
  EXPECT_EQ(unchanged, AttemptOutcome::kSkipped) << "a failed parse leaves *out alone";
}

TEST(JournalFormatTest, RoundTripEveryOutcome) {
  for (AttemptOutcome outcome : kAllOutcomes) {
    for (bool final : {true, false}) {
      JournalRecord r = SampleRecord();
      r.outcome = outcome;
      r.final = final;
      std::string text = FormatRecord(r);
      text.pop_back();
      JournalRecord back = MustParse(text);
      SCOPED_TRACE(OutcomeName(outcome));
      ExpectSameRecord(back, r);
      EXPECT_EQ(FormatRecord(back), text + "\n") << "formatting again gives the same line";
    }
  }
}

TEST(JournalFormatTest, RoundTripHostileCommands) {
  const std::vector<std::string> commands = {"",
                                             "\t",
                                             "\n",
                                             "\\",
                                             "\\n",
                                             "\\t",
                                             "a\tb\nc\\d",
                                             "trailing\\",
                                             "\\\\\\",
                                             "x\r\ny",
                                             "'\"$(rm -rf /)`",
                                             "\t\t\n\n",
                                             "caf\xc3\xa9",
                                             std::string("nul\0byte", 8),
                                             std::string(5000, '\\')};
  for (const std::string& command : commands) {
    JournalRecord r = SampleRecord();
    r.command = command;
    std::string text = FormatRecord(r);
    ASSERT_EQ(text.find('\n'), text.size() - 1) << "one line for " << command;
    text.pop_back();
    EXPECT_EQ(MustParse(text).command, command);
  }
}

TEST(JournalFormatTest, RoundTripLimits) {
  JournalRecord r = SampleRecord();
  r.seq = INT64_MAX;
  r.receive = INT64_MAX;
  r.key = Hash128{UINT64_MAX, UINT64_MAX};
  r.attempt = INT_MAX;
  r.exitval = 255;
  r.signal = 128;
  r.max_rss_kib = INT64_MAX;
  r.slot = INT_MAX;
  std::string text = FormatRecord(r);
  EXPECT_EQ(Columns(text)[9], "ffffffffffffffffffffffffffffffff");
  text.pop_back();
  ExpectSameRecord(MustParse(text), r);
}

TEST(JournalFormatTest, RoundTripExitvalMinusOne) {
  // A task killed by --timeout has exitval -1 in GNU parallel's joblog, and so in ours.
  JournalRecord r = SampleRecord();
  r.exitval = -1;
  r.outcome = AttemptOutcome::kTimeout;
  std::string text = FormatRecord(r);
  EXPECT_EQ(Columns(text)[6], "-1");
  text.pop_back();
  ExpectSameRecord(MustParse(text), r);
}

TEST(JournalFormatTest, ParseToleratesExtraColumns) {
  // Columns a later version appends must not make this one reject the record.
  JournalRecord r = MustParse(GoodLine() + "\tfuture\tcolumns");
  ExpectSameRecord(r, SampleRecord());
}

TEST(JournalFormatTest, ParseRejectsTooFewColumns) {
  std::vector<std::string> cols = Columns(GoodLine());
  cols.pop_back();
  EXPECT_EQ(ParseError(Join(cols)), "a record has 16 columns, expected 17");
  EXPECT_EQ(ParseError(""), "a record has 1 column, expected 17");
  EXPECT_EQ(ParseError("1\t:\t0.000"), "a record has 3 columns, expected 17");
}

TEST(JournalFormatTest, ParseRejectsBadSeq) {
  EXPECT_EQ(ParseError(WithColumn(0, "x")), "a record has a malformed column");
  EXPECT_NE(ParseError(WithColumn(0, "0")), "") << "seq numbers start at 1";
  EXPECT_NE(ParseError(WithColumn(0, "-3")), "");
  EXPECT_NE(ParseError(WithColumn(0, "")), "");
  EXPECT_NE(ParseError(WithColumn(0, "1.5")), "");
  EXPECT_NE(ParseError(WithColumn(0, " 1")), "");
}

TEST(JournalFormatTest, ParseRejectsBadKey) {
  EXPECT_NE(ParseError(WithColumn(9, "xyz")), "");
  EXPECT_NE(ParseError(WithColumn(9, "0123456789ABCDEF0123456789abcdef")), "")
      << "keys are lowercase";
  EXPECT_NE(ParseError(WithColumn(9, "10123456789abcdef0123456789abcdef")), "") << "33 digits";
  EXPECT_NE(ParseError(WithColumn(9, "0123456789abcdef")), "") << "version 2 keys are 32 digits";
  EXPECT_NE(ParseError(WithColumn(9, "")), "");
  EXPECT_NE(ParseError(WithColumn(9, "-1")), "");
}

TEST(JournalFormatTest, VersionOneKeysAreSixteenDigits) {
  JournalRecord r = SampleRecord();
  r.key = Hash128{0, 0x0123456789abcdefull};
  std::string line = FormatRecord(r, 1);
  EXPECT_NE(line.find("\t0123456789abcdef\t"), std::string::npos) << line;
  line.pop_back();
  JournalRecord back;
  std::string err;
  ASSERT_TRUE(ParseRecord(line, &back, &err, 1)) << err;
  EXPECT_EQ(back.key, r.key);
  EXPECT_FALSE(ParseRecord(line, &back, &err, 2));  // not a version 2 key
  // Shorter version 1 keys are still hex digits and read back.
  Hash128 k;
  ASSERT_TRUE(ParseKey("ab", 1, &k));
  EXPECT_EQ(k, (Hash128{0, 0xab}));
  EXPECT_FALSE(ParseKey("10123456789abcdef", 1, &k)) << "17 digits overflow";
}

TEST(JournalFormatTest, ParseRejectsUnknownOutcome) {
  EXPECT_NE(ParseError(WithColumn(15, "great")), "");
  EXPECT_NE(ParseError(WithColumn(15, "")), "");
  EXPECT_NE(ParseError(WithColumn(15, "Failed")), "");
}

TEST(JournalFormatTest, ParseRejectsBadFinal) {
  EXPECT_NE(ParseError(WithColumn(16, "2")), "");
  EXPECT_NE(ParseError(WithColumn(16, "")), "");
  EXPECT_NE(ParseError(WithColumn(16, "true")), "");
  EXPECT_NE(ParseError(WithColumn(16, "01")), "");
  EXPECT_FALSE(MustParse(WithColumn(16, "0")).final);
  EXPECT_TRUE(MustParse(WithColumn(16, "1")).final);
}

TEST(JournalFormatTest, ParseRejectsAttemptBeyondIntRange) {
  EXPECT_EQ(MustParse(WithColumn(10, "2147483647")).attempt, INT_MAX);
  EXPECT_NE(ParseError(WithColumn(10, "2147483648")), "");
  EXPECT_NE(ParseError(WithColumn(10, "99999999999999999999")), "");
  EXPECT_NE(ParseError(WithColumn(10, "0")), "") << "attempts start at 1";
}

TEST(JournalFormatTest, ParseRejectsOtherMalformedColumns) {
  EXPECT_NE(ParseError(WithColumn(2, "yesterday")), "");
  EXPECT_NE(ParseError(WithColumn(2, "-1.000")), "");
  EXPECT_NE(ParseError(WithColumn(3, "  abc")), "");
  EXPECT_NE(ParseError(WithColumn(5, "-1")), "");
  EXPECT_NE(ParseError(WithColumn(6, "256")), "") << "exit values are 0 to 255";
  EXPECT_NE(ParseError(WithColumn(6, "-2")), "");
  EXPECT_NE(ParseError(WithColumn(7, "129")), "");
  EXPECT_NE(ParseError(WithColumn(7, "-1")), "");
  EXPECT_NE(ParseError(WithColumn(11, "x")), "");
  EXPECT_NE(ParseError(WithColumn(12, "")), "");
  EXPECT_NE(ParseError(WithColumn(13, "-5")), "");
  EXPECT_NE(ParseError(WithColumn(14, "-1")), "");
}

TEST(JournalFormatTest, ParseLeavesOutputAloneOnError) {
  JournalRecord r = SampleRecord();
  std::string err;
  EXPECT_FALSE(ParseRecord(WithColumn(16, "2"), &r, &err));
  ExpectSameRecord(r, SampleRecord());
}

TEST(JournalFormatTest, ParseAcceptsPaddedRuntimeAsGnuWritesIt) {
  EXPECT_EQ(MustParse(WithColumn(3, "     2.250")).runtime, 2'250'000'000);
  EXPECT_EQ(MustParse(WithColumn(3, "2.250")).runtime, 2'250'000'000);
}

// ---- start marks and notes ----

TEST(JournalFormatTest, StartMarkExactTextAndRoundTrip) {
  StartMark m{{0, 0xabcdefull}, 3, 12, "-,12.34.56", true};
  std::string text = FormatStartMark(m);
  EXPECT_EQ(text, "#start\t00000000000000000000000000abcdef\t3\t12\t-,12.34.56\n");
  EXPECT_EQ(FormatStartMark(m, 1), "#start\t0000000000abcdef\t3\t12\n");
  text.pop_back();
  StartMark back;
  ASSERT_TRUE(ParseStartMark(text, &back));
  EXPECT_EQ(back.key, m.key);
  EXPECT_EQ(back.attempt, m.attempt);
  EXPECT_EQ(back.seq, m.seq);

  StartMark big{{UINT64_MAX, UINT64_MAX}, INT_MAX, static_cast<uint64_t>(INT64_MAX)};
  text = FormatStartMark(big);
  text.pop_back();
  ASSERT_TRUE(ParseStartMark(text, &back));
  EXPECT_EQ(back.key, (Hash128{UINT64_MAX, UINT64_MAX}));
  EXPECT_EQ(back.attempt, INT_MAX);
  EXPECT_EQ(back.seq, static_cast<uint64_t>(INT64_MAX));
}

TEST(JournalFormatTest, StartMarkOfALaterPipelineStageCarriesItsIndex) {
  StartMark m{{0, 0xab}, 1, 7, "", true, 2};
  std::string text = FormatStartMark(m);
  EXPECT_EQ(text, "#start\t000000000000000000000000000000ab\t1\t7\t\t2\n");
  text.pop_back();
  StartMark back;
  ASSERT_TRUE(ParseStartMark(text, &back));
  EXPECT_EQ(back.stage, 2);
  EXPECT_EQ(back.outputs, "");
  // A stage this reader cannot read is the first: the mark still counts.
  ASSERT_TRUE(ParseStartMark("#start\t000000000000000000000000000000ab\t1\t7\t\tx", &back));
  EXPECT_EQ(back.stage, 0);
}

TEST(JournalFormatTest, ParseStartMarkRejects) {
  StartMark m;
  EXPECT_FALSE(ParseStartMark("", &m));
  EXPECT_FALSE(ParseStartMark("#start", &m));
  EXPECT_FALSE(ParseStartMark("#start\t00000000000000ab\t1", &m)) << "seq missing";
  EXPECT_FALSE(ParseStartMark("#resume\t00000000000000ab\t1\t1", &m));
  EXPECT_FALSE(ParseStartMark("#startx\t00000000000000ab\t1\t1", &m));
  EXPECT_FALSE(ParseStartMark("#start\tzz\t1\t1", &m));
  EXPECT_FALSE(ParseStartMark("#start\t00000000000000AB\t1\t1", &m));
  EXPECT_FALSE(ParseStartMark("#start\t00000000000000ab\t0\t1", &m)) << "attempt 0";
  EXPECT_FALSE(ParseStartMark("#start\t00000000000000ab\t2147483648\t1", &m));
  EXPECT_FALSE(ParseStartMark("#start\t00000000000000ab\t1\t0", &m)) << "seq 0";
  EXPECT_FALSE(ParseStartMark("#start\t00000000000000ab\t1\tx", &m));
}

TEST(JournalFormatTest, ResumeNoteText) {
  EXPECT_EQ(FormatResumeNote(1'700'000'000'500'000'000), "#resume\t1700000000.500\n");
  EXPECT_EQ(FormatResumeNote(0), "#resume\t0.000\n");
}

// ---- escaping ----

TEST(JournalFormatTest, EscapeFieldExactText) {
  EXPECT_EQ(EscapeField(""), "");
  EXPECT_EQ(EscapeField("plain text"), "plain text");
  EXPECT_EQ(EscapeField("a\tb\nc\\d"), "a\\tb\\nc\\\\d");
  EXPECT_EQ(EscapeField("\r"), "\r") << "only what would split a record is escaped";
}

TEST(JournalFormatTest, UnescapeFieldEdgeCases) {
  EXPECT_EQ(UnescapeField("a\\tb\\nc\\\\d"), "a\tb\nc\\d");
  EXPECT_EQ(UnescapeField("end\\"), "end\\") << "a lone trailing backslash stays";
  EXPECT_EQ(UnescapeField("\\x"), "x") << "an unknown escape yields the character";
  EXPECT_EQ(UnescapeField("\\\\n"), "\\n");
}

TEST(JournalFormatTest, EscapeRoundTripsHostileStrings) {
  std::vector<std::string> hostile = {
      "",    "\\",         "\\\\",         "\\n",  "\\t",
      "\n",  "\t",         "\\\n",         "\n\\", "a\\",
      "\\a", "\t\\t\n\\n", "\x1e\x1f\x7f", "\r\n", std::string("\0\\\0", 3)};
  for (uint32_t seed = 1; seed <= 50; ++seed) {
    // Random bytes, rich in the characters that matter.
    std::string s = testutil::Pattern(200, seed);
    for (size_t i = 0; i < s.size(); i += 3)
      s[i] = "\\\n\tn t"[static_cast<unsigned char>(s[i]) % 6];
    hostile.push_back(s);
  }
  for (const std::string& s : hostile) {
    std::string escaped = EscapeField(s);
    EXPECT_EQ(escaped.find('\n'), std::string::npos);
    EXPECT_EQ(escaped.find('\t'), std::string::npos);
    EXPECT_EQ(UnescapeField(escaped), s);
  }
}

// ---- outcomes ----

TEST(JournalFormatTest, ClassifyPlainExits) {
  Outcome o;
  EXPECT_EQ(ClassifyOutcome(o, false), AttemptOutcome::kOk);
  o.exit_code = 1;
  EXPECT_EQ(ClassifyOutcome(o, false), AttemptOutcome::kFailed);
  o.exit_code = 255;
  EXPECT_EQ(ClassifyOutcome(o, false), AttemptOutcome::kFailed);
  o = Outcome{};
  o.signal = 9;
  EXPECT_EQ(ClassifyOutcome(o, false), AttemptOutcome::kSignal);
}

TEST(JournalFormatTest, ClassifyTimeoutWinsOverEverything) {
  // --timeout kills with a signal and the run may be stopping too: the cause is the timeout.
  Outcome o;
  o.timed_out = true;
  o.interrupted = true;
  o.over_memory = true;
  o.missing_output = true;
  o.signal = 15;
  o.exit_code = 1;
  EXPECT_EQ(ClassifyOutcome(o, true), AttemptOutcome::kTimeout);
  Outcome only;
  only.timed_out = true;
  only.signal = 9;
  EXPECT_EQ(ClassifyOutcome(only, false), AttemptOutcome::kTimeout);
}

TEST(JournalFormatTest, ClassifyPrecedenceBelowTimeout) {
  Outcome o;
  o.over_memory = true;
  o.interrupted = true;
  o.signal = 9;
  EXPECT_EQ(ClassifyOutcome(o, true), AttemptOutcome::kOverMemory);

  o = Outcome{};
  o.interrupted = true;
  o.missing_output = true;
  o.signal = 2;
  EXPECT_EQ(ClassifyOutcome(o, true), AttemptOutcome::kInterrupted);

  // A command that could not run reports exit 127; that is noexec, not failed.
  o = Outcome{};
  o.exit_code = 127;
  EXPECT_EQ(ClassifyOutcome(o, true), AttemptOutcome::kNoExec);
  o.missing_output = true;
  EXPECT_EQ(ClassifyOutcome(o, true), AttemptOutcome::kNoExec);
  EXPECT_EQ(ClassifyOutcome(o, false), AttemptOutcome::kMissingOutput);

  o = Outcome{};
  o.missing_output = true;
  o.signal = 9;
  EXPECT_EQ(ClassifyOutcome(o, false), AttemptOutcome::kMissingOutput);

  o = Outcome{};
  o.signal = 11;
  o.exit_code = 0;
  EXPECT_EQ(ClassifyOutcome(o, false), AttemptOutcome::kSignal);
  o.exit_code = 3;
  EXPECT_EQ(ClassifyOutcome(o, false), AttemptOutcome::kSignal);
}

TEST(JournalFormatTest, OutputStatesRoundTrip) {
  FileIdentity absent;
  FileIdentity file;
  file.exists = true;
  file.dev = 99;  // not kept
  file.ino = 123456789;
  file.size = 42;
  file.mtime_ns = 1'700'000'000'123'456'789;
  std::string text = FormatOutputStates({file, absent, file});
  EXPECT_EQ(text, "123456789.42.1700000000123456789,-,123456789.42.1700000000123456789");
  std::vector<FileIdentity> back;
  ASSERT_TRUE(ParseOutputStates(text, &back));
  ASSERT_EQ(back.size(), 3u);
  EXPECT_TRUE(SameFileState(file, back[0]));
  EXPECT_FALSE(back[1].exists);
  EXPECT_TRUE(SameFileState(absent, back[1]));
  EXPECT_FALSE(SameFileState(file, back[1]));
  FileIdentity touched = file;
  touched.mtime_ns += 1;
  EXPECT_FALSE(SameFileState(file, touched));
  ASSERT_TRUE(ParseOutputStates("", &back));
  EXPECT_TRUE(back.empty());
  for (const char* bad : {"x", "1.2", "1.2.3,", "-,1..3", "1.2.3.4"}) {
    EXPECT_FALSE(ParseOutputStates(bad, &back)) << bad;
    EXPECT_TRUE(back.empty());
  }
}

TEST(JournalFormatTest, StartMarksOfVersionOneHaveNoOutputStates) {
  StartMark m;
  ASSERT_TRUE(ParseStartMark("#start\t00000000000000ab\t1\t3", &m, 1));
  EXPECT_FALSE(m.outputs_known);
  ASSERT_TRUE(ParseStartMark("#start\t000000000000000000000000000000ab\t1\t3\t", &m, 2));
  EXPECT_TRUE(m.outputs_known);
  EXPECT_EQ(m.outputs, "");
}

}  // namespace
}  // namespace coreflow
