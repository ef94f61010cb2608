#pragma once
// Internal to build_toml.cpp: the schema of one build.toml edition (3, 4 or 5) applied to a
// parsed document. Throws toml_read::TomlSchemaError.
#include <string_view>
#include <toml++/toml.h>
#include <vector>

#include "builder/build_toml.hpp"

namespace kcpp::builder {

BuildConfig read_schema(const toml::table& doc, int edition);

// cann, cpu, cuda, metal, neuron, rocm, tpu, xpu (kernels-data Backend, in its order).
const std::vector<std::string_view>& all_backend_names();

}  // namespace kcpp::builder
