"""TORCH_LOGS: what the compiler shows of its work, as PyTorch's artifacts.

`TORCH_LOGS="graph_code,graph_breaks"` (read when torch is imported) or `set_logs(graph_code=True)`
turns artifacts on. Each record is written to stderr one line at a time, every line with PyTorch's
glog-style prefix: `V1123 08:05:47.508000 26982 torch/_dynamo/output_graph.py:212] [0/0] [__graph_code] ...`.

`smelt dump` turns every artifact on in its own mode: records go to stdout (in order with the
script's own output) with only the `[compile id] [__artifact]` part of the prefix, so a dump
reads the same from run to run.
"""

import os
import sys
import time

# The artifacts smelt produces, with what each shows.
ARTIFACTS = {
    "bytecode": "the original and the transformed bytecode of each compiled frame",
    "graph_breaks": "each graph break: where, why, and the user code traceback",
    "graph_code": "the Python code of each graph given to a backend",
    "guards": "the guards a compiled frame is cached under",
    "output_code": "what the JIT made of each aten graph: kernels (loop IR, machine code) and extern calls",
    "recompiles": "which guard failed when a frame is compiled again",
}
_ALIASES = {"dynamo": ("graph_breaks", "recompiles"), "all": tuple(ARTIFACTS), "torch": tuple(ARTIFACTS)}

_enabled = set()
_dump = [False]


def _invalid(value):
    valid = ", ".join(sorted(set(ARTIFACTS) | set(_ALIASES)))
    return ValueError(
        f"\nInvalid log settings: {value}, must be a comma separated list of fully\n"
        "qualified module names, registered log names or registered artifact names.\n"
        'For more info on various settings, try TORCH_LOGS="help"\n'
        f"Valid settings:\n{valid}\n"
    )


def _parse(value):
    names = set()
    for item in value.split(","):
        item = item.strip()
        name = item.lstrip("+-")
        if name in ARTIFACTS:
            names.add(name)
        elif name in _ALIASES:
            names.update(_ALIASES[name])
        elif name == "help":
            raise ValueError("\nTORCH_LOGS Info\nsmelt's artifacts:\n" +
                             "".join(f"  {k:<28}\t{v}\n" for k, v in ARTIFACTS.items()))
        else:
            raise _invalid(item or value)
    return names


def set_logs(**kwargs):
    """Turns artifacts on (`graph_code=True`) or off; with no arguments, everything off."""
    if not kwargs:
        _enabled.clear()
    for name, on in kwargs.items():
        if name not in ARTIFACTS:
            raise _invalid(name)
        if on:
            _enabled.add(name)
        else:
            _enabled.discard(name)


def _init_logs():
    _dump[0] = os.environ.get("SMELT_DUMP") == "1"
    if _dump[0]:
        _enabled.update(ARTIFACTS)
    value = os.environ.get("TORCH_LOGS")
    if value is not None:
        _enabled.update(_parse(value))


def enabled(artifact):
    return artifact in _enabled


def _caller_path(depth):
    frame = sys._getframe(depth)
    filename = frame.f_code.co_filename
    # Frozen modules are named by module; from a source tree, by path.
    if "/" not in filename and filename.startswith("torch."):
        filename = filename.replace(".", "/") + ".py"
    elif "/torch/" in filename:
        filename = "torch/" + filename.rsplit("/torch/", 1)[1]
    return f"{filename}:{frame.f_lineno}"


def log_artifact(artifact, message):
    """Writes `message` (a str, or a callable making it) as records of `artifact`."""
    if artifact not in _enabled:
        return
    if callable(message):
        message = message()
    from torch._guards import CompileContext

    ctx = CompileContext.try_get()
    trace = f" [{ctx.compile_id}]" if ctx is not None and ctx.compile_id is not None else ""
    if _dump[0]:
        prefix = f"{trace.lstrip()} [__{artifact}] "
        out = sys.stdout
    else:
        now = time.time()
        stamp = time.strftime("%m%d %H:%M:%S", time.localtime(now))
        usec = int((now % 1) * 1000) * 1000
        prefix = f"V{stamp}.{usec:06d} {os.getpid()} {_caller_path(2)}]{trace} [__{artifact}] "
        out = sys.stderr
    out.write("".join(prefix + line + "\n" for line in message.split("\n")))
