# torch.compiler without compiling anything: reachable from `import torch` alone, the public
# signatures (PyTorch 2.15's), is_compiling / is_dynamo_compiling / is_exporting outside and
# inside a compile session, and torch.compiler.config's settings and aliases of Dynamo's.
import inspect
import sys

import torch

compiler = torch.compiler
print(compiler.__name__, "torch.compiler" in sys.modules, torch.compiler is sys.modules["torch.compiler"])
for name in ["compile", "reset", "allow_in_graph", "list_backends", "assume_constant_result", "disable",
             "is_compiling", "is_dynamo_compiling", "is_exporting"]:
    print(name, inspect.signature(getattr(torch.compiler, name)))
print(list(inspect.signature(torch.compiler.set_stance).parameters))

print(torch.compiler.is_compiling(), torch.compiler.is_dynamo_compiling(), torch.compiler.is_exporting())
with torch.compiler._compile_session_context():
    print(torch.compiler.is_compiling(), torch.compiler.is_dynamo_compiling())
    with torch.compiler._compile_session_context():
        print(torch.compiler.is_compiling())
    print(torch.compiler.is_compiling())
print(torch.compiler.is_compiling())
try:
    with torch.compiler._compile_session_context():
        raise KeyError("x")
except KeyError:
    print("after raise", torch.compiler.is_compiling())

import torch._dynamo.config as dynamo_config

config = torch.compiler.config
for name in ["job_id", "cache_key_tag", "force_disable_caches", "dynamic_sources", "unbacked_sources",
             "static_sources", "recompile_limit", "verbose", "assume_static_by_default", "dynamic_shapes",
             "capture_scalar_outputs"]:
    print(name, repr(getattr(config, name)))
config.recompile_limit = 4
print(dynamo_config.recompile_limit, dynamo_config.cache_size_limit)
with config.patch(verbose=True):
    print(dynamo_config.verbose)
print(dynamo_config.verbose)
config.recompile_limit = 8
try:
    config.not_a_setting = 1
except AttributeError as e:
    print("AttributeError", e)
