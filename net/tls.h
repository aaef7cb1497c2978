// TLS settings of sharc's HTTP servers and clients: paths of PEM files, as plain values, so
// that configs and daemons never include OpenSSL or Asio.
#ifndef SHARC_NET_TLS_H_
#define SHARC_NET_TLS_H_

#include <string>

#include "core/status.h"

namespace sharc::net {

struct TlsServerOptions {
  std::string cert_file;  // the server's certificate chain, leaf first
  std::string key_file;   // its private key
  // When set, every client must present a certificate signed by a CA in this file (mutual
  // TLS); "" = clients are not asked for one.
  std::string client_ca_file;
};

struct TlsClientOptions {
  // The CAs a server's certificate must chain to; "" = the system's (/etc/ssl/certs). The
  // server's name (or IP address) in the URL must match the certificate either way.
  std::string ca_file;
  // A client certificate and key for servers that require one; both or neither.
  std::string cert_file;
  std::string key_file;
};

// Loads the files as a server with `options` will, and reports the same errors (naming the
// file), without serving: for a daemon's --check-config, or to put the name of the daemon's
// own setting in front of the error before a server starts.
Status CheckTlsServerFiles(const TlsServerOptions& options);
// The same for a client's files (CA file, client certificate and key): a daemon checks them at
// start rather than retrying a connection that can never succeed.
Status CheckTlsClientFiles(const TlsClientOptions& options);

}  // namespace sharc::net

#endif  // SHARC_NET_TLS_H_
