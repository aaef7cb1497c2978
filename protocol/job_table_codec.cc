#include "protocol/job_table_codec.h"

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

std::vector<std::string> SplitLine(std::string_view line) {
  std::vector<std::string> cells;
  size_t start = 0;
  for (;;) {
    size_t tab = line.find('\t', start);
    std::string_view cell = line.substr(start, tab - start);
    cells.push_back(cell.find('\\') == std::string_view::npos ? std::string(cell) : Unescape(cell));
    if (tab == std::string_view::npos) return cells;
    start = tab + 1;
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

StatusOr<JobTable> JobTable::Parse(std::string_view text) {
  JobTable table;
  size_t line_number = 0;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::vector<std::string> cells = SplitLine(text.substr(start, end - start));
    start = end + 1;
    if (++line_number == 1) {
      table.SetColumns(std::move(cells));
      continue;
    }
    if (cells.size() != table.columns_.size()) {
      return InvalidArgumentError("job table: line " + std::to_string(line_number) + " has " +
                                  std::to_string(cells.size()) + " cells, the header " +
                                  std::to_string(table.columns_.size()));
    }
    table.rows_.push_back(std::move(cells));
  }
  return table;
}

JobTable JobTable::FromJson(const Json& jobs) {
  JobTable table;
  table.SetColumns(
      std::vector<std::string>(std::begin(kJobTableColumns), std::end(kJobTableColumns)));
  for (const Json& job : jobs) {
    std::vector<std::string> row;
    const Json start = job.value("expected_start", Json());
    for (const std::string& column : table.columns_) {
      if (column == "expected_start" || column == "expected_nodes") {
        const char* key = column == "expected_start" ? "time" : "nodes";
        row.push_back(start.is_object() ? CellOf(start.value(key, Json())) : "");
      } else {
        row.push_back(CellOf(job.value(column, Json())));
      }
    }
    table.rows_.push_back(std::move(row));
  }
  return table;
}

std::string_view JobTable::Cell(size_t row, std::string_view column) const {
  auto it = index_.find(column);
  return it == index_.end() ? std::string_view() : std::string_view(rows_[row][it->second]);
}

void JobTable::Append(const JobTable& other) {
  if (columns_.empty()) SetColumns(other.columns_);
  for (size_t r = 0; r < other.size(); ++r) {
    std::vector<std::string> row;
    for (const std::string& column : columns_) row.emplace_back(other.Cell(r, column));
    rows_.push_back(std::move(row));
  }
}

void JobTable::SetColumns(std::vector<std::string> columns) {
  columns_ = std::move(columns);
  index_.clear();
  for (size_t i = 0; i < columns_.size(); ++i) index_.emplace(columns_[i], i);
}

}  // namespace sharc::protocol
