#include "net/http_types.h"

#include <charconv>
#include <cstdio>

namespace sharc::net {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The target quoted for an error message, with control and non-ASCII bytes as \xNN.
std::string Quote(std::string_view text) {
  std::string quoted = "\"";
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte >= 0x7f || c == '"' || c == '\\') {
      char escaped[8];
      std::snprintf(escaped, sizeof(escaped), "\\x%02x", byte);
      quoted += escaped;
    } else {
      quoted.push_back(c);
    }
  }
  return quoted + "\"";
}

// Percent-decodes `text`; in a query, '+' also stands for a space.
Status Decode(std::string_view text, bool is_query, std::string_view target, std::string* out) {
  out->clear();
  out->reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '+' && is_query) {
      out->push_back(' ');
    } else if (c != '%') {
      out->push_back(c);
    } else {
      int high = i + 1 < text.size() ? HexValue(text[i + 1]) : -1;
      int low = i + 2 < text.size() ? HexValue(text[i + 2]) : -1;
      if (high < 0 || low < 0) {
        return InvalidArgumentError("request target " + Quote(target) +
                                    ": '%' must be followed by two hex digits");
      }
      char decoded = static_cast<char>(high * 16 + low);
      if (decoded == '\0') {
        return InvalidArgumentError("request target " + Quote(target) + ": must not contain %00");
      }
      out->push_back(decoded);
      i += 2;
    }
  }
  return Status::Ok();
}

bool IsUnreserved(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

bool IsHostChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_';
}

bool StartsWithIgnoringCase(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    char a = text[i];
    if (a >= 'A' && a <= 'Z') a = static_cast<char>(a - 'A' + 'a');
    if (a != prefix[i]) return false;  // `prefix` is lower-case
  }
  return true;
}

}  // namespace

Status ParseTarget(std::string_view target, std::string* path,
                   std::map<std::string, std::string>* query) {
  path->clear();
  query->clear();
  if (target.empty() || target.front() != '/') {
    return InvalidArgumentError("request target " + Quote(target) + ": must start with '/'");
  }
  for (char c : target) {
    // Raw control bytes (a NUL above all) would cut the path or a query value short for
    // anything that reads it as a C string.
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return InvalidArgumentError("request target " + Quote(target) +
                                  ": control characters must be percent-encoded");
    }
  }
  size_t question = target.find('?');
  SHARC_RETURN_IF_ERROR(Decode(target.substr(0, question), /*is_query=*/false, target, path));
  if (question == std::string_view::npos) return Status::Ok();

  std::string_view rest = target.substr(question + 1);
  while (!rest.empty()) {
    size_t amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    if (pair.empty()) continue;
    size_t equals = pair.find('=');
    std::string key;
    std::string value;
    SHARC_RETURN_IF_ERROR(Decode(pair.substr(0, equals), /*is_query=*/true, target, &key));
    if (equals != std::string_view::npos) {
      SHARC_RETURN_IF_ERROR(Decode(pair.substr(equals + 1), /*is_query=*/true, target, &value));
    }
    if (key.empty()) {
      return InvalidArgumentError("request target " + Quote(target) +
                                  ": a query parameter has no name (write name=value)");
    }
    if (query->contains(key)) {
      return InvalidArgumentError("request target " + Quote(target) + ": query parameter " +
                                  Quote(key) +
                                  " is given twice: give it once (a list is comma-separated)");
    }
    query->emplace(std::move(key), std::move(value));
  }
  return Status::Ok();
}

std::string UrlEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string encoded;
  encoded.reserve(text.size());
  for (char c : text) {
    if (IsUnreserved(c)) {
      encoded.push_back(c);
    } else {
      auto byte = static_cast<unsigned char>(c);
      encoded.push_back('%');
      encoded.push_back(kHex[byte >> 4]);
      encoded.push_back(kHex[byte & 0xf]);
    }
  }
  return encoded;
}

std::optional<std::string> BearerToken(const HttpRequest& request) {
  auto it = request.headers.find("authorization");
  if (it == request.headers.end()) return std::nullopt;
  std::string_view value = it->second;
  constexpr std::string_view kScheme = "bearer ";
  if (!StartsWithIgnoringCase(value, kScheme)) return std::nullopt;
  value.remove_prefix(kScheme.size());
  size_t first = value.find_first_not_of(" \t");
  if (first == std::string_view::npos) return std::nullopt;
  size_t last = value.find_last_not_of(" \t");
  return std::string(value.substr(first, last - first + 1));
}

StatusOr<Url> ParseUrl(std::string_view url) {
  const std::string quoted = Quote(url);
  size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) {
    return InvalidArgumentError("URL " + quoted +
                                ": must start with https://, http://, wss:// or ws://");
  }
  Url parsed;
  for (char c : url.substr(0, scheme_end)) {
    parsed.scheme.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
  }
  if (parsed.scheme != "http" && parsed.scheme != "ws" && parsed.scheme != "https" &&
      parsed.scheme != "wss") {
    return InvalidArgumentError("URL " + quoted + ": unsupported scheme \"" + parsed.scheme +
                                "\"; use https://, http://, wss:// or ws://");
  }
  std::string_view rest = url.substr(scheme_end + 3);
  size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? "" : rest.substr(slash);

  if (authority.find('@') != std::string_view::npos) {
    return InvalidArgumentError("URL " + quoted + ": user names in URLs are not supported");
  }
  if (!authority.empty() && authority.front() == '[') {
    return InvalidArgumentError("URL " + quoted +
                                ": IPv6 addresses are not supported yet; use an IPv4 address "
                                "or a host name");
  }
  size_t colon = authority.find(':');
  std::string_view host = authority.substr(0, colon);
  if (host.empty()) return InvalidArgumentError("URL " + quoted + ": the host is missing");
  for (char c : host) {
    if (!IsHostChar(c)) {
      return InvalidArgumentError("URL " + quoted +
                                  ": the host may only contain letters, "
                                  "digits, '-', '.' and '_'");
    }
  }
  parsed.host = std::string(host);
  parsed.port = parsed.tls() ? 443 : 80;
  if (colon != std::string_view::npos) {
    std::string_view port = authority.substr(colon + 1);
    unsigned value = 0;
    auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (port.empty() || error != std::errc() || end != port.data() + port.size() || value == 0 ||
        value > 65535) {
      return InvalidArgumentError("URL " + quoted + ": the port must be a number from 1 to 65535");
    }
    parsed.port = static_cast<uint16_t>(value);
  }
  if (path.find_first_of("?#") != std::string_view::npos) {
    return InvalidArgumentError("URL " + quoted +
                                ": query strings and fragments are not "
                                "supported here");
  }
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  parsed.path = std::string(path);
  return parsed;
}

}  // namespace sharc::net
