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
  const std::string_view all = table.Keep(std::move(text));
  size_t line_number = 0;
  size_t cells_before = 0;
  const size_t lines = static_cast<size_t>(std::count(all.begin(), all.end(), '\n'));
  table.cells_.reserve(lines * std::size(kJobTableColumns));
  for (size_t start = 0; start < all.size();) {
    size_t end = all.find('\n', start);
    if (end == std::string_view::npos) end = all.size();
    const std::string_view line = all.substr(start, end - start);
    start = end + 1;
    ++line_number;
    for (size_t from = 0;;) {
      size_t tab = line.find('\t', from);
      std::string_view cell = line.substr(from, tab - from);
      if (cell.find('\\') != std::string_view::npos) cell = table.Keep(Unescape(cell));
      if (line_number == 1) {
        table.columns_.emplace_back(cell);
      } else {
        table.cells_.push_back(cell);
      }
      if (tab == std::string_view::npos) break;
      from = tab + 1;
    }
    if (line_number > 1 && table.cells_.size() - cells_before != table.columns_.size()) {
      return InvalidArgumentError("job table: line " + std::to_string(line_number) + " has " +
                                  std::to_string(table.cells_.size() - cells_before) +
                                  " cells, the header " + std::to_string(table.columns_.size()));
    }
    cells_before = table.cells_.size();
  }
  return table;
}

JobTable JobTable::FromJson(const Json& jobs) {
  JobTable table;
  table.columns_.assign(std::begin(kJobTableColumns), std::end(kJobTableColumns));
  for (const Json& job : jobs) {
    const Json start = job.value("expected_start", Json());
    for (const std::string& column : table.columns_) {
      std::string cell;
      if (column == "expected_start" || column == "expected_nodes") {
        const char* key = column == "expected_start" ? "time" : "nodes";
        if (start.is_object()) cell = CellOf(start.value(key, Json()));
      } else {
        cell = CellOf(job.value(column, Json()));
      }
      table.cells_.push_back(table.Keep(std::move(cell)));
    }
  }
  return table;
}

size_t JobTable::Column(std::string_view name) const {
  for (size_t i = 0; i < columns_.size(); ++i) {
    if (columns_[i] == name) return i;
  }
  return kNoColumn;
}

void JobTable::Append(JobTable other) {
  if (columns_.empty()) {
    *this = std::move(other);
    return;
  }
  if (columns_ == other.columns_) {
    for (auto& text : other.text_) text_.push_back(std::move(text));
    cells_.insert(cells_.end(), other.cells_.begin(), other.cells_.end());
    return;
  }
  std::vector<size_t> from;
  for (const std::string& column : columns_) from.push_back(other.Column(column));
  for (size_t row = 0; row < other.size(); ++row) {
    for (size_t column : from) cells_.push_back(other.Cell(row, column));
  }
  for (auto& text : other.text_) text_.push_back(std::move(text));
}

}  // namespace sharc::protocol
