# -*- Python -*-
# lit configuration of the dsk test suite.

import os

import lit.formats
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "dsk"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
# fuzz: the fuzzers' corpora and regression inputs, replayed by ctest.
config.excludes = ["CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py", "fuzz"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.dsk_obj_root, "test")

# Captures are scoped to their CHECK-LABEL block in every test.
config.environment["FILECHECK_OPTS"] = "-enable-var-scope --allow-unused-prefixes=false"

llvm_config.use_default_substitutions()
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)

runner_utils = os.path.join(config.mlir_lib_dir, "libmlir_runner_utils.so")
c_runner_utils = os.path.join(config.mlir_lib_dir, "libmlir_c_runner_utils.so")
config.substitutions.append(("%mlir_runner_utils", runner_utils))
config.substitutions.append(("%mlir_c_runner_utils", c_runner_utils))
# Ahead of lit's own %python (the interpreter running lit): the tests need
# the project's Python with its pinned packages.
config.substitutions.insert(0, ("%python", config.python_executable))
config.substitutions.append(("%dsk_src_root", config.dsk_src_root))
config.substitutions.append(("%dsk_tools_dir", config.dsk_tools_dir))

tool_dirs = [config.dsk_tools_dir, config.llvm_tools_dir]
tools = ["dsk-compile", "dsk-opt", "dsk-run", "mlir-runner", "not",
         ToolSubst("FileCheck", unresolved="fatal")]
llvm_config.add_tool_substitutions(tools, tool_dirs)
