#include "protocol/job_table_codec.h"

#include <algorithm>

#include "core/job_array.h"

namespace sharc::protocol {
namespace {

void AppendCell(std::string_view text, std::string* out) {
  for (char c : text) {
    switch (c) {
      case '\\':
        out->append("\\\\");
        break;
      case '\t':
        out->append("\\t");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      default:
        out->push_back(c);
    }
  }
}

// Writes the cells of one line, tab-separated.
class LineWriter {
 public:
  explicit LineWriter(std::string* out) : out_(out) {}
  ~LineWriter() { out_->push_back('\n'); }
  void Text(std::string_view text) {
    Next();
    AppendCell(text, out_);
  }
  void Int(int64_t value) {
    Next();
    out_->append(std::to_string(value));
  }
  void Empty() { Next(); }
  void IntOrEmpty(const std::optional<int32_t>& value) { value ? Int(*value) : Empty(); }
  void Time(UnixMillis t) { t == 0 ? Empty() : Text(FormatRfc3339(t)); }
  void List(const std::vector<std::string>& items) {
    Next();
    for (size_t i = 0; i < items.size(); ++i) {
      if (i) out_->push_back(',');
      AppendCell(items[i], out_);
    }
  }

 private:
  void Next() {
    if (!first_) out_->push_back('\t');
    first_ = false;
  }
  std::string* out_;
  bool first_ = true;
};

std::string Unescape(std::string_view cell) {
  std::string out;
  out.reserve(cell.size());
  for (size_t i = 0; i < cell.size(); ++i) {
    if (cell[i] != '\\' || i + 1 == cell.size()) {
      out.push_back(cell[i]);
      continue;
    }
    char c = cell[++i];
    out.push_back(c == 't' ? '\t' : c == 'n' ? '\n' : c == 'r' ? '\r' : c);
  }
  return out;
}

// The `cells` cells of `line`, each unescaped if it holds an escape: the unescaped text goes
// to *unescaped (reserved for `cells` strings by the caller, so views into it stay valid), or,
// without it, the cell is returned as written.
std::vector<std::string_view> SplitLine(std::string_view line, size_t cells,
                                        std::vector<std::string>* unescaped) {
  std::vector<std::string_view> out;
  out.reserve(cells);
  for (size_t from = 0;;) {
    size_t tab = line.find('\t', from);
    std::string_view cell = line.substr(from, tab - from);
    if (unescaped && cell.find('\\') != std::string_view::npos) {
      cell = unescaped->emplace_back(Unescape(cell));
    }
    out.push_back(cell);
    if (tab == std::string_view::npos) return out;
    from = tab + 1;
  }
}

// A JSON value as a cell.
std::string CellOf(const Json& value) {
  if (value.is_null()) return "";
  if (value.is_string()) return value.get<std::string>();
  if (value.is_array()) {
    std::string out;
    for (const Json& item : value) out += (out.empty() ? "" : ",") + CellOf(item);
    return out;
  }
  if (value.is_object()) {  // array_tasks
    std::string out;
    for (auto it = value.begin(); it != value.end(); ++it) {
      out += (out.empty() ? "" : ",") + it.key() + "=" + CellOf(it.value());
    }
    return out;
  }
  return value.dump();
}

}  // namespace

void AppendJobTableHeader(std::string* out) {
  LineWriter line(out);
  for (std::string_view column : kJobTableColumns) line.Text(column);
}

void AppendJobTableRow(const Job& job, const JobListingExtras& extras, std::string* out) {
  LineWriter w(out);  // in the order of kJobTableColumns
  w.Int(job.id.value);
  w.Text(job.spec.name);
  w.Text(job.tenant);
  w.Text(JobStateName(job.state));
  w.Text(job.reason);
  w.Text(job.message);
  w.Text(job.spec.priority_class);
  w.Int(job.spec.cpus);
  w.Int(job.spec.memory_bytes);
  w.Int(job.spec.gpus);
  w.Int(job.spec.num_nodes);
  w.List(job.allocation ? job.allocation->NodeNames() : std::vector<std::string>());
  w.IntOrEmpty(job.exit_code);
  w.IntOrEmpty(job.exit_signal);
  w.Time(job.submit_time);
  w.Time(job.start_time);
  w.Time(job.end_time);
  w.Text(job.cancel_requested ? "true" : "false");
  w.Text(job.spec.array);
  job.is_array_task() ? w.Int(job.array_job.value) : w.Empty();
  job.is_array_task() ? w.Int(job.array_task) : w.Empty();
  w.Text(FormatTaskIndices(job.array_unstarted));
  std::vector<std::string> counts;
  if (extras.array_tasks) {
    for (const auto& [state, n] : *extras.array_tasks) {
      counts.push_back(std::string(JobStateName(state)) + "=" + std::to_string(n));
    }
  }
  w.List(counts);
  extras.expected_start ? w.Time(*extras.expected_start) : w.Empty();
  w.List(extras.expected_nodes);
}

StatusOr<JobTable> JobTable::Parse(std::string text) {
  JobTable table;
  Page page;
  page.text = std::make_unique<const std::string>(std::move(text));
  const std::string_view all = *page.text;
  size_t line_number = 0;
  table.rows_.reserve(static_cast<size_t>(std::count(all.begin(), all.end(), '\n')));
  for (size_t start = 0; start < all.size();) {
    size_t end = all.find('\n', start);
    if (end == std::string_view::npos) end = all.size();
    const std::string_view line = all.substr(start, end - start);
    start = end + 1;
    ++line_number;
    const size_t cells = static_cast<size_t>(std::count(line.begin(), line.end(), '\t')) + 1;
    if (line_number == 1) {
      for (std::string_view column : SplitLine(line, cells, nullptr)) {
        table.columns_.emplace_back(column);
      }
      page.cells_per_line = cells;
      continue;
    }
    if (cells != page.cells_per_line) {
      return InvalidArgumentError("job table: line " + std::to_string(line_number) + " has " +
                                  std::to_string(cells) + " cells, the header " +
                                  std::to_string(page.cells_per_line));
    }
    table.rows_.push_back({line, 0});
  }
  for (size_t i = 0; i < table.columns_.size(); ++i) page.cell_of_column.push_back(i);
  table.pages_.push_back(std::move(page));
  return table;
}

JobTable JobTable::FromJson(const Json& jobs) {
  std::string text;
  AppendJobTableHeader(&text);
  for (const Json& job : jobs) {
    const Json start = job.value("expected_start", Json());
    LineWriter line(&text);
    for (std::string_view column : kJobTableColumns) {
      if (column == "expected_start" || column == "expected_nodes") {
        const char* key = column == "expected_start" ? "time" : "nodes";
        line.Text(start.is_object() ? CellOf(start.value(key, Json())) : "");
      } else {
        line.Text(CellOf(job.value(std::string(column), Json())));
      }
    }
  }
  return *Parse(std::move(text));
}

size_t JobTable::Column(std::string_view name) const {
  for (size_t i = 0; i < columns_.size(); ++i) {
    if (columns_[i] == name) return i;
  }
  return kNoColumn;
}

JobTable::Row JobTable::ReadRow(size_t row) const {
  const LineRef& ref = rows_[row];
  const Page& page = pages_[ref.page];
  Row out;
  // Only a line with an escape needs strings of its own (reserved: views into them must hold).
  if (ref.line.find('\\') != std::string_view::npos) out.unescaped_.reserve(page.cells_per_line);
  std::vector<std::string_view> cells = SplitLine(ref.line, page.cells_per_line, &out.unescaped_);
  out.cells_.reserve(columns_.size());
  for (size_t cell : page.cell_of_column) {
    out.cells_.push_back(cell == kNoColumn ? std::string_view() : cells[cell]);
  }
  return out;
}

void JobTable::Append(JobTable other) {
  if (columns_.empty()) {
    *this = std::move(other);
    return;
  }
  for (Page& page : other.pages_) {
    std::vector<size_t> cell_of_column;
    for (const std::string& column : columns_) {
      size_t theirs = other.Column(column);
      cell_of_column.push_back(theirs == kNoColumn ? kNoColumn : page.cell_of_column[theirs]);
    }
    page.cell_of_column = std::move(cell_of_column);
  }
  const size_t first_page = pages_.size();
  for (Page& page : other.pages_) pages_.push_back(std::move(page));
  rows_.reserve(rows_.size() + other.rows_.size());
  for (const LineRef& ref : other.rows_) rows_.push_back({ref.line, first_page + ref.page});
}

}  // namespace sharc::protocol
