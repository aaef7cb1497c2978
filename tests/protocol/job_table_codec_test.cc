// The listing table (protocol/job_table_codec.h): a job's line reads back cell for cell as its
// full JSON shape says; awkward text (tabs, newlines, backslashes) survives; columns are found
// by name whatever their order; a line with the wrong cell count is refused, naming it.
#include "protocol/job_table_codec.h"

#include <gtest/gtest.h>

#include "protocol/job_codec.h"

namespace sharc::protocol {
namespace {

Job RunningJob() {
  Job job;
  job.id = JobId{12};
  job.tenant = "acme";
  job.spec.name = "train\tsplit\nline \\ end";
  job.spec.command = {"true"};
  job.spec.cpus = 4;
  job.spec.memory_bytes = int64_t{8} << 30;
  job.spec.num_nodes = 2;
  job.spec.priority_class = "high";
  job.state = JobState::kRunning;
  job.attempt = 1;
  job.reason = "";
  job.message = "started";
  job.allocation = Allocation{{NodeAllocation{"n1", {0, 1, 2, 3}, {}, job.spec.memory_bytes},
                               NodeAllocation{"n2", {0, 1, 2, 3}, {}, job.spec.memory_bytes}}};
  job.submit_time = 1'796'018'620'123;
  job.start_time = 1'796'018'621'000;
  return job;
}

TEST(JobTableCodecTest, ALineReadsBackAsTheFullShapeSaysWhateverTheText) {
  std::string text;
  AppendJobTableHeader(&text);
  JobListingExtras extras;
  extras.expected_start = 1'796'018'700'000;
  extras.expected_nodes = {"n3"};
  AppendJobTableRow(RunningJob(), extras, &text);
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 2) << "a newline escaped badly";
  StatusOr<JobTable> table = JobTable::Parse(text);
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  ASSERT_EQ(table->size(), 1u);
  Json full = EncodeJob(RunningJob());
  full["expected_start"] = {{"time", "2026-11-30T06:05:00.000Z"}, {"nodes", {"n3"}}};
  const JobTable expected = JobTable::FromJson(Json::array({full}));
  for (std::string_view column : kJobTableColumns) {
    EXPECT_EQ(table->Cell(0, column), expected.Cell(0, column)) << column;
  }
  EXPECT_EQ(table->Cell(0, "name"), "train\tsplit\nline \\ end");
  EXPECT_EQ(table->Cell(0, "nodes"), "n1,n2");
  EXPECT_EQ(table->Cell(0, "no such column"), "");
}

TEST(JobTableCodecTest, ColumnsAreFoundByNameAndABrokenLineIsRefused) {
  StatusOr<JobTable> reordered = JobTable::Parse("state\tid\tnew_column\nPENDING\t7\tx\n");
  ASSERT_TRUE(reordered.ok()) << reordered.status().ToString();
  EXPECT_EQ(reordered->Cell(0, "id"), "7");
  EXPECT_EQ(reordered->Cell(0, "state"), "PENDING");
  StatusOr<JobTable> broken = JobTable::Parse("id\tstate\n7\tPENDING\n8\n");
  ASSERT_FALSE(broken.ok());
  EXPECT_NE(broken.status().message().find("line 3"), std::string::npos)
      << broken.status().message();
}

// `sharc jobs` reads page after page; a later page may come from a newer server with its
// columns in another order, one more, one fewer.
TEST(JobTableCodecTest, AppendedPagesReadByTheFirstPagesColumns) {
  StatusOr<JobTable> table = JobTable::Parse("id\tname\tstate\n7\ta\\tb\tPENDING\n");
  StatusOr<JobTable> next = JobTable::Parse("state\tid\tnew\nRUNNING\t9\tx\nPENDING\t10\ty\n");
  ASSERT_TRUE(table.ok() && next.ok());
  table->Append(std::move(next).value());
  ASSERT_EQ(table->size(), 3u);
  const size_t id = table->Column("id"), name = table->Column("name"),
               state = table->Column("state");
  JobTable::Row first = table->ReadRow(0);
  EXPECT_EQ(first[id], "7");
  EXPECT_EQ(first[name], "a\tb");  // unescaped
  EXPECT_EQ(first[state], "PENDING");
  JobTable::Row third = table->ReadRow(2);
  EXPECT_EQ(third[id], "10");
  EXPECT_EQ(third[state], "PENDING");
  EXPECT_EQ(third[name], "");  // that page has no name column
  EXPECT_EQ(third[JobTable::kNoColumn], "");
  EXPECT_EQ(table->Column("new"), JobTable::kNoColumn);  // columns are the first page's
}

}  // namespace
}  // namespace sharc::protocol
