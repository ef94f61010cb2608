#include "core/error.hpp"

#include "core/log.hpp"

namespace kcpp {

std::string render_error(const Error& e, bool color) {
  auto label = [color](const char* text, const char* ansi) {
    return color ? std::string(ansi) + text + "\x1b[0m" : std::string(text);
  };
  // The error printer is an output boundary: a server's text (X-Error-Message, a file or
  // ref name) may be anywhere in an error. Each part is redacted (whatever text an error
  // picked up, the user's token is not printed), then escaped line by line: no control
  // character reaches the terminal, and a line break inside a part — ours, as in a hint's
  // example, or a server's that got this far — continues it indented, so no line of it can
  // pass for an `error:`, `caused by:` or `hint:` line of ours.
  auto text = [](const std::string& part, std::string_view indent) {
    return log::escape_lines(log::redact(part), indent);
  };
  std::string out = label("error:", "\x1b[1;31m") + " " + text(e.what(), "  ");
  for (const auto& c : e.causes()) out += "\n  " + label("caused by:", "\x1b[2m") + " " + text(c, "    ");
  for (const auto& h : e.hints()) out += "\n" + label("hint:", "\x1b[1;36m") + " " + text(h, "  ");
  return out;
}

}  // namespace kcpp
