// JSON printed as `sharc -o json` prints it (PrintJson: nlohmann's dump with an indent of 2),
// straight from a parser's events, without building a DOM: for answers of thousands of jobs.
// PrettyJsonWriter takes the events of nlohmann's SAX parser (Json::sax_parse) or a caller's
// own, and the text it appends is, byte for byte, what dump(2) of the parsed value would be.
// That holds for objects whose keys come in order and once each, as the scheduler (whose
// objects are sorted maps) writes them. The writer stops (its event returns false, and what it
// appended is not JSON) on a key out of order or repeated, where a DOM would have sorted or
// merged them, and on events no JSON text gives: a value in an object without its key, a key
// without its value, a bracket that closes what is not open, a second value at the top.
#ifndef SHARC_AGENT_CLI_PRETTY_JSON_H_
#define SHARC_AGENT_CLI_PRETTY_JSON_H_

#include <cstddef>
#include <string>
#include <vector>

#include "protocol/json_fields.h"

namespace sharc::cli {

class PrettyJsonWriter final : public nlohmann::json_sax<protocol::Json> {
 public:
  // Appends to *out, which must outlive the writer. A copy of the writer is a saved state: to
  // take back what followed, assign it back and cut *out to its size then.
  explicit PrettyJsonWriter(std::string* out) : out_(out) {}

  // Whether one whole value has been written (every container it opened is closed).
  bool complete() const { return wrote_value_ && open_.empty(); }

  bool null() override;
  bool boolean(bool value) override;
  bool number_integer(number_integer_t value) override;
  bool number_unsigned(number_unsigned_t value) override;
  bool number_float(number_float_t value, const string_t& text) override;
  bool string(string_t& value) override;
  bool binary(binary_t& value) override;
  bool start_object(std::size_t elements) override;
  bool key(string_t& name) override;
  bool end_object() override;
  bool start_array(std::size_t elements) override;
  bool end_array() override;
  bool parse_error(std::size_t position, const std::string& last_token,
                   const nlohmann::detail::exception& error) override;

 private:
  // Starts a value: after a key it follows "key": ; in an array it goes on a line of its own.
  // False where no value may start.
  bool BeginValue();
  // An array's element or an object's key: after a comma unless it is the first, on a line of
  // its own.
  void StartEntry();
  bool Open(char bracket);
  bool Close(char bracket);
  void NewLine(size_t depth);
  void AppendQuoted(const std::string& text);

  struct Container {
    bool is_object;
    bool empty = true;
    std::string last_key;  // an object's
  };
  std::string* out_;
  std::vector<Container> open_;
  bool after_key_ = false;
  bool wrote_value_ = false;
};

}  // namespace sharc::cli

#endif  // SHARC_AGENT_CLI_PRETTY_JSON_H_
