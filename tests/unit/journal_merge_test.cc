#include "journal/merge.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "journal/format.h"
#include "journal/resume.h"
#include "sys/fd.h"
#include "sys/fs.h"
#include "test_util.h"

namespace coreflow {
namespace {

using testutil::ScratchDir;
using Decision = ResumeIndex::Decision;

constexpr Hash128 kTemplateHash{0x1234, 0x5678};
constexpr const char* kTemplate = "score {}";

JournalRecord Record(uint64_t key, AttemptOutcome outcome = AttemptOutcome::kOk) {
  JournalRecord r;
  r.seq = key;
  r.start_wall = static_cast<Nanos>(1'700'000'000 + key) * kNanosPerSecond;
  r.command = "score " + std::to_string(key);
  r.key = Hash128{9, key};
  r.outcome = outcome;
  r.exitval = outcome == AttemptOutcome::kOk ? 0 : 1;
  return r;
}

// A shard's journal: each key started then finished, the last one only started (cut short).
std::string ShardJournal(const std::vector<uint64_t>& done, uint64_t cut,
                         const Hash128& template_hash = kTemplateHash) {
  std::string text = JournalHeader(template_hash, kTemplate);
  for (uint64_t key : done) {
    text += FormatStartMark({{9, key}, 1, key});
    text += FormatRecord(Record(key));
  }
  return text + FormatStartMark({{9, cut}, 1, cut});
}

std::string ReadAll(const std::string& path) {
  std::string text;
  EXPECT_TRUE(ReadSmallFile(path, &text, 1 << 24)) << path;
  return text;
}

bool Merge(const std::vector<std::string>& inputs, const std::string& output, MergeSummary* summary,
           std::string* err) {
  return MergeJournalFiles(inputs, output, summary, err);
}

TEST(JournalMergeTest, ShardsMergeIntoOneJournalThatResumesAsTheirUnion) {
  ScratchDir dir("merge");
  std::string a = dir.Write("a.journal", ShardJournal({1, 2, 3}, 4));
  std::string b = dir.Write("b.journal", ShardJournal({5, 6}, 7));
  std::string out = dir.path() + "/all.journal";
  MergeSummary summary;
  std::string err;
  ASSERT_TRUE(Merge({a, b}, out, &summary, &err)) << err;
  EXPECT_EQ(summary.journals, 2);
  EXPECT_EQ(summary.records, 5u);
  EXPECT_EQ(summary.duplicates, 0u);
  // The first journal whole, then the second without its header and column names.
  std::string b_text = ShardJournal({5, 6}, 7);
  std::string b_body = b_text.substr(b_text.find('\n', b_text.find('\n') + 1) + 1);
  EXPECT_EQ(ReadAll(out), ShardJournal({1, 2, 3}, 4) + b_body);

  ResumeIndex index;
  ASSERT_TRUE(index.Load(out, &err)) << err;
  for (uint64_t key : {1, 2, 3, 5, 6}) {
    EXPECT_EQ(index.Decide({9, key}, false), Decision::kSkip) << key;
  }
  for (uint64_t key : {4, 7}) {
    EXPECT_EQ(index.Decide({9, key}, false), Decision::kRunAfterCut) << key;
  }
  EXPECT_EQ(index.Decide({9, 8}, false), Decision::kRun);
}

TEST(JournalMergeTest, MergingAgainChangesNothing) {
  ScratchDir dir("merge");
  std::string a = dir.Write("a.journal", ShardJournal({1, 2}, 3));
  std::string b = dir.Write("b.journal", ShardJournal({4}, 5));
  std::string out = dir.path() + "/all.journal";
  MergeSummary summary;
  std::string err;
  ASSERT_TRUE(Merge({a, b}, out, &summary, &err)) << err;
  std::string once = ReadAll(out);
  // The merged journal with its own inputs again, and into itself: the same bytes.
  ASSERT_TRUE(Merge({out, a, b}, out, &summary, &err)) << err;
  EXPECT_EQ(ReadAll(out), once);
  EXPECT_EQ(summary.records, 3u);
  EXPECT_EQ(summary.duplicates, 8u) << "a's 5 lines after its header and b's 3";
  std::string again = dir.path() + "/again.journal";
  ASSERT_TRUE(Merge({a, b}, again, &summary, &err)) << err;
  EXPECT_EQ(ReadAll(again), once);
}

TEST(JournalMergeTest, ATornLastLineIsLeftOutAndNamed) {
  ScratchDir dir("merge");
  std::string torn = FormatRecord(Record(3));
  torn.resize(torn.size() / 2);
  std::string a = dir.Write("a.journal", ShardJournal({1, 2}, 3) + torn);
  std::string b = dir.Write("b.journal", ShardJournal({4}, 5));
  std::string out = dir.path() + "/all.journal";
  MergeSummary summary;
  std::string err;
  ASSERT_TRUE(Merge({a, b}, out, &summary, &err)) << err;
  EXPECT_EQ(summary.torn, std::vector<std::string>{a});
  std::string text = ReadAll(out);
  EXPECT_EQ(text.find(torn), std::string::npos);
  EXPECT_EQ(text.back(), '\n');
  ResumeIndex index;
  ASSERT_TRUE(index.Load(out, &err)) << err;
  EXPECT_FALSE(index.info().torn_tail);
  EXPECT_EQ(index.Decide({9, 3}, false), Decision::kRunAfterCut);
  EXPECT_EQ(index.Decide({9, 4}, false), Decision::kSkip);
}

TEST(JournalMergeTest, AnotherVersionIsAnErrorThatLeavesTheOutputAlone) {
  ScratchDir dir("merge");
  std::string a = dir.Write("a.journal", ShardJournal({1}, 2));
  std::string v1 = JournalHeader(Hash128{0, 0x77}, kTemplate, 1) + FormatRecord(Record(3), 1);
  std::string b = dir.Write("b.journal", v1);
  std::string out = dir.Write("all.journal", "left as it was\n");
  MergeSummary summary;
  std::string err;
  EXPECT_FALSE(Merge({a, b}, out, &summary, &err));
  EXPECT_NE(err.find("'" + b + "' is of version 1"), std::string::npos) << err;
  EXPECT_EQ(ReadAll(out), "left as it was\n");
  std::vector<std::string> names;
  ASSERT_EQ(ListDirectory(dir.path(), &names), 0);
  EXPECT_EQ(names.size(), 3u) << "no temporary file is left behind";
}

TEST(JournalMergeTest, WhatIsNoJournalIsAnErrorNamingIt) {
  ScratchDir dir("merge");
  std::string a = dir.Write("a.journal", ShardJournal({1}, 2));
  std::string b = dir.Write("b.txt", "Seq\tHost\n1\t:\n");
  MergeSummary summary;
  std::string err;
  EXPECT_FALSE(Merge({a, b}, dir.path() + "/all.journal", &summary, &err));
  EXPECT_NE(err.find(b), std::string::npos) << err;
  EXPECT_FALSE(Merge({a, dir.path() + "/missing"}, dir.path() + "/all.journal", &summary, &err));
  EXPECT_NE(err.find("missing"), std::string::npos) << err;
}

TEST(JournalMergeTest, AJournalOfAnotherCommandIsNamed) {
  ScratchDir dir("merge");
  std::string a = dir.Write("a.journal", ShardJournal({1}, 2));
  std::string b = dir.Write("b.journal", ShardJournal({3}, 4, Hash128{1, 1}));
  MergeSummary summary;
  std::string err;
  ASSERT_TRUE(Merge({a, b}, dir.path() + "/all.journal", &summary, &err)) << err;
  EXPECT_EQ(summary.other_commands, std::vector<std::string>{b});
}

TEST(JournalMergerTest, LinesGoToTheSinkOnceInOrder) {
  std::vector<std::string> written;
  JournalMerger merger([&](std::string_view line) {
    written.emplace_back(line);
    return 0;
  });
  JournalInfo info;
  info.version = kJournalVersion;
  std::string err;
  std::string header = JournalHeader(kTemplateHash, kTemplate);
  header.pop_back();
  std::string record = FormatRecord(Record(1));
  record.pop_back();
  for (const char* name : {"x", "y"}) {
    merger.BeginJournal(name);
    ASSERT_TRUE(merger.AddLine(header, info, &err)) << err;
    ASSERT_TRUE(merger.AddLine(record, info, &err)) << err;
    merger.EndJournal(info);
  }
  EXPECT_EQ(written, (std::vector<std::string>{header, record}));
  EXPECT_EQ(merger.summary().records, 1u);
  EXPECT_EQ(merger.summary().duplicates, 1u);
}

TEST(JournalMergerTest, AFailedWriteIsAnError) {
  JournalMerger merger([](std::string_view) { return ENOSPC; });
  JournalInfo info;
  info.version = kJournalVersion;
  merger.BeginJournal("x");
  std::string err;
  EXPECT_FALSE(merger.AddLine("#coreflow-journal\t2", info, &err));
  EXPECT_NE(err.find("space"), std::string::npos) << err;
}

TEST(ResumeIndexLoadAlsoTest, AnotherJournalsFinishedTasksAreSkipped) {
  ScratchDir dir("merge");
  std::string own = dir.Write("own.journal", ShardJournal({1}, 2));
  std::string other = dir.Write("other.journal", ShardJournal({2, 3}, 4));
  ResumeIndex index;
  JournalInfo info;
  std::string err;
  ASSERT_TRUE(index.LoadAlso(other, &info, &err)) << err;
  ASSERT_TRUE(index.Load(own, &err)) << err;
  EXPECT_EQ(info.records, 2u);
  EXPECT_EQ(index.Decide({9, 1}, false), Decision::kSkip);
  EXPECT_EQ(index.Decide({9, 2}, false), Decision::kSkip) << "finished in the other journal";
  EXPECT_EQ(index.Decide({9, 3}, false), Decision::kSkip);
  EXPECT_EQ(index.Decide({9, 4}, false), Decision::kRunAfterCut);
  EXPECT_TRUE(index.runs().empty());
  EXPECT_FALSE(index.LoadAlso(dir.path() + "/none.journal", &info, &err));
}

}  // namespace
}  // namespace coreflow
