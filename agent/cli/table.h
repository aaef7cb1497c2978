// Aligned plain-text tables for people (`-o table`): a header row and left-aligned columns
// separated by two spaces, no trailing spaces. Cells are shown as text: control characters
// (C0, DEL and C1) are written as escapes ("\n", "\x1b", "\u009b"), so a name, label or
// request path chosen by someone else cannot move the cursor, recolour or retitle the terminal
// of whoever lists it, nor break the table's lines.
#ifndef SHARC_AGENT_CLI_TABLE_H_
#define SHARC_AGENT_CLI_TABLE_H_

#include <cstdint>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

namespace sharc::cli {

class Table {
 public:
  explicit Table(std::vector<std::string> header);
  // Room for `rows` more rows of about `bytes_per_row` bytes of text: a long listing then
  // fills its buffers once instead of copying them as they grow (fresh pages are costly).
  void Reserve(size_t rows, size_t bytes_per_row);
  // Precondition: row has as many cells as the header.
  void AddRow(std::vector<std::string> row);
  std::string Render() const;
  // Writes what Render() returns in chunks of whole rows of about 64 KiB: a listing of
  // thousands of rows is not held a second time as one string.
  void Print(std::ostream& out) const;

 private:
  // Renders row by row into a chunk, handing it to `flush` whenever it holds flush_at bytes or
  // more, and at the end.
  void RenderChunks(size_t flush_at, const std::function<void(std::string& chunk)>& flush) const;

  // Every cell's text back to back, row by row; a listing of thousands of rows is then a few
  // large buffers, not a string per cell.
  std::string text_;
  std::vector<uint32_t> ends_;  // where each cell ends in text_
  std::vector<size_t> widths_;  // the widest cell of each column, in display width
};

}  // namespace sharc::cli

#endif  // SHARC_AGENT_CLI_TABLE_H_
