#include "agent/cli/table.h"

#include <algorithm>
#include <cassert>
#include <string_view>

namespace sharc::cli {
namespace {

// Display width: counts UTF-8 code points, not bytes.
size_t Width(std::string_view s) {
  return static_cast<size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

bool IsC0OrDel(unsigned char c) { return c < 0x20 || c == 0x7f; }

// Whether s[i] begins U+0080..U+009F, the C1 controls (CSI is U+009B), in UTF-8.
bool IsC1At(std::string_view s, size_t i) {
  if (static_cast<unsigned char>(s[i]) != 0xc2 || i + 1 >= s.size()) return false;
  const auto next = static_cast<unsigned char>(s[i + 1]);
  return next >= 0x80 && next < 0xa0;
}

// Whether `s` may hold a character ShownAsText must escape (0xC2 may begin a C1 control;
// ShownAsText copies it when it does not). Without early exits, so that the compiler can
// test many bytes at a time: a listing calls it for every cell.
bool NeedsEscapes(std::string_view s) {
  bool any = false;
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    any |= IsC0OrDel(c) | (c == 0xc2);
  }
  return any;
}

// `s` with its control characters written as escapes (see table.h).
std::string ShownAsText(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(s.size() + 8);
  for (size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else if (IsC0OrDel(c)) {
      out += {'\\', 'x', kHex[c >> 4], kHex[c & 0xf]};
    } else if (IsC1At(s, i)) {
      const auto low = static_cast<unsigned char>(s[++i]);
      out += {'\\', 'u', '0', '0', kHex[low >> 4], kHex[low & 0xf]};
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

}  // namespace

Table::Table(std::vector<std::string> header) : widths_(header.size(), 0) {
  AddRow(std::move(header));
}

void Table::Reserve(size_t rows, size_t bytes_per_row) {
  text_.reserve(text_.size() + rows * bytes_per_row);
  ends_.reserve(ends_.size() + rows * widths_.size());
}

void Table::AddRow(std::vector<std::string> row) {
  assert(row.size() == widths_.size() && "a row has as many cells as the header");
  row.resize(widths_.size());  // without assertions: what the header has no column for is cut
  for (size_t i = 0; i < row.size(); ++i) {
    if (NeedsEscapes(row[i])) row[i] = ShownAsText(row[i]);
    text_ += row[i];
    ends_.push_back(static_cast<uint32_t>(text_.size()));
    widths_[i] = std::max(widths_[i], Width(row[i]));
  }
}

std::string Table::Render() const {
  std::string out;
  RenderChunks(static_cast<size_t>(-1), [&out](std::string& chunk) { out.swap(chunk); });
  return out;
}

void Table::Print(std::ostream& out) const {
  RenderChunks(64 << 10, [&out](std::string& chunk) {
    out.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    chunk.clear();
  });
}

void Table::RenderChunks(size_t flush_at,
                         const std::function<void(std::string& chunk)>& flush) const {
  const size_t columns = widths_.size();
  size_t line_width = 0;
  for (size_t width : widths_) line_width += width + 2;
  std::string out;
  out.reserve(std::min(flush_at, ends_.size() / columns * line_width) + line_width);
  size_t begin = 0;
  for (size_t cell = 0; cell < ends_.size(); ++cell) {
    const std::string_view text(text_.data() + begin, ends_[cell] - begin);
    begin = ends_[cell];
    out += text;
    const size_t column = cell % columns;
    if (column + 1 < columns) {
      out.append(widths_[column] - Width(text) + 2, ' ');
      continue;
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    out += '\n';
    if (out.size() >= flush_at) flush(out);
  }
  flush(out);
}

}  // namespace sharc::cli
