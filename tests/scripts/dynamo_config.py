# Settings modules (torch._dynamo.config, torch._inductor.config, torch.compiler.config): defaults,
# aliases between old and new names, unknown names refused, and config.patch / mock.patch.object
# as context managers and decorators (functions, unittest classes and methods), values restored
# also after an exception.
import io
import pickle
import sys
import threading
import unittest
import warnings
from unittest import mock

import torch
import torch._dynamo.config as config
import torch._inductor.config as inductor_config
import torch.compiler.config as compiler_config

for name in [
    "cache_size_limit", "recompile_limit", "accumulated_cache_size_limit", "accumulated_recompile_limit",
    "suppress_errors", "verbose", "assume_static_by_default", "automatic_dynamic_shapes", "specialize_int",
    "specialize_float", "dynamic_shapes", "capture_scalar_outputs", "capture_dynamic_output_shape_ops",
    "error_on_recompile", "allow_unspec_int_on_nn_module", "optimize_ddp", "skip_nnmodule_hook_guards",
    "guard_nn_modules", "raise_on_ctx_manager_usage", "replay_record_enabled", "rewrite_assert_with_torch_assert",
    "force_parameter_static_shapes", "force_nn_module_property_static_shapes", "enable_compiler_collectives",
    "compiled_autograd", "do_not_emit_runtime_asserts", "skip_fsdp_guards",
    "prefer_deferred_runtime_asserts_over_guards", "nested_graph_breaks", "fake_tensor_cache_enabled",
    "log_compilation_metrics", "canonicalize_output_graph_node_order", "debug_disable_compile_counter",
    "disable", "minimum_call_count", "fail_on_recompile_limit_hit", "allow_empty_graphs",
]:
    print(name, getattr(config, name))
print(type(config).__name__, isinstance(config, type(sys)))

# A deprecated setting still reads and writes, with a FutureWarning the first time.
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    print("inline_inbuilt_nn_modules", config.inline_inbuilt_nn_modules)
    config.inline_inbuilt_nn_modules = False
    print("inline_inbuilt_nn_modules", config.inline_inbuilt_nn_modules)
    config.inline_inbuilt_nn_modules = True
    print([(w.category.__name__, str(w.message)) for w in caught])

# Old names are aliases: both names reach one value, and copies list only the new name.
config.cache_size_limit = 3
print(config.recompile_limit, config.cache_size_limit, compiler_config.recompile_limit)
config.recompile_limit = 8
print(config.recompile_limit, config.cache_size_limit)
inductor_config.force_disable_caches = True
print(compiler_config.force_disable_caches, inductor_config.force_disable_caches)
inductor_config.force_disable_caches = False
print(inductor_config.triton.cudagraphs, inductor_config.size_asserts, inductor_config.fallback_random)
inductor_config.triton.cudagraphs = True
print(inductor_config.triton.cudagraphs, inductor_config.get_config_copy()["triton.cudagraphs"])
inductor_config.triton.cudagraphs = False

for bad in ["not_a_setting", "print_specializations"]:
    try:
        setattr(config, bad, 1)
    except AttributeError as e:
        print("AttributeError", e)
try:
    config.not_a_setting
except AttributeError as e:
    print("AttributeError", e)
print(hasattr(config, "not_a_setting"), hasattr(config, "verbose"))

# patch as a context manager, in its three spellings.
with config.patch(verbose=True, recompile_limit=2):
    print("in", config.verbose, config.recompile_limit, config.cache_size_limit)
print("out", config.verbose, config.recompile_limit)
with config.patch("verbose", True):
    print("in", config.verbose)
with config.patch({"verbose": True, "cache_size_limit": 5}):
    print("in", config.verbose, config.recompile_limit)
print("out", config.verbose, config.recompile_limit)
try:
    with config.patch(verbose=True):
        raise ValueError("boom")
except ValueError:
    print("after raise", config.verbose)
try:
    with config.patch(verbose=True, nope=3):
        pass
except AttributeError as e:
    print("AttributeError", e, config.verbose)
for args, kwargs in [(("verbose",), {}), ((1, 2), {}), (({"verbose": 1},), {"specialize_int": 1}), ((None, 3), {})]:
    try:
        config.patch(*args, **kwargs)
    except AssertionError as e:
        print("AssertionError", e)


# patch as a function decorator, re-entered by recursion and left by an exception.
@config.patch(specialize_int=True)
def recursive(depth=0):
    if depth < 2:
        recursive(depth + 1)
    return config.specialize_int


print("decorated", recursive(), config.specialize_int)


@config.patch(specialize_int=True)
def raises():
    raise RuntimeError("x")


try:
    raises()
except RuntimeError:
    print("decorated raise", config.specialize_int)

# unittest.mock can patch settings too.
with mock.patch.object(config, "assume_static_by_default", False):
    print("mock", config.assume_static_by_default)
print("mock out", config.assume_static_by_default)


@mock.patch.object(config, "assume_static_by_default", False)
def mocked():
    return config.assume_static_by_default


print("mock decorated", mocked(), config.assume_static_by_default)
with mock.patch("torch._dynamo.config.suppress_errors", True):
    print("mock by name", config.suppress_errors)
print("mock by name out", config.suppress_errors)


# patch on a TestCase class holds for the whole class; on a method, for that test.
@config.patch(verbose=True)
class Patched(unittest.TestCase):
    def test_a(self):
        print("class patched", config.verbose)

    @config.patch(error_on_recompile=True)
    def test_b(self):
        print("method patched", config.verbose, config.error_on_recompile)


print(Patched.__name__, Patched.__qualname__, issubclass(Patched, unittest.TestCase))
result = unittest.TextTestRunner(stream=io.StringIO()).run(unittest.TestLoader().loadTestsFromTestCase(Patched))
print(result.wasSuccessful(), result.testsRun, config.verbose, config.error_on_recompile)

# Copies, save/load.
copied = config.get_config_copy()
print("cache_size_limit" in copied, "recompile_limit" in copied, copied["verbose"])
copied["verbose"] = True
print(config.verbose)
saved = config.save_config()
print(type(saved).__name__, "verbose" in pickle.loads(saved), "repro_level" in pickle.loads(saved))
config.verbose = True
config.load_config(saved)
print("loaded", config.verbose)
config.load_config({"verbose": True})
print("loaded dict", config.verbose)
config.verbose = False
print(sorted(config._save_config_ignore))
print(config.get_type("recompile_limit"), config.get_type("nested_graph_breaks"))

# Values set in one thread are not seen by another.
config.verbose = True
seen = []
thread = threading.Thread(target=lambda: seen.append(config.verbose))
thread.start()
thread.join()
print("other thread sees", seen)
config.verbose = False
