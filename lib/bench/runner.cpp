#include "bench/runner.hpp"

#include <dlfcn.h>
#include <fmt/core.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>
#include <random>

#include "core/error.hpp"
#include "core/hash.hpp"

namespace kcpp::bench {

namespace {

std::uint64_t align_up(std::uint64_t v, std::uint64_t a) { return (v + a - 1) / a * a; }

using hash::splitmix64;  // seeds per op, dtype, workload and buffer set

// Adds one compare() of ELEMENTS outputs to V (counts add up, maxima over all of them).
void add_comparison(Verification& v, const device::CompareResult& r, std::uint64_t elements) {
  v.elements += elements;
  v.mismatches += r.mismatches;
  v.nonfinite += r.nonfinite;
  v.max_abs = std::max(v.max_abs, r.max_abs);
  v.max_rel = std::max(v.max_rel, r.max_rel);
  v.worst = std::max(v.worst, r.worst);
}

std::vector<std::int64_t> contiguous_strides(const std::vector<std::int64_t>& shape) {
  std::vector<std::int64_t> s(shape.size(), 1);
  for (std::size_t i = shape.size(); i-- > 1;) s[i - 1] = s[i] * shape[i];
  return s;
}

// A CUDA error after work was queued: the context may be unusable, so the run stops.
[[noreturn]] void fatal(const device::CudaError& e, const std::string& where) {
  throw Error(ErrorKind::failure, fmt::format("CUDA error {}", where))
      .cause(e.what())
      .hint(
          "an asynchronous fault (e.g. an illegal address in a kernel) leaves the CUDA context unusable; "
          "run with --ops/--dtypes/--workloads to isolate the case, or under compute-sanitizer");
}

struct CallAborted {
  CallFailure failure;
};

// Timings of ENQUEUE(set) with CUDA events around each call, after WARMUP calls. A spinning
// kernel holds the stream while the timed calls are queued, so they run back to back.
template <typename F>
Timing time_calls(F&& enqueue, int sets, const BenchOptions& o, device::Stream s, device::Events& ev,
                  const device::Buffer& scrub, std::uint64_t bytes, double copy_gbps) {
  device::memset_async(scrub.get(), 0, scrub.bytes(), s);  // evict the buffer sets from L2
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < o.warmup; ++i) enqueue(i % sets);
  const double host_us =
      std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count() / std::max(1, o.warmup);
  device::synchronize(s);
  const double per_call_us = o.warmup > 0 ? 2.0 * host_us + 10.0 : 50.0;
  device::spin(s, std::min(200000.0, per_call_us * o.iterations + 50.0));
  for (int i = 0; i < o.iterations; ++i) {
    ev.record(2 * i, s);
    enqueue((o.warmup + i) % sets);
    ev.record(2 * i + 1, s);
  }
  device::synchronize(s);
  std::vector<double> ms(static_cast<std::size_t>(o.iterations));
  for (int i = 0; i < o.iterations; ++i) ms[static_cast<std::size_t>(i)] = ev.elapsed_ms(2 * i, 2 * i + 1);
  Timing t;
  t.stats = summarize(std::move(ms));
  t.gbps = t.stats.median > 0 ? static_cast<double>(bytes) / (t.stats.median * 1e6) : 0;
  t.pct_of_copy = copy_gbps > 0 ? 100.0 * t.gbps / copy_gbps : 0;
  return t;
}

// One case's buffers: SETS × (input, output), plus the reference output.
struct CaseBuffers {
  device::Buffer arena, ref_out;
  std::uint64_t in_stride = 0, out_stride = 0, set_bytes = 0;
  unsigned char* in(int k) const { return arena.get() + static_cast<std::uint64_t>(k) * set_bytes; }
  unsigned char* out(int k) const { return in(k) + in_stride; }
};

class CaseRunner {
 public:
  CaseRunner(const BenchOptions& o, const device::DeviceInfo& dev, const KernelUnderTest* k, const TorchRuntime* torch,
             device::Stream s, device::Events& ev, const device::Buffer& scrub, double copy_gbps, std::uint64_t seed)
      : o_(o), dev_(dev), k_(k), torch_(torch), s_(s), ev_(ev), scrub_(scrub), copy_gbps_(copy_gbps), seed_(seed) {}

  void run(int op_index, DType dt, std::size_t workload_index, CaseResult& c, const SchemaMatch* match) {
    const OpInfo& op = kOps[static_cast<std::size_t>(op_index)];
    const Workload& w = o_.workloads[workload_index];
    const Problem p = problem_for(op, dt, w);
    const std::string where = fmt::format("in {} {} {}", op.name, dtype_name(dt), w.name);

    CaseBuffers b;
    b.in_stride = align_up(p.in_bytes, 256);
    b.out_stride = align_up(p.out_bytes, 256);
    b.set_bytes = b.in_stride + b.out_stride;
    std::uint64_t free_b = 0;
    try {
      free_b = device::free_memory();
    } catch (const device::CudaError& e) {
      fatal(e, where);
    }
    const std::uint64_t avail = free_b > b.out_stride ? (free_b - b.out_stride) / 10 * 8 : 0;
    if (avail < b.set_bytes) {
      c.status = CaseStatus::error;
      c.message = fmt::format("does not fit in GPU memory ({} MiB needed, {} MiB free)",
                              (b.set_bytes + b.out_stride) >> 20, free_b >> 20);
      return;
    }
    const int sets = buffer_sets(b.set_bytes, dev_.l2_bytes, o_.warmup, o_.iterations, avail);
    c.buffer_sets = sets;
    try {
      b.arena = device::Buffer(b.set_bytes * static_cast<std::uint64_t>(sets));
      b.ref_out = device::Buffer(b.out_stride);
      for (int k = 0; k < sets; ++k)
        device::fill_uniform(
            b.in(k), dt, p.in_elems,
            splitmix64(seed_ ^ splitmix64((static_cast<std::uint64_t>(op_index) << 48) ^
                                          (static_cast<std::uint64_t>(dt) << 40) ^ (workload_index << 32) ^
                                          static_cast<std::uint64_t>(k))),
            -6.0f, 6.0f, s_);
      device::synchronize(s_);
    } catch (const device::CudaError& e) {
      if (e.code() == 2 /* cudaErrorMemoryAllocation */) {
        c.status = CaseStatus::error;
        c.message = e.what();
        return;
      }
      fatal(e, where);
    }

    // Tensors over the buffer sets (the kernel's calls); views of the input halves (eager).
    std::vector<TorchRuntime::Tensor> ins, outs, xs, ys;
    const bool eager = o_.torch_eager && torch_ && op.name == "silu_and_mul";
    if (torch_ && (k_ || eager)) {
      for (int k = 0; k < sets; ++k) {
        if (k_) {
          ins.push_back(torch_->from_blob(b.in(k), dt, p.in_shape, contiguous_strides(p.in_shape), dev_.index));
          outs.push_back(torch_->from_blob(b.out(k), dt, p.out_shape, contiguous_strides(p.out_shape), dev_.index));
        }
        if (eager) {
          const std::vector<std::int64_t> shape = {p.rows, p.d}, strides = {p.in_width, 1};
          xs.push_back(torch_->from_blob(b.in(k), dt, shape, strides, dev_.index));
          ys.push_back(torch_->from_blob(b.in(k) + static_cast<std::uint64_t>(p.d) * dtype_size(dt), dt, shape, strides,
                                         dev_.index));
        }
      }
    }
    const std::string qualified = k_ ? k_->ns + "::" + std::string(op.name) : std::string();
    auto call_kernel = [&](int k, bool capture) -> std::optional<CallFailure> {
      StableIValue stack[3] = {stable_from_handle(outs[static_cast<std::size_t>(k)].share()),
                               stable_from_handle(ins[static_cast<std::size_t>(k)].share()),
                               stable_from_double(kFatreluThreshold)};
      auto failure = torch_->call(qualified, "", stack, capture);
      if (!failure && match && match->returns_tensor) torch_->adopt(stable_to_handle(stack[0]));  // released here
      return failure;
    };
    auto launch_ref = [&](void* out, int k) {
      device::launch_reference(op_index, dt, out, b.in(k), p.rows, p.d, kFatreluThreshold, s_);
    };
    // F.silu(x[..., :d]) * x[..., d:], as torch eager runs it: two aten kernels and an allocation.
    auto call_eager = [&](int k) -> TorchRuntime::Tensor {
      StableIValue st1[1] = {stable_from_handle(xs[static_cast<std::size_t>(k)].share())};
      if (auto f = torch_->call("aten::silu", "", st1, false)) throw CallAborted{*f};
      StableIValue st2[2] = {st1[0], stable_from_handle(ys[static_cast<std::size_t>(k)].share())};
      if (auto f = torch_->call("aten::mul", "Tensor", st2, false)) throw CallAborted{*f};
      return torch_->adopt(stable_to_handle(st2[0]));
    };

    const Tolerance tol = tolerance_for(dt);
    try {
      if (k_) {
        Verification v;
        v.tol = tol;
        for (int k = 0; k < sets; ++k) {
          device::poison(b.out(k), p.out_bytes, s_);
          device::poison(b.ref_out.get(), p.out_bytes, s_);
          launch_ref(b.ref_out.get(), k);
          if (auto f = call_kernel(k, true)) {
            device::synchronize(s_);
            c.status = f->op_missing || f->no_cuda_impl ? CaseStatus::not_provided : CaseStatus::error;
            c.message = f->message;
            return;
          }
          device::synchronize(s_);
          const auto r = device::compare(dt, b.out(k), b.ref_out.get(), p.out_elems, tol.rtol, tol.atol, s_);
          add_comparison(v, r, p.out_elems);
          if (r.first_index >= 0 && !v.first) {
            Mismatch m;
            m.index = static_cast<std::uint64_t>(r.first_index);
            m.row = r.first_index / p.d;
            m.col = r.first_index % p.d;
            const auto xi = static_cast<std::uint64_t>(m.row * p.in_width + m.col);
            m.x = device::element(dt, b.in(k), xi);
            if (op.gated) m.y = device::element(dt, b.in(k), xi + static_cast<std::uint64_t>(p.d));
            m.got = device::element(dt, b.out(k), m.index);
            m.expected = device::element(dt, b.ref_out.get(), m.index);
            v.first = m;
          }
        }
        c.status = v.mismatches ? CaseStatus::fail : CaseStatus::pass;
        c.verification = v;
        c.kernel = time_calls(
            [&](int k) {
              if (auto f = call_kernel(k, false)) throw CallAborted{*f};
            },
            sets, o_, s_, ev_, scrub_, p.bytes, copy_gbps_);
      } else {
        c.status = CaseStatus::timed;
        launch_ref(b.ref_out.get(), sets - 1);  // for the eager check below
      }
      c.reference = time_calls([&](int k) { launch_ref(b.out(k), k); }, sets, o_, s_, ev_, scrub_, p.bytes, copy_gbps_);
      if (eager) {
        if (k_) {  // ref_out holds the last set's reference output
          device::poison(b.ref_out.get(), p.out_bytes, s_);
          launch_ref(b.ref_out.get(), sets - 1);
        }
        {
          TorchRuntime::Tensor prod = call_eager(sets - 1);
          device::synchronize(s_);
          const auto r =
              device::compare(dt, torch_->data_ptr(prod.get()), b.ref_out.get(), p.out_elems, tol.rtol, tol.atol, s_);
          Verification v;
          v.tol = tol;
          add_comparison(v, r, p.out_elems);
          c.eager_verification = v;
          if (!k_ && r.mismatches) c.status = CaseStatus::fail;
        }
        c.eager = time_calls([&](int k) { call_eager(k); }, sets, o_, s_, ev_, scrub_, p.bytes, copy_gbps_);
      }
    } catch (const CallAborted& a) {
      try {
        device::synchronize(s_);
      } catch (const device::CudaError& e) {
        fatal(e, where);
      }
      c.status = CaseStatus::error;
      c.message = "a timed call failed: " + a.failure.message;
    } catch (const device::CudaError& e) {
      fatal(e, where);
    }
  }

 private:
  const BenchOptions& o_;
  const device::DeviceInfo& dev_;
  const KernelUnderTest* k_;
  const TorchRuntime* torch_;
  device::Stream s_;
  device::Events& ev_;
  const device::Buffer& scrub_;
  double copy_gbps_;
  std::uint64_t seed_;
};

CaseResult base_case(int op_index, DType dt, const Workload& w) {
  const OpInfo& op = kOps[static_cast<std::size_t>(op_index)];
  const Problem p = problem_for(op, dt, w);
  CaseResult c;
  c.op = std::string(op.name);
  c.dtype = dt;
  c.workload = w.name;
  c.in_shape = p.in_shape;
  c.out_shape = p.out_shape;
  c.bytes = p.bytes;
  return c;
}

// not provided / unsupported from the declared schemas; nullopt = callable (MATCH filled).
bool schema_status(const KernelUnderTest& k, const OpInfo& op, CaseResult& c, SchemaMatch& match) {
  auto it = k.schemas.find(std::string(op.name));
  if (it == k.schemas.end()) {
    c.status = CaseStatus::not_provided;
    c.message = fmt::format("{} declares no op torch.ops.{}.{}", k.summary.library, k.ns, op.name);
    return false;
  }
  match = match_schema(op, it->second);
  if (!match.ok) {
    c.status = CaseStatus::unsupported;
    c.message = match.why;
    return false;
  }
  return true;
}

}  // namespace

int buffer_sets(std::uint64_t footprint, std::uint64_t l2_bytes, int warmup, int iterations, std::uint64_t free_bytes) {
  if (footprint == 0) return 2;
  std::uint64_t sets = std::max<std::uint64_t>(2, (4 * l2_bytes + footprint - 1) / footprint);
  sets = std::min<std::uint64_t>(sets, static_cast<std::uint64_t>(std::max(2, warmup + iterations)));
  sets = std::min<std::uint64_t>(sets, std::max<std::uint64_t>(1, free_bytes / footprint));
  return static_cast<int>(sets);
}

device::DeviceInfo open_gpu() {
  if (!device::compiled_with_cuda())
    throw Error(ErrorKind::failure, "kernels benchmark: this kernels binary was built without CUDA support")
        .hint(
            "build kernels-cpp where nvcc is installed (CMake then builds lib/bench/cuda); "
            "`kernels benchmark --dry-run` shows what would be run without a GPU");
  if (void* h = dlopen("libcuda.so.1", RTLD_LAZY | RTLD_LOCAL)) {
    dlclose(h);
  } else {
    throw Error(ErrorKind::failure, "kernels benchmark needs an NVIDIA GPU: no CUDA driver found (libcuda.so.1)")
        .hint(
            "run it on a machine with an NVIDIA GPU and its driver; `kernels benchmark --dry-run` and "
            "`kernels check` work without one");
  }
  try {
    return device::open_device(0);
  } catch (const device::CudaError& e) {
    if (e.code() == device::kErrNoDevice)
      throw Error(ErrorKind::failure, "kernels benchmark needs an NVIDIA GPU: no CUDA device found")
          .cause(e.what())
          .hint("check `nvidia-smi` and CUDA_VISIBLE_DEVICES");
    if (e.code() == device::kErrInsufficientDriver || e.code() == device::kErrStubLibrary)
      throw Error(ErrorKind::failure, "kernels benchmark: the CUDA driver cannot run this build's CUDA runtime")
          .cause(e.what())
          .hint("update the NVIDIA driver (this build's CUDA runtime needs a driver at least as new)");
    throw Error(ErrorKind::failure, "kernels benchmark: cannot use the GPU").cause(e.what()).hint("check `nvidia-smi`");
  }
}

Report plan_report(const BenchOptions& o, const KernelUnderTest& k) {
  Report r;
  r.kernel = k.summary;
  r.settings.warmup = o.warmup;
  r.settings.iterations = o.iterations;
  r.settings.seed = o.seed.value_or(0);
  r.settings.dry_run = true;
  for (int op : o.ops)
    for (DType dt : o.dtypes)
      for (const auto& w : o.workloads) {
        CaseResult c = base_case(op, dt, w);
        SchemaMatch match;
        if (schema_status(k, kOps[static_cast<std::size_t>(op)], c, match)) c.status = CaseStatus::planned;
        r.cases.push_back(std::move(c));
      }
  return r;
}

Report run_on_gpu(const BenchOptions& o, const device::DeviceInfo& dev, const KernelUnderTest* k,
                  const TorchRuntime* torch, const std::function<void(const std::string&)>& progress) {
  Report r;
  if (k) r.kernel = k->summary;
  r.settings.warmup = o.warmup;
  r.settings.iterations = o.iterations;
  r.settings.reference_only = k == nullptr;
  r.settings.torch_eager = o.torch_eager && torch;
  r.settings.seed =
      o.seed ? *o.seed : (static_cast<std::uint64_t>(std::random_device{}()) << 32) ^ std::random_device{}();

  MachineSummary m;
  m.gpu = dev.name;
  m.cc_major = dev.cc_major;
  m.cc_minor = dev.cc_minor;
  m.sm_count = dev.sm_count;
  m.l2_bytes = dev.l2_bytes;
  m.memory_bytes = dev.total_bytes;
  m.driver_version = dev.driver_version;
  m.runtime_version = dev.runtime_version;
  if (torch) {
    m.torch_version = torch->version();
    m.torch_dir = torch->dir().string();
  }

  const auto names = device::reference_op_names();
  for (int i = 0; i < kNumOps; ++i)
    if (static_cast<std::size_t>(i) >= names.size() ||
        names[static_cast<std::size_t>(i)] != kOps[static_cast<std::size_t>(i)].name)
      throw Error(ErrorKind::failure, "internal: lib/bench/ops.hpp and the reference kernels list the ops differently");

  device::Stream s = nullptr;
  bool own_stream = false;
  try {
    if (torch) {
      s = torch->current_cuda_stream(dev.index);  // the stream the kernel's ops launch on
    } else {
      s = device::create_stream();
      own_stream = true;
    }
    struct StreamGuard {
      device::Stream s;
      bool own;
      ~StreamGuard() {
        if (own) device::destroy_stream(s);
      }
    } guard{s, own_stream};

    device::Events ev(2 * std::max(o.iterations, 20));
    // Device copy bandwidth: a D2D cudaMemcpyAsync of up to 1 GiB, read + write counted.
    {
      const std::uint64_t bytes =
          std::min<std::uint64_t>(1ull << 30, device::free_memory() / 4 / (1 << 20) * (1 << 20));
      device::Buffer a(bytes), bb(bytes);
      device::memset_async(a.get(), 0, bytes, s);
      for (int i = 0; i < 3; ++i) device::copy_async(bb.get(), a.get(), bytes, s);
      device::synchronize(s);
      std::vector<double> ms;
      for (int i = 0; i < 20; ++i) {
        ev.record(2 * i, s);
        device::copy_async(bb.get(), a.get(), bytes, s);
        ev.record(2 * i + 1, s);
      }
      device::synchronize(s);
      for (int i = 0; i < 20; ++i) ms.push_back(ev.elapsed_ms(2 * i, 2 * i + 1));
      m.copy = summarize(ms);
      m.copy_bytes = bytes;
      m.copy_gbps = 2.0 * static_cast<double>(bytes) / (m.copy->median * 1e6);
    }
    r.machine = m;
    const device::Buffer scrub(std::max<std::uint64_t>(2 * dev.l2_bytes, 64ull << 20));

    CaseRunner runner(o, dev, k, torch, s, ev, scrub, m.copy_gbps, r.settings.seed);
    const std::size_t total = o.ops.size() * o.dtypes.size() * o.workloads.size();
    std::size_t n = 0;
    for (int op : o.ops)
      for (DType dt : o.dtypes)
        for (std::size_t wi = 0; wi < o.workloads.size(); ++wi) {
          CaseResult c = base_case(op, dt, o.workloads[wi]);
          SchemaMatch match;
          if (!k || schema_status(*k, kOps[static_cast<std::size_t>(op)], c, match))
            runner.run(op, dt, wi, c, k ? &match : nullptr);
          ++n;
          std::string line =
              fmt::format("[{}/{}] {} {} {}: {}", n, total, c.op, dtype_name(dt), c.workload, status_name(c.status));
          if (c.kernel) line += fmt::format(", kernel {:.2f} us", c.kernel->stats.median * 1e3);
          if (c.reference) line += fmt::format(", reference {:.2f} us", c.reference->stats.median * 1e3);
          if (!c.message.empty() && c.status != CaseStatus::not_provided) line += " (" + c.message + ")";
          progress(line);
          r.cases.push_back(std::move(c));
        }
  } catch (const device::CudaError& e) {
    fatal(e, "while benchmarking");
  }
  return r;
}

}  // namespace kcpp::bench
