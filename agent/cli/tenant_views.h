// How tenants, tokens, grants, usage and reports look to people (`-o table`, and CSV for
// reports). Each renderer takes the server's JSON object as the REST API sends it (see
// scheduler/rest_tenants.cc and protocol/tenant_codec.h) and tolerates missing fields (shown
// as "-"), except the report renderers, whose totals must be exact and so refuse a row they
// cannot read.
#ifndef SHARC_AGENT_CLI_TENANT_VIEWS_H_
#define SHARC_AGENT_CLI_TENANT_VIEWS_H_

#include <string>
#include <string_view>

#include "core/status.h"
#include "protocol/json_fields.h"

namespace sharc::cli {

// `sharc whoami`: "admin (token NAME)" or "tenant acme (viewer)", with a newline.
std::string RenderWhoami(const protocol::Json& me);

// `sharc usage`: jobs, quota per resource ("used / guaranteed / max"), credit and grants.
std::string RenderUsagePage(const protocol::Json& usage);

// `sharc report usage`: a table of the report's "items" plus a TOTAL row whose sums are exact
// (thousandths of an hour, micro-credits). InvalidArgument naming the row if a field is
// missing or malformed.
StatusOr<std::string> RenderReportTable(const protocol::Json& items);
// The same rows as CSV (RFC 4180: CRLF line ends, header row, no TOTAL row).
StatusOr<std::string> RenderReportCsv(const protocol::Json& items);
// One CSV field: quoted, with quotes doubled, when it holds a comma, quote, CR or LF.
std::string CsvField(std::string_view text);

// `sharc admin tenant list`: NAME, DISPLAY, STATE, GUARANTEED, MAX.
std::string RenderTenantTable(const protocol::Json& tenants);
// `sharc admin tenant show` (and after create/update): one tenant and its quota.
std::string RenderTenantDetails(const protocol::Json& tenant);
// `sharc admin token list`: ID, ROLE, NAME, CREATED, REVOKED.
std::string RenderTokenTable(const protocol::Json& tokens);
// `sharc admin grant add`: ID, TENANT, SOURCE, PROGRAM, AMOUNT, VALID FROM, VALID UNTIL;
// `with_balances` (grant list) adds AVAILABLE, RESERVED, SPENT and "(closed)" on VALID UNTIL.
std::string RenderGrantTable(const protocol::Json& grants, bool with_balances);
// `sharc admin ledger verify`: "ledger OK: N entries, M grants" or one mismatch per line.
std::string RenderLedgerVerification(const protocol::Json& result);
// Whether the verification result says every balance agrees.
bool LedgerOk(const protocol::Json& result);

}  // namespace sharc::cli

#endif  // SHARC_AGENT_CLI_TENANT_VIEWS_H_
