#include "agent/gpu_model.h"

#include <fstream>

namespace sharc::agent {
namespace {

bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlnum(char c) { return IsUpper(c) || IsDigit(c) || (c >= 'a' && c <= 'z'); }

// [A-Z]+[0-9]+[A-Za-z0-9]*
bool IsModelWord(std::string_view word) {
  size_t i = 0;
  while (i < word.size() && IsUpper(word[i])) ++i;
  if (i == 0) return false;
  size_t digits = i;
  while (i < word.size() && IsDigit(word[i])) ++i;
  if (i == digits) return false;
  while (i < word.size() && IsAlnum(word[i])) ++i;
  return i == word.size();
}

}  // namespace

std::string ShortGpuModel(std::string_view full_name) {
  size_t start = 0;
  while (start <= full_name.size()) {
    size_t end = full_name.find_first_of(" -", start);
    if (end == std::string_view::npos) end = full_name.size();
    std::string_view word = full_name.substr(start, end - start);
    if (IsModelWord(word)) return std::string(word);
    start = end + 1;
  }
  size_t first = full_name.find_first_not_of(' ');
  if (first == std::string_view::npos) return "";
  size_t last = full_name.find_last_not_of(' ');
  return std::string(full_name.substr(first, last - first + 1));
}

std::string NvidiaDriverGpuModel(const std::string& gpus_dir, const std::string& pci_bus_id) {
  std::ifstream in(gpus_dir + "/" + pci_bus_id + "/information");
  constexpr std::string_view kKey = "Model:";
  std::string line;
  while (std::getline(in, line)) {
    if (line.compare(0, kKey.size(), kKey) != 0) continue;
    std::string_view value = std::string_view(line).substr(kKey.size());
    size_t first = value.find_first_not_of(" \t");
    if (first == std::string_view::npos) return "";
    size_t last = value.find_last_not_of(" \t\r");
    return ShortGpuModel(value.substr(first, last - first + 1));
  }
  return "";
}

}  // namespace sharc::agent
