// A small blocking HTTP/1.1 client for the CLI, tests and benchmarks. Not for daemons.
// Only http_client.cc includes Beast.
#ifndef SHARC_NET_HTTP_CLIENT_H_
#define SHARC_NET_HTTP_CLIENT_H_

#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "core/status.h"
#include "net/http_types.h"
#include "net/tls.h"

namespace sharc::net {

// One keep-alive connection to one server, opened on first use. Not thread-safe: use one
// client per thread.
class HttpClient {
 public:
  // `base_url` is "https://host:port" or "http://host:port" (a trailing path is prefixed to
  // every target). With https, `tls` says which CAs to trust (and which client certificate
  // to present); InvalidArgument if its files cannot be loaded.
  static StatusOr<std::unique_ptr<HttpClient>> Create(std::string_view base_url,
                                                      std::chrono::milliseconds timeout,
                                                      const TlsClientOptions& tls = {});
  ~HttpClient();

  // Sends one request and waits for the whole response (any status). Unavailable if the
  // server cannot be reached or the exchange times out; then the connection is dropped and
  // the next call reconnects. A GET that fails on a reused keep-alive connection before any
  // response byte arrives is retried once on a fresh connection; other methods never are.
  // The response's `headers` hold every response header, names lower-cased.
  StatusOr<HttpResponse> Send(std::string_view method, std::string_view target,
                              std::string body = "",
                              const std::map<std::string, std::string>& headers = {});

 private:
  class Impl;
  explicit HttpClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sharc::net

#endif  // SHARC_NET_HTTP_CLIENT_H_
