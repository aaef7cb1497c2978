// What the writer stores for each mutation, and the checks that keep Load able to read it back.
//
// Load decodes every record with the strict codecs, so a record they would refuse must never be
// written: the batch holding it fails alone, with InvalidArgument naming the object. How that is
// checked depends on how often the mutation is written:
//   - jobs (every submit, start and end): core's ValidateJob, the same rules the job record
//     decoder (store/job_record_codec.h) applies to what it reads, not a second decode.
//   - grants (every credit reservation) and ledger entries: cheap structural checks that mirror
//     the decoder's rules (ids positive, tenant names valid, amounts positive, times in range),
//     not a second decode. Their records come from the scheduler's own validated state.
//   - nodes, tenants and tokens (registrations and administration: rare): the encoded record is
//     decoded once more.
// Every record is also at most protocol::kDefaultMaxJsonBytes, the most Load parses.
//
// Thread-safe (pure functions).
#ifndef SHARC_STORE_STORED_RECORDS_H_
#define SHARC_STORE_STORED_RECORDS_H_

#include <string>

#include "core/status.h"
#include "store/store.h"

namespace sharc::store {

// The `record` column for `mutation`: the JSON text of a job, node, tenant, token or grant; ""
// for ReserveJobIds and AppendLedger, which have none. InvalidArgument, naming the object
// ("job 7: cpus: must be between 1 and 65536"), if Load could not read it back.
StatusOr<std::string> EncodeStoredRecord(const Mutation& mutation);

// "job 7", "node 'gpu1'", "tenant 'acme'", "token 3f2a9c0b1d2e", "grant 4",
// "ledger entry (grant 4, job 12 attempt 1, reserve)", "next_job_id": for error messages.
std::string DescribeMutation(const Mutation& mutation);

}  // namespace sharc::store

#endif  // SHARC_STORE_STORED_RECORDS_H_
