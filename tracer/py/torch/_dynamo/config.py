"""Settings of torch.compile's frontend (`torch._dynamo.config`), with PyTorch 2.15's names and
defaults. Settings PyTorch reads from an environment variable read the same one here.

Read and write them as attributes; change them for a block with `config.patch(name=value)`.
Writing a name that is not listed here raises AttributeError.
"""

import os
import sys

from torch.utils._config_module import Config, install_config_module

# -- logging and debugging -----------------------------------------------------------------------
verbose = os.environ.get("TORCHDYNAMO_VERBOSE", "0") == "1"
# Compile only frames that have run at least this many times.
minimum_call_count = 1
# Turns torch.compile into a no-op.
disable = os.environ.get("TORCH_COMPILE_DISABLE", "0") == "1"
# Deprecated in PyTorch (does nothing there either); kept so reading it works.
report_guard_failures = True
# Test-suite switch: dynamo's TestCase then skips compile-counter assertions.
debug_disable_compile_counter = False
log_compilation_metrics = True
# Sort the output graph's nodes into a canonical order (Dynamo's TestCase turns this on).
canonicalize_output_graph_node_order: bool = False

# -- recompilation -------------------------------------------------------------------------------
# How many compiled versions one code object may have before Dynamo falls back to eager.
recompile_limit = 8
# The same limit summed over every code object.
accumulated_recompile_limit = 256
fail_on_recompile_limit_hit = False
skip_code_recursive_on_recompile_limit_hit: bool = Config(
    default=True, deprecated=True, deprecation_message="does not do anything"
)
# The older names; reading or writing them reaches the settings above.
cache_size_limit: int = Config(alias="torch._dynamo.config.recompile_limit")
accumulated_cache_size_limit: int = Config(alias="torch._dynamo.config.accumulated_recompile_limit")
# Raise instead of recompiling (tests use it to prove a guard holds).
error_on_recompile = False

# -- shapes and specialization -------------------------------------------------------------------
specialize_int = False
specialize_float = False
dynamic_shapes = True
assume_static_by_default = True
# After a recompile caused by a size change, compile that size as dynamic.
automatic_dynamic_shapes = os.environ.get("TORCH_DYNAMO_AUTOMATIC_DYNAMIC_SHAPES", "1") == "1"
force_parameter_static_shapes = True
# What a dim that changed between calls becomes: "dynamic" (a backed symbol, ranges and 0/1
# specialization) or "unbacked" (no hint: sizes 0 and 1 reuse the graph too).
automatic_dynamic_shapes_mark_as = "dynamic"
# Parameters are left out of the check that input tensors are distinct objects.
skip_no_tensor_aliasing_guards_on_parameters = True
# Object aliasing guards (`L['b'] is L['a']`) are root-level lambda guards, not tree nodes.
use_lamba_guard_for_object_aliasing = True
# Tests of guard sources pass arguments through an extra call (`args[2]`) when set.
debug_force_nested_calls = False
force_nn_module_property_static_shapes = True
allow_unspec_int_on_nn_module = False
capture_scalar_outputs = os.environ.get("TORCHDYNAMO_CAPTURE_SCALAR_OUTPUTS") == "1"
capture_dynamic_output_shape_ops = os.environ.get("TORCHDYNAMO_CAPTURE_DYNAMIC_OUTPUT_SHAPE_OPS", "0") == "1"
prefer_deferred_runtime_asserts_over_guards = False
do_not_emit_runtime_asserts: bool = os.environ.get("TORCH_DYNAMO_DO_NOT_EMIT_RUNTIME_ASSERTS", "0") == "1"

# -- guards --------------------------------------------------------------------------------------
guard_nn_modules = True
skip_nnmodule_hook_guards = True
skip_fsdp_guards = True

# -- what gets traced ----------------------------------------------------------------------------
# On by default in PyTorch 2.15 (a value set by the program still reads back; PyTorch warns
# that setting it "does not do anything").
inline_inbuilt_nn_modules = Config(
    default=True,
    justknob="pytorch/compiler:inline_inbuilt_nn_modules",
    deprecated=True,
    deprecation_message="does not do anything, inline_inbuilt_nn_modules is always True",
)
# Graph-break inside nested calls instead of at the outermost frame.
nested_graph_breaks: bool = False
rewrite_assert_with_torch_assert = True
# Entering an unsupported context manager raises instead of graph-breaking.
raise_on_ctx_manager_usage = True
error_on_nested_fx_trace = True
error_on_nested_jit_trace = True
allow_rnn = False
allow_empty_graphs = False
trace_numpy = True
capture_autograd_function = True
capture_func_transforms = True
compiled_autograd = False
fake_tensor_cache_enabled = os.environ.get("TORCH_FAKE_TENSOR_DISPATCH_CACHE", "1") == "1"

# -- errors --------------------------------------------------------------------------------------
# Fall back to running the frame eagerly when compiling it fails, instead of raising.
suppress_errors = bool(os.environ.get("TORCHDYNAMO_SUPPRESS_ERRORS", False))
replay_record_enabled = os.environ.get("TORCH_COMPILE_REPLAY_RECORD", "0") == "1"

# -- distributed ---------------------------------------------------------------------------------
# True means "ddp_optimizer"; PyTorch also accepts "python_reducer",
# "python_reducer_without_compiled_forward" and "no_optimization".
optimize_ddp = True
enable_compiler_collectives = os.environ.get("TORCH_COMPILER_COLLECTIVES", "0") == "1"

# Left out of save_config() (values PyTorch cannot pickle).
_save_config_ignore = {"repro_after", "repro_level", "constant_functions", "skipfiles_inline_module_allowlist"}

install_config_module(sys.modules[__name__])
