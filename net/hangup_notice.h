// SIGHUP, which operators send out of habit to make a daemon reload its configuration, would end
// a sharc daemon at once (the default action), without its orderly shutdown. sharc daemons do
// not reload: this logs a warning saying what to do instead, and the daemon runs on.
#ifndef SHARC_NET_HANGUP_NOTICE_H_
#define SHARC_NET_HANGUP_NOTICE_H_

#include <string>

namespace boost::asio {
class io_context;
}

namespace sharc::net {

// From now on, every SIGHUP delivered to this process is logged as a warning from `component`
// ("received SIGHUP: <advice>") and otherwise ignored, for as long as `io` runs.
void WarnOnHangup(boost::asio::io_context& io, std::string component, std::string advice);

}  // namespace sharc::net

#endif  // SHARC_NET_HANGUP_NOTICE_H_
