"""`compile_fx`: the "inductor" backend. AOT autograd traces the graph to aten ops and splits
training graphs into forward and backward; each graph is cut into JIT runs and extern calls
(`partition.py`), the runs compiled to machine code by smelt's native JIT.

`SMELT_JIT_TARGET` picks the code generator ("host", the default, or a target name such as
"x86-64-sse2" or "aarch64-neon"); on a CPU that is neither x86-64 nor AArch64, graphs run as
the aten graph does."""

import os

import torch
from torch import _C
from torch._inductor.partition import partition
from torch._inductor.wrapper import CompiledGraph

__all__ = ["compile_fx", "compile_fx_inner"]


def _target():
    return os.environ.get("SMELT_JIT_TARGET", "host")


def _jit_usable(example_inputs):
    if _target() == "host" and _C._jit_host_target() is None:
        return False
    return all(not isinstance(t, torch.Tensor) or t.device.type == "cpu" for t in example_inputs)


def compile_fx_inner(gm, example_inputs, **kwargs):
    """One aten graph to a callable taking the graph's inputs."""
    from torch._logging import log_artifact

    if not _jit_usable(example_inputs):
        return gm.forward
    compiled = CompiledGraph(gm, partition(gm), _target())
    log_artifact("output_code", compiled.output_code)
    return compiled


# The JIT compiles static graphs: AOT autograd traces a symbolic Dynamo graph once per
# concrete layout for it.
compile_fx_inner._static_graphs_only = True


def compile_fx(model, example_inputs, inner_compile=compile_fx_inner, config_patches=None, decompositions=None):
    from torch._dynamo.backends.common import aot_autograd
    from torch._functorch.partitioners import min_cut_rematerialization_partition

    return aot_autograd(fw_compiler=inner_compile, bw_compiler=inner_compile,
                        partition_fn=min_cut_rematerialization_partition)(model, example_inputs)
