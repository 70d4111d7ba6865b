//===- dsk-run.cpp - run a compiled dsk model from the command line -------===//
//
// Loads a model library produced by `dsk-compile --emit=lib` through the C
// runtime, reads its inputs from .npy or ONNX TensorProto (.pb) files (or
// fills them with deterministic random values), runs it, and prints, saves
// or checks the outputs:
//
//   dsk-run model.so --info
//   dsk-run model.so x.npy y.pb --output-dir out
//   dsk-run model.so --input x=x.npy --expected-dir test_data_set_0
//   dsk-run model.so --random-seed 1 --repeat 100
//
// The tool links only the runtime and the ONNX protobuf classes, never MLIR
// or LLVM. Every problem is reported as one line `dsk-run: error: ...` with
// exit status 1.
//
//===----------------------------------------------------------------------===//

#include "Tensor.h"

#include "dsk/Runtime/Runtime.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <new>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace fs = std::filesystem;

using namespace dsk_run;

namespace {

//===----------------------------------------------------------------------===//
// The model
//===----------------------------------------------------------------------===//

struct TensorSpec {
  std::string name;
  dsk_dtype dtype;
  std::vector<int64_t> dims;
  std::vector<std::string> dimNames; // empty for static dims

  bool isStatic() const {
    return std::none_of(dims.begin(), dims.end(),
                        [](int64_t d) { return d < 0; });
  }
  std::string shapeString() const {
    std::string s = "[";
    for (size_t i = 0; i < dims.size(); ++i) {
      s += i ? ", " : "";
      s += dims[i] >= 0 ? std::to_string(dims[i])
                        : (dimNames[i].empty() ? "?" : dimNames[i]);
    }
    return s + "]";
  }
};

struct Model {
  dsk_model *handle = nullptr;
  std::vector<TensorSpec> inputs, outputs;

  explicit Model(const std::string &path) {
    dsk_error err;
    if (dsk_model_load(path.c_str(), &handle, &err) != DSK_OK)
      fail(err.message);
    for (int isOutput = 0; isOutput < 2; ++isOutput) {
      size_t n = isOutput ? dsk_model_num_outputs(handle)
                          : dsk_model_num_inputs(handle);
      for (size_t i = 0; i < n; ++i) {
        dsk_tensor_info info;
        dsk_status status = isOutput
                                ? dsk_model_output_info(handle, i, &info, &err)
                                : dsk_model_input_info(handle, i, &info, &err);
        if (status != DSK_OK)
          fail(err.message);
        TensorSpec spec{info.name, info.dtype, {}, {}};
        for (int64_t d = 0; d < info.rank; ++d) {
          spec.dims.push_back(info.dims[d]);
          const char *dn = info.dim_names ? info.dim_names[d] : nullptr;
          spec.dimNames.push_back(dn ? dn : "");
        }
        (isOutput ? outputs : inputs).push_back(std::move(spec));
      }
    }
  }
  ~Model() { dsk_model_close(handle); }
  Model(const Model &) = delete;
  Model &operator=(const Model &) = delete;
};

//===----------------------------------------------------------------------===//
// Options
//===----------------------------------------------------------------------===//

const char kUsage[] =
    "usage: dsk-run model.so [inputs...] [options]\n"
    "\n"
    "Runs a model compiled with `dsk-compile --emit=lib`. Inputs are .npy or\n"
    "ONNX TensorProto (.pb) files, given in input order or by name.\n"
    "\n"
    "options:\n"
    "  --info                 describe the model (target, ABI version,\n"
    "                         workspace, inputs and outputs) and exit\n"
    "  --input NAME=FILE      the input called NAME\n"
    "  --random-seed N        fill inputs not given with deterministic random\n"
    "                         values (floats in [-1,1), ints in [0,10), "
    "bools)\n"
    "  --output-dir DIR       write each output to DIR/<name>.npy (.pb for "
    "bf16)\n"
    "  --expected FILE...     compare the outputs with these files, in order\n"
    "  --expected-dir DIR     compare with DIR/output_<i>.pb or .npy\n"
    "  --rtol R, --atol A     tolerance |actual-expected| <= A + R*|expected|\n"
    "                         (defaults 1e-3 and 1e-7; integers compare "
    "exactly)\n"
    "  --repeat N             time N runs after one warm-up run\n"
    "  --profile              time every op over the --repeat runs (default\n"
    "                         10) and print them sorted by time\n"
    "  --profile-trace FILE   --profile, and write the runs as a Chrome trace\n"
    "                         (chrome://tracing, ui.perfetto.dev)\n"
    "  --threads N            threads for models with parallel loops\n"
    "                         (default: OpenMP's, one per core)\n"
    "  -h, --help             show this help\n";

struct Options {
  std::string model;
  bool info = false;
  std::vector<std::string> positional;
  std::vector<std::pair<std::string, std::string>> named;
  std::optional<uint64_t> seed;
  std::string outputDir;
  std::vector<std::string> expected;
  std::string expectedDir;
  bool haveExpected = false;
  double rtol = 1e-3, atol = 1e-7;
  int64_t repeat = 0;
  int threads = 0; // 0: the OpenMP default
  bool profile = false;
  std::string profileTrace;
};

double parseTolerance(const std::string &flag, const std::string &s) {
  char *end = nullptr;
  errno = 0;
  double v = std::strtod(s.c_str(), &end);
  if (s.empty() || *end != '\0' || errno == ERANGE || !(v >= 0) ||
      std::isinf(v))
    fail(flag + " expects a non-negative number, got " + quote(s));
  return v;
}

uint64_t parseCount(const std::string &flag, const std::string &s,
                    uint64_t min) {
  char *end = nullptr;
  errno = 0;
  unsigned long long v = std::strtoull(s.c_str(), &end, 10);
  if (s.empty() || s[0] == '-' || *end != '\0' || errno == ERANGE || v < min)
    fail(flag + " expects an integer >= " + std::to_string(min) + ", got " +
         quote(s));
  return v;
}

Options parseArgs(int argc, char **argv) {
  Options opts;
  std::vector<std::string> args(argv + 1, argv + argc);
  bool haveExpectedList = false;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string arg = args[i];
    if (arg.size() < 2 || arg[0] != '-') {
      if (opts.model.empty())
        opts.model = arg;
      else
        opts.positional.push_back(arg);
      continue;
    }
    std::optional<std::string> inlineValue;
    if (size_t eq = arg.find('=');
        arg.rfind("--", 0) == 0 && eq != std::string::npos) {
      inlineValue = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
    }
    auto value = [&]() -> std::string {
      if (inlineValue)
        return *inlineValue;
      if (i + 1 >= args.size())
        fail(arg + " needs a value");
      return args[++i];
    };
    auto noValue = [&] {
      if (inlineValue)
        fail(arg + " takes no value");
    };
    if (arg == "-h" || arg == "--help") {
      noValue();
      std::fputs(kUsage, stdout);
      std::exit(0);
    } else if (arg == "--info") {
      noValue();
      opts.info = true;
    } else if (arg == "--input") {
      std::string v = value();
      size_t eq = v.find('=');
      if (eq == std::string::npos || eq == 0 || eq + 1 == v.size())
        fail("--input expects NAME=FILE, got " + quote(v));
      opts.named.emplace_back(v.substr(0, eq), v.substr(eq + 1));
    } else if (arg == "--random-seed") {
      opts.seed = parseCount(arg, value(), 0);
    } else if (arg == "--output-dir") {
      opts.outputDir = value();
      if (opts.outputDir.empty())
        fail("--output-dir needs a directory");
    } else if (arg == "--expected") {
      if (haveExpectedList)
        fail("--expected given twice");
      haveExpectedList = true;
      if (inlineValue)
        opts.expected.push_back(*inlineValue);
      while (i + 1 < args.size() && args[i + 1].rfind("-", 0) != 0)
        opts.expected.push_back(args[++i]);
      if (opts.expected.empty())
        fail("--expected needs at least one file");
    } else if (arg == "--expected-dir") {
      opts.expectedDir = value();
      if (opts.expectedDir.empty())
        fail("--expected-dir needs a directory");
    } else if (arg == "--rtol") {
      opts.rtol = parseTolerance(arg, value());
    } else if (arg == "--atol") {
      opts.atol = parseTolerance(arg, value());
    } else if (arg == "--threads") {
      uint64_t threads = parseCount(arg, value(), 1);
      if (threads > DSK_MAX_THREADS)
        fail("--threads must be at most " + std::to_string(DSK_MAX_THREADS) +
             ", got " + std::to_string(threads));
      opts.threads = static_cast<int>(threads);
    } else if (arg == "--profile") {
      noValue();
      opts.profile = true;
    } else if (arg == "--profile-trace") {
      opts.profileTrace = value();
      if (opts.profileTrace.empty())
        fail("--profile-trace needs a file");
      opts.profile = true;
    } else if (arg == "--repeat") {
      opts.repeat = static_cast<int64_t>(
          std::min<uint64_t>(parseCount(arg, value(), 1), INT64_MAX));
    } else {
      fail("unknown option " + quote(arg) + " (see dsk-run --help)");
    }
  }
  if (opts.model.empty())
    fail("no model given (usage: dsk-run model.so [inputs...] [options]; see "
         "--help)");
  if (haveExpectedList && !opts.expectedDir.empty())
    fail("give either --expected or --expected-dir, not both");
  opts.haveExpected = haveExpectedList || !opts.expectedDir.empty();
  return opts;
}

//===----------------------------------------------------------------------===//
// Inputs
//===----------------------------------------------------------------------===//

/// splitmix64: a small, portable generator, so a seed gives the same inputs
/// everywhere.
struct Random {
  uint64_t state;
  uint64_t next() {
    uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  /// Uniform in [-1, 1).
  double uniform() { return double(next() >> 11) * 0x1.0p-52 - 1.0; }
};

Tensor randomTensor(const TensorSpec &spec, size_t index, uint64_t seed) {
  if (!spec.isStatic())
    fail("input " + std::to_string(index) + " " + quote(spec.name) +
         " has the symbolic shape " + spec.shapeString() +
         "; --random-seed needs a static shape, give a file instead");
  Tensor t;
  t.allocate(spec.dtype, spec.dims, "input " + quote(spec.name));
  Random rng{seed * 0x2545f4914f6cdd1dull + index};
  size_t n = t.numElements();
  uint8_t *p = t.data();
  for (size_t i = 0; i < n; ++i) {
    switch (spec.dtype) {
    case DSK_DTYPE_F16:
      storeUnaligned(p + 2 * i, floatToHalf(static_cast<float>(rng.uniform())));
      break;
    case DSK_DTYPE_BF16:
      storeUnaligned(p + 2 * i, floatToBf16(static_cast<float>(rng.uniform())));
      break;
    case DSK_DTYPE_F32:
      storeUnaligned(p + 4 * i, static_cast<float>(rng.uniform()));
      break;
    case DSK_DTYPE_F64:
      storeUnaligned(p + 8 * i, rng.uniform());
      break;
    case DSK_DTYPE_BOOL:
      p[i] = rng.next() >> 63;
      break;
    case DSK_DTYPE_I8:
    case DSK_DTYPE_I16:
    case DSK_DTYPE_I32:
    case DSK_DTYPE_I64:
    case DSK_DTYPE_U8:
    case DSK_DTYPE_U16:
    case DSK_DTYPE_U32:
    case DSK_DTYPE_U64: {
      // Small non-negative values fit every integer type (little-endian).
      uint64_t v = rng.next() % 10;
      std::memcpy(p + t.elementSize() * i, &v, t.elementSize());
      break;
    }
    case DSK_DTYPE_INVALID:
      break;
    }
  }
  return t;
}

std::vector<Tensor> gatherInputs(const Options &opts, const Model &model) {
  size_t n = model.inputs.size();
  if (opts.positional.size() > n)
    fail("the model has " + std::to_string(n) + " input" + (n == 1 ? "" : "s") +
         " but " + std::to_string(opts.positional.size()) +
         " input files were given");
  std::vector<std::string> files(opts.positional);
  files.resize(n);
  for (const auto &[name, file] : opts.named) {
    size_t index = n;
    for (size_t i = 0; i < n; ++i)
      if (model.inputs[i].name == name)
        index = i;
    if (index == n) {
      std::string names;
      for (const TensorSpec &s : model.inputs)
        names += (names.empty() ? "" : ", ") + quote(s.name);
      fail("--input " + quote(name) +
           ": the model has no input of that name "
           "(inputs: " +
           (names.empty() ? "none" : names) + ")");
    }
    if (!files[index].empty())
      fail("input " + std::to_string(index) + " " + quote(name) +
           " is given twice (" + quote(files[index]) + " and " + quote(file) +
           ")");
    files[index] = file;
  }
  std::vector<Tensor> inputs(n);
  for (size_t i = 0; i < n; ++i) {
    if (!files[i].empty())
      inputs[i] = readTensorFile(files[i]);
    else if (opts.seed)
      inputs[i] = randomTensor(model.inputs[i], i, *opts.seed);
    else
      fail("no file for input " + std::to_string(i) + " " +
           quote(model.inputs[i].name) + " (" +
           dsk_dtype_name(model.inputs[i].dtype) + " " +
           model.inputs[i].shapeString() +
           "); give it positionally, with --input NAME=FILE, or use "
           "--random-seed N");
  }
  return inputs;
}

//===----------------------------------------------------------------------===//
// Outputs: printing, saving and comparing
//===----------------------------------------------------------------------===//

std::string multiIndex(const std::vector<int64_t> &dims, size_t flat) {
  std::vector<int64_t> idx(dims.size());
  for (size_t d = dims.size(); d-- > 0;) {
    idx[d] = static_cast<int64_t>(flat % static_cast<size_t>(dims[d]));
    flat /= static_cast<size_t>(dims[d]);
  }
  return dimsToString(idx);
}

void printSummary(const std::string &label, const Tensor &t) {
  std::printf("%s: %s\n", label.c_str(), t.typeString().c_str());
  size_t n = t.numElements();
  const size_t shown = 8;
  std::string values = "  [";
  for (size_t i = 0; i < std::min(n, shown); ++i)
    values += (i ? ", " : "") + t.elementString(i);
  values += n > shown ? ", ...]" : "]";
  std::printf("%s\n", values.c_str());
  if (n == 0)
    return;
  if (t.dtype == DSK_DTYPE_BOOL) {
    size_t trues = 0;
    for (size_t i = 0; i < n; ++i)
      trues += t.data()[i] != 0;
    std::printf("  true: %zu of %zu\n", trues, n);
    return;
  }
  if (!isFloat(t.dtype)) {
    // Integers: min/max exactly, the mean in double.
    bool isSignedType = isSigned(t.dtype);
    size_t minAt = 0, maxAt = 0;
    double sum = 0;
    for (size_t i = 0; i < n; ++i) {
      bool less = isSignedType ? t.asSigned(i) < t.asSigned(minAt)
                               : t.asUnsigned(i) < t.asUnsigned(minAt);
      bool more = isSignedType ? t.asSigned(i) > t.asSigned(maxAt)
                               : t.asUnsigned(i) > t.asUnsigned(maxAt);
      minAt = less ? i : minAt;
      maxAt = more ? i : maxAt;
      sum += t.asDouble(i);
    }
    std::printf("  min %s  max %s  mean %.7g\n", t.elementString(minAt).c_str(),
                t.elementString(maxAt).c_str(), sum / double(n));
    return;
  }
  double lo = INFINITY, hi = -INFINITY, sum = 0;
  size_t nans = 0;
  for (size_t i = 0; i < n; ++i) {
    double v = t.asDouble(i);
    if (std::isnan(v)) {
      ++nans;
      continue;
    }
    lo = std::min(lo, v);
    hi = std::max(hi, v);
    sum += v;
  }
  if (nans == n) {
    std::printf("  all %zu values are NaN\n", n);
    return;
  }
  std::printf("  min %.7g  max %.7g  mean %.7g", lo, hi,
              sum / double(n - nans));
  if (nans)
    std::printf("  (%zu NaN)", nans);
  std::printf("\n");
}

/// Output names made safe as file names; distinct outputs get distinct names.
std::vector<std::string> fileNames(const std::vector<TensorSpec> &outputs) {
  std::vector<std::string> names;
  for (size_t i = 0; i < outputs.size(); ++i) {
    std::string s;
    for (char c : outputs[i].name)
      s += (std::isalnum(static_cast<unsigned char>(c)) || c == '_' ||
            c == '-' || c == '.')
               ? c
               : '_';
    if (s.empty() || s[0] == '.')
      s = "output_" + std::to_string(i) + s;
    if (std::find(names.begin(), names.end(), s) != names.end())
      s += "_" + std::to_string(i);
    names.push_back(s);
  }
  return names;
}

/// Finds the expected file for output `i` in an ONNX test_data_set folder.
std::string expectedFileIn(const std::string &dir, size_t i,
                           const std::string &fileName) {
  std::vector<std::string> candidates = {"output_" + std::to_string(i) + ".pb",
                                         "output_" + std::to_string(i) + ".npy",
                                         fileName + ".npy", fileName + ".pb"};
  for (const std::string &c : candidates) {
    fs::path p = fs::path(dir) / c;
    std::error_code ec;
    if (fs::is_regular_file(p, ec))
      return p.string();
  }
  std::string tried;
  for (const std::string &c : candidates)
    tried += (tried.empty() ? "" : ", ") + c;
  fail("no expected file for output " + std::to_string(i) + " in " +
       quote(dir) + " (looked for " + tried + ")");
}

/// Compares one output, prints PASS/FAIL, returns whether it matched.
bool compare(const std::string &label, const Tensor &actual,
             const Tensor &expected, const std::string &file,
             const Options &opts) {
  if (actual.dtype != expected.dtype || actual.dims != expected.dims) {
    std::printf("%s: FAIL: %s has %s, the output is %s\n", label.c_str(),
                quote(file).c_str(), expected.typeString().c_str(),
                actual.typeString().c_str());
    return false;
  }
  size_t n = actual.numElements();
  size_t mismatches = 0, worst = 0;
  double worstScore = -1, maxAbs = 0;
  bool floating = isFloat(actual.dtype);
  for (size_t i = 0; i < n; ++i) {
    bool ok;
    double a = actual.asDouble(i), e = expected.asDouble(i);
    double diff;
    if (floating) {
      if (std::isnan(a) || std::isnan(e)) {
        ok = std::isnan(a) && std::isnan(e);
        diff = ok ? 0 : INFINITY;
      } else if (std::isinf(a) || std::isinf(e)) {
        ok = a == e;
        diff = ok ? 0 : INFINITY;
      } else {
        diff = std::fabs(a - e);
        ok = diff <= opts.atol + opts.rtol * std::fabs(e);
      }
    } else {
      ok = std::memcmp(actual.data() + i * actual.elementSize(),
                       expected.data() + i * expected.elementSize(),
                       actual.elementSize()) == 0;
      diff = std::fabs(a - e);
    }
    if (ok) {
      maxAbs = std::max(maxAbs, diff);
      continue;
    }
    ++mismatches;
    // The worst mismatch exceeds its allowed error by the largest factor.
    double allowed = floating ? opts.atol + opts.rtol * std::fabs(e) : 0;
    double score = allowed > 0 ? diff / allowed : diff;
    if (score > worstScore || mismatches == 1) {
      worstScore = score;
      worst = i;
    }
  }
  if (mismatches == 0) {
    std::printf("%s: PASS (%zu elements", label.c_str(), n);
    if (floating)
      std::printf(", max abs error %.3g", maxAbs);
    std::printf(")\n");
    return true;
  }
  double a = actual.asDouble(worst), e = expected.asDouble(worst);
  double absErr = std::fabs(a - e);
  double relErr = e != 0 ? absErr / std::fabs(e) : INFINITY;
  if (std::isnan(a) || std::isnan(e))
    absErr = relErr = NAN;
  std::printf("%s: FAIL: %zu of %zu elements differ", label.c_str(), mismatches,
              n);
  if (floating)
    std::printf(" (rtol %g, atol %g)", opts.rtol, opts.atol);
  std::printf("; worst at flat index %zu %s: actual %s, expected %s, abs "
              "error %.3g, rel error %.3g\n",
              worst, multiIndex(actual.dims, worst).c_str(),
              actual.elementString(worst).c_str(),
              expected.elementString(worst).c_str(), absErr, relErr);
  return false;
}

/// Times every profiling region of `model` over `runs` runs; prints the
/// table and writes the trace (when asked).
void profile(const Model &model, const std::vector<dsk_tensor> &in,
             std::vector<dsk_tensor> &out, int64_t runs,
             const std::string &tracePath) {
  dsk_error err;
  dsk_profile *profile = nullptr;
  if (dsk_model_profile(model.handle, in.data(), in.size(), out.data(),
                        out.size(),
                        static_cast<int>(std::min<int64_t>(runs, INT32_MAX)),
                        &profile, &err) != DSK_OK)
    fail(err.message);
  std::string table(dsk_profile_format_table(profile, nullptr, 0) + 1, '\0');
  table.resize(dsk_profile_format_table(profile, table.data(), table.size()));
  std::fputs(table.c_str(), stdout);
  dsk_status status = DSK_OK;
  if (!tracePath.empty()) {
    status = dsk_profile_write_trace(profile, tracePath.c_str(), &err);
    if (status == DSK_OK)
      std::printf("trace: %s\n", tracePath.c_str());
  }
  dsk_profile_free(profile);
  if (status != DSK_OK)
    fail(err.message);
}

int run(const Options &opts) {
  Model model(opts.model);

  if (opts.info) {
    std::printf("model: %s\n", opts.model.c_str());
    const char *features = dsk_model_target_features(model.handle);
    std::printf("target: %s (features: %s)\n",
                dsk_model_target_cpu(model.handle),
                features && *features ? features : "none");
    std::printf("abi: version %d, kind %s, workspace %zu bytes\n",
                dsk_model_abi_version(model.handle),
                dsk_model_target_kind(model.handle),
                dsk_model_workspace_size(model.handle));
    std::printf("parallel: %s\n", dsk_model_is_parallel(model.handle)
                                      ? "yes (OpenMP)"
                                      : "no (runs on the calling thread)");
    std::printf("profiling regions: %zu\n",
                dsk_model_num_regions(model.handle));
    for (int isOutput = 0; isOutput < 2; ++isOutput) {
      const auto &specs = isOutput ? model.outputs : model.inputs;
      std::printf("%s (%zu):\n", isOutput ? "outputs" : "inputs", specs.size());
      for (size_t i = 0; i < specs.size(); ++i)
        std::printf("  %zu %s: %s %s\n", i, specs[i].name.c_str(),
                    dsk_dtype_name(specs[i].dtype),
                    specs[i].shapeString().c_str());
    }
    return 0;
  }

  if (opts.threads > 0) {
    dsk_error err;
    if (dsk_model_set_num_threads(model.handle, opts.threads, &err) != DSK_OK)
      fail(err.message);
  }

  // Check the expected-file arguments before the (possibly long) run.
  std::vector<std::string> names = fileNames(model.outputs);
  std::vector<std::string> expectedFiles = opts.expected;
  if (!opts.expected.empty() && opts.expected.size() != model.outputs.size())
    fail(std::to_string(opts.expected.size()) + " expected file" +
         (opts.expected.size() == 1 ? "" : "s") + " given but the model has " +
         std::to_string(model.outputs.size()) + " output" +
         (model.outputs.size() == 1 ? "" : "s"));
  if (!opts.expectedDir.empty()) {
    std::error_code ec;
    if (!fs::is_directory(opts.expectedDir, ec))
      fail("--expected-dir " + quote(opts.expectedDir) + " is not a directory");
    for (size_t i = 0; i < model.outputs.size(); ++i)
      expectedFiles.push_back(expectedFileIn(opts.expectedDir, i, names[i]));
  }
  std::vector<Tensor> expected;
  for (const std::string &f : expectedFiles)
    expected.push_back(readTensorFile(f));

  std::vector<Tensor> inputs = gatherInputs(opts, model);
  std::vector<Tensor> outputs(model.outputs.size());
  for (size_t i = 0; i < outputs.size(); ++i) {
    const TensorSpec &spec = model.outputs[i];
    if (!spec.isStatic())
      fail("output " + std::to_string(i) + " " + quote(spec.name) +
           " has the symbolic shape " + spec.shapeString() +
           ", which dsk-run cannot allocate");
    outputs[i].allocate(spec.dtype, spec.dims, "output " + quote(spec.name));
  }
  std::vector<dsk_tensor> in(inputs.size()), out(outputs.size());
  for (size_t i = 0; i < inputs.size(); ++i)
    in[i] = {inputs[i].dtype, static_cast<int64_t>(inputs[i].dims.size()),
             inputs[i].dims.data(), inputs[i].data(), inputs[i].bytes};
  for (size_t i = 0; i < outputs.size(); ++i)
    out[i] = {outputs[i].dtype, static_cast<int64_t>(outputs[i].dims.size()),
              outputs[i].dims.data(), outputs[i].data(), outputs[i].bytes};

  auto runOnce = [&] {
    dsk_error err;
    if (dsk_model_run(model.handle, in.data(), in.size(), out.data(),
                      out.size(), &err) != DSK_OK)
      fail(err.message);
  };
  runOnce();
  if (opts.profile)
    profile(model, in, out, opts.repeat > 0 ? opts.repeat : 10,
            opts.profileTrace);
  else if (opts.repeat > 0) {
    std::vector<double> ms;
    for (int64_t r = 0; r < opts.repeat; ++r) {
      auto start = std::chrono::steady_clock::now();
      runOnce();
      auto end = std::chrono::steady_clock::now();
      ms.push_back(
          std::chrono::duration<double, std::milli>(end - start).count());
    }
    std::sort(ms.begin(), ms.end());
    size_t m = ms.size();
    double median = m % 2 ? ms[m / 2] : (ms[m / 2 - 1] + ms[m / 2]) / 2;
    std::printf("latency over %zu runs (after 1 warm-up): min %.4g ms, "
                "median %.4g ms, max %.4g ms\n",
                m, ms.front(), median, ms.back());
  }

  if (!opts.outputDir.empty()) {
    std::error_code ec;
    fs::create_directories(opts.outputDir, ec);
    if (ec || !fs::is_directory(opts.outputDir, ec))
      fail("cannot create --output-dir " + quote(opts.outputDir));
    for (size_t i = 0; i < outputs.size(); ++i) {
      // NumPy has no bfloat16, so bf16 outputs are saved as TensorProtos.
      bool pb = outputs[i].dtype == DSK_DTYPE_BF16;
      std::string path =
          (fs::path(opts.outputDir) / (names[i] + (pb ? ".pb" : ".npy")))
              .string();
      if (pb)
        writePb(outputs[i], model.outputs[i].name, path);
      else
        writeNpy(outputs[i], path);
      std::printf("output %zu '%s': %s -> %s\n", i,
                  model.outputs[i].name.c_str(),
                  outputs[i].typeString().c_str(), path.c_str());
    }
  } else {
    for (size_t i = 0; i < outputs.size(); ++i)
      printSummary("output " + std::to_string(i) + " '" +
                       model.outputs[i].name + "'",
                   outputs[i]);
  }

  if (!opts.haveExpected)
    return 0;
  size_t matched = 0;
  for (size_t i = 0; i < outputs.size(); ++i)
    matched += compare("output " + std::to_string(i) + " '" +
                           model.outputs[i].name + "'",
                       outputs[i], expected[i], expectedFiles[i], opts);
  size_t mismatched = outputs.size() - matched;
  std::printf("%zu outputs matched, %zu mismatched\n", matched, mismatched);
  return mismatched ? 1 : 0;
}

} // namespace

int main(int argc, char **argv) {
  try {
    return run(parseArgs(argc, argv));
  } catch (const Error &e) {
    std::fflush(stdout);
    std::fprintf(stderr, "dsk-run: error: %s\n", e.what());
  } catch (const std::bad_alloc &) {
    std::fflush(stdout);
    std::fprintf(stderr, "dsk-run: error: out of memory\n");
  } catch (const std::exception &e) {
    std::fflush(stdout);
    std::fprintf(stderr, "dsk-run: error: %s\n", e.what());
  }
  return 1;
}
