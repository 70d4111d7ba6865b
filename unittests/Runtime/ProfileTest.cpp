//===- ProfileTest.cpp - tests of the runtime's profiler ------------------===//
//
// Profiling regions in the metadata, dsk_model_profile on the fake add model
// whose run function calls the hook (FakeModel.c, DSK_FAKE_PROFILED), the
// table and the Chrome trace, and every error.
//
//===----------------------------------------------------------------------===//

#include "RuntimeTestSupport.h"

using namespace dsk_runtime_test;
using ::testing::HasSubstr;

namespace {

size_t count(const std::string &text, const std::string &what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos;
       at = text.find(what, at + 1))
    ++n;
  return n;
}

std::string table(const dsk_profile *profile) {
  std::string text(dsk_profile_format_table(profile, nullptr, 0) + 1, '\0');
  text.resize(dsk_profile_format_table(profile, text.data(), text.size()));
  return text;
}

struct ProfileFree {
  void operator()(dsk_profile *p) const { dsk_profile_free(p); }
};
using ProfilePtr = std::unique_ptr<dsk_profile, ProfileFree>;

TEST_F(RuntimeTest, MetadataV2Regions) {
  ModelPtr m =
      loadMetadataV2(kPrefixV2 + "region linalg.fill - - f32->4xf32\n" +
                     "region linalg.generic(reduction) x86.avx512f.gemm_f32 "
                     "/fc%20one/MatMul 4x16xf32,16x4xf32->4x4xf32\n" +
                     "output y f32 0\nend\n");
  ASSERT_NE(m, nullptr);
  ASSERT_EQ(dsk_model_num_regions(m.get()), 2u);
  dsk_region_info info;
  ASSERT_EQ(dsk_model_region_info(m.get(), 0, &info, &err), DSK_OK);
  EXPECT_STREQ(info.op, "linalg.fill");
  EXPECT_STREQ(info.kernel, "");
  EXPECT_STREQ(info.node, "");
  EXPECT_STREQ(info.shapes, "f32->4xf32");
  ASSERT_EQ(dsk_model_region_info(m.get(), 1, &info, &err), DSK_OK);
  EXPECT_STREQ(info.op, "linalg.generic(reduction)");
  EXPECT_STREQ(info.kernel, "x86.avx512f.gemm_f32");
  EXPECT_STREQ(info.node, "/fc one/MatMul");
  EXPECT_STREQ(info.shapes, "4x16xf32,16x4xf32->4x4xf32");

  EXPECT_EQ(dsk_model_region_info(m.get(), 2, &info, &err),
            DSK_ERROR_INVALID_ARGUMENT);
  EXPECT_THAT(std::string(err.message),
              HasSubstr("has 2 profiling regions; there is no region 2"));
  EXPECT_EQ(dsk_model_region_info(m.get(), 0, nullptr, &err),
            DSK_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(dsk_model_region_info(nullptr, 0, &info, &err),
            DSK_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(dsk_model_num_regions(nullptr), 0u);

  // A template without the hook variable has regions but cannot be
  // profiled.
  float y = 0;
  dsk_tensor out = makeTensor(DSK_DTYPE_F32, {}, &y, sizeof(y));
  dsk_profile *profile = nullptr;
  EXPECT_EQ(dsk_model_profile(m.get(), nullptr, 0, &out, 1, 1, &profile, &err),
            DSK_ERROR_INVALID_ARGUMENT);
  EXPECT_THAT(std::string(err.message), HasSubstr("has no profiling regions"));
  EXPECT_EQ(profile, nullptr);
}

TEST_F(RuntimeTest, MetadataV2BadRegionLines) {
  const std::string h = std::string(kHeaderV2) + kKindCpu + kHostTarget +
                        kNoFeatures,
                    out = "output y f32 0\nend\n";
  struct Case {
    std::string metadata;
    std::string message;
  } cases[] = {
      {h + "region a - - x\nworkspace 0\n" + out,
       "line 5: 'region' line out of place (region lines come after the "
       "workspace line, before the first input)"},
      {kPrefixV2 + "input a f32 0\nregion a - - x\n" + out,
       "line 7: 'region' line out of place"},
      {kPrefixV2 + "region a - -\n" + out,
       "line 6: expected 'region <op> <kernel> <node> <shapes>', got 4 "
       "fields"},
      {kPrefixV2 + "region a - - x y\n" + out,
       "line 6: expected 'region <op> <kernel> <node> <shapes>', got 6 "
       "fields"},
      {kPrefixV2 + "region a - bad%2 x\n" + out,
       "line 6: region node 'bad%2' has a bad percent escape"},
  };
  for (const Case &c : cases) {
    loadMetadataV2(c.metadata, DSK_ERROR_BAD_MODEL);
    EXPECT_THAT(std::string(err.message), HasSubstr(c.message)) << c.metadata;
  }
}

TEST_F(RuntimeTest, ProfileRecordsEveryRegionCall) {
  ModelPtr m = load(DSK_FAKE_V2_PROFILED_PATH);
  ASSERT_NE(m, nullptr);
  ASSERT_EQ(dsk_model_num_regions(m.get()), 2u);
  AddCall call(0.5f);
  dsk_profile *raw = nullptr;
  ASSERT_EQ(dsk_model_profile(m.get(), call.inputs, 2, call.outputs, 2, 3, &raw,
                              &err),
            DSK_OK)
      << err.message;
  ProfilePtr profile(raw);
  EXPECT_TRUE(call.correct());
  ASSERT_EQ(dsk_profile_num_runs(profile.get()), 3);
  for (int run = 0; run < 3; ++run)
    EXPECT_GE(dsk_profile_run_ms(profile.get(), run), 0) << run;
  EXPECT_EQ(dsk_profile_run_ms(profile.get(), 3), -1);
  EXPECT_EQ(dsk_profile_run_ms(profile.get(), -1), -1);

  // The warm-up run is not recorded: once and twice per timed run.
  dsk_region_time time;
  ASSERT_EQ(dsk_profile_region_time(profile.get(), 0, &time, &err), DSK_OK);
  EXPECT_EQ(time.calls, 3u);
  EXPECT_GE(time.total_ms, 0);
  ASSERT_EQ(dsk_profile_region_time(profile.get(), 1, &time, &err), DSK_OK);
  EXPECT_EQ(time.calls, 6u);
  EXPECT_EQ(dsk_profile_region_time(profile.get(), 2, &time, &err),
            DSK_ERROR_INVALID_ARGUMENT);
  EXPECT_THAT(std::string(err.message), HasSubstr("there is no region 2"));

  // Runs outside dsk_model_profile are not recorded, though the hook stays
  // installed.
  AddCall again(1.5f);
  ASSERT_EQ(again.run(m.get(), &err), DSK_OK);
  EXPECT_TRUE(again.correct());
  ASSERT_EQ(dsk_profile_region_time(profile.get(), 1, &time, &err), DSK_OK);
  EXPECT_EQ(time.calls, 6u);

  std::string text = table(profile.get());
  EXPECT_THAT(text, HasSubstr("3 runs, median "));
  EXPECT_THAT(text, HasSubstr("the 2 regions that ran take"));
  EXPECT_THAT(text, HasSubstr("ms/run"));
  EXPECT_THAT(text, HasSubstr("x86.fake.sub"));
  EXPECT_THAT(text, HasSubstr("sub node"));
  EXPECT_THAT(text, HasSubstr("2x3xf32,2x3xf32->2x3xf32"));
  EXPECT_EQ(count(text, "\n"), 4u); // summary, header, two regions
  // snprintf's contract: the full length, a truncated NUL-terminated copy.
  char small[16];
  EXPECT_EQ(dsk_profile_format_table(profile.get(), small, sizeof(small)),
            text.size());
  EXPECT_EQ(std::string(small), text.substr(0, sizeof(small) - 1));
  EXPECT_EQ(dsk_profile_format_table(nullptr, small, sizeof(small)), 0u);
  EXPECT_STREQ(small, "");
}

TEST_F(RuntimeTest, ProfileTrace) {
  ModelPtr m = load(DSK_FAKE_V2_PROFILED_PATH);
  ASSERT_NE(m, nullptr);
  AddCall call(0.5f);
  dsk_profile *raw = nullptr;
  ASSERT_EQ(dsk_model_profile(m.get(), call.inputs, 2, call.outputs, 2, 2, &raw,
                              &err),
            DSK_OK)
      << err.message;
  ProfilePtr profile(raw);
  std::string path = dir + "/trace.json";
  ASSERT_EQ(dsk_profile_write_trace(profile.get(), path.c_str(), &err), DSK_OK)
      << err.message;
  std::string trace = readFile(path);
  EXPECT_EQ(trace.rfind("{\"displayTimeUnit\": \"ms\", \"traceEvents\": [", 0),
            0u);
  // Two runs, and three region calls in each.
  EXPECT_EQ(count(trace, "\"ph\": \"X\""), 2u + 6u);
  EXPECT_EQ(count(trace, "\"cat\": \"run\""), 2u);
  EXPECT_EQ(count(trace, "\"name\": \"add\", \"cat\": \"reference\""), 2u);
  EXPECT_EQ(count(trace, "\"name\": \"sub node\", \"cat\": \"x86.fake.sub\""),
            4u);
  EXPECT_THAT(trace,
              HasSubstr("\"args\": {\"name\": \"" +
                        std::string(DSK_FAKE_V2_PROFILED_PATH) + "\"}}\n]}\n"));

  std::string bad = dir + "/no/such/dir/trace.json";
  EXPECT_EQ(dsk_profile_write_trace(profile.get(), bad.c_str(), &err),
            DSK_ERROR_INVALID_ARGUMENT);
  EXPECT_THAT(std::string(err.message),
              HasSubstr("cannot write the trace to " + bad + ": "));
  EXPECT_EQ(dsk_profile_write_trace(nullptr, path.c_str(), &err),
            DSK_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(dsk_profile_write_trace(profile.get(), nullptr, &err),
            DSK_ERROR_INVALID_ARGUMENT);
}

TEST_F(RuntimeTest, ProfileErrors) {
  ModelPtr plain = load(DSK_FAKE_V2_ADD_PATH);
  ModelPtr m = load(DSK_FAKE_V2_PROFILED_PATH);
  ASSERT_NE(plain, nullptr);
  ASSERT_NE(m, nullptr);
  AddCall call(0.5f);
  dsk_profile *profile = reinterpret_cast<dsk_profile *>(0x1);

  EXPECT_EQ(dsk_model_num_regions(plain.get()), 0u);
  EXPECT_EQ(dsk_model_profile(plain.get(), call.inputs, 2, call.outputs, 2, 1,
                              &profile, &err),
            DSK_ERROR_INVALID_ARGUMENT);
  EXPECT_THAT(std::string(err.message),
              HasSubstr(std::string(DSK_FAKE_V2_ADD_PATH) +
                        " has no profiling regions (compiled with "
                        "--profile-regions=false, or by an older dsk)"));
  EXPECT_EQ(profile, nullptr);

  EXPECT_EQ(dsk_model_profile(m.get(), call.inputs, 2, call.outputs, 2, 0,
                              &profile, &err),
            DSK_ERROR_INVALID_ARGUMENT);
  EXPECT_THAT(std::string(err.message),
              HasSubstr("runs must be at least 1, got 0"));
  // The runs' own checks.
  EXPECT_EQ(dsk_model_profile(m.get(), call.inputs, 1, call.outputs, 2, 1,
                              &profile, &err),
            DSK_ERROR_INVALID_ARGUMENT);
  EXPECT_THAT(std::string(err.message), HasSubstr("expects 2 inputs, got 1"));
  EXPECT_EQ(profile, nullptr);
  EXPECT_EQ(dsk_model_profile(nullptr, call.inputs, 2, call.outputs, 2, 1,
                              &profile, &err),
            DSK_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(dsk_model_profile(m.get(), call.inputs, 2, call.outputs, 2, 1,
                              nullptr, &err),
            DSK_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(dsk_profile_num_runs(nullptr), 0);

  // A library whose marks do not pair up gives no profile.
  ModelPtr unpaired = load(DSK_FAKE_V2_UNPAIRED_PATH);
  ASSERT_NE(unpaired, nullptr);
  EXPECT_EQ(dsk_model_profile(unpaired.get(), call.inputs, 2, call.outputs, 2,
                              1, &profile, &err),
            DSK_ERROR_INVALID_ARGUMENT);
  EXPECT_THAT(std::string(err.message),
              HasSubstr(std::string(DSK_FAKE_V2_UNPAIRED_PATH) +
                        ": the profile lost events (out of memory, or the "
                        "library's region marks do not pair up)"));
  EXPECT_EQ(profile, nullptr);
  dsk_region_time time;
  EXPECT_EQ(dsk_profile_region_time(nullptr, 0, &time, &err),
            DSK_ERROR_INVALID_ARGUMENT);
  dsk_profile_free(nullptr);
}

} // namespace
