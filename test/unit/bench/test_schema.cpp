#include <catch2/catch.hpp>
#include <string>

#include "bench/ops.hpp"
#include "bench/schema.hpp"

using namespace kcpp::bench;

TEST_CASE("schemas parse: arguments, annotations, defaults, returns", "[bench]") {
  auto s = parse_schema("fatrelu_and_mul(Tensor! out, Tensor input, float threshold=0.) -> ()");
  REQUIRE(s);
  CHECK(s->name == "fatrelu_and_mul");
  CHECK(s->ns.empty());
  CHECK(s->overload.empty());
  REQUIRE(s->args.size() == 3);
  CHECK(s->args[0].base == "Tensor");
  CHECK(s->args[0].is_mutable);
  CHECK(s->args[0].name == "out");
  CHECK_FALSE(s->args[1].is_mutable);
  CHECK(s->args[2].base == "float");
  CHECK(s->args[2].default_value == std::optional<std::string>("0."));
  CHECK(s->returns.empty());

  auto q =
      parse_schema("myns::op.out(Tensor(a!) out, Tensor? bias, int[2] pad=[1, 1], *, str mode='a,b') -> Tensor(a!)");
  REQUIRE(q);
  CHECK(q->ns == "myns");
  CHECK(q->overload == "out");
  REQUIRE(q->args.size() == 4);
  CHECK(q->args[0].is_mutable);
  CHECK(q->args[0].type == "Tensor(a!)");
  CHECK(q->args[1].optional);
  CHECK(q->args[2].list);
  CHECK(q->args[2].default_value == std::optional<std::string>("[1, 1]"));
  CHECK(q->args[3].kwarg_only);
  CHECK(q->args[3].default_value == std::optional<std::string>("'a,b'"));
  CHECK(q->returns == std::vector<std::string>{"Tensor(a!)"});

  auto t = parse_schema("split(Tensor x) -> (Tensor a, Tensor b)");
  REQUIRE(t);
  CHECK(t->returns == std::vector<std::string>{"Tensor", "Tensor"});

  std::string why;
  CHECK_FALSE(parse_schema("Could not find schema for %s", &why));
  CHECK_FALSE(parse_schema("f(Tensor x)", &why));
  CHECK(why == "no '->'");
  CHECK_FALSE(parse_schema("f(Tensor) -> ()", &why));
  CHECK(why == "argument 'Tensor' has no name");
  CHECK_FALSE(parse_schema("1f(Tensor x) -> ()"));
  CHECK_FALSE(parse_schema("f(Tensor x -> ()"));
}

TEST_CASE("the benchmark calls an op only with the schema it expects", "[bench]") {
  const OpInfo& silu_and_mul = kOps[0];
  const OpInfo& fatrelu = kOps[4];
  auto match = [](const OpInfo& op, const char* text) { return match_schema(op, *parse_schema(text)); };

  CHECK(match(silu_and_mul, "silu_and_mul(Tensor! out, Tensor input) -> ()").ok);
  CHECK(match(silu_and_mul, "silu_and_mul(Tensor(a!) result, Tensor x) -> ()").ok);  // names do not matter
  auto ret = match(silu_and_mul, "silu_and_mul(Tensor(a!) out, Tensor input) -> Tensor(a!)");
  CHECK(ret.ok);
  CHECK(ret.returns_tensor);
  CHECK(match(fatrelu, "fatrelu_and_mul(Tensor! out, Tensor input, float threshold=0.) -> ()").ok);

  auto functional = match(silu_and_mul, "silu_and_mul(Tensor input) -> Tensor");
  CHECK_FALSE(functional.ok);
  CHECK(functional.why ==
        "schema `silu_and_mul(Tensor input) -> Tensor` differs from silu_and_mul(Tensor! out, Tensor input) -> (): "
        "1 argument instead of 2");
  CHECK(match(silu_and_mul, "silu_and_mul(Tensor out, Tensor input) -> ()").why.find("not a mutable Tensor") !=
        std::string::npos);
  CHECK_FALSE(match(silu_and_mul, "silu_and_mul(Tensor! out, Tensor? input) -> ()").ok);
  CHECK_FALSE(match(fatrelu, "fatrelu_and_mul(Tensor! out, Tensor input) -> ()").ok);
  CHECK_FALSE(match(fatrelu, "fatrelu_and_mul(Tensor! out, Tensor input, Scalar threshold) -> ()").ok);
  CHECK_FALSE(match(silu_and_mul, "silu_and_mul(Tensor! out, Tensor input) -> (Tensor, Tensor)").ok);
  CHECK_FALSE(match(silu_and_mul, "silu_and_mul(Tensor! out, Tensor input) -> int").ok);
  CHECK_FALSE(match(silu_and_mul, "silu_and_mul.out(Tensor! out, Tensor input) -> ()").ok);
}

TEST_CASE("schemas are found among a library's strings, default overloads by name", "[bench]") {
  std::string bytes = std::string(
      "\x7f"
      "ELF\0\0",
      6);
  for (const char* s : {"silu_and_mul(Tensor! out, Tensor input) -> ()", "not a schema -> at all",
                        "gelu.out(Tensor! out, Tensor input) -> ()", "gelu(Tensor! out, Tensor input) -> ()",
                        "silu_and_mul(Tensor input) -> Tensor", "short"}) {
    bytes += s;
    bytes.push_back('\0');
  }
  bytes += "silu(Tensor! out, Tensor input) -> ()";  // not NUL-terminated: not a C string
  auto all = scan_schemas(bytes);
  std::vector<std::string> exact;
  for (const auto& s : all)
    if (!s.derived) exact.push_back(s.text);
  CHECK(exact == std::vector<std::string>{
                     "silu_and_mul(Tensor! out, Tensor input) -> ()", "gelu.out(Tensor! out, Tensor input) -> ()",
                     "gelu(Tensor! out, Tensor input) -> ()", "silu_and_mul(Tensor input) -> Tensor"});
  auto named = by_name(all);
  CHECK(named.at("silu_and_mul").text == "silu_and_mul(Tensor! out, Tensor input) -> ()");  // the first wins
  CHECK_FALSE(named.at("silu_and_mul").derived);
  CHECK(named.at("gelu").overload.empty());
  CHECK(named.count("silu") == 0);
}

TEST_CASE("tail-merged literals: silu(...) stored inside mul_and_silu(...) is found", "[bench]") {
  // What the linker leaves for ops.def("mul_and_silu(…)") + ops.def("silu(…)") (seen on the H100 build).
  std::string bytes("x\0mul_and_silu(Tensor! out, Tensor input) -> ()\0", 48);
  auto named = by_name(scan_schemas(bytes));
  REQUIRE(named.count("silu") == 1);
  CHECK(named.at("silu").derived);
  CHECK(named.at("silu").text == "silu(Tensor! out, Tensor input) -> ()");
  CHECK(match_schema(kOps[9], named.at("silu")).ok);
  CHECK_FALSE(named.at("mul_and_silu").derived);
  // An exact string of the same name wins over a tail.
  bytes += std::string("silu(Tensor! out, Tensor input, float beta) -> ()") + '\0';
  named = by_name(scan_schemas(bytes));
  CHECK_FALSE(named.at("silu").derived);
  CHECK(named.at("silu").args.size() == 3);
}
