"""torch._inductor: smelt's compiler behind `torch.compile`'s default backend. aten graphs are
lowered (`lowering.py`) and cut into runs the native JIT compiles (`partition.py`); the JIT
(Rust, `backends/src/jit`) fuses each run into loop kernels and writes x86-64 or AArch64 code
directly, with no C compiler. `compile_fx.py` is the entry point, `wrapper.py` what runs."""

from torch._inductor import config


def compile(gm, example_inputs, options=None):
    from torch._inductor.compile_fx import compile_fx

    return compile_fx(gm, example_inputs)
