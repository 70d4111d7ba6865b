//===- RuntimeTest.cpp - tests of the dsk C runtime -----------------------===//
//
// Loads hand-written fake models (FakeModel.c) through the public C API and
// checks results, descriptions and every error the runtime reports, for
// model ABI version 2 and the version 1 the runtime still loads. Models with
// arbitrary metadata are made by copying a template fixture and overwriting
// its metadata slot, so each case is a real shared library.
//
//===----------------------------------------------------------------------===//

#include "RuntimeTestSupport.h"

#include "dsk/Runtime/ModelABI.h"

#include <atomic>
#include <cstring>
#include <thread>

#include <dlfcn.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace dsk_runtime_test;
using ::testing::AllOf;
using ::testing::HasSubstr;

namespace {

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

TEST(RuntimeHelpers, DtypeNamesAndSizes) {
  struct Case {
    dsk_dtype dtype;
    const char *name;
    size_t size;
  } cases[] = {
      {DSK_DTYPE_F16, "f16", 2},
      {DSK_DTYPE_BF16, "bf16", 2},
      {DSK_DTYPE_F32, "f32", 4},
      {DSK_DTYPE_F64, "f64", 8},
      {DSK_DTYPE_I8, "i8", 1},
      {DSK_DTYPE_I16, "i16", 2},
      {DSK_DTYPE_I32, "i32", 4},
      {DSK_DTYPE_I64, "i64", 8},
      {DSK_DTYPE_U8, "u8", 1},
      {DSK_DTYPE_U16, "u16", 2},
      {DSK_DTYPE_U32, "u32", 4},
      {DSK_DTYPE_U64, "u64", 8},
      {DSK_DTYPE_BOOL, "bool", 1},
      {DSK_DTYPE_INVALID, "invalid", 0},
      {static_cast<dsk_dtype>(15), "invalid", 0},
  };
  for (const Case &c : cases) {
    EXPECT_STREQ(dsk_dtype_name(c.dtype), c.name);
    EXPECT_EQ(dsk_dtype_size(c.dtype), c.size) << c.name;
  }
}

TEST(RuntimeHelpers, StatusNames) {
  EXPECT_STREQ(dsk_status_name(DSK_OK), "ok");
  EXPECT_STREQ(dsk_status_name(DSK_ERROR_INVALID_ARGUMENT), "invalid argument");
  EXPECT_STREQ(dsk_status_name(DSK_ERROR_LOAD), "load error");
  EXPECT_STREQ(dsk_status_name(DSK_ERROR_BAD_MODEL), "bad model");
  EXPECT_STREQ(dsk_status_name(DSK_ERROR_UNSUPPORTED_CPU), "unsupported CPU");
  EXPECT_STREQ(dsk_status_name(static_cast<dsk_status>(7)), "unknown status");
}

//===----------------------------------------------------------------------===//
// Loading
//===----------------------------------------------------------------------===//

TEST_F(RuntimeTest, LoadNullArguments) {
  dsk_model *m;
  EXPECT_EQ(dsk_model_load(nullptr, &m, &err), DSK_ERROR_INVALID_ARGUMENT);
  EXPECT_THAT(std::string(err.message),
              HasSubstr("dsk_model_load: path is NULL"));
  EXPECT_EQ(m, nullptr);
  EXPECT_EQ(dsk_model_load(DSK_FAKE_ADD_PATH, nullptr, &err),
            DSK_ERROR_INVALID_ARGUMENT);
  EXPECT_THAT(std::string(err.message),
              HasSubstr("dsk_model_load: model is NULL"));
  // A NULL error pointer is allowed everywhere.
  EXPECT_EQ(dsk_model_load(nullptr, &m, nullptr), DSK_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(dsk_model_load("/nonexistent/model.so", &m, nullptr),
            DSK_ERROR_LOAD);
  dsk_model_close(nullptr);
}

TEST_F(RuntimeTest, LoadMissingFile) {
  std::string path = dir + "/missing.so";
  load(path, DSK_ERROR_LOAD);
  EXPECT_THAT(
      std::string(err.message),
      AllOf(HasSubstr("cannot load model " + path), HasSubstr("No such file")));
}

TEST_F(RuntimeTest, LoadNonElfFile) {
  std::string path = dir + "/notes.so";
  std::ofstream(path) << std::string(200, 'x') << "\n";
  load(path, DSK_ERROR_LOAD);
  EXPECT_THAT(std::string(err.message),
              AllOf(HasSubstr("cannot load model " + path), HasSubstr("ELF")));
}

/// The bytes of the file at `path`.
static std::string readFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

/// Writes `bytes` to the file at `path`.
static void writeFile(const std::string &path, const std::string &bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

/// `bytes` followed by the model ABI's file trailer for them.
static std::string withTrailer(const std::string &bytes) {
  uint64_t fields[3] = {bytes.size(),
                        dsk_model_checksum(bytes.data(), bytes.size()), 0};
  std::string file = bytes + DSK_MODEL_TRAILER_MAGIC;
  file.append(reinterpret_cast<const char *>(fields), sizeof(fields));
  return file;
}

TEST_F(RuntimeTest, LoadLibraryWithTrailer) {
  std::string path = dir + "/trailer.so";
  writeFile(path, withTrailer(readFile(DSK_FAKE_ADD_PATH)));
  EXPECT_NE(load(path), nullptr) << err.message;
}

TEST_F(RuntimeTest, LoadTruncatedLibrary) {
  std::string bytes = readFile(DSK_FAKE_ADD_PATH);
  std::string path = dir + "/truncated.so";
  writeFile(path, bytes.substr(0, bytes.size() / 2));
  load(path, DSK_ERROR_LOAD);
  EXPECT_THAT(std::string(err.message),
              AllOf(HasSubstr("cannot load model " + path),
                    HasSubstr("the file is truncated or corrupted (its ELF "
                              "headers describe data past its")));
}

TEST_F(RuntimeTest, LoadCorruptedLibrary) {
  std::string file = withTrailer(readFile(DSK_FAKE_ADD_PATH));
  file[file.size() / 3] ^= 0x10;
  std::string path = dir + "/flipped.so";
  writeFile(path, file);
  load(path, DSK_ERROR_LOAD);
  EXPECT_THAT(std::string(err.message),
              HasSubstr(path + ": the file is corrupted (its checksum differs "
                               "from the one the compiler recorded)"));
}

TEST_F(RuntimeTest, LoadLibraryWithBytesBeforeItsTrailer) {
  std::string bytes = readFile(DSK_FAKE_ADD_PATH);
  std::string file = withTrailer(bytes);
  std::string path = dir + "/grown.so";
  writeFile(path, bytes + "x" + file.substr(bytes.size()));
  load(path, DSK_ERROR_LOAD);
  EXPECT_THAT(std::string(err.message),
              HasSubstr("before its trailer, but the compiler wrote " +
                        std::to_string(bytes.size())));
}

TEST_F(RuntimeTest, LoadFifoIsRefusedWithoutBlocking) {
  std::string path = dir + "/fifo.so";
  ASSERT_EQ(mkfifo(path.c_str(), 0600), 0);
  load(path, DSK_ERROR_LOAD);
  EXPECT_THAT(std::string(err.message),
              HasSubstr(path + ": not a regular file"));
}

TEST_F(RuntimeTest, LoadNameWithoutSlashIsRelativeToCurrentDirectory) {
  std::string path = makeModel(kPrefix + "output y f32 0\nend\n");
  std::string copy = dir + "/plain.so";
  ASSERT_EQ(rename(path.c_str(), copy.c_str()), 0);
  char cwd[4096];
  ASSERT_NE(getcwd(cwd, sizeof(cwd)), nullptr);
  ASSERT_EQ(chdir(dir.c_str()), 0);
  ModelPtr m = load("plain.so");
  ASSERT_EQ(chdir(cwd), 0);
  EXPECT_NE(m, nullptr);
  EXPECT_STREQ(err.message, "");
}

TEST_F(RuntimeTest, LoadMissingRunSymbol) {
  load(DSK_FAKE_NO_RUN_PATH, DSK_ERROR_BAD_MODEL);
  EXPECT_THAT(std::string(err.message),
              AllOf(HasSubstr(DSK_FAKE_NO_RUN_PATH),
                    HasSubstr("does not export the symbol 'dsk_model_run_v1'"),
                    HasSubstr("not a dsk model"),
                    HasSubstr("another model ABI version")));
}

TEST_F(RuntimeTest, LoadMissingMetadataSymbol) {
  load(DSK_FAKE_NO_METADATA_PATH, DSK_ERROR_BAD_MODEL);
  EXPECT_THAT(std::string(err.message),
              AllOf(HasSubstr(DSK_FAKE_NO_METADATA_PATH),
                    HasSubstr("does not export the symbol "
                              "'dsk_model_metadata_v1' (though it exports "
                              "'dsk_model_run_v1')"),
                    HasSubstr("this runtime reads versions 1 and 2")));
}

// A library with one version-2 symbol is broken; the runtime does not fall
// back to version 1 and names the missing symbol.
TEST_F(RuntimeTest, LoadV2MissingRunSymbol) {
  load(DSK_FAKE_V2_NO_RUN_PATH, DSK_ERROR_BAD_MODEL);
  EXPECT_THAT(std::string(err.message),
              AllOf(HasSubstr(DSK_FAKE_V2_NO_RUN_PATH),
                    HasSubstr("does not export the symbol 'dsk_model_run_v2' "
                              "(though it exports 'dsk_model_metadata_v2')"),
                    HasSubstr("not a dsk model")));
}

TEST_F(RuntimeTest, LoadV2MissingMetadataSymbol) {
  load(DSK_FAKE_V2_NO_METADATA_PATH, DSK_ERROR_BAD_MODEL);
  EXPECT_THAT(std::string(err.message),
              HasSubstr(std::string(DSK_FAKE_V2_NO_METADATA_PATH) +
                        " does not export the symbol 'dsk_model_metadata_v2' "
                        "(though it exports 'dsk_model_run_v2')"));
}

TEST_F(RuntimeTest, LoadLibraryWithoutModelSymbols) {
  load(DSK_FAKE_EMPTY_PATH, DSK_ERROR_BAD_MODEL);
  EXPECT_THAT(std::string(err.message),
              AllOf(HasSubstr(std::string(DSK_FAKE_EMPTY_PATH) +
                              " exports neither 'dsk_model_metadata_v2' nor "
                              "'dsk_model_metadata_v1': it is not a dsk "
                              "model, or it was compiled for another model "
                              "ABI version (this runtime reads versions 1 "
                              "and 2)")));
}

//===----------------------------------------------------------------------===//
// Metadata
//===----------------------------------------------------------------------===//

struct BadMetadata {
  const char *label;
  std::string metadata;
  const char *message; // expected, after "malformed model metadata, "
  int version = 1;     // of the template (the symbols) it is loaded with
};

std::vector<BadMetadata> badMetadataCases() {
  const std::string h = kHeader, t = kHostTarget, p = kPrefix,
                    out = "output y f32 0\n";
  return {
      {"Empty", "", "line 1: the metadata ends without an 'end' line"},
      {"NoNewline", "dsk-model 1",
       "line 1: the line does not end with a "
       "newline"},
      {"EmptyLine", "\n", "line 1: empty line"},
      {"DoubleSpace", "dsk-model  1\n",
       "line 1: empty field at column 11 (fields are separated by exactly "
       "one space)"},
      {"HeaderTooManyFields", "dsk-model 1 2\n",
       "line 1: too many fields (expected 2)"},
      {"NotDsk", "onnx 1\n", "line 1: expected 'dsk-model 1', got 'onnx 1'"},
      {"HeaderNoVersion", "dsk-model\n",
       "line 1: expected 'dsk-model 1', got 'dsk-model'"},
      {"Version2InV1Symbol", kPrefixV2 + out + "end\n",
       "line 1: metadata version 2 does not match its symbol "
       "'dsk_model_metadata_v1', which holds version 1"},
      {"Version3", "dsk-model 3\n" + t + "features -\n" + out + "end\n",
       "line 1: metadata version '3' is not supported (this runtime reads "
       "versions 1 and 2)"},
      {"Version0", "dsk-model 0\n", "line 1: metadata version '0' is not"},
      {"VersionNotNumber", "dsk-model two\n",
       "line 1: metadata version 'two' is not supported"},
      {"V1KindLine", h + kKindCpu + t,
       "line 2: expected a 'target <arch> <cpu>' line, got 'kind'"},
      {"V1UnknownHeaderKey", h + "checksum 1\n" + t,
       "line 2: expected a 'target <arch> <cpu>' line, got 'checksum'"},
      {"V1UnknownLineAfterHeader", p + "checksum 1\n",
       "line 4: unknown line 'checksum' (expected input, output or end)"},
      {"V1WorkspaceLine", p + "workspace 64\n" + out + "end\n",
       "line 4: unknown line 'workspace' (expected input, output or end)"},
      {"V1TargetTwice", p + t + out + "end\n",
       "line 4: 'target' line out of place (version 1 header lines come once "
       "each, in the order target, features, before the first input)"},
      {"NoTarget", h + "arch x86_64 generic\n",
       "line 2: expected a 'target <arch> <cpu>' line, got 'arch'"},
      {"TargetNoCpu", h + "target x86_64\n",
       "line 2: expected 'target <arch> <cpu>', got 2 fields"},
      {"NoFeatures", h + t + out,
       "line 3: expected a 'features <f1>,<f2>,...' line, got 'output'"},
      {"FeaturesTwoFields", h + t + "features sse2 avx\n",
       "line 3: expected 'features <f1>,<f2>,...', got 3 fields"},
      {"EmptyFeature", h + t + "features sse2,,avx\n",
       "line 3: empty feature name in 'sse2,,avx'"},
      {"TrailingComma", h + t + "features sse2,\n",
       "line 3: empty feature name in 'sse2,'"},
      {"TensorTooShort", p + "input a f32\n",
       "line 4: input line has 3 fields, expected 'input <name> <dtype> "
       "<rank> <dims...>'"},
      {"OutputTooShort", p + "output\n", "line 4: output line has 1 fields"},
      {"ShortPercent", p + "input a%2 f32 0\n",
       "line 4: name 'a%2' has a bad percent escape at byte 2"},
      {"LowercasePercent", p + "input a%2f f32 0\n",
       "line 4: name 'a%2f' has a bad percent escape at byte 2 (expected % "
       "and two uppercase hex digits)"},
      {"PercentNul", p + "input a%00 f32 0\n",
       "line 4: name 'a%00' contains %00 (a NUL byte)"},
      {"RawTab", p + "input a\tb f32 0\n",
       "line 4: name contains byte 0x09, which must be percent-encoded"},
      {"RawHighByte", p + "input caf\xC3\xA9 f32 0\n",
       "line 4: name contains byte 0xC3"},
      {"UnknownDtype", p + "input a f128 0\n",
       "line 4: input 'a' has unknown dtype 'f128'"},
      {"RankNotNumber", p + "input a f32 x\n",
       "line 4: input 'a' has rank 'x', expected a non-negative integer"},
      {"NegativeRank", p + "input a f32 -1\n",
       "line 4: input 'a' has rank '-1', expected a non-negative integer"},
      {"RankOverflow", p + "input a f32 99999999999999999999\n",
       "line 4: input 'a' has rank '99999999999999999999'"},
      {"TooFewDims", p + "input a f32 2 3\n",
       "line 4: input 'a' has rank 2 but 1 dimensions follow"},
      {"TooManyDims", p + "output a f32 1 3 4\n",
       "line 4: output 'a' has rank 1 but 2 dimensions follow"},
      {"NegativeDim", p + "input a f32 1 -3\n",
       "line 4: input 'a' dimension 0 is '-3', expected a non-negative "
       "integer or ?<symbol>"},
      {"DimWithSign", p + "input a f32 2 3 +4\n",
       "line 4: input 'a' dimension 1 is '+4'"},
      {"DimOverflow", p + "input a f32 1 9223372036854775808\n",
       "line 4: input 'a' dimension 0 '9223372036854775808' does not fit in "
       "int64"},
      {"EmptySymbol", p + "input a f32 1 ?\n",
       "line 4: input 'a' dimension 0 is '?' without a symbol name"},
      {"BadSymbolEscape", p + "input a f32 1 ?N%zz\n",
       "line 4: symbol 'N%zz' has a bad percent escape at byte 2"},
      {"ByteSizeOverflow", p + "input a f32 2 4611686018427387904 2\n",
       "line 4: input 'a' is too large: its size in bytes overflows 64 bits"},
      {"ByteSizeOverflowI8", p + "output a i8 3 4294967296 4294967296 2\n",
       "line 4: output 'a' is too large"},
      {"InputAfterOutput", p + out + "input a f32 0\nend\n",
       "line 5: input line after an output line (inputs must come first)"},
      {"EndWithField", p + out + "end now\n",
       "line 5: the 'end' line has 2 fields, expected 1"},
      {"NoOutputs", p + "input a f32 0\nend\n",
       "line 5: the model declares no outputs"},
      {"UnknownLine", p + "weights w f32 0\n",
       "line 4: unknown line 'weights' (expected input, output or end)"},
      {"TextAfterEnd", p + out + "end\nextra\n",
       "line 6: unexpected text after the 'end' line"},
      {"MissingEnd", p + out,
       "line 5: the metadata ends without an 'end' line"},
      {"EndWithoutNewline", p + out + "end",
       "line 5: the line does not end with a newline"},
      {"TrailingSpace", p + "input a f32 0 \n",
       "line 4: empty field at column 15"},
      {"LeadingSpace", p + " input a f32 0\n",
       "line 4: empty field at column 1"},
      {"CarriageReturn", p + out + "end\r\n", "line 5: unknown line 'end\r'"},
  };
}

std::vector<BadMetadata> badMetadataV2Cases() {
  const std::string h = kHeaderV2, k = kKindCpu, t = kHostTarget,
                    f = kNoFeatures, p = kPrefixV2, out = "output y f32 0\n";
  std::vector<BadMetadata> cases = {
      {"Version1InV2Symbol", kPrefix + out + "end\n",
       "line 1: metadata version 1 does not match its symbol "
       "'dsk_model_metadata_v2', which holds version 2"},
      {"HeaderV2Expected", "onnx 2\n",
       "line 1: expected 'dsk-model 2', got 'onnx 2'"},
      {"NoKind", h + t + f + "workspace 0\n" + out + "end\n",
       "line 2: expected a 'kind <kind>' line, got 'target'"},
      {"KindNoValue", h + "kind\n",
       "line 2: expected 'kind <kind>', got 1 "
       "fields"},
      {"KindTwoValues", h + "kind cpu cuda\n",
       "line 2: expected 'kind <kind>', got 3 fields"},
      {"TargetBeforeKind", h + t + k,
       "line 2: expected a 'kind <kind>' line, got 'target'"},
      {"FeaturesBeforeTarget", h + k + f + t,
       "line 3: expected a 'target <arch> <cpu>' line, got 'features'"},
      {"WorkspaceBeforeFeatures", h + k + t + "workspace 0\n" + f,
       "line 4: expected a 'features <f1>,<f2>,...' line, got 'workspace'"},
      {"MissingWorkspace", h + k + t + f + "input a f32 0\n" + out + "end\n",
       "line 5: expected a 'workspace <bytes>' line, got 'input'"},
      {"MissingWorkspaceNoInputs", h + k + t + f + out + "end\n",
       "line 5: expected a 'workspace <bytes>' line, got 'output'"},
      {"WorkspaceNoValue", h + k + t + f + "workspace\n",
       "line 5: expected 'workspace <bytes>', got 1 fields"},
      {"WorkspaceTwoValues", h + k + t + f + "workspace 64 128\n",
       "line 5: expected 'workspace <bytes>', got 3 fields"},
      {"WorkspaceNotNumber", h + k + t + f + "workspace 1k\n",
       "line 5: workspace size '1k' is not a non-negative decimal integer"},
      {"WorkspaceHex", h + k + t + f + "workspace 0x40\n",
       "line 5: workspace size '0x40' is not a non-negative decimal integer"},
      {"WorkspaceNegative", h + k + t + f + "workspace -1\n",
       "line 5: workspace size '-1' is not a non-negative decimal integer"},
      {"WorkspaceExpression", h + k + t + f + "workspace 64*?batch\n",
       "line 5: workspace size '64*?batch' is not a non-negative decimal "
       "integer"},
      {"WorkspaceOverflow", h + k + t + f + "workspace 99999999999999999999\n",
       "line 5: workspace size '99999999999999999999' is too large for this "
       "machine"},
      {"BadFeatures", h + k + t + "features sse2,\n",
       "line 4: empty feature name in 'sse2,'"},
      {"KindTwice", p + k + out + "end\n",
       "line 6: 'kind' line out of place (version 2 header lines come once "
       "each, in the order kind, target, features, workspace, before the "
       "first input)"},
      {"WorkspaceAfterInput", p + "input a f32 0\nworkspace 64\n",
       "line 7: 'workspace' line out of place"},
      {"UnknownLineAfterInput", p + "input a f32 0\nchecksum 12\n",
       "line 7: unknown line 'checksum' (expected input, output or end)"},
      {"UnknownLineAfterOutput", p + out + "checksum 12\nend\n",
       "line 7: unknown line 'checksum' (expected input, output or end)"},
      // Unknown header lines are skipped, but must still be well-formed.
      {"MalformedUnknownHeaderLine", h + k + "region-count  3\n",
       "line 3: empty field at column 14"},
      {"EmptyLineInHeader", h + k + "\n", "line 3: empty line"},
      {"NoOutputs", p + "input a f32 0\nend\n",
       "line 7: the model declares no outputs"},
  };
  for (BadMetadata &c : cases)
    c.version = 2;
  return cases;
}

void PrintTo(const BadMetadata &c, std::ostream *os) { *os << c.label; }

class BadMetadataTest : public RuntimeTest,
                        public ::testing::WithParamInterface<BadMetadata> {};

TEST_P(BadMetadataTest, IsRejectedWithLineAndReason) {
  const BadMetadata &c = GetParam();
  if (c.version == 2)
    loadMetadataV2(c.metadata, DSK_ERROR_BAD_MODEL);
  else
    loadMetadata(c.metadata, DSK_ERROR_BAD_MODEL);
  EXPECT_THAT(std::string(err.message),
              HasSubstr(lastPath + ": malformed model metadata, " + c.message));
}

INSTANTIATE_TEST_SUITE_P(Runtime, BadMetadataTest,
                         ::testing::ValuesIn(badMetadataCases()),
                         [](const ::testing::TestParamInfo<BadMetadata> &info) {
                           return std::string(info.param.label);
                         });

INSTANTIATE_TEST_SUITE_P(RuntimeV2, BadMetadataTest,
                         ::testing::ValuesIn(badMetadataV2Cases()),
                         [](const ::testing::TestParamInfo<BadMetadata> &info) {
                           return std::string(info.param.label);
                         });

TEST_F(RuntimeTest, MetadataV2OtherKindIsRefused) {
  for (const char *kind : {"cuda", "rocm"}) {
    loadMetadataV2(std::string(kHeaderV2) + "kind " + kind + "\n" +
                       kHostTarget + kNoFeatures +
                       "workspace 0\noutput y f32 0\nend\n",
                   DSK_ERROR_BAD_MODEL);
    EXPECT_THAT(std::string(err.message),
                HasSubstr(lastPath + ": the model is for target kind '" + kind +
                          "' (metadata line 2), but this runtime runs cpu "
                          "models only"));
  }
}

TEST_F(RuntimeTest, MetadataV2SkipsUnknownHeaderLines) {
  // Anywhere before the first tensor line, with any number of fields.
  std::string md = std::string(kHeaderV2) + "region-count 3\n" + kKindCpu +
                   "flags a b c d\n" + kHostTarget + kNoFeatures + "size 12\n" +
                   "workspace 4096\nchecksum sha256:00ff\n" +
                   "input x f32 1 4\noutput y f32 1 4\nend\n";
  ModelPtr m = loadMetadataV2(md);
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(dsk_model_abi_version(m.get()), 2);
  EXPECT_STREQ(dsk_model_target_kind(m.get()), "cpu");
  EXPECT_STREQ(dsk_model_target_cpu(m.get()), "generic");
  EXPECT_STREQ(dsk_model_target_features(m.get()), "");
  EXPECT_EQ(dsk_model_workspace_size(m.get()), 4096u);
  EXPECT_EQ(dsk_model_num_inputs(m.get()), 1u);
  EXPECT_EQ(dsk_model_num_outputs(m.get()), 1u);
  // Also right after the header when the model has no inputs.
  EXPECT_NE(loadMetadataV2(kPrefixV2 + "future-field x\noutput y f32 0\nend\n"),
            nullptr);
}

TEST_F(RuntimeTest, MetadataV2Workspace) {
  for (size_t bytes :
       {size_t(0), size_t(1), size_t(64), size_t(1000), size_t(1) << 20}) {
    ModelPtr m = loadMetadataV2(
        std::string(kHeaderV2) + kKindCpu + kHostTarget + kNoFeatures +
        "workspace " + std::to_string(bytes) + "\noutput y f32 0\nend\n");
    ASSERT_NE(m, nullptr) << bytes;
    EXPECT_EQ(dsk_model_workspace_size(m.get()), bytes);
    // The template's run function ignores its workspace: this only shows
    // that a run of any recorded size succeeds (that the workspace reaches
    // the model is checked with the v2 add model).
    float y = 0;
    dsk_tensor out = makeTensor(DSK_DTYPE_F32, {}, &y, sizeof(y));
    EXPECT_EQ(dsk_model_run(m.get(), nullptr, 0, &out, 1, &err), DSK_OK)
        << err.message;
  }
  // Leading zeros are still a decimal integer.
  ModelPtr m = loadMetadataV2(std::string(kHeaderV2) + kKindCpu + kHostTarget +
                              kNoFeatures + "workspace 0128\n" +
                              "output y f32 0\nend\n");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(dsk_model_workspace_size(m.get()), 128u);
}

TEST_F(RuntimeTest, MetadataV2WorkspaceTooLargeToAllocate) {
  // Parses, but no machine has 4 EiB to give.
  loadMetadataV2(std::string(kHeaderV2) + kKindCpu + kHostTarget + kNoFeatures +
                     "workspace 4611686018427387904\n" +
                     "output y f32 0\nend\n",
                 DSK_ERROR_LOAD);
  EXPECT_THAT(std::string(err.message),
              HasSubstr(lastPath + ": out of memory for the model's workspace "
                                   "of 4611686018427387904 bytes"));
}

TEST_F(RuntimeTest, MetadataEveryDtypeAndScalar) {
  std::string md = kPrefix;
  const char *names[] = {"f16", "bf16", "f32", "f64", "i8",  "i16", "i32",
                         "i64", "u8",   "u16", "u32", "u64", "bool"};
  for (const char *n : names)
    md += std::string("input t_") + n + " " + n + " 1 5\n";
  md += "output s f64 0\nend\n";
  ModelPtr m = loadMetadata(md);
  ASSERT_NE(m, nullptr);
  ASSERT_EQ(dsk_model_num_inputs(m.get()), 13u);
  for (size_t i = 0; i < 13; ++i) {
    dsk_tensor_info info;
    ASSERT_EQ(dsk_model_input_info(m.get(), i, &info, &err), DSK_OK);
    EXPECT_EQ(std::string("t_") + dsk_dtype_name(info.dtype), info.name);
    EXPECT_EQ(info.dtype, static_cast<dsk_dtype>(i + 1));
  }
  dsk_tensor_info out;
  ASSERT_EQ(dsk_model_output_info(m.get(), 0, &out, &err), DSK_OK);
  EXPECT_EQ(out.rank, 0);
  EXPECT_EQ(out.dtype, DSK_DTYPE_F64);
}

TEST_F(RuntimeTest, MetadataLongLine) {
  // More fields than the parser keeps on its stack.
  std::string md = kPrefix + "input big u8 100";
  for (int i = 0; i < 100; ++i)
    md += i == 50 ? " ?mid" : " 1";
  md += "\noutput y u8 1 ?mid\nend\n";
  ModelPtr m = loadMetadata(md);
  ASSERT_NE(m, nullptr);
  dsk_tensor_info info;
  ASSERT_EQ(dsk_model_input_info(m.get(), 0, &info, &err), DSK_OK);
  ASSERT_EQ(info.rank, 100);
  EXPECT_EQ(info.dims[49], 1);
  EXPECT_EQ(info.dims[50], -1);
  EXPECT_STREQ(info.dim_names[50], "mid");
  EXPECT_EQ(info.dims[99], 1);
  // An error on such a line is reported like any other.
  loadMetadata(md.substr(0, md.find("\noutput")) + " 1\nend\n",
               DSK_ERROR_BAD_MODEL);
  EXPECT_THAT(std::string(err.message),
              HasSubstr("line 4: input 'big' has rank 100 but 101 dimensions "
                        "follow"));
}

TEST_F(RuntimeTest, MetadataPercentDecodingAndSymbols) {
  ModelPtr m = loadMetadata(kPrefix + "input a%25b%20c%0A f32 3 ?N%20x 0 ?M\n"
                                      "output %C3%A9 u8 2 ?M ?N%20x\nend\n");
  ASSERT_NE(m, nullptr);
  dsk_tensor_info in, out;
  ASSERT_EQ(dsk_model_input_info(m.get(), 0, &in, &err), DSK_OK);
  EXPECT_STREQ(in.name, "a%b c\n");
  ASSERT_EQ(in.rank, 3);
  EXPECT_EQ(in.dims[0], -1);
  EXPECT_STREQ(in.dim_names[0], "N x");
  EXPECT_EQ(in.dims[1], 0);
  EXPECT_EQ(in.dim_names[1], nullptr);
  EXPECT_EQ(in.dims[2], -1);
  EXPECT_STREQ(in.dim_names[2], "M");
  ASSERT_EQ(dsk_model_output_info(m.get(), 0, &out, &err), DSK_OK);
  EXPECT_STREQ(out.name, "\xC3\xA9");
  EXPECT_EQ(out.dtype, DSK_DTYPE_U8);
  ASSERT_EQ(out.rank, 2);
  EXPECT_STREQ(out.dim_names[0], "M");
  EXPECT_STREQ(out.dim_names[1], "N x");
}

TEST_F(RuntimeTest, MetadataZeroDimensionIsNotAnOverflow) {
  // The intermediate product overflows, but the tensor is empty.
  ModelPtr m =
      loadMetadata(kPrefix + "output y f32 3 4611686018427387904 4 0\nend\n");
  ASSERT_NE(m, nullptr);
  float dummy;
  std::vector<int64_t> dims = {4611686018427387904, 4, 0};
  dsk_tensor out = makeTensor(DSK_DTYPE_F32, dims, &dummy, 0);
  EXPECT_EQ(dsk_model_run(m.get(), nullptr, 0, &out, 1, &err), DSK_OK)
      << err.message;
}

TEST_F(RuntimeTest, TargetAndFeatures) {
  ModelPtr none = loadMetadata(kPrefix + "output y f32 0\nend\n");
  ASSERT_NE(none, nullptr);
  EXPECT_STREQ(dsk_model_target_cpu(none.get()), "generic");
  EXPECT_STREQ(dsk_model_target_features(none.get()), "");
  // Unknown names (tuning flags, "64bit") and "-f" (compiled without f) are
  // not required.
  ModelPtr some = loadMetadata(std::string(kHeader) + kHostTarget +
                               "features 64bit,fast-gather,-avx512f,"
                               "-amx-tile\n"
                               "output y f32 0\nend\n");
  ASSERT_NE(some, nullptr);
  EXPECT_STREQ(dsk_model_target_features(some.get()),
               "64bit,fast-gather,-avx512f,-amx-tile");
  EXPECT_STREQ(dsk_model_target_cpu(nullptr), "");
  EXPECT_STREQ(dsk_model_target_features(nullptr), "");
}

//===----------------------------------------------------------------------===//
// CPU checks
//===----------------------------------------------------------------------===//

TEST_F(RuntimeTest, OtherArchitectureIsUnsupported) {
#if defined(__x86_64__)
  const char *other = "aarch64", *host = "x86_64";
#else
  const char *other = "x86_64", *host = "aarch64";
#endif
  loadMetadata(std::string(kHeader) + "target " + other +
                   " some-cpu\nfeatures -\noutput y f32 0\nend\n",
               DSK_ERROR_UNSUPPORTED_CPU);
  EXPECT_THAT(std::string(err.message),
              HasSubstr(lastPath + " was compiled for target " + other +
                        " some-cpu, but this machine is " + host));
}

#if defined(__x86_64__)
TEST_F(RuntimeTest, ArchitectureAliases) {
  for (const char *arch : {"x86_64", "x86-64", "amd64"}) {
    ModelPtr m = loadMetadata(std::string(kHeader) + "target " + arch +
                              " generic\nfeatures -\noutput y f32 0\nend\n");
    EXPECT_NE(m, nullptr) << arch;
  }
}

/// The runtime's cpuid table agrees with the compiler's own detection
/// (__builtin_cpu_supports, which also checks the OS-enabled state).
TEST_F(RuntimeTest, FeatureDetectionMatchesCompiler) {
#define FEATURE(name)                                                          \
  { name, __builtin_cpu_supports(name) != 0 }
  struct {
    const char *name;
    bool have;
  } features[] = {
      FEATURE("sse"),          FEATURE("sse2"),
      FEATURE("sse3"),         FEATURE("ssse3"),
      FEATURE("sse4.1"),       FEATURE("sse4.2"),
      FEATURE("popcnt"),       FEATURE("avx"),
      FEATURE("avx2"),         FEATURE("fma"),
      FEATURE("f16c"),         FEATURE("bmi"),
      FEATURE("bmi2"),         FEATURE("lzcnt"),
      FEATURE("movbe"),        FEATURE("aes"),
      FEATURE("pclmul"),       FEATURE("sha"),
      FEATURE("adx"),          FEATURE("xsave"),
      FEATURE("cx16"),         FEATURE("avx512f"),
      FEATURE("avx512cd"),     FEATURE("avx512bw"),
      FEATURE("avx512dq"),     FEATURE("avx512vl"),
      FEATURE("avx512vnni"),   FEATURE("avx512bf16"),
      FEATURE("avx512fp16"),   FEATURE("avx512ifma"),
      FEATURE("avx512vbmi"),   FEATURE("avx512vbmi2"),
      FEATURE("avx512bitalg"), FEATURE("avx512vpopcntdq"),
      FEATURE("avxvnni"),      FEATURE("gfni"),
      FEATURE("vaes"),         FEATURE("vpclmulqdq"),
      FEATURE("amx-tile"),     FEATURE("amx-int8"),
      FEATURE("amx-bf16"),     FEATURE("cmov"),
      FEATURE("mmx"),          FEATURE("sse4a"),
      FEATURE("fma4"),         FEATURE("xop"),
      FEATURE("sahf"),         FEATURE("prfchw"),
      FEATURE("rdrnd"),        FEATURE("rdseed"),
      FEATURE("fsgsbase"),     FEATURE("xsaveopt"),
      FEATURE("xsavec"),       FEATURE("xsaves"),
      FEATURE("clflushopt"),   FEATURE("clwb"),
  };
#undef FEATURE
  for (const auto &f : features) {
    std::string md = std::string(kHeader) + "target x86_64 testcpu\nfeatures " +
                     f.name + "\noutput y f32 0\nend\n";
    ModelPtr m = loadMetadata(md, f.have ? DSK_OK : DSK_ERROR_UNSUPPORTED_CPU);
    if (!f.have)
      EXPECT_THAT(std::string(err.message),
                  HasSubstr(lastPath + " was compiled for CPU feature '" +
                            f.name +
                            "' (target x86_64 testcpu), which this CPU does "
                            "not have"));
  }
}

TEST_F(RuntimeTest, MissingFeatureIsNamed) {
  bool haveAmx = __builtin_cpu_supports("amx-tile");
  loadMetadata(std::string(kHeader) +
                   "target x86_64 sapphirerapids\nfeatures "
                   "+sse2,+amx-tile,+amx-int8\noutput y f32 0\nend\n",
               haveAmx ? DSK_OK : DSK_ERROR_UNSUPPORTED_CPU);
  if (!haveAmx)
    EXPECT_THAT(std::string(err.message),
                HasSubstr(lastPath +
                          " was compiled for CPU feature 'amx-tile' (target "
                          "x86_64 sapphirerapids), which this CPU does not "
                          "have"));
  bool haveAvx512 = __builtin_cpu_supports("avx512f");
  loadMetadata(std::string(kHeader) + "target x86_64 skylake-avx512\nfeatures "
                                      "avx2,avx512f\noutput y f32 0\nend\n",
               haveAvx512 ? DSK_OK : DSK_ERROR_UNSUPPORTED_CPU);
  if (!haveAvx512)
    EXPECT_THAT(std::string(err.message), HasSubstr("'avx512f' (target x86_64 "
                                                    "skylake-avx512)"));
}

TEST_F(RuntimeTest, DisabledFeaturesAreTreatedAsAbsent) {
  // Every x86-64 CPU has SSE2, so this fails only because of the variable.
  std::string md = std::string(kHeader) +
                   "target x86_64 x86-64\nfeatures +sse,+sse2\n"
                   "output y f32 0\nend\n";
  std::string path = makeModel(md);
  EXPECT_NE(load(path), nullptr);
  setenv("DSK_DISABLE_CPU_FEATURES", "avx512f, +sse2 ,amx-tile", 1);
  load(path, DSK_ERROR_UNSUPPORTED_CPU);
  EXPECT_THAT(std::string(err.message),
              HasSubstr(path + " was compiled for CPU feature 'sse2' (target "
                               "x86_64 x86-64), which this CPU does not have "
                               "(disabled by DSK_DISABLE_CPU_FEATURES)"));
  // Names must match whole entries.
  setenv("DSK_DISABLE_CPU_FEATURES", "sse22,sse4,,", 1);
  EXPECT_NE(load(path), nullptr);
  if (__builtin_cpu_supports("avx2")) {
    std::string avx2 = makeModel(std::string(kHeader) +
                                 "target x86_64 haswell\nfeatures avx,avx2\n"
                                 "output y f32 0\nend\n");
    setenv("DSK_DISABLE_CPU_FEATURES", "avx2", 1);
    load(avx2, DSK_ERROR_UNSUPPORTED_CPU);
    EXPECT_THAT(std::string(err.message),
                HasSubstr("'avx2' (target x86_64 haswell)"));
    unsetenv("DSK_DISABLE_CPU_FEATURES");
    EXPECT_NE(load(avx2), nullptr);
  }
}
#endif

//===----------------------------------------------------------------------===//
// Describing models
//===----------------------------------------------------------------------===//

TEST_F(RuntimeTest, InfoOfAddModel) {
  ModelPtr m = load(DSK_FAKE_ADD_PATH);
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(dsk_model_num_inputs(m.get()), 2u);
  EXPECT_EQ(dsk_model_num_outputs(m.get()), 2u);
  EXPECT_STREQ(dsk_model_target_cpu(m.get()), "generic");
  const char *names[] = {"a", "b", "sum", "diff"};
  for (size_t i = 0; i < 4; ++i) {
    dsk_tensor_info info;
    dsk_status st = i < 2 ? dsk_model_input_info(m.get(), i, &info, &err)
                          : dsk_model_output_info(m.get(), i - 2, &info, &err);
    ASSERT_EQ(st, DSK_OK) << err.message;
    EXPECT_EQ(err.status, DSK_OK);
    EXPECT_STREQ(info.name, names[i]);
    EXPECT_EQ(info.dtype, DSK_DTYPE_F32);
    ASSERT_EQ(info.rank, 2);
    EXPECT_EQ(info.dims[0], 2);
    EXPECT_EQ(info.dims[1], 3);
    EXPECT_EQ(info.dim_names[0], nullptr);
    EXPECT_EQ(info.dim_names[1], nullptr);
  }
}

TEST_F(RuntimeTest, AbiVersionKindAndWorkspace) {
  ModelPtr v2 = load(DSK_FAKE_V2_ADD_PATH);
  ASSERT_NE(v2, nullptr);
  EXPECT_EQ(dsk_model_abi_version(v2.get()), 2);
  EXPECT_STREQ(dsk_model_target_kind(v2.get()), "cpu");
  EXPECT_EQ(dsk_model_workspace_size(v2.get()), 1000u);
  EXPECT_STREQ(dsk_model_target_cpu(v2.get()), "generic");
  EXPECT_EQ(dsk_model_num_inputs(v2.get()), 2u);
  EXPECT_EQ(dsk_model_num_outputs(v2.get()), 2u);

  ModelPtr v1 = load(DSK_FAKE_ADD_PATH);
  ASSERT_NE(v1, nullptr);
  EXPECT_EQ(dsk_model_abi_version(v1.get()), 1);
  EXPECT_STREQ(dsk_model_target_kind(v1.get()), "cpu");
  EXPECT_EQ(dsk_model_workspace_size(v1.get()), 0u);

  EXPECT_EQ(dsk_model_abi_version(nullptr), 0);
  EXPECT_STREQ(dsk_model_target_kind(nullptr), "");
  EXPECT_EQ(dsk_model_workspace_size(nullptr), 0u);
}

TEST_F(RuntimeTest, InfoErrors) {
  ModelPtr m = load(DSK_FAKE_ADD_PATH);
  ASSERT_NE(m, nullptr);
  dsk_tensor_info info;
  EXPECT_EQ(dsk_model_input_info(m.get(), 2, &info, &err),
            DSK_ERROR_INVALID_ARGUMENT);
  EXPECT_THAT(std::string(err.message),
              HasSubstr(std::string("input index 2 is out of range: ") +
                        DSK_FAKE_ADD_PATH + " has 2 inputs"));
  EXPECT_EQ(dsk_model_output_info(m.get(), 7, &info, &err),
            DSK_ERROR_INVALID_ARGUMENT);
  EXPECT_THAT(std::string(err.message),
              HasSubstr("output index 7 is out of range"));
  EXPECT_EQ(dsk_model_input_info(nullptr, 0, &info, &err),
            DSK_ERROR_INVALID_ARGUMENT);
  EXPECT_THAT(std::string(err.message),
              HasSubstr("dsk_model_input_info: model is NULL"));
  EXPECT_EQ(dsk_model_output_info(m.get(), 0, nullptr, &err),
            DSK_ERROR_INVALID_ARGUMENT);
  EXPECT_THAT(std::string(err.message),
              HasSubstr("dsk_model_output_info: info is NULL"));
  EXPECT_EQ(dsk_model_output_info(nullptr, 0, &info, nullptr),
            DSK_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(dsk_model_num_inputs(nullptr), 0u);
  EXPECT_EQ(dsk_model_num_outputs(nullptr), 0u);
}

//===----------------------------------------------------------------------===//
// Running
//===----------------------------------------------------------------------===//

/// Tensors for one call of the add model.
TEST_F(RuntimeTest, RunAddModel) {
  ModelPtr m = load(DSK_FAKE_ADD_PATH);
  ASSERT_NE(m, nullptr);
  AddCall call(0.5f);
  strcpy(err.message, "stale");
  ASSERT_EQ(call.run(m.get(), &err), DSK_OK) << err.message;
  EXPECT_STREQ(err.message, "");
  EXPECT_EQ(call.sum[5], 5.5f + 50);
  EXPECT_EQ(call.diff[5], 5.5f - 50);
  EXPECT_TRUE(call.correct());
  // A larger buffer than needed is fine; so is a NULL error pointer.
  call.outputs[0].size_bytes = 1000;
  EXPECT_EQ(call.run(m.get(), nullptr), DSK_OK);
}

TEST_F(RuntimeTest, RunV2AddModel) {
  ModelPtr m = load(DSK_FAKE_V2_ADD_PATH);
  ASSERT_NE(m, nullptr);
  // Several runs reuse the model's workspace.
  for (int i = 0; i < 3; ++i) {
    AddCall call(0.5f + i);
    strcpy(err.message, "stale");
    ASSERT_EQ(call.run(m.get(), &err), DSK_OK) << err.message;
    EXPECT_STREQ(err.message, "");
    EXPECT_EQ(call.sum[5], 5.5f + i + 50);
    EXPECT_TRUE(call.correct());
  }
}

TEST_F(RuntimeTest, RunV1ModelWithWorkspaceArguments) {
  // A version-1 model needs no workspace: whatever is passed is ignored.
  ModelPtr m = load(DSK_FAKE_ADD_PATH);
  ASSERT_NE(m, nullptr);
  AddCall call(1);
  ASSERT_EQ(call.runWith(m.get(), nullptr, 0, &err), DSK_OK) << err.message;
  EXPECT_TRUE(call.correct());
  char odd[3];
  AddCall again(2);
  ASSERT_EQ(again.runWith(m.get(), odd + 1, 1, &err), DSK_OK) << err.message;
  EXPECT_TRUE(again.correct());
}

TEST_F(RuntimeTest, RunWithWorkspace) {
  ModelPtr m = load(DSK_FAKE_V2_ADD_PATH);
  ASSERT_NE(m, nullptr);
  const size_t need = dsk_model_workspace_size(m.get());
  ASSERT_EQ(need, 1000u);
  alignas(64) unsigned char workspace[1024 + 64] = {};
  AddCall call(4);
  strcpy(err.message, "stale");
  ASSERT_EQ(call.runWith(m.get(), workspace, need, &err), DSK_OK)
      << err.message;
  EXPECT_STREQ(err.message, "");
  EXPECT_TRUE(call.correct());
  // The model used exactly its workspace: the fake scribbles on all of it
  // and keeps its 12 floats of results at the end.
  for (size_t i = 0; i < need - 48; ++i)
    ASSERT_EQ(workspace[i], 0xA5) << "byte " << i;
  for (size_t i = need; i < sizeof(workspace); ++i)
    ASSERT_EQ(workspace[i], 0) << "byte " << i;
  // More than needed is fine; so is any other 64-byte boundary.
  AddCall call2(5);
  EXPECT_EQ(call2.runWith(m.get(), workspace + 64, 1024, nullptr), DSK_OK);
  EXPECT_TRUE(call2.correct());
}

TEST_F(RuntimeTest, RunWithWorkspaceErrors) {
  ModelPtr m = load(DSK_FAKE_V2_ADD_PATH);
  ASSERT_NE(m, nullptr);
  alignas(64) unsigned char workspace[1024 + 64];
  const std::string path = DSK_FAKE_V2_ADD_PATH;
  AddCall call(6);
  EXPECT_EQ(call.runWith(m.get(), workspace, 999, &err),
            DSK_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(err.status, DSK_ERROR_INVALID_ARGUMENT);
  EXPECT_THAT(std::string(err.message),
              HasSubstr(path + ": the workspace has 999 bytes, but the model "
                               "needs 1000 (see dsk_model_workspace_size)"));
  EXPECT_EQ(call.runWith(m.get(), workspace, 0, &err),
            DSK_ERROR_INVALID_ARGUMENT);
  EXPECT_THAT(std::string(err.message),
              HasSubstr(": the workspace has 0 bytes"));
  for (size_t offset : {1, 8, 32}) {
    EXPECT_EQ(call.runWith(m.get(), workspace + offset, 1024, &err),
              DSK_ERROR_INVALID_ARGUMENT);
    EXPECT_THAT(std::string(err.message),
                AllOf(HasSubstr(path + ": the workspace at 0x"),
                      HasSubstr(" is not aligned to 64 bytes")));
  }
  EXPECT_EQ(call.runWith(m.get(), nullptr, 1024, &err),
            DSK_ERROR_INVALID_ARGUMENT);
  EXPECT_THAT(std::string(err.message),
              HasSubstr(path + ": the workspace is NULL, but the model needs "
                               "1000 bytes aligned to 64"));
  EXPECT_EQ(call.sum[0], -1) << "the model ran despite an error";
  EXPECT_EQ(call.runWith(nullptr, workspace, 1024, &err),
            DSK_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(err.message, "dsk_model_run_with_workspace: model is NULL");
}

/// One wrong-argument case: a change to a correct call and the message.
struct BadRun {
  const char *label;
  void (*spoil)(AddCall &, size_t &numInputs, size_t &numOutputs,
                bool &nullInputs, bool &nullOutputs);
  std::string message; // after "<path>"
};

std::vector<BadRun> badRunCases() {
  static const int64_t rank1[] = {6}, wrongDim[] = {2, 4}, wrongDim0[] = {3, 3};
  return {
      {"TooFewInputs",
       [](AddCall &, size_t &n, size_t &, bool &, bool &) { n = 1; },
       " expects 2 inputs, got 1"},
      {"TooManyOutputs",
       [](AddCall &, size_t &, size_t &n, bool &, bool &) { n = 3; },
       " expects 2 outputs, got 3"},
      {"NullInputs",
       [](AddCall &, size_t &, size_t &, bool &ni, bool &) { ni = true; },
       ": inputs is NULL but 2 inputs are expected"},
      {"NullOutputs",
       [](AddCall &, size_t &, size_t &, bool &, bool &no) { no = true; },
       ": outputs is NULL but 2 outputs are expected"},
      {"InputDtype",
       [](AddCall &c, size_t &, size_t &, bool &, bool &) {
         c.inputs[1].dtype = DSK_DTYPE_I32;
       },
       ": input 1 'b' has dtype i32, expected f32 (f32[2,3])"},
      {"OutputDtype",
       [](AddCall &c, size_t &, size_t &, bool &, bool &) {
         c.outputs[0].dtype = DSK_DTYPE_INVALID;
       },
       ": output 0 'sum' has dtype invalid, expected f32 (f32[2,3])"},
      {"InputRank",
       [](AddCall &c, size_t &, size_t &, bool &, bool &) {
         c.inputs[0].rank = 1;
         c.inputs[0].dims = rank1;
       },
       ": input 0 'a' has rank 1, expected 2 (f32[2,3])"},
      {"NullDims",
       [](AddCall &c, size_t &, size_t &, bool &, bool &) {
         c.outputs[1].dims = nullptr;
       },
       ": output 1 'diff' has rank 2 but NULL dims"},
      {"InputDim",
       [](AddCall &c, size_t &, size_t &, bool &, bool &) {
         c.inputs[1].dims = wrongDim;
       },
       ": input 1 'b' dimension 1 is 4, expected 3 (f32[2,3])"},
      {"OutputDim",
       [](AddCall &c, size_t &, size_t &, bool &, bool &) {
         c.outputs[1].dims = wrongDim0;
       },
       ": output 1 'diff' dimension 0 is 3, expected 2 (f32[2,3])"},
      {"InputNullData",
       [](AddCall &c, size_t &, size_t &, bool &, bool &) {
         c.inputs[0].data = nullptr;
       },
       ": input 0 'a' has NULL data"},
      {"OutputNullData",
       [](AddCall &c, size_t &, size_t &, bool &, bool &) {
         c.outputs[1].data = nullptr;
       },
       ": output 1 'diff' has NULL data"},
      {"InputTooSmall",
       [](AddCall &c, size_t &, size_t &, bool &, bool &) {
         c.inputs[1].size_bytes = 23;
       },
       ": input 1 'b' has size_bytes 23, but f32[2,3] needs 24 bytes"},
      {"OutputTooSmall",
       [](AddCall &c, size_t &, size_t &, bool &, bool &) {
         c.outputs[0].size_bytes = 0;
       },
       ": output 0 'sum' has size_bytes 0, but f32[2,3] needs 24 bytes"},
      {"OutputOverlapsInput",
       [](AddCall &c, size_t &, size_t &, bool &, bool &) {
         c.outputs[0].data = c.a + 1;
       },
       ": output 0 'sum' overlaps input 0 'a' in memory; outputs must not "
       "share memory with inputs or other outputs"},
      {"OutputsOverlap",
       [](AddCall &c, size_t &, size_t &, bool &, bool &) {
         c.outputs[1].data = c.sum;
       },
       ": output 0 'sum' overlaps output 1 'diff' in memory"},
  };
}

void PrintTo(const BadRun &c, std::ostream *os) { *os << c.label; }

class BadRunTest : public RuntimeTest,
                   public ::testing::WithParamInterface<BadRun> {};

/// Every case is checked by dsk_model_run on the version-1 add model and by
/// dsk_model_run_with_workspace (with a good workspace) on the version-2 one.
TEST_P(BadRunTest, IsRejectedAndNothingRuns) {
  const BadRun &c = GetParam();
  alignas(64) unsigned char workspace[1024];
  for (const char *path : {DSK_FAKE_ADD_PATH, DSK_FAKE_V2_ADD_PATH}) {
    SCOPED_TRACE(path);
    bool v2 = std::string(path) == DSK_FAKE_V2_ADD_PATH;
    ModelPtr m = load(path);
    ASSERT_NE(m, nullptr);
    AddCall call(1);
    size_t numInputs = 2, numOutputs = 2;
    bool nullInputs = false, nullOutputs = false;
    c.spoil(call, numInputs, numOutputs, nullInputs, nullOutputs);
    const dsk_tensor *inputs = nullInputs ? nullptr : call.inputs;
    dsk_tensor *outputs = nullOutputs ? nullptr : call.outputs;
    dsk_status st = v2 ? dsk_model_run_with_workspace(
                             m.get(), inputs, numInputs, outputs, numOutputs,
                             workspace, sizeof(workspace), &err)
                       : dsk_model_run(m.get(), inputs, numInputs, outputs,
                                       numOutputs, &err);
    EXPECT_EQ(st, DSK_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(err.status, DSK_ERROR_INVALID_ARGUMENT);
    EXPECT_THAT(std::string(err.message), HasSubstr(path + c.message));
    EXPECT_EQ(call.sum[0], -1) << "the model ran despite the error";
  }
}

INSTANTIATE_TEST_SUITE_P(Runtime, BadRunTest,
                         ::testing::ValuesIn(badRunCases()),
                         [](const ::testing::TestParamInfo<BadRun> &info) {
                           return std::string(info.param.label);
                         });

TEST_F(RuntimeTest, AdjacentBuffersDoNotOverlap) {
  ModelPtr m = load(DSK_FAKE_ADD_PATH);
  ASSERT_NE(m, nullptr);
  AddCall call(2);
  float both[12]; // sum and diff side by side, touching but disjoint
  call.outputs[0].data = both;
  call.outputs[1].data = both + 6;
  ASSERT_EQ(call.run(m.get(), &err), DSK_OK) << err.message;
  EXPECT_EQ(both[0], call.a[0] + call.b[0]);
  EXPECT_EQ(both[11], call.a[5] - call.b[5]);
}

TEST_F(RuntimeTest, NumThreads) {
  ModelPtr m = load(DSK_FAKE_ADD_PATH);
  ASSERT_NE(m, nullptr);
  // The fake model links no OpenMP runtime: it is not parallel, and a
  // thread count is accepted but changes nothing.
  EXPECT_EQ(dsk_model_is_parallel(m.get()), 0);
  EXPECT_EQ(dsk_model_num_threads(m.get()), 0);
  ASSERT_EQ(dsk_model_set_num_threads(m.get(), 2, &err), DSK_OK);
  EXPECT_EQ(dsk_model_num_threads(m.get()), 2);
  AddCall call(3);
  ASSERT_EQ(call.run(m.get(), &err), DSK_OK) << err.message;
  EXPECT_TRUE(call.correct());

  EXPECT_EQ(dsk_model_set_num_threads(m.get(), -1, &err),
            DSK_ERROR_INVALID_ARGUMENT);
  EXPECT_THAT(std::string(err.message),
              HasSubstr(DSK_FAKE_ADD_PATH
                        ": the number of threads must be 0 (the default) "
                        "to 1024, got -1"));
  EXPECT_EQ(dsk_model_set_num_threads(m.get(), DSK_MAX_THREADS + 1, &err),
            DSK_ERROR_INVALID_ARGUMENT);
  EXPECT_THAT(std::string(err.message), HasSubstr("to 1024, got 1025"));
  EXPECT_EQ(dsk_model_num_threads(m.get()), 2);
  EXPECT_EQ(dsk_model_set_num_threads(nullptr, 1, &err),
            DSK_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(err.message, "dsk_model_set_num_threads: model is NULL");
  EXPECT_EQ(dsk_model_is_parallel(nullptr), 0);
  EXPECT_EQ(dsk_model_num_threads(nullptr), 0);
}

TEST_F(RuntimeTest, RunNullModel) {
  AddCall call(0);
  EXPECT_EQ(call.run(nullptr, &err), DSK_ERROR_INVALID_ARGUMENT);
  EXPECT_THAT(std::string(err.message),
              HasSubstr("dsk_model_run: model is NULL"));
}

/// Runs `call(thread, iteration)` from 8 threads, 2000 times each, and
/// returns how many calls failed.
int countFailuresOnThreads(
    const std::function<bool(int thread, int iteration)> &call) {
  const int threads = 8, iterations = 2000;
  std::atomic<int> failures{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      for (int i = 0; i < iterations; ++i)
        if (!call(t, i))
          ++failures;
    });
  for (std::thread &th : pool)
    th.join();
  return failures.load();
}

TEST_F(RuntimeTest, ConcurrentRunsOnOneModel) {
  ModelPtr m = load(DSK_FAKE_ADD_PATH);
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(countFailuresOnThreads([&](int t, int i) {
              AddCall call(static_cast<float>(t * 2000 + i));
              dsk_error localErr;
              return call.run(m.get(), &localErr) == DSK_OK && call.correct();
            }),
            0);
}

/// Threads share one version-2 model: the model's workspace goes to one run
/// at a time, the others get temporary ones (or bring their own).
TEST_F(RuntimeTest, ConcurrentRunsOnOneV2Model) {
  ModelPtr m = load(DSK_FAKE_V2_ADD_PATH);
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(countFailuresOnThreads([&](int t, int i) {
              alignas(64) unsigned char own[1024];
              AddCall call(static_cast<float>(t * 2000 + i));
              dsk_error localErr;
              // Every third call of odd threads brings its own workspace.
              dsk_status st =
                  t % 2 && i % 3 == 0
                      ? call.runWith(m.get(), own, sizeof(own), &localErr)
                      : call.run(m.get(), &localErr);
              return st == DSK_OK && call.correct();
            }),
            0);
}

/// While one run holds the model's workspace, another gets a temporary one;
/// afterwards the model's workspace is free again.
TEST_F(RuntimeTest, RunWhileTheModelWorkspaceIsHeld) {
  ModelPtr m = load(DSK_FAKE_V2_ADD_PATH);
  ASSERT_NE(m, nullptr);
  // The same handle the runtime holds; dlclose drops only our reference.
  std::unique_ptr<void, int (*)(void *)> lib(
      dlopen(DSK_FAKE_V2_ADD_PATH, RTLD_NOW | RTLD_NOLOAD), dlclose);
  ASSERT_NE(lib, nullptr) << dlerror();
  auto *hold = static_cast<int *>(dlsym(lib.get(), "fake_hold"));
  auto *parked = static_cast<int *>(dlsym(lib.get(), "fake_parked"));
  auto *parkedWorkspace =
      static_cast<void **>(dlsym(lib.get(), "fake_parked_workspace"));
  auto *lastWorkspace =
      static_cast<void **>(dlsym(lib.get(), "fake_last_workspace"));
  ASSERT_TRUE(hold && parked && parkedWorkspace && lastWorkspace);

  __atomic_store_n(hold, 1, __ATOMIC_SEQ_CST);
  AddCall first(1);
  dsk_status firstStatus = DSK_ERROR_LOAD;
  std::thread runner([&] { firstStatus = first.run(m.get(), nullptr); });
  while (!__atomic_load_n(parked, __ATOMIC_SEQ_CST))
    std::this_thread::yield();
  void *modelWorkspace = __atomic_load_n(parkedWorkspace, __ATOMIC_SEQ_CST);

  AddCall second(2);
  EXPECT_EQ(second.run(m.get(), &err), DSK_OK) << err.message;
  EXPECT_TRUE(second.correct());
  void *temporary = __atomic_load_n(lastWorkspace, __ATOMIC_SEQ_CST);
  EXPECT_NE(temporary, nullptr);
  EXPECT_NE(temporary, modelWorkspace);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(temporary) % 64, 0u);

  __atomic_store_n(hold, 0, __ATOMIC_SEQ_CST);
  runner.join();
  EXPECT_EQ(firstStatus, DSK_OK);
  EXPECT_TRUE(first.correct());

  AddCall third(3);
  EXPECT_EQ(third.run(m.get(), &err), DSK_OK) << err.message;
  EXPECT_TRUE(third.correct());
  EXPECT_EQ(__atomic_load_n(lastWorkspace, __ATOMIC_SEQ_CST), modelWorkspace)
      << "the model's workspace was not released";
  __atomic_store_n(parked, 0, __ATOMIC_SEQ_CST);
}

TEST_F(RuntimeTest, RunSymbolicModel) {
  ModelPtr m = load(DSK_FAKE_SYMBOLIC_PATH);
  ASSERT_NE(m, nullptr);
  dsk_tensor_info x;
  ASSERT_EQ(dsk_model_input_info(m.get(), 1, &x, &err), DSK_OK);
  EXPECT_STREQ(x.name, "x in");
  ASSERT_EQ(x.rank, 2);
  EXPECT_EQ(x.dims[0], -1);
  EXPECT_STREQ(x.dim_names[0], "batch");
  EXPECT_EQ(x.dims[1], 3);
  EXPECT_EQ(x.dim_names[1], nullptr);

  for (int64_t n : {0, 1, 4}) {
    std::vector<float> in(n * 3), out(n * 3, -1);
    for (int64_t i = 0; i < n * 3; ++i)
      in[i] = static_cast<float>(i);
    std::vector<int64_t> dims = {n, 3};
    float dummy = 0;
    dsk_tensor inputs[2] = {makeTensor(DSK_DTYPE_I64, {}, &n, sizeof(n)),
                            makeTensor(DSK_DTYPE_F32, dims,
                                       n ? in.data() : &dummy,
                                       in.size() * sizeof(float))};
    dsk_tensor output = makeTensor(DSK_DTYPE_F32, dims, n ? out.data() : &dummy,
                                   out.size() * sizeof(float));
    ASSERT_EQ(dsk_model_run(m.get(), inputs, 2, &output, 1, &err), DSK_OK)
        << err.message;
    for (int64_t i = 0; i < n * 3; ++i)
      EXPECT_EQ(out[i], 2 * in[i]);
  }
}

TEST_F(RuntimeTest, RunSymbolicModelErrors) {
  ModelPtr m = load(DSK_FAKE_SYMBOLIC_PATH);
  ASSERT_NE(m, nullptr);
  int64_t n = 2;
  float in[6] = {}, out[6] = {};
  std::vector<int64_t> xDims = {2, 3}, yDims = {3, 3}, negDims = {-1, 3},
                       hugeDims = {INT64_C(1) << 62, 3};
  dsk_tensor inputs[2] = {makeTensor(DSK_DTYPE_I64, {}, &n, sizeof(n)),
                          makeTensor(DSK_DTYPE_F32, xDims, in, sizeof(in))};
  dsk_tensor output = makeTensor(DSK_DTYPE_F32, yDims, out, sizeof(out));
  EXPECT_EQ(dsk_model_run(m.get(), inputs, 2, &output, 1, &err),
            DSK_ERROR_INVALID_ARGUMENT);
  EXPECT_THAT(std::string(err.message),
              HasSubstr(std::string(DSK_FAKE_SYMBOLIC_PATH) +
                        ": output 0 'y' dimension 0 (symbol 'batch') is 3, "
                        "but input 1 'x in' dimension 0 set 'batch' to 2"));

  inputs[1].dims = negDims.data();
  EXPECT_EQ(dsk_model_run(m.get(), inputs, 2, &output, 1, &err),
            DSK_ERROR_INVALID_ARGUMENT);
  EXPECT_THAT(std::string(err.message),
              HasSubstr(": input 1 'x in' dimension 0 (symbol 'batch') is -1, "
                        "expected a non-negative size"));

  inputs[1].dims = hugeDims.data();
  EXPECT_EQ(dsk_model_run(m.get(), inputs, 2, &output, 1, &err),
            DSK_ERROR_INVALID_ARGUMENT);
  EXPECT_THAT(std::string(err.message),
              HasSubstr(": input 1 'x in' is too large: its size in bytes "
                        "overflows"));

  inputs[1].dims = xDims.data();
  output.dims = xDims.data();
  output.size_bytes = 20;
  EXPECT_EQ(dsk_model_run(m.get(), inputs, 2, &output, 1, &err),
            DSK_ERROR_INVALID_ARGUMENT);
  EXPECT_THAT(std::string(err.message),
              HasSubstr(": output 0 'y' has size_bytes 20, but f32[?batch,3] "
                        "needs 24 bytes"));
}

/// More buffers and symbols than fit on the stack.
TEST_F(RuntimeTest, RunManyInputsAndSymbols) {
  const int count = 40;
  std::string md = kPrefix;
  for (int i = 0; i < count; ++i)
    md += "input in" + std::to_string(i) + " i32 2 ?s" + std::to_string(i) +
          " 2\n";
  md += "output out i32 1 ?s7\nend\n";
  ModelPtr m = loadMetadata(md);
  ASSERT_NE(m, nullptr);
  std::vector<std::vector<int64_t>> dims(count);
  std::vector<int32_t> data(count * 2 * 2);
  std::vector<dsk_tensor> inputs(count);
  for (int i = 0; i < count; ++i) {
    dims[i] = {i % 3, 2};
    inputs[i] = makeTensor(DSK_DTYPE_I32, dims[i], data.data() + 4 * i, 16);
  }
  int32_t out[2];
  std::vector<int64_t> outDims = {7 % 3};
  dsk_tensor output = makeTensor(DSK_DTYPE_I32, outDims, out, sizeof(out));
  EXPECT_EQ(dsk_model_run(m.get(), inputs.data(), count, &output, 1, &err),
            DSK_OK)
      << err.message;
  outDims[0] = 2;
  EXPECT_EQ(dsk_model_run(m.get(), inputs.data(), count, &output, 1, &err),
            DSK_ERROR_INVALID_ARGUMENT);
  EXPECT_THAT(std::string(err.message),
              HasSubstr(": output 0 'out' dimension 0 (symbol 's7') is 2, but "
                        "input 7 'in7' dimension 0 set 's7' to 1"));
}

} // namespace
