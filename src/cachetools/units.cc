#include "cachetools/units.h"

#include <cctype>
#include <cmath>
#include <string>

namespace tfhub::cachetools {

namespace {

bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

}  // namespace

Result<std::chrono::seconds> ParseDuration(std::string_view text) {
  const auto bad = [&] {
    return InvalidArgumentError("invalid duration '" + std::string(text) +
                                "': expected a whole number with a unit s, m, h, d or w, e.g. 30m, "
                                "12h, 7d");
  };
  if (text.empty()) return bad();
  std::string_view digits = text;
  int64_t unit = 1;  // a bare number is seconds
  if (!std::isdigit(static_cast<unsigned char>(text.back()))) {
    switch (text.back()) {
      case 's': unit = 1; break;
      case 'm': unit = 60; break;
      case 'h': unit = 3600; break;
      case 'd': unit = 86400; break;
      case 'w': unit = 7 * 86400; break;
      default: return bad();
    }
    digits = text.substr(0, text.size() - 1);
  }
  if (!AllDigits(digits) || digits.size() > 12) return bad();
  return std::chrono::seconds(std::stoll(std::string(digits)) * unit);
}

Result<uint64_t> ParseSize(std::string_view text) {
  const auto bad = [&] {
    return InvalidArgumentError("invalid size '" + std::string(text) +
                                "': expected a number with an optional unit B, K, M, G or T "
                                "(powers of 1024), e.g. 500M, 10G");
  };
  std::string_view rest = text;
  size_t n = 0;
  while (n < rest.size() && (std::isdigit(static_cast<unsigned char>(rest[n])) || rest[n] == '.')) ++n;
  const std::string number(rest.substr(0, n));
  std::string unit(rest.substr(n));
  for (char& c : unit) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (number.empty() || number.front() == '.' || number.back() == '.' ||
      number.find('.') != number.rfind('.') || number.size() > 20) {
    return bad();
  }
  if (unit.size() >= 2 && unit.substr(unit.size() - 2) == "IB") {
    unit.resize(unit.size() - 2);
    if (unit.empty()) return bad();  // "iB" alone
  } else if (unit.size() == 2 && unit.back() == 'B') {
    unit.resize(1);
  }
  int shift = 0;
  if (unit.empty() || unit == "B") {
    shift = 0;
  } else if (unit == "K") {
    shift = 10;
  } else if (unit == "M") {
    shift = 20;
  } else if (unit == "G") {
    shift = 30;
  } else if (unit == "T") {
    shift = 40;
  } else {
    return bad();
  }
  const long double value = std::stold(number) * std::ldexp(1.0L, shift);
  if (value >= 9.0e18L) return bad();  // beyond int64: nobody means that
  return static_cast<uint64_t>(std::llround(value));
}

}  // namespace tfhub::cachetools
