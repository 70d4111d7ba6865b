//===- RuntimeTestSupport.h - fixture of the runtime's tests ----*- C++ -*-===//
//
// Shared by the runtime's test files: the scratch-directory fixture that
// makes fake models with any metadata (from FakeModel.c's template) and
// loads them, and the add model's call.
//
//===----------------------------------------------------------------------===//

#ifndef DSK_UNITTESTS_RUNTIME_RUNTIMETESTSUPPORT_H
#define DSK_UNITTESTS_RUNTIME_RUNTIMETESTSUPPORT_H

#include "dsk/Runtime/Runtime.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include <ftw.h>
#include <unistd.h>

namespace dsk_runtime_test {

struct ModelCloser {
  void operator()(dsk_model *m) const { dsk_model_close(m); }
};
using ModelPtr = std::unique_ptr<dsk_model, ModelCloser>;

inline dsk_tensor makeTensor(dsk_dtype dtype, const std::vector<int64_t> &dims,
                             void *data, size_t sizeBytes) {
  dsk_tensor t;
  t.dtype = dtype;
  t.rank = static_cast<int64_t>(dims.size());
  t.dims = dims.empty() ? nullptr : dims.data();
  t.data = data;
  t.size_bytes = sizeBytes;
  return t;
}

inline std::string readFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

inline const char kHeader[] = "dsk-model 1\n";
#if defined(__x86_64__)
inline const char kHostTarget[] = "target x86_64 generic\n";
#elif defined(__aarch64__)
inline const char kHostTarget[] = "target aarch64 generic\n";
#endif
inline const char kNoFeatures[] = "features -\n";
/// A valid prefix: header, host target, no features.
inline const std::string kPrefix =
    std::string(kHeader) + kHostTarget + kNoFeatures;

inline const char kHeaderV2[] = "dsk-model 2\n";
inline const char kKindCpu[] = "kind cpu\n";
/// A valid version-2 prefix: header, kind, host target, no features, a
/// 64-byte workspace.
inline const std::string kPrefixV2 = std::string(kHeaderV2) + kKindCpu +
                                     kHostTarget + kNoFeatures +
                                     "workspace 64\n";

/// Gives each test a scratch directory and helpers to make and load models.
class RuntimeTest : public ::testing::Test {
protected:
  void SetUp() override {
    unsetenv("DSK_DISABLE_CPU_FEATURES");
    const char *tmp = getenv("TMPDIR");
    std::string pattern =
        std::string(tmp && *tmp ? tmp : "/tmp") + "/dsk-runtime-test-XXXXXX";
    std::vector<char> buf(pattern.begin(), pattern.end());
    buf.push_back('\0');
    ASSERT_NE(mkdtemp(buf.data()), nullptr);
    dir = buf.data();
  }

  void TearDown() override {
    unsetenv("DSK_DISABLE_CPU_FEATURES");
    if (!dir.empty())
      nftw(
          dir.c_str(),
          [](const char *p, const struct stat *, int, struct FTW *) {
            return remove(p);
          },
          8, FTW_DEPTH | FTW_PHYS);
  }

  /// Writes a copy of a template fixture (by default the version-1 one)
  /// whose metadata is `metadata`.
  std::string makeModel(const std::string &metadata,
                        const char *templatePath = DSK_FAKE_TEMPLATE_PATH) {
    static const char marker[] = "@DSK-FAKE-METADATA-SLOT@";
    const size_t slot = 8192;
    std::string bytes = readFile(templatePath);
    size_t at = bytes.find(marker);
    EXPECT_NE(at, std::string::npos) << "no metadata slot in the template";
    EXPECT_EQ(bytes.find(marker, at + 1), std::string::npos);
    EXPECT_LT(metadata.size(), slot);
    if (at == std::string::npos || metadata.size() >= slot)
      return "";
    std::string filled = metadata;
    filled.resize(slot, '\0');
    bytes.replace(at, slot, filled);
    std::string path = dir + "/model" + std::to_string(counter++) + ".so";
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
  }

  /// Loads `path`, expecting `want`; returns the model on success.
  ModelPtr load(const std::string &path, dsk_status want = DSK_OK) {
    dsk_model *m = reinterpret_cast<dsk_model *>(0x1);
    err = dsk_error();
    dsk_status st = dsk_model_load(path.c_str(), &m, &err);
    EXPECT_EQ(st, want) << err.message;
    EXPECT_EQ(err.status, st);
    if (st != DSK_OK) {
      EXPECT_EQ(m, nullptr);
      EXPECT_STRNE(err.message, "");
    }
    return ModelPtr(m);
  }

  /// Loads a template copy with `metadata`, expecting `want`.
  ModelPtr loadMetadata(const std::string &metadata, dsk_status want = DSK_OK) {
    lastPath = makeModel(metadata);
    return load(lastPath, want);
  }

  /// The same with the version-2 template.
  ModelPtr loadMetadataV2(const std::string &metadata,
                          dsk_status want = DSK_OK) {
    lastPath = makeModel(metadata, DSK_FAKE_V2_TEMPLATE_PATH);
    return load(lastPath, want);
  }

  std::string dir;
  std::string lastPath;
  dsk_error err;
  int counter = 0;
};

/// Inputs and outputs of the fake add models (sum = a + b, diff = a - b).
struct AddCall {
  std::vector<int64_t> dims = {2, 3};
  float a[6], b[6], sum[6], diff[6];
  dsk_tensor inputs[2], outputs[2];

  explicit AddCall(float base) {
    for (int i = 0; i < 6; ++i) {
      a[i] = base + i;
      b[i] = 10 * i;
      sum[i] = diff[i] = -1;
    }
    inputs[0] = makeTensor(DSK_DTYPE_F32, dims, a, sizeof(a));
    inputs[1] = makeTensor(DSK_DTYPE_F32, dims, b, sizeof(b));
    outputs[0] = makeTensor(DSK_DTYPE_F32, dims, sum, sizeof(sum));
    outputs[1] = makeTensor(DSK_DTYPE_F32, dims, diff, sizeof(diff));
  }
  dsk_status run(const dsk_model *m, dsk_error *err) {
    return dsk_model_run(m, inputs, 2, outputs, 2, err);
  }
  dsk_status runWith(const dsk_model *m, void *workspace, size_t bytes,
                     dsk_error *err) {
    return dsk_model_run_with_workspace(m, inputs, 2, outputs, 2, workspace,
                                        bytes, err);
  }
  bool correct() const {
    for (int i = 0; i < 6; ++i)
      if (sum[i] != a[i] + b[i] || diff[i] != a[i] - b[i])
        return false;
    return true;
  }
};

} // namespace dsk_runtime_test

#endif // DSK_UNITTESTS_RUNTIME_RUNTIMETESTSUPPORT_H
