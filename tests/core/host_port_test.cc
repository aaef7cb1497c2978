#include "core/host_port.h"

#include <gtest/gtest.h>

namespace sharc {
namespace {

TEST(ParseHostPortTest, AcceptsIpv4NamesAndBracketedIpv6) {
  std::string host;
  uint16_t port = 1;
  ASSERT_TRUE(ParseHostPort("127.0.0.1:0", &host, &port).ok());
  EXPECT_EQ(host, "127.0.0.1");
  EXPECT_EQ(port, 0);
  ASSERT_TRUE(ParseHostPort("[::1]:7401", &host, &port).ok());
  EXPECT_EQ(host, "::1");
  EXPECT_EQ(port, 7401);
  ASSERT_TRUE(ParseHostPort("node-7:9100", &host, &port).ok());
  EXPECT_EQ(host, "node-7");
}

TEST(ParseHostPortTest, RefusesWhatIsNotHostColonPort) {
  std::string host = "unchanged";
  uint16_t port = 1;
  EXPECT_EQ(ParseHostPort("7400", &host, &port).message(),
            "'7400': use host:port, e.g. 0.0.0.0:7400");
  EXPECT_EQ(ParseHostPort(":7400", &host, &port).message(),
            "':7400': use host:port, e.g. 0.0.0.0:7400");
  EXPECT_EQ(ParseHostPort("h:70000", &host, &port).message(),
            "'h:70000': the port must be 0 to 65535");
  EXPECT_EQ(ParseHostPort("h:7x", &host, &port).message(), "'h:7x': the port must be 0 to 65535");
  EXPECT_EQ(host, "unchanged");
  EXPECT_EQ(port, 1);
}

}  // namespace
}  // namespace sharc
