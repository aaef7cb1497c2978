#include "agent/cli/pretty_json.h"

#include "core/utf8.h"

namespace sharc::cli {

using protocol::Json;

void PrettyJsonWriter::NewLine(size_t depth) {
  *out_ += '\n';
  out_->append(2 * depth, ' ');
}

bool PrettyJsonWriter::BeginValue() {
  if (after_key_) {
    after_key_ = false;
    return true;
  }
  if (open_.empty()) {  // the one value at the top
    if (wrote_value_) return false;
    wrote_value_ = true;
    return true;
  }
  if (open_.back().is_object) return false;  // a value in an object needs its key first
  StartEntry();
  return true;
}

void PrettyJsonWriter::StartEntry() {
  if (!open_.back().empty) *out_ += ',';
  open_.back().empty = false;
  NewLine(open_.size());
}

bool PrettyJsonWriter::Open(char bracket) {
  if (!BeginValue()) return false;
  *out_ += bracket;
  open_.push_back({bracket == '{'});
  return true;
}

bool PrettyJsonWriter::Close(char bracket) {
  if (after_key_ || open_.empty() || open_.back().is_object != (bracket == '}')) return false;
  const bool empty = open_.back().empty;
  open_.pop_back();
  if (!empty) NewLine(open_.size());
  *out_ += bracket;
  return true;
}

// As nlohmann's serializer escapes without ensure_ascii: the quote, the backslash and the
// control characters below 0x20; everything else as it is.
void PrettyJsonWriter::AppendQuoted(const std::string& text) {
  if (!IsValidUtf8(text)) {  // the serializer's own replacement of bad bytes, exactly
    *out_ += Json(text).dump(-1, ' ', false, Json::error_handler_t::replace);
    return;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string& out = *out_;
  out += '"';
  size_t plain_from = 0;  // the start of the run of bytes that need no escape
  for (size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(text, plain_from, i - plain_from);
    plain_from = i + 1;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        out += "\\u00";
        out += kHex[c >> 4];
        out += kHex[c & 0xf];
    }
  }
  out.append(text, plain_from, std::string::npos);
  out += '"';
}

bool PrettyJsonWriter::null() {
  if (!BeginValue()) return false;
  *out_ += "null";
  return true;
}

bool PrettyJsonWriter::boolean(bool value) {
  if (!BeginValue()) return false;
  *out_ += value ? "true" : "false";
  return true;
}

bool PrettyJsonWriter::number_integer(number_integer_t value) {
  if (!BeginValue()) return false;
  *out_ += std::to_string(value);
  return true;
}

bool PrettyJsonWriter::number_unsigned(number_unsigned_t value) {
  if (!BeginValue()) return false;
  *out_ += std::to_string(value);
  return true;
}

// The serializer's own digits (shortest round trip, ".0" on whole numbers), not the text read.
bool PrettyJsonWriter::number_float(number_float_t value, const string_t&) {
  if (!BeginValue()) return false;
  *out_ += Json(value).dump();
  return true;
}

bool PrettyJsonWriter::string(string_t& value) {
  if (!BeginValue()) return false;
  AppendQuoted(value);
  return true;
}

bool PrettyJsonWriter::binary(binary_t&) { return false; }  // JSON text has none

bool PrettyJsonWriter::start_object(std::size_t) { return Open('{'); }

bool PrettyJsonWriter::key(string_t& name) {
  if (open_.empty() || !open_.back().is_object || after_key_) return false;
  Container& object = open_.back();
  if (!object.empty && name <= object.last_key) return false;  // a DOM would sort or merge them
  object.last_key = name;
  StartEntry();
  AppendQuoted(name);
  *out_ += ": ";
  after_key_ = true;
  return true;
}

bool PrettyJsonWriter::end_object() { return Close('}'); }

bool PrettyJsonWriter::start_array(std::size_t) { return Open('['); }

bool PrettyJsonWriter::end_array() { return Close(']'); }

bool PrettyJsonWriter::parse_error(std::size_t, const std::string&,
                                   const nlohmann::detail::exception&) {
  return false;
}

}  // namespace sharc::cli
