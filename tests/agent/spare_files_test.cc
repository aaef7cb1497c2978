// The journal's reuse of record files (spare_files.h): real files, inode numbers compared.
#include "agent/spare_files.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <set>
#include <string>

#include "agent/attempt_journal.h"
#include "tests/testing/temp_dir.h"

namespace sharc::agent {
namespace {

using testing::ReadTextFile;
using testing::TempDir;
using testing::WriteTextFile;

ino_t InodeOf(const std::string& path) {
  struct stat st = {};
  return ::stat(path.c_str(), &st) == 0 ? st.st_ino : 0;
}

JournalRecord Record(int64_t job, const std::string& message) {
  JournalRecord record;
  record.launch.attempt = {JobId{job}, 1};
  record.launch.tenant = "acme";
  record.launch.spec.name = "noop";
  record.launch.spec.memory_bytes = 1 << 20;
  record.launch.spec.time_limit_seconds = 60;
  record.launch.spec.command = {"true"};
  record.launch.allocation = {{NodeAllocation{"n0", {0}, {}, 1 << 20, false}}};
  record.report.attempt = record.launch.attempt;
  record.report.message = message;
  return record;
}

// Start record, end record, removal: what the agent does per job.
void RunOneJob(const AttemptJournal& journal, int64_t job, std::set<ino_t>* inodes) {
  const std::string path = journal.dir() + "/" + std::to_string(job) + ".1.json";
  ASSERT_TRUE(journal.Save(Record(job, "started")).ok());
  inodes->insert(InodeOf(path));
  ASSERT_TRUE(journal.Save(Record(job, "ended")).ok());
  inodes->insert(InodeOf(path));
  ASSERT_TRUE(journal.Remove({JobId{job}, 1}).ok());
  EXPECT_FALSE(::access(path.c_str(), F_OK) == 0);
}

TEST(AttemptJournalSpareFilesTest, JobsAfterTheFirstReuseItsInodes) {
  TempDir dir;
  StatusOr<AttemptJournal> journal = AttemptJournal::Open(dir.File("journal"));
  ASSERT_TRUE(journal.ok()) << journal.status().ToString();
  std::set<ino_t> first, later;
  RunOneJob(*journal, 1, &first);
  for (int64_t job = 2; job < 10; ++job) RunOneJob(*journal, job, &later);
  for (ino_t inode : later) EXPECT_TRUE(first.contains(inode)) << inode << " is new";
}

TEST(AttemptJournalSpareFilesTest, AReusedFileHoldsExactlyTheNewRecord) {
  TempDir dir;
  StatusOr<AttemptJournal> journal = AttemptJournal::Open(dir.File("journal"));
  ASSERT_TRUE(journal.ok()) << journal.status().ToString();
  ASSERT_TRUE(journal->Save(Record(1, std::string(4000, 'x'))).ok());
  ASSERT_TRUE(journal->Save(Record(1, "short")).ok());  // into a fresh file
  ASSERT_TRUE(journal->Save(Record(2, "b")).ok());      // into the long record's old file
  ASSERT_TRUE(journal->Remove({JobId{1}, 1}).ok());
  ASSERT_TRUE(journal->Save(Record(3, "c")).ok());
  StatusOr<std::vector<JournalRecord>> loaded = journal->LoadAll();
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  ASSERT_EQ(loaded->size(), 2u);  // the spares are not records
  EXPECT_EQ((*loaded)[0].report.message, "b");
  EXPECT_EQ((*loaded)[1].report.message, "c");
}

// An agent that stopped between keeping a record's file as a spare (a hard link) and the
// rename that should have followed: the spare shares the live record's inode and must never
// be written into.
TEST(AttemptJournalSpareFilesTest, ASpareThatIsStillARecordIsDiscardedAtOpen) {
  TempDir dir;
  {
    StatusOr<AttemptJournal> journal = AttemptJournal::Open(dir.File("journal"));
    ASSERT_TRUE(journal.ok()) << journal.status().ToString();
    ASSERT_TRUE(journal->Save(Record(1, "live")).ok());
  }
  const std::string live = dir.File("journal/1.1.json");
  ASSERT_EQ(::link(live.c_str(), dir.File("journal/spare/7").c_str()), 0);
  WriteTextFile(dir.File("journal/spare/8"), "stale");
  StatusOr<AttemptJournal> journal = AttemptJournal::Open(dir.File("journal"));
  ASSERT_TRUE(journal.ok()) << journal.status().ToString();
  EXPECT_FALSE(::access(dir.File("journal/spare/7").c_str(), F_OK) == 0);
  for (int64_t job = 2; job < 6; ++job) ASSERT_TRUE(journal->Save(Record(job, "new")).ok());
  StatusOr<std::vector<JournalRecord>> loaded = journal->LoadAll();
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  ASSERT_EQ(loaded->size(), 5u);
  EXPECT_EQ((*loaded)[0].report.message, "live");
}

TEST(SpareFilesTest, KeepsAtMostItsLimit) {
  TempDir dir;
  StatusOr<SpareFiles> spares = SpareFiles::Open(dir.File("spare"), 2);
  ASSERT_TRUE(spares.ok()) << spares.status().ToString();
  for (const char* name : {"a", "b", "c"}) WriteTextFile(dir.File(name), name);
  EXPECT_TRUE(spares->Take(dir.File("a")));
  EXPECT_TRUE(spares->Take(dir.File("b")));
  EXPECT_FALSE(spares->Take(dir.File("c")));
  EXPECT_EQ(ReadTextFile(dir.File("c")), "c");  // left alone
  EXPECT_EQ(spares->LinkFrom(dir.File("c")), "");
  EXPECT_EQ(spares->size(), 2u);
  EXPECT_TRUE(spares->MoveTo(dir.File("d")));
  EXPECT_TRUE(spares->MoveTo(dir.File("e")));
  EXPECT_FALSE(spares->MoveTo(dir.File("f")));
  EXPECT_EQ(ReadTextFile(dir.File("d")) + ReadTextFile(dir.File("e")), "ba");
}

}  // namespace
}  // namespace sharc::agent
