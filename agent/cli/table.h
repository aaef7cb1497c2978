// Aligned plain-text tables for people (`-o table`): a header row and left-aligned columns
// separated by two spaces, no trailing spaces.
#ifndef SHARC_AGENT_CLI_TABLE_H_
#define SHARC_AGENT_CLI_TABLE_H_

#include <string>
#include <vector>

namespace sharc::cli {

class Table {
 public:
  explicit Table(std::vector<std::string> header) : rows_{std::move(header)} {}
  // Precondition: row has as many cells as the header.
  void AddRow(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  std::string Render() const;

 private:
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace sharc::cli

#endif  // SHARC_AGENT_CLI_TABLE_H_
