#include "net/hangup_notice.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <memory>

#include "core/log.h"

namespace sharc::net {
namespace {

void AwaitHangup(std::shared_ptr<boost::asio::signal_set> hangups, std::string component,
                 std::string advice) {
  hangups->async_wait([hangups, component = std::move(component), advice = std::move(advice)](
                          const boost::system::error_code& error, int) mutable {
    if (error) return;
    LogWarning(component, "received SIGHUP: " + advice);
    AwaitHangup(std::move(hangups), std::move(component), std::move(advice));
  });
}

}  // namespace

void WarnOnHangup(boost::asio::io_context& io, std::string component, std::string advice) {
  AwaitHangup(std::make_shared<boost::asio::signal_set>(io, SIGHUP), std::move(component),
              std::move(advice));
}

}  // namespace sharc::net
