// The build.toml schema of one edition (kernels-data config/v3.rs, v4.rs, v5.rs): the three
// differ in a handful of fields, so one reader takes the edition as a parameter instead of
// three copies. Failures are toml_read::TomlSchemaError (position + serde's wording + hint).
#include "builder/build_toml_schema.hpp"

#include <fmt/core.h>

#include <algorithm>

#include "builder/toml_read.hpp"
#include "repo/metadata.hpp"

namespace kcpp::builder {

using namespace toml_read;

namespace {

const std::vector<std::string_view> kBackendNames = {"cann", "cpu", "cuda", "metal", "neuron", "rocm", "tpu", "xpu"};
const std::vector<std::string_view> kKernelBackendNames = {"cpu", "cuda", "metal", "rocm", "xpu"};
const std::vector<std::string_view> kDependencyNames = {"cutlass_2_10", "cutlass_3_5", "cutlass_3_6", "cutlass_3_8",
                                                        "cutlass_3_9",  "cutlass_4_0", "cutlass_4_4", "cutlass_4_5",
                                                        "sycl_tla",     "metal-cpp",   "torch"};

std::string kernel_name_error(const std::string& name) {
  return fmt::format(
      "Invalid kernel name `{}`. Name must:\n- Start with a lowercase letter (a-z)\n- Contain only lowercase letters, "
      "digits, and dashes\n- End with a lowercase letter or digit\n- Be at least 2 characters long\nExamples: "
      "`my-kernel`, `relu2d`, `flash-attention`",
      name);
}

// ^[a-z][-a-z0-9]*[a-z0-9]$, by hand: std::regex recursed once per character and a long
// name overflowed the stack.
bool valid_kernel_name(std::string_view n) {
  auto lower = [](char c) { return c >= 'a' && c <= 'z'; };
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  if (n.size() < 2 || !lower(n.front()) || !(lower(n.back()) || digit(n.back()))) return false;
  return std::all_of(n.begin(), n.end(), [&](char c) { return lower(c) || digit(c) || c == '-'; });
}

// The reader for one edition (3, 4 or 5) of the schema.
class Reader {
 public:
  explicit Reader(int edition) : edition_(edition) {}

  BuildConfig read(const toml::table& doc) const {
    BuildConfig out;
    out.edition = edition_;
    Table root(doc, "build.toml", {"general", "kernel", "torch", "torch-noarch", "tvm-ffi"});
    const toml::table* general = root.opt_table("general", "struct General");
    if (!general) root.missing("general", "every build.toml starts with a [general] table (name, version, license, backends)");
    out.general = read_general(*general);
    read_framework(root, out.framework);
    if (const toml::table* kernels = root.opt_table("kernel", "a map")) {
      for (auto&& [k, v] : *kernels) {
        const toml::table* t = v.as_table();
        if (!t) invalid_type(v, "internally tagged enum Kernel");
        out.kernels.push_back(read_kernel(std::string(k.str()), *t));
      }
      std::stable_sort(out.kernels.begin(), out.kernels.end(), [](const Kernel& a, const Kernel& b) {
        return std::pair(a.where.line, a.where.column) < std::pair(b.where.line, b.where.column);
      });
    }
    return out;
  }

 private:
  int edition_;

  bool v5() const { return edition_ >= 5; }

  DottedVersion version(const toml::node& n) const {
    std::string why;
    auto v = parse_dotted_version(as_string(n), &why);
    if (!v) fail(n, why, "versions are written as dotted numbers in a string, e.g. \"12.8\"");
    return *v;
  }
  std::optional<DottedVersion> opt_version(const Table& t, std::string_view key) const {
    const toml::node* n = t.get(key);
    if (!n) return std::nullopt;
    return version(*n);
  }

  std::optional<std::string> git_url(const Table& t, std::string_view key) const {
    const toml::node* n = t.get(key);
    if (!n) return std::nullopt;
    std::string s = as_string(*n);
    std::string why;
    if (!repo::is_valid_git_url(s, &why))
      fail(*n, why, "use a git URL such as \"https://github.com/org/repo\" or \"git@github.com:org/repo.git\"");
    return s;
  }

  std::optional<std::vector<LocatedString>> located_strings(const Table& t, std::string_view key) const {
    const toml::node* n = t.get(key);
    if (!n) return std::nullopt;
    std::vector<LocatedString> out;
    for (const auto& item : as_array(*n)) out.push_back({as_string(item), position_of(item)});
    return out;
  }

  KernelDependency kernel_dependency(const toml::node& n) const {
    const toml::table* t = n.as_table();
    if (!t) invalid_type(n, "struct KernelDependencyRepr");
    Table dep(*t, "kernel dependency", {"repo-id", "version", "revision"});
    KernelDependency out;
    out.repo_id = dep.req_string("repo-id", "write kernel dependencies as { repo-id = \"org/name\", version = 1 }");
    if (const toml::node* v = dep.get("version")) out.version = as_uint(*v);
    out.revision = dep.opt_string("revision");
    const std::string hint = "give either `version = N` (a major version) or `revision = \"…\"`";
    if (out.version && out.revision) fail(n, "`version` and `revision` are mutually exclusive", hint);
    if (!out.version && !out.revision) fail(n, "either `version` or `revision` must be specified", hint);
    return out;
  }
  std::optional<std::vector<KernelDependency>> kernel_dependencies(const Table& t) const {
    const toml::node* n = t.get("kernel-depends");
    if (!n) return std::nullopt;
    std::vector<KernelDependency> out;
    for (const auto& item : as_array(*n)) out.push_back(kernel_dependency(item));
    return out;
  }

  Backend backend(const toml::node& n, const std::vector<std::string_view>& allowed) const {
    std::string s = as_string(n);
    if (std::find(allowed.begin(), allowed.end(), s) == allowed.end())
      fail(n, fmt::format("unknown variant `{}`, expected one of {}", s, backticked(allowed)),
           fmt::format("backends are {}", backticked(allowed)));
    return *backend_from_name(s);
  }

  General read_general(const toml::table& t) const {
    std::vector<std::string_view> fields;
    if (edition_ >= 5)
      fields = {"name", "version", "edition", "license", "upstream", "source", "backends", "cuda",
                "hub",  "kernel-depends", "neuron", "python-depends", "tpu", "xpu"};
    else if (edition_ == 4)
      fields = {"name", "version", "license", "upstream", "source", "backends", "cuda", "hub", "neuron",
                "python-depends", "xpu"};
    else
      fields = {"name", "version", "license", "upstream", "backends", "cuda", "hub", "neuron", "python-depends", "xpu"};
    Table g(t, "general", fields);

    General out;
    out.name = g.req_string("name", "name the kernel, e.g. `name = \"relu\"`");
    if (!valid_kernel_name(out.name))
      fail(*g.get("name"), kernel_name_error(out.name), "rename the kernel, e.g. `name = \"my-kernel\"`");
    if (edition_ >= 4) {
      out.version = g.req_uint("version", "add the kernel's major version, e.g. `version = 1`");
      out.license = g.req_string("license", "add the license, e.g. `license = \"Apache-2.0\"`");
    } else {
      if (const toml::node* v = g.get("version")) out.version = as_uint(*v);
      out.license = g.opt_string("license").value_or("");
    }
    out.upstream = git_url(g, "upstream");
    if (edition_ >= 4) out.source = git_url(g, "source");
    const toml::node* backends = g.get("backends");
    if (!backends) g.missing("backends", "list the backends the kernel supports, e.g. `backends = [\"cpu\", \"cuda\"]`");
    for (const auto& b : as_array(*backends)) out.backends.push_back(backend(b, kBackendNames));
    if (const toml::table* hub = g.opt_table("hub", "struct Hub")) {
      Table h(*hub, "general.hub", {"repo-id", "branch"});
      out.hub_repo_id = h.opt_string("repo-id");
      out.hub_branch = h.opt_string("branch");
    }
    out.python_depends = located_strings(g, "python-depends");
    if (v5()) out.kernel_depends = kernel_dependencies(g);
    if (const toml::table* cuda = g.opt_table("cuda", "struct CudaGeneral")) {
      Table c(*cuda, "general.cuda",
              v5() ? std::vector<std::string_view>{"minver", "maxver", "kernel-depends", "python-depends"}
                   : std::vector<std::string_view>{"minver", "maxver", "python-depends"});
      CudaGeneral cg;
      cg.minver = opt_version(c, "minver");
      cg.maxver = opt_version(c, "maxver");
      cg.python_depends = located_strings(c, "python-depends");
      if (v5()) cg.kernel_depends = kernel_dependencies(c);
      out.cuda = cg;
    }
    auto backend_table = [&](std::string_view key, const char* type, bool kernel_depends) -> std::optional<BackendDepends> {
      const toml::table* bt = g.opt_table(key, type);
      if (!bt) return std::nullopt;
      Table b(*bt, "general." + std::string(key),
              kernel_depends && v5() ? std::vector<std::string_view>{"kernel-depends", "python-depends"}
                                     : std::vector<std::string_view>{"python-depends"});
      BackendDepends d;
      d.python_depends = located_strings(b, "python-depends");
      if (kernel_depends && v5()) d.kernel_depends = kernel_dependencies(b);
      return d;
    };
    out.neuron = backend_table("neuron", "struct NeuronGeneral", true);
    out.xpu = backend_table("xpu", "struct XpuGeneral", true);
    if (v5()) out.tpu = backend_table("tpu", "struct TpuGeneral", false);
    return out;
  }

  void read_framework(const Table& root, Framework& out) const {
    std::vector<std::string_view> present;
    for (std::string_view k : {"torch", "torch-noarch", "tvm-ffi"})
      if (root.get(k) && !(edition_ < 4 && k == "torch-noarch")) present.push_back(k);
    if (edition_ < 4 && root.get("torch-noarch"))
      fail(*root.get("torch-noarch"), "unknown field `torch-noarch`, expected one of `general`, `kernel`, `torch`, `tvm-ffi`");
    if (present.empty()) {
      if (edition_ < 4) {  // v3: no framework table means torch-noarch
        out.kind = FrameworkKind::torch_noarch;
        return;
      }
      root.missing("torch", "add a framework table: [torch] (compiled torch extension), [torch-noarch] (pure Python) "
                            "or [tvm-ffi]");
    }
    if (present.size() > 1)
      fail(*root.get(present[1]),
           fmt::format("only one framework table may be given, found {}", backticked(present)),
           "keep one of [torch], [torch-noarch], [tvm-ffi]");
    const std::string_view key = present[0];
    const toml::node& node = *root.get(key);
    const toml::table* t = node.as_table();
    if (key == "torch") {
      if (!t) invalid_type(node, "struct Torch");
      std::vector<std::string_view> fields = {"include", "minver", "maxver", "pyext", "src"};
      if (edition_ >= 4) {
        fields.push_back("stable-abi");
        fields.push_back("cxx-flags");
      }
      Table tt(*t, "torch", fields);
      out.kind = FrameworkKind::torch;
      out.include = tt.opt_strings("include");
      out.minver = opt_version(tt, "minver");
      out.maxver = opt_version(tt, "maxver");
      out.pyext = tt.opt_strings("pyext");
      out.src = tt.opt_strings("src").value_or(std::vector<std::string>{});
      if (edition_ >= 4) {
        out.cxx_flags = tt.opt_strings("cxx-flags");
        if (const toml::node* abi = tt.get("stable-abi")) read_stable_abi(*abi, out);
      }
    } else if (key == "torch-noarch") {
      if (!t) invalid_type(node, "struct TorchNoarch");
      Table tn(*t, "torch-noarch", {"pyext", "cuda_capabilities", "rocm_archs"});
      out.kind = FrameworkKind::torch_noarch;
      out.pyext = tn.opt_strings("pyext");
      out.cuda_capabilities = tn.opt_strings("cuda_capabilities");
      out.rocm_archs = tn.opt_strings("rocm_archs");
    } else {
      if (!t) invalid_type(node, "struct TvmFfi");
      std::vector<std::string_view> fields = {"include", "pyext", "src"};
      if (edition_ >= 4) fields.push_back("cxx-flags");
      Table tv(*t, "tvm-ffi", fields);
      out.kind = FrameworkKind::tvm_ffi;
      out.include = tv.opt_strings("include");
      out.pyext = tv.opt_strings("pyext");
      out.src = tv.req_strings("src", "list the tvm-ffi binding sources, e.g. `src = [\"tvm-ffi-ext/binding.cpp\"]`");
      if (edition_ >= 4) out.cxx_flags = tv.opt_strings("cxx-flags");
    }
  }

  void read_stable_abi(const toml::node& n, Framework& out) const {
    if (n.is_string()) {
      out.stable_abi_all = version(n);
      return;
    }
    const toml::table* t = n.as_table();
    if (!v5() || !t) {
      if (v5()) fail(n, "data did not match any variant of untagged enum TorchAbi",
                     "write `stable-abi = \"2.11\"` or `stable-abi = { cuda = \"2.11\" }`");
      invalid_type(n, "a string");
    }
    for (auto&& [k, v] : *t) {
      auto b = backend_from_name(k.str());
      if (!b) fail(v, "data did not match any variant of untagged enum TorchAbi",
                   fmt::format("`{}` is not a backend; backends are {}", k.str(), backticked(kBackendNames)));
      if (!v.is_string()) fail(v, "data did not match any variant of untagged enum TorchAbi",
                               "stable ABI versions are strings such as \"2.11\"");
      out.stable_abi_per_backend[*b] = version(v);
    }
  }

  Kernel read_kernel(std::string name, const toml::table& t) const {
    Kernel k;
    k.name = std::move(name);
    k.where = position_of(t);
    const toml::node* tag = t.get("backend");
    const std::string section = "kernel." + k.name;
    if (!tag)
      fail(t, fmt::format("missing field `backend` in [{}]", section),
           fmt::format("say which backend the kernel is for: {}", backticked(kKernelBackendNames)));
    k.backend = backend(*tag, kKernelBackendNames);
    std::vector<std::string_view> fields = {"backend", "cxx-flags", "depends", "include", "src"};
    switch (k.backend) {
      case Backend::cuda:
        fields.insert(fields.end(), {"cuda-capabilities", "cuda-flags", "cuda-minver"});
        break;
      case Backend::rocm:
        fields.insert(fields.end(), {"rocm-archs", "hip-flags"});
        break;
      case Backend::xpu:
        fields.push_back("sycl-flags");
        break;
      default:
        break;
    }
    Table kt(t, section, fields);
    const toml::node* depends = kt.get("depends");
    if (!depends) kt.missing("depends", "list what the kernel needs, e.g. `depends = [\"torch\"]` (or `[]`)");
    for (const auto& d : as_array(*depends)) {
      std::string s = as_string(d);
      if (std::find(kDependencyNames.begin(), kDependencyNames.end(), s) == kDependencyNames.end())
        fail(d, fmt::format("unknown variant `{}`, expected one of {}", s, backticked(kDependencyNames)),
             fmt::format("dependencies are {}", backticked(kDependencyNames)));
      k.depends.push_back(s);
    }
    k.src = kt.req_strings("src", "list the kernel's sources, e.g. `src = [\"relu_cuda/relu.cu\"]`");
    k.include = kt.opt_strings("include");
    k.cxx_flags = kt.opt_strings("cxx-flags");
    if (k.backend == Backend::cuda) {
      k.cuda_capabilities = kt.opt_strings("cuda-capabilities");
      k.cuda_flags = kt.opt_strings("cuda-flags");
      k.cuda_minver = opt_version(kt, "cuda-minver");
    } else if (k.backend == Backend::rocm) {
      k.rocm_archs = kt.opt_strings("rocm-archs");
      k.hip_flags = kt.opt_strings("hip-flags");
    } else if (k.backend == Backend::xpu) {
      k.sycl_flags = kt.opt_strings("sycl-flags");
    }
    return k;
  }
};

}  // namespace

const std::vector<std::string_view>& all_backend_names() { return kBackendNames; }

BuildConfig read_schema(const toml::table& doc, int edition) { return Reader(edition).read(doc); }

}  // namespace kcpp::builder
