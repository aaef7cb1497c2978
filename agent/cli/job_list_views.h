// How `sharc jobs` looks: the job listing (protocol::JobTable, what GET /v1/jobs?view=table
// answers) as a table for people.
#ifndef SHARC_AGENT_CLI_JOB_LIST_VIEWS_H_
#define SHARC_AGENT_CLI_JOB_LIST_VIEWS_H_

#include "agent/cli/table.h"
#include "core/clock.h"
#include "protocol/job_table_codec.h"

namespace sharc::cli {

// `sharc jobs`. An array job's tasks that have not started fold into one line, "12_[40-999]"
// (PENDING), like squeue; started tasks list as "12_3"; an array whose tasks have all started
// is not listed itself (each task is).
// Tables, not text: a listing of thousands of jobs is printed a chunk at a time (Table::Print).
Table JobListTable(const protocol::JobTable& jobs, UnixMillis now);
// `sharc jobs --start`: pending jobs with their expected start time and nodes ("N/A" without a
// reservation), like squeue --start.
Table StartListTable(const protocol::JobTable& jobs);

}  // namespace sharc::cli

#endif  // SHARC_AGENT_CLI_JOB_LIST_VIEWS_H_
