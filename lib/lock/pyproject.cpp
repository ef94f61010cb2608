#include "lock/pyproject.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <sstream>
#include <system_error>
#include <toml++/toml.h>

#include "core/error.hpp"
#include "core/fs.hpp"
#include "hub/types.hpp"

namespace kcpp::lock {

namespace {

constexpr const char* kExample = "[tool.kernels.dependencies]\n\"kernels-community/activation\" = 1";

TextPosition at(const toml::source_region& r) {
  return TextPosition{static_cast<int>(r.begin.line), static_cast<int>(r.begin.column)};
}

// A TOML basic string for KEY (how the user would write it).
std::string toml_quoted(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) {
      out += fmt::format("\\u{:04X}", static_cast<unsigned char>(c));
      continue;
    }
    out += c;
  }
  return out + "\"";
}

// The value as written, for messages: strings quoted, scalars printed, others named.
std::string shown(const toml::node& v) {
  if (auto s = v.as_string()) return toml_quoted(s->get());
  if (auto b = v.as_boolean()) return b->get() ? "true" : "false";
  if (auto i = v.as_integer()) return std::to_string(i->get());
  if (auto f = v.as_floating_point()) return fmt::format("{}", f->get());
  if (v.is_date() || v.is_time() || v.is_date_time()) {
    std::ostringstream ss;
    v.visit([&](auto&& x) {
      if constexpr (toml::is_date<decltype(x)> || toml::is_time<decltype(x)> || toml::is_date_time<decltype(x)>)
        ss << x;
    });
    return ss.str();
  }
  if (v.is_array()) return "[...] (an array)";
  return "{...} (a table)";
}

// tool / tool.kernels / tool.kernels.dependencies: nullptr when absent, error when not a table.
const toml::table* subtable(const toml::table& parent, std::string_view key, std::string_view dotted,
                            const std::string& path) {
  const toml::node* n = parent.get(key);
  if (!n) return nullptr;
  if (!n->is_table()) {
    auto p = at(n->source());
    throw Error(ErrorKind::parse, fmt::format("{}:{}:{}: `{}` must be a table, not {}", path, p.line, p.column,
                                              dotted, shown(*n)))
        .hint(fmt::format("declare kernel dependencies as\n{}", kExample));
  }
  return n->as_table();
}

}  // namespace

Pyproject parse_pyproject(std::string_view text, const std::string& display_path) {
  toml::table doc;
  try {
    doc = toml::parse(text, display_path);
  } catch (const toml::parse_error& e) {
    auto p = at(e.source());
    throw Error(ErrorKind::parse,
                fmt::format("{}:{}:{}: invalid TOML: {}", display_path, p.line, p.column, e.description()))
        .hint("fix the TOML syntax at that position");
  }

  const toml::table* tool = subtable(doc, "tool", "tool", display_path);
  const toml::table* kernels = tool ? subtable(*tool, "kernels", "tool.kernels", display_path) : nullptr;
  const toml::table* deps =
      kernels ? subtable(*kernels, "dependencies", "tool.kernels.dependencies", display_path) : nullptr;
  if (!deps)
    throw Error(ErrorKind::parse, fmt::format("{} has no [tool.kernels.dependencies] table", display_path))
        .hint(fmt::format("declare the kernels the project uses, each with its major version:\n{}", kExample));

  Pyproject out;
  out.path = display_path;
  struct Item {
    const toml::key* key;
    const toml::node* value;
  };
  std::vector<Item> items;
  for (auto&& [k, v] : *deps) items.push_back({&k, &v});
  // toml++ keeps keys sorted; upstream (tomllib) iterates in document order.
  std::stable_sort(items.begin(), items.end(), [](const Item& a, const Item& b) {
    auto pa = at(a.key->source()), pb = at(b.key->source());
    return std::pair(pa.line, pa.column) < std::pair(pb.line, pb.column);
  });

  for (const auto& item : items) {
    const std::string key(item.key->str());
    const toml::node& v = *item.value;
    auto kp = at(item.key->source());
    auto vp = at(v.source());
    auto where = [&](TextPosition p) { return fmt::format("{}:{}:{}", display_path, p.line, p.column); };
    try {
      hub::parse_repo_id(key);
    } catch (const Error& e) {
      throw Error(ErrorKind::parse, fmt::format("{}: {}", where(kp), e.what()))
          .hint("keys of [tool.kernels.dependencies] are Hub repo ids such as \"kernels-community/activation\"");
    }
    const std::string fix = fmt::format("write `{} = 1`: the kernel's major version, an integer "
                                        "(`kernels versions {}` lists them)",
                                        toml_quoted(key), key);
    if (v.is_string())
      throw Error(ErrorKind::parse,
                  fmt::format("{}: {} = {}: version specifiers are not supported since kernels 0.15; "
                              "the version must be an integer major version",
                              where(vp), toml_quoted(key), shown(v)))
          .hint(fix);
    auto integer = v.as_integer();
    if (!integer)
      throw Error(ErrorKind::parse, fmt::format("{}: {} = {}: the version must be an integer major version",
                                                where(vp), toml_quoted(key), shown(v)))
          .hint(fix);
    if (integer->get() < 0)
      throw Error(ErrorKind::parse, fmt::format("{}: {} = {}: the version must not be negative", where(vp),
                                                toml_quoted(key), integer->get()))
          .hint(fix);
    out.dependencies.push_back({key, static_cast<std::uint64_t>(integer->get()), kp, vp});
  }
  if (out.dependencies.empty())
    throw Error(ErrorKind::parse,
                fmt::format("No kernels found to lock: [tool.kernels.dependencies] in {} is empty", display_path))
        .hint(fmt::format("add the kernels the project uses, each with its major version:\n{}", kExample));
  return out;
}

Pyproject read_pyproject(const std::filesystem::path& project_dir) {
  auto path = project_dir / "pyproject.toml";
  std::error_code ec;
  if (!std::filesystem::is_directory(project_dir, ec))
    throw Error(ErrorKind::io, fmt::format("{} is not a directory", project_dir.string()))
        .hint("pass the directory of a Python project (the one with pyproject.toml)");
  if (!std::filesystem::exists(path, ec))
    throw Error(ErrorKind::io, fmt::format("{} does not exist", path.string()))
        .hint("pass the directory of a Python project (the one with pyproject.toml)");
  return parse_pyproject(fs::read_file(path), path.string());
}

}  // namespace kcpp::lock
