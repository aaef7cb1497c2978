#include "core/host_port.h"

#include <charconv>

namespace sharc {

Status ParseHostPort(std::string_view text, std::string* host, uint16_t* port) {
  size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) {
    return InvalidArgumentError("'" + std::string(text) + "': use host:port, e.g. 0.0.0.0:7400");
  }
  std::string_view name = text.substr(0, colon);
  if (name.size() >= 2 && name.front() == '[' && name.back() == ']') {
    name = name.substr(1, name.size() - 2);
  }
  std::string_view port_text = text.substr(colon + 1);
  unsigned value = 0;
  auto [end, error] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
  if (error != std::errc() || end != port_text.data() + port_text.size() || value > 65535) {
    return InvalidArgumentError("'" + std::string(text) + "': the port must be 0 to 65535");
  }
  *host = std::string(name);
  *port = static_cast<uint16_t>(value);
  return Status::Ok();
}

}  // namespace sharc
