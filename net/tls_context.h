// OpenSSL contexts for sharc's TLS servers and clients, built from TlsServerOptions and
// TlsClientOptions, and the words for what went wrong in a handshake. Internal to net/:
// includes Asio SSL.
#ifndef SHARC_NET_TLS_CONTEXT_H_
#define SHARC_NET_TLS_CONTEXT_H_

#include <boost/asio/ssl/context.hpp>
#include <boost/system/error_code.hpp>
#include <memory>
#include <string>

#include "core/status.h"
#include "net/tls.h"

namespace sharc::net::internal {

// TLS 1.2 or later. InvalidArgument naming the file and OpenSSL's reason when a file cannot be
// read or the key does not match the certificate.
StatusOr<std::shared_ptr<boost::asio::ssl::context>> MakeServerTlsContext(
    const TlsServerOptions& options);
StatusOr<std::shared_ptr<boost::asio::ssl::context>> MakeClientTlsContext(
    const TlsClientOptions& options);

// Makes `ssl` (a client's connection) send `host` as its server name (SNI, unless it is an IP
// address) and accept only a certificate issued for `host`. False if OpenSSL refused.
bool ExpectServerName(SSL* ssl, const std::string& host);

// Why a client's handshake failed, in words a person can act on: the certificate check's
// verdict when that was the cause, else OpenSSL's reason.
std::string HandshakeFailure(SSL* ssl, const boost::system::error_code& ec);

}  // namespace sharc::net::internal

#endif  // SHARC_NET_TLS_CONTEXT_H_
