#include "bench/schema.hpp"

#include <fmt/core.h>

#include <cctype>
#include <fstream>

#include "core/error.hpp"

namespace kcpp::bench {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool is_ident(std::string_view s) {
  if (s.empty() || !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  return true;
}

// Splits at commas outside (), [] and quotes.
std::vector<std::string_view> split_top(std::string_view s) {
  std::vector<std::string_view> out;
  int depth = 0;
  char quote = 0;
  std::size_t start = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (quote) {
      if (c == quote) quote = 0;
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '(' || c == '[') {
      ++depth;
    } else if (c == ')' || c == ']') {
      --depth;
    } else if (c == ',' && depth == 0) {
      out.push_back(trim(s.substr(start, i - start)));
      start = i + 1;
    }
  }
  auto last = trim(s.substr(start));
  if (!last.empty() || !out.empty()) out.push_back(last);
  return out;
}

// "Tensor(a!)" → base Tensor, mutable; "int[2]" → base int, list; "Tensor?" → optional.
bool parse_type(std::string_view type, SchemaArg& a) {
  a.type = std::string(type);
  std::string base;
  int depth = 0;
  for (char c : type) {
    if (c == '(' || c == '[') {
      if (c == '[') a.list = true;
      ++depth;
      continue;
    }
    if (c == ')' || c == ']') {
      --depth;
      continue;
    }
    if (c == '!') a.is_mutable = true;
    if (depth > 0) continue;
    if (c == '?')
      a.optional = true;
    else if (c != '!')
      base += c;
  }
  a.base = base;
  return depth == 0 && is_ident(base);
}

}  // namespace

std::optional<OpSchema> parse_schema(std::string_view text, std::string* why) {
  auto fail = [&](std::string w) -> std::optional<OpSchema> {
    if (why) *why = std::move(w);
    return std::nullopt;
  };
  OpSchema s;
  s.text = std::string(trim(text));
  std::string_view t = s.text;
  const auto open = t.find('(');
  if (open == std::string_view::npos) return fail("no '('");
  std::string_view qualified = trim(t.substr(0, open));
  if (auto c = qualified.find("::"); c != std::string_view::npos) {
    s.ns = std::string(qualified.substr(0, c));
    if (!is_ident(s.ns)) return fail("bad namespace");
    qualified.remove_prefix(c + 2);
  }
  if (auto dot = qualified.find('.'); dot != std::string_view::npos) {
    s.overload = std::string(qualified.substr(dot + 1));
    qualified = qualified.substr(0, dot);
    if (!is_ident(s.overload)) return fail("bad overload name");
  }
  if (!is_ident(qualified)) return fail("bad op name");
  s.name = std::string(qualified);

  // The argument list ends at the ')' matching `open`.
  int depth = 0;
  std::size_t close = std::string_view::npos;
  for (std::size_t i = open; i < t.size(); ++i) {
    if (t[i] == '(')
      ++depth;
    else if (t[i] == ')' && --depth == 0) {
      close = i;
      break;
    }
  }
  if (close == std::string_view::npos) return fail("unbalanced parentheses");
  std::string_view rest = trim(t.substr(close + 1));
  if (rest.substr(0, 2) != "->") return fail("no '->'");
  std::string_view ret = trim(rest.substr(2));
  if (ret.empty()) return fail("no return type");

  bool kwarg_only = false;
  for (auto item : split_top(t.substr(open + 1, close - open - 1))) {
    if (item.empty()) return fail("empty argument");
    if (item == "*") {
      kwarg_only = true;
      continue;
    }
    SchemaArg a;
    a.kwarg_only = kwarg_only;
    std::string_view decl = item;
    // A default value follows the first top-level '=' (types contain none).
    int d = 0;
    for (std::size_t i = 0; i < item.size(); ++i) {
      if (item[i] == '(' || item[i] == '[')
        ++d;
      else if (item[i] == ')' || item[i] == ']')
        --d;
      else if (item[i] == '=' && d == 0) {
        a.default_value = std::string(trim(item.substr(i + 1)));
        decl = trim(item.substr(0, i));
        break;
      }
    }
    const auto space = decl.find_last_of(' ');
    if (space == std::string_view::npos) return fail(fmt::format("argument '{}' has no name", item));
    a.name = std::string(trim(decl.substr(space + 1)));
    if (!is_ident(a.name) || !parse_type(trim(decl.substr(0, space)), a))
      return fail(fmt::format("bad argument '{}'", item));
    s.args.push_back(std::move(a));
  }

  if (ret != "()") {
    std::string_view inner = ret;
    const bool tuple = ret.front() == '(' && ret.back() == ')';
    if (tuple) inner = ret.substr(1, ret.size() - 2);
    for (auto item : split_top(inner)) {
      if (item.empty()) return fail("empty return type");
      // "(Tensor a, Tensor b)" may name returns: keep the type.
      int d = 0;
      std::size_t cut = item.size();
      for (std::size_t i = 0; i < item.size(); ++i) {
        if (item[i] == '(' || item[i] == '[')
          ++d;
        else if (item[i] == ')' || item[i] == ']')
          --d;
        else if (item[i] == ' ' && d == 0) {
          cut = i;
          break;
        }
      }
      SchemaArg probe;
      if (!parse_type(trim(item.substr(0, cut)), probe)) return fail(fmt::format("bad return type '{}'", item));
      s.returns.emplace_back(trim(item.substr(0, cut)));
    }
  }
  return s;
}

SchemaMatch match_schema(const OpInfo& op, const OpSchema& s) {
  SchemaMatch m;
  const std::size_t want = op.threshold ? 3 : 2;
  const std::string form =
      op.threshold ? "(Tensor! out, Tensor input, float threshold) -> ()" : "(Tensor! out, Tensor input) -> ()";
  auto differs = [&](std::string what) {
    m.ok = false;
    m.why = fmt::format("schema `{}` differs from {}{}: {}", s.text, op.name, form, what);
    return m;
  };
  if (!s.overload.empty()) return differs("not the default overload");
  if (s.args.size() != want)
    return differs(fmt::format("{} argument{} instead of {}", s.args.size(), s.args.size() == 1 ? "" : "s", want));
  auto plain_tensor = [](const SchemaArg& a) { return a.base == "Tensor" && !a.optional && !a.list; };
  if (!plain_tensor(s.args[0]) || !s.args[0].is_mutable)
    return differs("the first argument is not a mutable Tensor (out)");
  if (!plain_tensor(s.args[1])) return differs("the second argument is not a Tensor (input)");
  if (op.threshold && (s.args[2].base != "float" || s.args[2].optional || s.args[2].list))
    return differs("the third argument is not a float (threshold)");
  if (s.returns.size() > 1) return differs("it returns more than one value");
  if (s.returns.size() == 1) {
    SchemaArg r;
    parse_type(s.returns[0], r);
    if (r.base != "Tensor" || r.list || r.optional) return differs("it returns something other than a Tensor");
    m.returns_tensor = true;
  }
  m.ok = true;
  return m;
}

namespace {

// Collects NUL-terminated printable runs across chunk boundaries.
class StringScanner {
 public:
  void feed(std::string_view bytes) {
    for (char ch : bytes) {
      const auto c = static_cast<unsigned char>(ch);
      if (c >= 0x20 && c < 0x7f) {
        if (current_.size() < kMaxLen)
          current_ += ch;
        else
          overflow_ = true;
        continue;
      }
      if (c == 0 && !overflow_ && current_.size() >= kMinLen) consider(current_);
      current_.clear();
      overflow_ = false;
    }
  }
  std::vector<OpSchema> take() { return std::move(found_); }

 private:
  static constexpr std::size_t kMinLen = 8, kMaxLen = 4096;
  void consider(std::string_view s) {
    const auto open = s.find('(');
    if (s.find("->") == std::string_view::npos || open == std::string_view::npos) return;
    // The string itself, then each tail starting inside its name (tail-merged literals).
    for (std::size_t p = 0; p < open; ++p) {
      const auto c = static_cast<unsigned char>(s[p]);
      if (!(std::isalpha(c) || c == '_')) continue;
      if (auto schema = parse_schema(s.substr(p))) {
        schema->derived = p > 0;
        found_.push_back(std::move(*schema));
      } else if (p == 0) {
        return;  // not a schema: neither are its tails
      }
    }
  }
  std::string current_;
  bool overflow_ = false;
  std::vector<OpSchema> found_;
};

}  // namespace

std::vector<OpSchema> scan_schemas(std::string_view bytes) {
  StringScanner sc;
  sc.feed(bytes);
  return sc.take();
}

std::vector<OpSchema> scan_schemas_in_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error(ErrorKind::io, fmt::format("cannot read {}", file.string()));
  StringScanner sc;
  std::string buf(1 << 20, '\0');
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    const auto got = static_cast<std::size_t>(in.gcount());
    if (got == 0) break;
    sc.feed(std::string_view(buf.data(), got));
  }
  if (in.bad()) throw Error(ErrorKind::io, fmt::format("error reading {}", file.string()));
  return sc.take();
}

std::map<std::string, OpSchema> by_name(const std::vector<OpSchema>& schemas) {
  std::map<std::string, OpSchema> out;
  for (const auto& s : schemas)
    if (s.overload.empty() && !s.derived) out.emplace(s.name, s);
  for (const auto& s : schemas)
    if (s.overload.empty() && s.derived) out.emplace(s.name, s);  // only where no exact one
  return out;
}

}  // namespace kcpp::bench
