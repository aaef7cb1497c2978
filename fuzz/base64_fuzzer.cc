// Base64Decode (protocol/base64.h), which reads the job output bytes of an agent's
// output_response.
//
// Invariants: decoding accepts only padded text whose length is a multiple of 4, yields 3 bytes
// per 4 characters less the padding, and what it yields encodes to text of the same length that
// decodes to the same bytes; any bytes encode and decode back unchanged.
#include <cstdint>
#include <string>

#include "fuzz/fuzz_util.h"
#include "protocol/base64.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sharc;
  using namespace sharc::fuzz;
  std::string_view text = AsText(data, size);

  StatusOr<std::string> decoded = protocol::Base64Decode(text);
  if (decoded.ok()) {
    FUZZ_CHECK(size % 4 == 0, "accepted a length that is not a multiple of 4");
    size_t padding = size == 0 ? 0 : (text[size - 1] == '=') + (size > 1 && text[size - 2] == '=');
    FUZZ_CHECK(decoded->size() == size / 4 * 3 - padding,
               std::to_string(decoded->size()) + " bytes from " + std::to_string(size));
    std::string encoded = protocol::Base64Encode(*decoded);
    FUZZ_CHECK(encoded.size() == size, "re-encoded to another length");
    StatusOr<std::string> again = protocol::Base64Decode(encoded);
    FUZZ_CHECK(again.ok() && *again == *decoded, "decode(encode(x)) != x");
  }

  std::string encoded = protocol::Base64Encode(text);
  FUZZ_CHECK(encoded.size() == (size + 2) / 3 * 4, "encoded length");
  StatusOr<std::string> back = protocol::Base64Decode(encoded);
  FUZZ_CHECK(back.ok() && *back == text, "bytes changed through base64");
  return 0;
}
