#include "core/error.hpp"

#include "core/log.hpp"

namespace kcpp {

std::string render_error(const Error& e, bool color) {
  auto label = [color](const char* text, const char* ansi) {
    return color ? std::string(ansi) + text + "\x1b[0m" : std::string(text);
  };
  std::string out = label("error:", "\x1b[1;31m") + " " + e.what();
  for (const auto& c : e.causes()) out += "\n  " + label("caused by:", "\x1b[2m") + " " + c;
  for (const auto& h : e.hints()) out += "\n" + label("hint:", "\x1b[1;36m") + " " + h;
  // Last line of defence: whatever text an error picked up (a server's message, a URL), the
  // user's token is not printed.
  return log::redact(out);
}

}  // namespace kcpp
