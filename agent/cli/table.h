// Aligned plain-text tables for people (`-o table`): a header row and left-aligned columns
// separated by two spaces, no trailing spaces.
#ifndef SHARC_AGENT_CLI_TABLE_H_
#define SHARC_AGENT_CLI_TABLE_H_

#include <cstdint>
#include <string>
#include <vector>

namespace sharc::cli {

class Table {
 public:
  explicit Table(std::vector<std::string> header);
  // Precondition: row has as many cells as the header.
  void AddRow(std::vector<std::string> row);
  std::string Render() const;

 private:
  // Every cell's text back to back, row by row; a listing of thousands of rows is then a few
  // large buffers, not a string per cell.
  std::string text_;
  std::vector<uint32_t> ends_;  // where each cell ends in text_
  std::vector<size_t> widths_;  // the widest cell of each column, in display width
};

}  // namespace sharc::cli

#endif  // SHARC_AGENT_CLI_TABLE_H_
