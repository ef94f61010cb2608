#pragma once
// Torch operator schemas ("silu_and_mul(Tensor! out, Tensor input) -> ()"): parsing, finding
// the ones a kernel library declares, and deciding whether the benchmark can call an op.
//
// Which ops a kernel provides is read from its shared object: TORCH_LIBRARY blocks declare
// ops with `m.def("<schema>")`, and those schema strings are literals in the library's
// read-only data. Reading them (instead of asking the dispatcher) lets `kernels benchmark`
// say "not provided" without calling anything, check the argument list before it builds a
// call stack (the C shim reads one stack slot per schema argument: a wrong guess would hand
// torch a garbage tensor pointer), and work in --dry-run without torch or a GPU.
//
// Linkers merge string literals that are tails of others (-O2, SHF_MERGE|SHF_STRINGS): the
// literal "silu(Tensor! out, Tensor input) -> ()" is stored once, inside "mul_and_silu(…)".
// So every identifier-starting tail of a schema string counts too, marked `derived`; an exact
// string of the same name wins. A derived schema can be a false positive (the kernel declares
// mul_and_silu only): the GPU run then asks the dispatcher, which says "Could not find schema"
// before it reads the call stack, and the op is reported "not provided".
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bench/ops.hpp"

namespace kcpp::bench {

struct SchemaArg {
  std::string type;  // as written: "Tensor(a!)", "float", "int[]"
  std::string base;  // type without alias annotation, '!', '?', '[…]': "Tensor", "float"
  std::string name;
  bool is_mutable = false;  // Tensor! / Tensor(a!)
  bool optional = false;    // T?
  bool list = false;        // T[] / T[N]
  bool kwarg_only = false;  // after `*`
  std::optional<std::string> default_value;
};

struct OpSchema {
  std::string ns;  // "" unless written qualified ("ns::name(…)")
  std::string name;
  std::string overload;  // "" for the default overload
  std::vector<SchemaArg> args;
  std::vector<std::string> returns;  // types; "()" → empty
  std::string text;                  // the schema as found
  bool derived = false;              // a tail of a longer string (see above), not a string of its own
};

// nullopt (and the reason in *why) when TEXT is not a schema.
std::optional<OpSchema> parse_schema(std::string_view text, std::string* why = nullptr);

// How the benchmark calls an op whose schema matched.
struct SchemaMatch {
  bool ok = false;
  std::string why;              // when !ok: what differs from what the benchmark calls
  bool returns_tensor = false;  // `-> Tensor(a!)`: the returned handle is released after each call
};

// Whether SCHEMA has the form the benchmark calls OP with:
//   (Tensor! out, Tensor input) -> ()        (fatrelu_and_mul: + float threshold)
// Argument names and a default for threshold do not matter; `-> Tensor` (returning out) is
// accepted. Anything else is reported with the schema, never called.
SchemaMatch match_schema(const OpInfo& op, const OpSchema& schema);

// The schemas in BYTES: NUL-terminated printable strings that parse as schemas, and their
// identifier-starting tails that do (derived), in order.
std::vector<OpSchema> scan_schemas(std::string_view bytes);

// scan_schemas over a file, read in chunks. Throws kcpp::Error(io) naming the file.
std::vector<OpSchema> scan_schemas_in_file(const std::filesystem::path& file);

// Default-overload schemas by op name: the first exact one of each name, else the first derived.
std::map<std::string, OpSchema> by_name(const std::vector<OpSchema>& schemas);

}  // namespace kcpp::bench
