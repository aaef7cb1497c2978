#include "net/tls_context.h"

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <unistd.h>

#include <boost/asio/ip/address.hpp>
#include <cerrno>
#include <cstring>

namespace sharc::net::internal {

namespace ssl = boost::asio::ssl;

namespace {

// OpenSSL says only "asio.ssl error" of a file it cannot open: this says why.
Status CheckReadable(std::string_view what, const std::string& path) {
  if (::access(path.c_str(), R_OK) == 0) return Status::Ok();
  return InvalidArgumentError(std::string(what) + " " + path + ": " + std::strerror(errno));
}

// Loads one PEM file into `context` with `load`; the error names the setting and the file.
template <typename Load>
Status LoadFile(std::string_view what, const std::string& path, Load load) {
  SHARC_RETURN_IF_ERROR(CheckReadable(what, path));
  boost::system::error_code ec;
  load(path, ec);
  if (!ec) return Status::Ok();
  return InvalidArgumentError(std::string(what) + " " + path + ": " + ec.message() +
                              " (a PEM file the process can read)");
}

std::shared_ptr<ssl::context> NewContext(ssl::context::method method) {
  auto context = std::make_shared<ssl::context>(method);
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                       ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                       ssl::context::single_dh_use);
  return context;
}

Status LoadKeyPair(ssl::context& context, std::string_view setting, const std::string& cert_file,
                   const std::string& key_file) {
  SHARC_RETURN_IF_ERROR(LoadFile(std::string(setting) + "cert_file", cert_file,
                                 [&](const std::string& path, boost::system::error_code& ec) {
                                   context.use_certificate_chain_file(path, ec);
                                 }));
  SHARC_RETURN_IF_ERROR(CheckReadable(std::string(setting) + "key_file", key_file));
  boost::system::error_code ec;
  context.use_private_key_file(key_file, ssl::context::pem, ec);
  if (ec && ec.message().find("key values mismatch") != std::string::npos) {
    return InvalidArgumentError(std::string(setting) + "key_file " + key_file +
                                ": is not the key of the certificate in " + cert_file);
  }
  if (ec) {
    return InvalidArgumentError(std::string(setting) + "key_file " + key_file + ": " +
                                ec.message() + " (a PEM file the process can read)");
  }
  return Status::Ok();
}

}  // namespace

StatusOr<std::shared_ptr<ssl::context>> MakeServerTlsContext(const TlsServerOptions& options) {
  if (options.cert_file.empty() || options.key_file.empty()) {
    return InvalidArgumentError("TLS needs both a certificate file and a key file");
  }
  std::shared_ptr<ssl::context> context = NewContext(ssl::context::tls_server);
  SHARC_RETURN_IF_ERROR(LoadKeyPair(*context, "tls.", options.cert_file, options.key_file));
  if (!options.client_ca_file.empty()) {
    SHARC_RETURN_IF_ERROR(LoadFile("tls.client_ca_file", options.client_ca_file,
                                   [&](const std::string& path, boost::system::error_code& ec) {
                                     context->load_verify_file(path, ec);
                                   }));
    context->set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
  }
  return context;
}

StatusOr<std::shared_ptr<ssl::context>> MakeClientTlsContext(const TlsClientOptions& options) {
  std::shared_ptr<ssl::context> context = NewContext(ssl::context::tls_client);
  if (options.ca_file.empty()) {
    boost::system::error_code ec;
    context->set_default_verify_paths(ec);
    if (ec) return InvalidArgumentError("cannot load the system's CAs: " + ec.message());
  } else {
    SHARC_RETURN_IF_ERROR(LoadFile("CA file", options.ca_file,
                                   [&](const std::string& path, boost::system::error_code& ec) {
                                     context->load_verify_file(path, ec);
                                   }));
  }
  if (options.cert_file.empty() != options.key_file.empty()) {
    return InvalidArgumentError("a client certificate needs both its cert file and its key file");
  }
  if (!options.cert_file.empty()) {
    SHARC_RETURN_IF_ERROR(LoadKeyPair(*context, "client ", options.cert_file, options.key_file));
  }
  context->set_verify_mode(ssl::verify_peer);
  return context;
}

bool ExpectServerName(SSL* ssl, const std::string& host) {
  boost::system::error_code ec;
  boost::asio::ip::make_address(host, ec);
  const bool is_address = !ec;
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
  if (is_address) return X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str()) == 1;
  X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  return SSL_set_tlsext_host_name(ssl, host.c_str()) == 1 &&
         X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size()) == 1;
}

std::string HandshakeFailure(SSL* ssl, const boost::system::error_code& ec) {
  long verdict = SSL_get_verify_result(ssl);
  if (verdict != X509_V_OK) {
    std::string why = X509_verify_cert_error_string(verdict);
    if (verdict == X509_V_ERR_HOSTNAME_MISMATCH || verdict == X509_V_ERR_IP_ADDRESS_MISMATCH) {
      return "the server's certificate is not issued for this host name or address (" + why + ")";
    }
    return "the server's certificate is not trusted (" + why +
           "); give the CA file that signed it (sharc: --ca-file or SHARC_CA_FILE; sharc-agent: "
           "tls.ca_file in its config)";
  }
  std::string reason = ec.message();
  if (reason.find("wrong version number") != std::string::npos ||
      reason.find("packet length too long") != std::string::npos) {
    return reason + " (is the server serving plain HTTP? then use http://)";
  }
  return reason;
}

}  // namespace sharc::net::internal

namespace sharc::net {

Status CheckTlsServerFiles(const TlsServerOptions& options) {
  return internal::MakeServerTlsContext(options).status();
}

Status CheckTlsClientFiles(const TlsClientOptions& options) {
  return internal::MakeClientTlsContext(options).status();
}

}  // namespace sharc::net
