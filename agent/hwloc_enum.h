// Reading hwloc's enum fields safely. hwloc's XML import copies the numbers of enum
// attributes (osdev_type, bridge_type) into its objects' enum fields without checking them, so
// a field may hold a value its enum has no name for; loading it as the enum type is then
// undefined behaviour (found by fuzz/hwloc_xml_fuzzer.cc). Such a field is read as the integer
// it holds and compared with the enum's values.
#ifndef SHARC_AGENT_HWLOC_ENUM_H_
#define SHARC_AGENT_HWLOC_ENUM_H_

#include <cstring>
#include <type_traits>

namespace sharc::agent {

// The value `field` holds, whatever it is, as the enum's underlying integer.
template <typename Enum>
std::underlying_type_t<Enum> HwlocEnumValue(const Enum& field) {
  static_assert(std::is_enum_v<Enum>);
  std::underlying_type_t<Enum> value;
  std::memcpy(&value, &field, sizeof value);
  return value;
}

}  // namespace sharc::agent

#endif  // SHARC_AGENT_HWLOC_ENUM_H_
