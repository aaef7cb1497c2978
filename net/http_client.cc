#include "net/http_client.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <optional>
#include <utility>

#include "net/internal.h"
#include "net/tls_context.h"
#include "net/transport_stream.h"

namespace sharc::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;

namespace {

constexpr uint32_t kMaxResponseHeaderBytes = 64 << 10;
constexpr uint64_t kMaxResponseBodyBytes = uint64_t{1} << 30;
// Beast reads at most the buffer's free capacity at a time (at least 512 bytes): without room
// reserved, a 2 MB listing arrives in 4,000 reads, each with its timer and epoll calls.
constexpr size_t kReadBufferBytes = 64 << 10;

bool IsToken(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (c <= ' ' || c >= 0x7f ||
        std::string_view("\"(),/:;<=>?@[\\]{}").find(c) != std::string_view::npos) {
      return false;
    }
  }
  return true;
}

}  // namespace

class HttpClient::Impl {
 public:
  Impl(Url url, std::chrono::milliseconds timeout, std::shared_ptr<asio::ssl::context> tls_context)
      : url_(std::move(url)),
        origin_(url_.Origin()),
        timeout_(timeout),
        tls_context_(std::move(tls_context)) {}

  ~Impl() { Disconnect(); }

  StatusOr<HttpResponse> Send(std::string_view method, std::string_view target, std::string body,
                              const std::map<std::string, std::string>& headers) {
    if (!IsToken(method))
      return InvalidArgumentError("HTTP method \"" + std::string(method) +
                                  "\" is not a valid token");
    if (target.empty() || target.front() != '/' || !internal::IsSafeHeaderText(target) ||
        target.find(' ') != std::string_view::npos) {
      return InvalidArgumentError("request target \"" + std::string(target) +
                                  "\" must start with '/' and contain no spaces or line breaks");
    }
    for (const auto& [name, value] : headers) {
      if (!IsToken(name) || !internal::IsSafeHeaderText(value)) {
        return InvalidArgumentError("request header \"" + name + "\" is not valid");
      }
    }

    http::request<http::string_body> request;
    request.method_string(method);
    request.target(url_.path + std::string(target));
    request.version(11);
    request.set(http::field::host, url_.host + ":" + std::to_string(url_.port));
    request.set(http::field::user_agent, "sharc");
    for (const auto& [name, value] : headers) request.set(name, value);
    request.body() = std::move(body);
    if (!request.body().empty() || method == "POST" || method == "PUT" || method == "PATCH") {
      request.content_length(request.body().size());
    }

    const bool reused = stream_.has_value();
    bool got_response_bytes = false;
    StatusOr<HttpResponse> response = Attempt(request, method, &got_response_bytes);
    if (!response.ok() && reused && method == "GET" && !got_response_bytes) {
      // The server may have closed the idle connection just as we reused it.
      response = Attempt(request, method, &got_response_bytes);
    }
    return response;
  }

 private:
  // One exchange; connects first if there is no open connection. Drops the connection on
  // any failure.
  StatusOr<HttpResponse> Attempt(const http::request<http::string_body>& request,
                                 std::string_view method, bool* got_response_bytes) {
    *got_response_bytes = false;
    const auto deadline = std::chrono::steady_clock::now() + timeout_;
    if (!stream_) SHARC_RETURN_IF_ERROR(Connect(deadline));

    http::response_parser<http::string_body> parser;
    parser.header_limit(kMaxResponseHeaderBytes);
    parser.body_limit(kMaxResponseBodyBytes);
    if (method == "HEAD") parser.skip(true);

    beast::error_code result;
    io_.restart();
    stream_->tcp().expires_at(deadline);
    http::async_write(*stream_, request, [&](beast::error_code ec, size_t) {
      if (ec) {
        result = ec;
        return;
      }
      http::async_read(*stream_, buffer_, parser,
                       [&](beast::error_code ec, size_t) { result = ec; });
    });
    io_.run();
    *got_response_bytes = parser.got_some() || buffer_.size() > 0;

    const std::string what = std::string(method) + " " + origin_ + std::string(request.target());
    if (result == beast::error::timeout) {
      Disconnect();
      return UnavailableError(what + ": no response within " + std::to_string(timeout_.count()) +
                              " ms");
    }
    if (result) {
      Disconnect();
      return UnavailableError(what + " failed: " + result.message());
    }
    http::response<http::string_body> message = parser.release();
    if (!message.keep_alive()) Disconnect();

    HttpResponse response;
    response.status = static_cast<int>(message.result_int());
    response.content_type = std::string(message[http::field::content_type]);
    for (const auto& field : message) {
      response.headers.emplace_back(internal::LowerAscii(field.name_string()),
                                    std::string(field.value()));
    }
    response.body = std::move(message.body());
    return response;
  }

  Status Connect(std::chrono::steady_clock::time_point deadline) {
    tcp::resolver resolver(io_);
    asio::steady_timer timer(io_);
    stream_.emplace(beast::tcp_stream(io_));
    buffer_.clear();
    buffer_.reserve(kReadBufferBytes);
    beast::error_code result;
    bool timed_out = false;

    io_.restart();
    timer.expires_at(deadline);
    timer.async_wait([&](beast::error_code ec) {
      if (!ec) {
        timed_out = true;
        resolver.cancel();
      }
    });
    resolver.async_resolve(url_.host, std::to_string(url_.port), tcp::resolver::numeric_service,
                           [&](beast::error_code ec, tcp::resolver::results_type results) {
                             timer.cancel();
                             if (ec) {
                               result = ec;
                               return;
                             }
                             stream_->tcp().expires_at(deadline);
                             stream_->tcp().async_connect(
                                 results,
                                 [&](beast::error_code ec, const tcp::endpoint&) { result = ec; });
                           });
    io_.run();

    if (timed_out || result == beast::error::timeout) {
      Disconnect();
      return UnavailableError("cannot reach " + origin_ + ": no connection within " +
                              std::to_string(timeout_.count()) + " ms");
    }
    if (result) {
      Disconnect();
      return UnavailableError("cannot reach " + origin_ + ": " + result.message());
    }
    beast::error_code ignored;
    stream_->socket().set_option(tcp::no_delay(true), ignored);
    if (tls_context_) return Handshake(deadline);
    return Status::Ok();
  }

  // TLS over the connected stream; the server's certificate must chain to a trusted CA and be
  // issued for the URL's host.
  Status Handshake(std::chrono::steady_clock::time_point deadline) {
    stream_->StartTls(*tls_context_);
    if (!internal::ExpectServerName(stream_->native_handle(), url_.host)) {
      Disconnect();
      return InternalError("cannot set up TLS for " + origin_);
    }
    beast::error_code result;
    io_.restart();
    stream_->tcp().expires_at(deadline);
    stream_->AsyncClientHandshake(
        internal::DoneHandler([&](beast::error_code ec) { result = ec; }));
    io_.run();
    if (result == beast::error::timeout) {
      Disconnect();
      return UnavailableError("cannot reach " + origin_ + ": no TLS handshake within " +
                              std::to_string(timeout_.count()) + " ms");
    }
    if (result) {
      std::string why = internal::HandshakeFailure(stream_->native_handle(), result);
      Disconnect();
      return UnavailableError("TLS handshake with " + origin_ + " failed: " + why);
    }
    return Status::Ok();
  }

  void Disconnect() {
    if (stream_) {
      beast::error_code ignored;
      stream_->socket().shutdown(tcp::socket::shutdown_both, ignored);
      stream_->close();
      stream_.reset();
    }
    buffer_.clear();
  }

  const Url url_;
  const std::string origin_;  // "https://host:port", for messages
  const std::chrono::milliseconds timeout_;
  const std::shared_ptr<asio::ssl::context> tls_context_;  // null: plain HTTP
  asio::io_context io_;
  std::optional<internal::TransportStream> stream_;  // open while a keep-alive connection exists
  beast::flat_buffer buffer_;
};

StatusOr<std::unique_ptr<HttpClient>> HttpClient::Create(std::string_view base_url,
                                                         std::chrono::milliseconds timeout,
                                                         const TlsClientOptions& tls) {
  SHARC_ASSIGN_OR_RETURN(Url url, ParseUrl(base_url));
  if (url.scheme != "http" && url.scheme != "https") {
    return InvalidArgumentError("URL \"" + std::string(base_url) +
                                "\": an HTTP client URL starts with https:// or http://");
  }
  if (timeout.count() <= 0) return InvalidArgumentError("the HTTP timeout must be positive");
  std::shared_ptr<asio::ssl::context> tls_context;
  if (url.tls()) {
    SHARC_ASSIGN_OR_RETURN(tls_context, internal::MakeClientTlsContext(tls));
  }
  return std::unique_ptr<HttpClient>(
      new HttpClient(std::make_unique<Impl>(std::move(url), timeout, std::move(tls_context))));
}

HttpClient::HttpClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpClient::~HttpClient() = default;

StatusOr<HttpResponse> HttpClient::Send(std::string_view method, std::string_view target,
                                        std::string body,
                                        const std::map<std::string, std::string>& headers) {
  return impl_->Send(method, target, std::move(body), headers);
}

}  // namespace sharc::net
