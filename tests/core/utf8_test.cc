#include "core/utf8.h"

#include <gtest/gtest.h>

#include "core/resources.h"

namespace sharc {
namespace {

TEST(Utf8Test, AcceptsValidTextOfEveryLength) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("H100"));
  EXPECT_TRUE(IsValidUtf8("\xC3\xA9"));          // é
  EXPECT_TRUE(IsValidUtf8("\xE2\x82\xAC"));      // €
  EXPECT_TRUE(IsValidUtf8("\xF0\x9F\x9A\x80"));  // U+1F680
  EXPECT_TRUE(IsValidUtf8("\xF4\x8F\xBF\xBF"));  // U+10FFFF, the last code point
  EXPECT_TRUE(IsValidUtf8(std::string_view("a\0b", 3)));
}

TEST(Utf8Test, RefusesEachKindOfInvalidSequence) {
  EXPECT_FALSE(IsValidUtf8("\x80"));              // a stray continuation byte
  EXPECT_FALSE(IsValidUtf8("\xC3"));              // truncated
  EXPECT_FALSE(IsValidUtf8("\xE2\x82"));          // truncated
  EXPECT_FALSE(IsValidUtf8("\xC3(x"));            // no continuation
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xE0\x80\xAF"));      // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xF0\x80\x80\xAF"));  // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));      // a surrogate, U+D800
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\xF5\x80\x80\x80"));
  EXPECT_FALSE(IsValidUtf8("\xFF"));
  EXPECT_FALSE(IsValidUtf8("H100 \xE2\x82"));  // valid text, then a truncated sequence
}

TEST(Utf8Test, ReplacesEachInvalidByteAndKeepsValidText) {
  EXPECT_EQ(ToValidUtf8("H100 \xC3\xA9"), "H100 \xC3\xA9");
  EXPECT_EQ(ToValidUtf8("a\xFF"
                        "b"),
            "a\xEF\xBF\xBD"
            "b");
  EXPECT_EQ(ToValidUtf8("\xE2\x82"), "\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(ToValidUtf8("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_TRUE(IsValidUtf8(ToValidUtf8("\xC3\xC3\xA9\x80\xF0\x9F\x9A")));
}

TEST(GpuModelNameTest, IsWhatAJobCanAskForAndANodeCanOffer) {
  EXPECT_TRUE(IsGpuModelName("H100"));
  EXPECT_TRUE(IsGpuModelName("GeForce RTX 4090"));
  EXPECT_TRUE(IsGpuModelName("Radeon\xE2\x84\xA2"));  // ™
  EXPECT_TRUE(IsGpuModelName(std::string(kMaxGpuModelBytes, 'H')));
  EXPECT_FALSE(IsGpuModelName(""));
  EXPECT_FALSE(IsGpuModelName(std::string(kMaxGpuModelBytes + 1, 'H')));
  EXPECT_FALSE(IsGpuModelName("H100\n"));
  EXPECT_FALSE(IsGpuModelName("H\x7f"));
  EXPECT_FALSE(IsGpuModelName("H100\xC2\x85"));  // U+0085, a C1 control (NEL)
  EXPECT_TRUE(IsGpuModelName("H100\xC2\xA0"));   // U+00A0, the first character after them
  EXPECT_EQ(CheckGpuModelName("H100\n").message(),
            "a GPU model is 1 to 64 bytes of UTF-8 without control characters, e.g. H100");
  EXPECT_TRUE(CheckGpuModelName("H100").ok());
  EXPECT_FALSE(IsGpuModelName("\xE9t\xE9"));  // Latin-1, not UTF-8
}

}  // namespace
}  // namespace sharc
