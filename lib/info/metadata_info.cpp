#include "info/metadata_info.hpp"

#include "info/git_url.hpp"
#include "core/json_value.hpp"
#include "repo/metadata.hpp"
#include "core/strings.hpp"

namespace kcpp::info {

namespace {

const JsonValue* member(const JsonValue& obj, std::string_view key) {
  for (const auto& [k, v] : obj.members)
    if (k == key) return v.is_null() ? nullptr : &v;
  return nullptr;
}

// "X.Y.Z" as validated by repo::parse_metadata → components without leading zeros.
std::string version3(std::string_view text) {
  const std::string trimmed = strings::trim(text);
  std::string_view s = trimmed;
  std::string out;
  std::size_t start = 0;
  while (true) {
    auto dot = s.find('.', start);
    std::string_view part = s.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    auto nz = part.find_first_not_of('0');
    out += nz == std::string_view::npos ? std::string("0") : std::string(part.substr(nz));
    if (dot == std::string_view::npos) break;
    out += '.';
    start = dot + 1;
  }
  return out;
}

}  // namespace

MetadataInfo parse_metadata_info(std::string_view text, const std::string& display_path) {
  repo::parse_metadata(text, display_path);  // validation: throws what upstream rejects
  const JsonValue doc = parse_json(text);
  MetadataInfo out;
  out.name = member(doc, "name")->text;
  out.version = member(doc, "version")->unsigned_value;
  out.license = member(doc, "license")->text;
  if (auto v = member(doc, "kernels-minver")) out.kernels_minver = version3(v->text);
  if (auto v = member(doc, "upstream")) out.upstream = normalize_git_url(v->text);
  if (auto v = member(doc, "source")) out.source = normalize_git_url(v->text);
  for (const auto& item : member(doc, "python-depends")->items) out.python_depends.push_back(item.text);
  return out;
}

}  // namespace kcpp::info
