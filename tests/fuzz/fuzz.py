"""The differential fuzzer: random tensor programs run eagerly and under torch.compile with each
backend; outputs, input gradients and exception types must match eager.

    smelt run tests/fuzz/fuzz.py [--seed S] [--count N] [--backends eager,aot_eager,inductor]
                                 [--out DIR] [--chunk K] [--timeout SECS]

The driver runs the programs in child processes (`--worker`), a chunk at a time, so a crash or
a hang is caught and pinned on its program: a chunk that dies or times out is run again one
program per process. Every failure is minimised (statements dropped while the same kind of
failure remains) and saved as a standalone reproducer in DIR. The last line is the tally:
`fuzz: N programs, N ok, N mismatch, N exception-type, N compiled-raises, N crash, N hang`;
the exit status is 1 when anything failed.

With `--record FILE` under CPython + PyTorch, and `--compare FILE` under smelt, the eager
results of the same programs are compared with PyTorch's (offline, never in CI).
"""

import json
import math
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import torch  # noqa: E402
from program import INPUT_SOURCE, generate, input_source  # noqa: E402

KINDS = ["ok", "mismatch", "exception-type", "compiled-raises", "crash", "hang"]


def _flat(out):
    return [t for t in out if isinstance(t, torch.Tensor)] if isinstance(out, tuple) else [out]


def _summary(t):
    """A tensor as plain data: dtype, shape, values (floats as Python floats)."""
    t = t.detach()
    return {"dtype": str(t.dtype), "shape": list(t.shape), "values": t.reshape(-1).tolist()}


def _close(a, b, loose):
    if isinstance(a, bool) or not isinstance(a, float):
        return a == b
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    rtol, atol = (1e-2, 1e-2) if loose else (1e-3, 1e-4)
    return abs(a - b) <= atol + rtol * abs(b)


def _all_zero(summary):
    return all(v == 0 for v in summary["values"])


def _differs(got, want, half=False):
    """Why two summaries differ, or None. `half`: the program computes in float16 somewhere, so
    float16 rounding, which compiled code may do in another order, can reach any value."""
    if got["dtype"] != want["dtype"]:
        return f"dtype {got['dtype']} != {want['dtype']}"
    if got["shape"] != want["shape"]:
        return f"shape {got['shape']} != {want['shape']}"
    loose = half or "float16" in want["dtype"]
    for i, (a, b) in enumerate(zip(got["values"], want["values"])):
        if not _close(a, b, loose):
            return f"value [{i}] {a!r} != {b!r}"
    return None


def _run(fn, inputs, grads):
    """Outputs (and input gradients) as summaries, or the exception raised."""
    try:
        out = fn(*inputs)
        tensors = _flat(out)
        result = {"outputs": [_summary(t) for t in tensors]}
        if grads:
            wrt = [x for x in inputs if isinstance(x, torch.Tensor) and x.requires_grad]
            diff = [t for t in tensors if t.requires_grad and t.dtype.is_floating_point and t.numel()]
            if wrt and diff:
                total = sum((t.float() * torch.linspace(-1, 1, t.numel()).reshape(t.shape)).sum() for t in diff)
                gs = torch.autograd.grad(total, wrt, allow_unused=True)
                result["grads"] = [None if g is None else _summary(g) for g in gs]
        return result
    except Exception as e:  # noqa: BLE001 - any exception is a result to compare
        return {"raised": e}


def _raised_like(compiled, eager_type):
    """Whether `compiled` is, or was caused by, an exception of the eager one's type."""
    e = compiled
    while e is not None:
        if isinstance(e, eager_type):
            return True
        e = e.__cause__ or e.__context__
    return False


# Each compiled function is called on the inputs, then on inputs with their sizes grown by these
# amounts: the second call recompiles with the changed sizes symbolic (automatic dynamic
# shapes), the third must reuse that graph, the fourth grows only the first input (sizes equal
# before differ now: eager computes or raises, and so must the compiled function).
GROWTHS = (0, 1, 3, "first+1")


def check(program, backends):
    """(kind, detail) for one program: compiled with each backend against eager, on inputs of
    the generated sizes and of larger ones (GROWTHS)."""
    fn = program.function()
    grads = any(spec.requires_grad for spec in program.inputs)
    half = "float16" in program.render() or any(spec.dtype == torch.float16 for spec in program.inputs)
    eagers = {grow: _run(fn, program.make_inputs(grow), grads) for grow in GROWTHS}
    for backend in backends:
        torch._dynamo.reset()
        compiled = torch.compile(fn, backend=backend)
        for grow in GROWTHS:
            got = _run(compiled, program.make_inputs(grow), grads)
            kind, detail = _compare(fn, program, grads, half, eagers[grow], got, backend, grow)
            if kind != "ok":
                return kind, detail
    return "ok", ""


def _compare(fn, program, grads, half, eager, got, backend, grow):
    """(kind, detail) of one compiled call against the eager one on the same inputs."""
    reference = None
    if grow:
        backend = f"{backend} (sizes grown by {grow})"
    if "raised" in eager:
        if "raised" not in got:
            return "exception-type", f"{backend}: eager raised {type(eager['raised']).__name__}, compiled did not"
        if not _raised_like(got["raised"], type(eager["raised"])):
            return "exception-type", (f"{backend}: eager raised {type(eager['raised']).__name__}, compiled "
                                      f"{type(got['raised']).__name__}: {str(got['raised'])[:200]}")
        return "ok", ""
    if "raised" in got:
        return "compiled-raises", f"{backend}: {type(got['raised']).__name__}: {str(got['raised'])[:300]}"
    for what in ("outputs", "grads"):
        for i, (a, b) in enumerate(zip(got.get(what, []), eager.get(what, []))):
            if (a is None) != (b is None):
                # An input that reaches the compiled graph but no output (or only empty
                # ones) gets a zero gradient from AOT autograd where eager gives None, in
                # PyTorch too (seed 1, program 1127): the same gradient.
                if what == "grads" and _all_zero(a if b is None else b):
                    continue
                return "mismatch", f"{backend}: {what}[{i}] None on one side only"
            why = a is not None and _differs(a, b, half)
            if why and why.startswith("value"):
                # Rounding in another order can be amplified (a remainder of a large sum):
                # as PyTorch's own checks do, accept compiled values no further from a
                # float64 run of the program than eager's (seed 1, program 2880).
                if reference is None:
                    reference = _float64_reference(fn, program, grads, grow) or {}
                refs = reference.get(what, [])
                if i < len(refs) and refs[i] is not None and _no_worse(a, b, refs[i]):
                    continue
            if why:
                return "mismatch", f"{backend}: {what}[{i}] {why}"
    return "ok", ""


def _float64_reference(fn, program, grads, grow=0):
    """Eager results of the program on float64 copies of its floating inputs, or None."""
    inputs = []
    for x in program.make_inputs(grow):
        if x.dtype.is_floating_point:
            x = x.detach().double().requires_grad_(x.requires_grad)
        inputs.append(x)
    r = _run(fn, inputs, grads)
    return None if "raised" in r else r


def _no_worse(got, eager, ref):
    """Whether `got` is as close to `ref` as `eager` is (root-mean-square error, within 3x),
    with NaN and infinities in the same places."""
    values = ref["values"]
    if len(values) != len(got["values"]) or not values or not isinstance(values[0], float):
        return False
    err_got = err_eager = 0.0
    for a, b, r in zip(got["values"], eager["values"], ref["values"]):
        if not (math.isfinite(a) and math.isfinite(b)):
            if not _close(a, b, False):
                return False
            continue
        if not math.isfinite(r):
            return False
        err_got += (a - r) ** 2
        err_eager += (b - r) ** 2
    return math.sqrt(err_got) <= 3 * math.sqrt(err_eager) + 1e-9


# --- minimisation ---------------------------------------------------------------------------------
def minimise(program, backends, kind):
    """Drops statements and outputs while `check` still gives `kind`."""
    changed = True
    while changed:
        changed = False
        for k in reversed(range(len(program.statements))):
            smaller = program.without(k)
            if smaller is not None and check(smaller, backends)[0] == kind:
                program, changed = smaller, True
        for name in list(program.outputs):
            if len(program.outputs) > 1:
                smaller = program.with_outputs([o for o in program.outputs if o != name])
                if check(smaller, backends)[0] == kind:
                    program, changed = smaller, True
    return program


def reproducer(seed, program, kind, detail, backends):
    inputs = ", ".join(f"x{i}" for i in range(len(program.inputs)))
    detail = detail.replace("\n", "\n# ")  # a multi-line message stays a comment
    return (f"# fuzz seed {seed}: {kind}\n# {detail}\n"
            f"# Run under smelt and under CPython + PyTorch: compiled results should equal eager.\n"
            f"import torch\n\n\n{program.render()}\n\n"
            f"def make_inputs():\n"
            + "".join(f"    g{i} = {input_source(spec)}\n" for i, spec in enumerate(program.inputs))
            + f"    return [{', '.join(f'g{i}' for i in range(len(program.inputs)))}]\n\n\n"
            f"{INPUT_SOURCE}\n"
            f"for backend in [None] + {backends!r}:\n"
            f"    torch._dynamo.reset()\n"
            f"    fn = f if backend is None else torch.compile(f, backend=backend)\n"
            f"    for grow in {GROWTHS!r}:  # the same function on larger sizes (a dynamic recompile)\n"
            f"        {inputs or '_'}, = [spec.grown((1 if i == 0 else 0) if grow == 'first+1' else grow).make(i)\n"
            f"            for i, spec in enumerate(make_inputs())]\n"
            f"        try:\n            out = fn({inputs})\n"
            f"            print(backend or 'not compiled', grow, out)\n"
            f"        except Exception as e:\n"
            f"            print(backend or 'not compiled', grow, 'raised', type(e).__name__, e)\n"
            f"            continue\n"
            f"        wrt = [x for x in [{inputs}] if x.requires_grad]\n"
            f"        diff = [t for t in out if t.requires_grad and t.dtype.is_floating_point and t.numel()]\n"
            f"        if wrt and diff:\n"
            f"            total = sum((t.float() * torch.linspace(-1, 1, t.numel()).reshape(t.shape)).sum() for t in diff)\n"
            f"            print('  input gradients:', torch.autograd.grad(total, wrt, allow_unused=True))\n")


# --- processes ----------------------------------------------------------------------------------
def worker(seed, ids, backends):
    for i in ids:
        program = generate(seed * 1_000_003 + i)
        kind, detail = check(program, backends)
        print(json.dumps({"id": i, "kind": kind, "detail": detail}), flush=True)


def _self_command():
    if os.path.basename(sys.executable).startswith("smelt"):
        return [sys.executable, "run", os.path.abspath(__file__)]
    return [sys.executable, os.path.abspath(__file__)]


def _run_child(args, timeout):
    try:
        proc = subprocess.run(_self_command() + args, capture_output=True, text=True, timeout=timeout)
        return proc.stdout, proc.returncode, False
    except subprocess.TimeoutExpired as e:
        out = e.stdout.decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
        return out, None, True


def _results(stdout):
    found = {}
    for line in stdout.splitlines():
        if line.startswith("{"):
            r = json.loads(line)
            found[r["id"]] = r
    return found


def drive(seed, count, backends, out_dir, chunk, timeout):
    tally = dict.fromkeys(KINDS, 0)
    failures = []
    common = ["--seed", str(seed), "--backends", ",".join(backends)]
    for start in range(0, count, chunk):
        ids = list(range(start, min(count, start + chunk)))
        stdout, _, _ = _run_child(common + ["--worker", ",".join(map(str, ids))], timeout * len(ids))
        found = _results(stdout)
        for i in ids:
            if i not in found:  # the chunk died or hung before this one: run it alone
                out, code, hung = _run_child(common + ["--worker", str(i)], timeout)
                found.update(_results(out))
                if i not in found:
                    found[i] = {"id": i, "kind": "hang" if hung else "crash",
                                "detail": f"exit status {code}" if not hung else f"over {timeout} s"}
            r = found[i]
            tally[r["kind"]] += 1
            if r["kind"] != "ok":
                failures.append(r)
        print(f"fuzz: {min(count, start + chunk)}/{count} programs, {count_failures(tally)} failed", flush=True)
    if failures and out_dir:
        os.makedirs(out_dir, exist_ok=True)
        for r in failures:
            save_reproducer(seed, r, backends, out_dir, timeout)
    print("fuzz: " + f"{count} programs, " + ", ".join(f"{tally[k]} {k}" for k in KINDS))
    return 1 if count_failures(tally) else 0


def count_failures(tally):
    return sum(v for k, v in tally.items() if k != "ok")


def save_reproducer(seed, r, backends, out_dir, timeout):
    program = generate(seed * 1_000_003 + r["id"])
    if r["kind"] not in ("crash", "hang"):
        program = minimise(program, backends, r["kind"])
    path = os.path.join(out_dir, f"repro_{seed}_{r['id']}_{r['kind']}.py")
    with open(path, "w") as fh:
        fh.write(reproducer(seed, program, r["kind"], r["detail"], backends))
    print(f"fuzz: {r['kind']} in program {r['id']}: {r['detail']}\n      reproducer: {path}")


# --- smelt eager against PyTorch eager (offline) --------------------------------------------------
def record(seed, count, path):
    rows = []
    for i in range(count):
        trace = []
        program = generate(seed * 1_000_003 + i, trace)
        r = _run(program.function(), program.make_inputs(), False)
        rows.append({"id": i, "source": program.render(), "trace": trace,
                     "raised": type(r["raised"]).__name__ if "raised" in r else None,
                     "outputs": r.get("outputs")})
    with open(path, "w") as fh:
        json.dump(rows, fh)


def compare(seed, count, path):
    with open(path) as fh:
        want = {r["id"]: r for r in json.load(fh)}
    bad = 0
    for i in range(count):
        trace = []
        program = generate(seed * 1_000_003 + i, trace)
        r = _run(program.function(), program.make_inputs(), False)
        ref = want.get(i)
        if ref is None:
            continue
        if ref["source"] != program.render():
            # Generation diverged: a candidate statement raised on one side only. Name it.
            for (src, mine), (_, theirs) in zip(trace, ref["trace"]):
                if mine != theirs:
                    print(f"program {i}: statement raised {mine} here, {theirs} in PyTorch:\n    "
                          + src.replace("\n", "\n    ") + "\nin PyTorch's program, over "
                          + ", ".join(f"x{k} = {input_source(spec)}" for k, spec in enumerate(program.inputs))
                          + f":\n{ref['source']}")
                    break
            bad += 1
            continue
        mine = type(r["raised"]).__name__ if "raised" in r else None
        why = None
        if mine != ref["raised"]:
            why = f"exception {mine} != PyTorch's {ref['raised']}"
        elif mine is None:
            for k, (a, b) in enumerate(zip(r["outputs"], ref["outputs"])):
                why = why or (_differs(a, b) and f"output {k}: {_differs(a, b)}")
        if why:
            bad += 1
            print(f"program {i}: {why}\n{program.render()}")
    print(f"fuzz: smelt eager vs PyTorch eager: {count} programs, {bad} differ")
    return 1 if bad else 0


def main(argv):
    opts = {"--seed": "0", "--count": "100", "--backends": "eager,aot_eager,inductor", "--out": "",
            "--chunk": "25", "--timeout": "60"}
    flags = {}
    it = iter(argv)
    for a in it:
        if a in opts or a in ("--worker", "--record", "--compare"):
            flags[a] = next(it)
        else:
            raise SystemExit(f"fuzz.py: unknown argument {a}")
    get = lambda k: flags.get(k, opts.get(k))  # noqa: E731
    seed, count, backends = int(get("--seed")), int(get("--count")), get("--backends").split(",")
    if "--worker" in flags:
        worker(seed, [int(i) for i in flags["--worker"].split(",")], backends)
        return 0
    if "--record" in flags:
        record(seed, count, flags["--record"])
        return 0
    if "--compare" in flags:
        return compare(seed, count, flags["--compare"])
    started = time.time()
    status = drive(seed, count, backends, get("--out"), int(get("--chunk")), float(get("--timeout")))
    print(f"fuzz: {time.time() - started:.0f} s")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
