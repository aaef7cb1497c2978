#include "agent/cli/table.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>

namespace sharc::cli {
namespace {

TEST(TableTest, AlignsColumnsByDisplayWidthWithoutTrailingSpaces) {
  Table table({"ID", "NAME", "NOTE"});
  table.AddRow({"1", "caf\xC3\xA9", ""});
  table.AddRow({"12", "x", "long note"});
  EXPECT_EQ(table.Render(),
            "ID  NAME  NOTE\n"
            "1   caf\xC3\xA9\n"
            "12  x     long note\n");
}

TEST(TableTest, PrintWritesWhatRenderReturnsInChunks) {
  Table table({"ID", "STATE", "REASON"});
  table.Reserve(10000, 16);
  for (int i = 0; i < 10000; ++i) {  // ~250 KiB of text: more than two of Print's chunks
    table.AddRow({std::to_string(i), i % 3 ? "PENDING" : "RUNNING", i % 7 ? "" : "Priority"});
  }
  std::ostringstream printed;
  table.Print(printed);
  const std::string rendered = table.Render();
  EXPECT_GT(rendered.size(), 2u * (64 << 10));
  EXPECT_EQ(printed.str(), rendered);
  const std::string head =
      "ID    STATE    REASON\n0     RUNNING  Priority\n1     PENDING\n2     PENDING\n";
  EXPECT_EQ(rendered.substr(0, head.size()), head);
}

}  // namespace
}  // namespace sharc::cli
