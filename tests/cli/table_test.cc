#include "agent/cli/table.h"

#include <gtest/gtest.h>

#include <ostream>
#include <sstream>
#include <string>
#include <vector>

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

// A job name or audited request path is someone else's text: it is shown, never obeyed.
TEST(TableTest, ControlCharactersAreShownAsEscapesNotSentToTheTerminal) {
  Table table({"NAME", "NOTE"});
  table.AddRow({"\x1b]0;owned\x07x", "a\nb\tc\rd\x7f"});
  table.AddRow(
      {"\xC2\x9B"
       "2J",
       "caf\xC3\xA9 \xC2\xA0ok \xC2"
       "A"});
  EXPECT_EQ(table.Render(),
            "NAME               NOTE\n"
            "\\x1b]0;owned\\x07x  a\\nb\\tc\\rd\\x7f\n"
            "\\u009b2J           caf\xC3\xA9 \xC2\xA0ok \xC2"
            "A\n");
}

// Keeps what is written to it and how: each write's size.
class RecordingBuffer : public std::stringbuf {
 public:
  std::vector<std::streamsize> writes;

 protected:
  std::streamsize xsputn(const char* text, std::streamsize size) override {
    writes.push_back(size);
    return std::stringbuf::xsputn(text, size);
  }
};

TEST(TableTest, PrintWritesWhatRenderReturnsInChunks) {
  Table table({"ID", "STATE", "REASON"});
  table.Reserve(10000, 16);
  for (int i = 0; i < 10000; ++i) {  // ~250 KiB of text: more than two of Print's chunks
    table.AddRow({std::to_string(i), i % 3 ? "PENDING" : "RUNNING", i % 7 ? "" : "Priority"});
  }
  RecordingBuffer buffer;
  std::ostream printed(&buffer);
  table.Print(printed);
  const std::string rendered = table.Render();
  EXPECT_GT(rendered.size(), 2u * (64 << 10));
  EXPECT_EQ(buffer.str(), rendered);
  // Whole rows of about 64 KiB each, never the whole text at once.
  ASSERT_GE(buffer.writes.size(), 3u);
  for (std::streamsize size : buffer.writes) EXPECT_LE(size, (64 << 10) + 64);
  const std::string head =
      "ID    STATE    REASON\n0     RUNNING  Priority\n1     PENDING\n2     PENDING\n";
  EXPECT_EQ(rendered.substr(0, head.size()), head);
}

}  // namespace
}  // namespace sharc::cli
