#include "agent/cli/job_list_json.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sharc::cli {
namespace {

using protocol::Json;

// What PrintJson prints for `value`.
std::string Printed(const Json& value) {
  return value.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

// A page as the scheduler writes it: items, then next_after.
std::string Page(const Json& items, const Json& next_after) {
  return protocol::DumpJson(Json{{"items", items}, {"next_after", next_after}});
}

TEST(JobListJsonTest, PagesPrintAsOneListingEachPageGivingItsNextAfter) {
  const Json first = Json::array({{{"id", 1}, {"command", {"true"}}, {"env", Json::object()}},
                                  {{"id", 2}, {"labels", {{"team", "a\"b"}}}}});
  const Json second = Json::array({{{"id", 3}, {"message", "line\nnext"}}});
  JobListJson list;
  ASSERT_EQ(list.AddPage(Page(first, 2)).value(), 2);
  ASSERT_EQ(list.AddPage(Page(second, nullptr)).value(), 0);
  Json all = first;
  all.push_back(second[0]);
  EXPECT_EQ(std::move(list).Finish(9), Printed(Json{{"items", all}, {"next_after", 9}}));
}

TEST(JobListJsonTest, NoItemsAndNoNextPagePrintAsAnEmptyListing) {
  JobListJson list;
  ASSERT_EQ(list.AddPage(Page(Json::array(), nullptr)).value(), 0);
  EXPECT_EQ(std::move(list).Finish(0), "{\n  \"items\": [],\n  \"next_after\": null\n}\n");
}

TEST(JobListJsonTest, APageInAnotherKeyOrderIsPrintedSorted) {
  JobListJson list;
  ASSERT_EQ(list.AddPage(R"({"next_after":null,"items":[{"state":"PENDING","id":4}]})").value(), 0);
  EXPECT_EQ(std::move(list).Finish(0),
            Printed(Json{{"items", {{{"id", 4}, {"state", "PENDING"}}}}, {"next_after", nullptr}}));
}

// A page whose one item is nested `depth` levels deep, the page counting as one.
std::string Nested(int depth) {
  return R"({"items":[)" + std::string(depth - 2, '[') + std::string(depth - 2, ']') +
         R"(],"next_after":null})";
}

TEST(JobListJsonTest, AnItemAsDeepAsParseJsonAllowsIsPrinted) {
  JobListJson list;
  ASSERT_EQ(list.AddPage(Nested(32)).value(), 0);
  EXPECT_EQ(std::move(list).Finish(0), Printed(Json::parse(Nested(32))));
}

TEST(JobListJsonTest, OtherKeysOfAPageArePassedOver) {
  JobListJson list;
  ASSERT_EQ(list.AddPage(R"({"items":[{"id":3}],"meta":{"total":1,"more":[1,{"a":[]}]},)"
                         R"("next_after":12,"warnings":["x"]})")
                .value(),
            12);
  EXPECT_EQ(std::move(list).Finish(0),
            Printed(Json{{"items", {{{"id", 3}}}}, {"next_after", nullptr}}));
}

TEST(JobListJsonTest, APageThatIsNotAListingIsRefusedAndAddsNothing) {
  const Json good = Json::array({{{"id", 1}}});
  struct Case {
    std::string page;
    std::string error;
  };
  for (const Case& c : std::vector<Case>{
           {R"({"items":[{"id":5},)", "the server sent an unreadable answer: not valid JSON"},
           {R"({"items":[{"id":5,"id":6}],"next_after":null})",
            "the server sent an unreadable answer: items.id: appears twice"},
           {R"([{"id":5}])", "the server's answer is not a job listing"},
           {R"({"items":{"id":5},"next_after":null})", "not a job listing"},
           {R"({"items":[{"id":5}]})", "not a job listing"},
           {R"({"items":[{"id":5}],"next_after":-3})", "not a job listing"},
           {R"({"items":[{"id":5}],"next_after":"7"})", "not a job listing"},
           {R"({"items":[{"id":5}],"x":1,"x":2,"next_after":null})", "x: appears twice"},
           {R"({"items":[{"id":5}],"next_after":null,"next_after":7})",
            "next_after: appears twice"},
           {Nested(33), "nested deeper than 32 levels"},
           {std::string(protocol::kDefaultMaxJsonBytes + 1, ' ') + Nested(2),
            "larger than 16777216 bytes"},
       }) {
    SCOPED_TRACE(c.page);
    JobListJson list;
    ASSERT_TRUE(list.AddPage(Page(good, 1)).ok());
    StatusOr<int64_t> refused = list.AddPage(c.page);
    ASSERT_FALSE(refused.ok());
    EXPECT_NE(refused.status().message().find(c.error), std::string::npos)
        << refused.status().message();
    EXPECT_EQ(std::move(list).Finish(0), Printed(Json{{"items", good}, {"next_after", nullptr}}));
  }
}

}  // namespace
}  // namespace sharc::cli
