#include "agent/cli/job_list_json.h"

#include <set>

#include "protocol/json_fields.h"

namespace sharc::cli {
namespace {

using protocol::Json;

// The events of one page: those inside "items" go on to the listing's writer, as elements of
// its own items array; "next_after" is kept; anything else in the page is passed over.
class PageReader final : public nlohmann::json_sax<Json> {
 public:
  explicit PageReader(PrettyJsonWriter* items) : items_(*items) {}

  // Whether the page was an object with an items array and a non-negative integer or null
  // next_after.
  bool IsListing() const { return saw_items_ && saw_next_after_; }
  int64_t next_after() const { return next_after_; }

  bool null() override {
    return Scalar([&] { return items_.null(); }, 0);
  }
  bool boolean(bool v) override {
    return Scalar([&] { return items_.boolean(v); });
  }
  bool number_integer(number_integer_t v) override {
    return Scalar([&] { return items_.number_integer(v); }, v);
  }
  bool number_unsigned(number_unsigned_t v) override {
    return Scalar([&] { return items_.number_unsigned(v); },
                  v <= INT64_MAX ? static_cast<int64_t>(v) : -1);
  }
  bool number_float(number_float_t v, const string_t& s) override {
    return Scalar([&] { return items_.number_float(v, s); });
  }
  bool string(string_t& v) override {
    return Scalar([&] { return items_.string(v); });
  }
  bool binary(binary_t&) override { return false; }
  bool start_object(std::size_t n) override {
    if (depth_ == 0) {  // the page itself
      depth_ = 1;
      return true;
    }
    return Open([&] { return items_.start_object(n); }, /*is_items=*/false);
  }
  bool start_array(std::size_t n) override {
    if (depth_ == 0) return false;  // a page is an object
    return Open([&] { return items_.start_array(n); }, /*is_items=*/key_ == "items");
  }
  bool end_object() override {
    return Close([&] { return items_.end_object(); });
  }
  bool end_array() override {
    return Close([&] { return items_.end_array(); });
  }
  bool key(string_t& name) override {
    if (depth_ == 1) {
      if (!page_keys_.insert(name).second) return false;  // given twice
      key_ = name;
      return true;
    }
    return !InItems() || items_.key(name);
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override {
    return false;
  }

 private:
  // Inside one of the items (depth_ counts the page as 1 and its items array as 2).
  bool InItems() const { return in_items_ && depth_ >= 2; }

  // A value: one of the items' own, next_after's (`as_next_after` < 0: not an integer), or
  // another key's, passed over.
  template <typename Forward>
  bool Scalar(Forward forward, int64_t as_next_after = -1) {
    if (InItems()) return forward();
    if (depth_ == 0) return false;  // a page is an object
    if (depth_ > 1 || key_ != "next_after") return true;
    if (as_next_after < 0 || saw_next_after_) return false;
    next_after_ = as_next_after;
    saw_next_after_ = true;
    return true;
  }

  template <typename Forward>
  bool Open(Forward forward, bool is_items) {
    if (++depth_ > static_cast<int>(protocol::kMaxJsonDepth)) return false;  // as ParseJson
    if (depth_ == 2 && is_items) {
      if (saw_items_) return false;
      in_items_ = saw_items_ = true;
      return true;
    }
    return !InItems() || forward();
  }

  template <typename Forward>
  bool Close(Forward forward) {
    --depth_;
    if (in_items_ && depth_ == 1) {
      in_items_ = false;  // the end of the items array
      return true;
    }
    return !InItems() || forward();
  }

  PrettyJsonWriter& items_;
  int depth_ = 0;
  std::string key_;  // the page's key whose value is being read
  std::set<std::string> page_keys_;
  bool in_items_ = false;
  bool saw_items_ = false;
  bool saw_next_after_ = false;
  int64_t next_after_ = 0;
};

}  // namespace

JobListJson::JobListJson() : writer_(&text_) {
  std::string items = "items";
  writer_.start_object(1);
  writer_.key(items);
  writer_.start_array(0);
}

bool JobListJson::Stream(std::string_view page, int64_t* next_after) {
  const PrettyJsonWriter before = writer_;
  const size_t size = text_.size();
  PageReader reader(&writer_);
  if (Json::sax_parse(page, &reader, Json::input_format_t::json, /*strict=*/true) &&
      reader.IsListing()) {
    *next_after = reader.next_after();
    return true;
  }
  writer_ = before;
  text_.resize(size);
  return false;
}

StatusOr<int64_t> JobListJson::AddPage(std::string_view page) {
  int64_t next_after = 0;
  if (page.size() <= protocol::kDefaultMaxJsonBytes && Stream(page, &next_after)) {
    return next_after;
  }
  // Not a listing as the scheduler writes one: the DOM says why (ParseJson's limits and
  // repeated keys included), or gives the page in its own order, which then streams.
  StatusOr<Json> dom = protocol::ParseJson(page);
  if (!dom.ok()) {
    return InternalError("the server sent an unreadable answer: " + dom.status().message());
  }
  if (Stream(protocol::DumpJson(*dom), &next_after)) return next_after;
  return InternalError(
      "the server's answer is not a job listing ({\"items\": [...], \"next_after\": ID | null})");
}

std::string JobListJson::Finish(int64_t next_after) && {
  std::string key = "next_after";
  writer_.end_array();
  writer_.key(key);
  if (next_after > 0) {
    writer_.number_integer(next_after);
  } else {
    writer_.null();
  }
  writer_.end_object();
  text_ += '\n';
  return std::move(text_);
}

}  // namespace sharc::cli
