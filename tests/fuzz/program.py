"""Random tensor programs for the differential fuzzer.

A program is a list of Python statements over named values (`x0`, `x1` ... the inputs; `v2`,
`v3` ... what the statements compute), rendered as the source of one function `f`. Programs
are grown one statement at a time and each candidate is run eagerly as it is added, so every
kept statement is valid for the shapes and dtypes it meets (a last statement may raise: then
the program checks that compiled code raises the same exception type).

The program text is the reproducer: `render()` gives a function that runs unchanged under smelt
and under CPython + PyTorch.
"""

import math
import random

import torch

FLOATS = [torch.float32, torch.float64, torch.float16]
DTYPES = FLOATS + [torch.int64, torch.int32, torch.bool]
NAMES = {torch.float32: "torch.float32", torch.float64: "torch.float64", torch.float16: "torch.float16",
         torch.int64: "torch.int64", torch.int32: "torch.int32", torch.bool: "torch.bool"}

UNARY_FLOAT = ["sin", "cos", "exp", "log", "sqrt", "tanh", "sigmoid", "relu", "floor", "ceil", "round", "trunc",
               "reciprocal", "rsqrt", "expm1", "log1p", "erf", "tan", "square"]
UNARY_ANY = ["abs", "neg", "sign"]
BINARY_ARITH = ["add", "sub", "mul", "div", "maximum", "minimum", "pow", "atan2", "floor_divide", "remainder"]
COMPARE = ["eq", "ne", "lt", "le", "gt", "ge"]
LOGICAL = ["logical_and", "logical_or", "logical_xor"]
OPERATORS = {"add": "+", "sub": "-", "mul": "*", "div": "/", "floor_divide": "//", "remainder": "%", "pow": "**"}
REDUCE = ["sum", "mean", "amax", "amin", "prod", "std", "var", "logsumexp"]
INPLACE = ["add_", "sub_", "mul_", "div_", "clamp_", "relu_", "sigmoid_", "neg_", "zero_", "fill_"]


class Value:
    """A named value and the eager tensor it holds in the generating run."""

    def __init__(self, name, tensor):
        self.name = name
        self.tensor = tensor

    @property
    def shape(self):
        return tuple(self.tensor.shape)

    @property
    def dtype(self):
        return self.tensor.dtype


# How an input is made: shape, dtype, requires_grad and layout (contiguous, a transposed view, or
# a strided slice). Kept as source so that a reproducer carries the same definition.
INPUT_SOURCE = '''
class Input:
    def __init__(self, shape, dtype, requires_grad, layout):
        self.shape, self.dtype, self.requires_grad, self.layout = shape, dtype, requires_grad, layout

    def grown(self, k):
        """The same input with every size of 2 or more grown by k (equal sizes stay equal, so
        broadcasting partners still broadcast): a new shape for the same compiled function."""
        return Input(tuple(n + k if n >= 2 else n for n in self.shape), self.dtype, self.requires_grad,
                     self.layout)

    def make(self, seed):
        torch.manual_seed(seed)
        shape = list(self.shape)
        if self.layout == "transposed" and len(shape) >= 2:
            shape[-1], shape[-2] = shape[-2], shape[-1]
        if self.layout == "sliced" and shape:
            shape[-1] = shape[-1] * 2
        if self.dtype.is_floating_point:
            t = (torch.randn(shape) * 2).to(self.dtype)
        elif self.dtype == torch.bool:
            t = torch.randint(0, 2, shape).to(torch.bool)
        else:
            t = torch.randint(-5, 6, shape).to(self.dtype)
        if self.layout == "transposed" and len(shape) >= 2:
            t = t.transpose(-1, -2)
        if self.layout == "sliced" and shape:
            t = t[..., ::2]
        if self.requires_grad:
            t.requires_grad_(True)
        return t
'''
exec(INPUT_SOURCE)


def input_source(spec):
    return f"Input({spec.shape!r}, {NAMES[spec.dtype]}, {spec.requires_grad}, {spec.layout!r})"


class Program:
    def __init__(self, inputs, statements, outputs, raises=False):
        self.inputs = inputs  # [Input]
        self.statements = statements  # [(target name or None, source line(s))]
        self.outputs = outputs  # names returned
        self.raises = raises  # the last statement raises in eager

    def render(self, name="f"):
        args = ", ".join(f"x{i}" for i in range(len(self.inputs)))
        lines = [f"def {name}({args}):"]
        for _, src in self.statements:
            lines.extend("    " + line for line in src.split("\n"))
        lines.append(f"    return ({', '.join(self.outputs)}{',' if len(self.outputs) == 1 else ''})")
        return "\n".join(lines) + "\n"

    def function(self):
        scope = {"torch": torch, "math": math}
        exec(compile(self.render(), "<fuzz program>", "exec"), scope)
        return scope["f"]

    def make_inputs(self, grow=0):
        """The inputs with sizes grown by `grow`: an int grows every input; "first+1" grows only
        the first by 1, so sizes that were equal between inputs no longer are (a graph that
        assumed them equal must not be reused)."""
        if grow == "first+1":
            return [spec.grown(1 if i == 0 else 0).make(i) for i, spec in enumerate(self.inputs)]
        return [spec.grown(grow).make(i) for i, spec in enumerate(self.inputs)]

    def without(self, k):
        """The program without statement k, or None when a later statement or the outputs
        read what k computes."""
        target = self.statements[k][0]
        rest = self.statements[:k] + self.statements[k + 1:]
        if target is not None:
            if any(_mentions(src, target) for _, src in self.statements[k + 1:]) or target in self.outputs:
                return None
        return Program(self.inputs, rest, self.outputs, self.raises and k != len(self.statements) - 1)

    def with_outputs(self, outputs):
        return Program(self.inputs, self.statements, outputs, self.raises)


def _mentions(src, name):
    import re
    return re.search(rf"\b{name}\b", src) is not None


# --- generation ---------------------------------------------------------------------------------
def _shape(rng):
    ndim = rng.choice([0, 1, 1, 2, 2, 2, 3, 3, 4])
    return tuple(rng.choice([0, 1, 1, 2, 3, 4, 5]) if rng.random() < 0.15 else rng.choice([1, 2, 3, 4, 5])
                 for _ in range(ndim))


def _broadcast_partner(rng, shape):
    """A shape that broadcasts with `shape`: a suffix of it, with some dims set to 1."""
    keep = rng.randint(0, len(shape))
    tail = list(shape[len(shape) - keep:])
    return tuple(1 if rng.random() < 0.3 else d for d in tail)


def _scalar(rng, dtype):
    if dtype == torch.bool:
        return rng.choice(["True", "False", "2", "0.5"])
    if dtype.is_floating_point:
        return rng.choice(["2", "0.5", "-1.5", "3.0", "0", "1e-3"])
    return rng.choice(["2", "-3", "1", "0.5"])


def _dim(rng, v):
    n = len(v.shape)
    return rng.randint(-max(n, 1), max(n, 1) - 1)


def _candidates(rng, values, fresh):
    """One statement: (target, source). Draws operands from `values`."""
    a = rng.choice(values)
    b = rng.choice(values)
    kind = rng.random()
    t = fresh
    if kind < 0.16:
        op = rng.choice(UNARY_FLOAT + UNARY_ANY)
        if op == "square":
            return t, f"{t} = torch.square({a.name})"
        return t, f"{t} = torch.{op}({a.name})" if rng.random() < 0.6 else f"{t} = {a.name}.{op}()"
    if kind < 0.34:
        op = rng.choice(BINARY_ARITH)
        if rng.random() < 0.35:
            s = _scalar(rng, a.dtype)
            if op in OPERATORS:
                return t, rng.choice([f"{t} = {a.name} {OPERATORS[op]} {s}", f"{t} = {s} {OPERATORS[op]} {a.name}"])
            return t, f"{t} = torch.{op}({a.name}, torch.tensor({s}))"
        if op in OPERATORS and rng.random() < 0.5:
            return t, f"{t} = {a.name} {OPERATORS[op]} {b.name}"
        return t, f"{t} = torch.{op}({a.name}, {b.name})"
    if kind < 0.42:
        op = rng.choice(COMPARE + LOGICAL)
        other = b.name if rng.random() < 0.7 else _scalar(rng, a.dtype)
        if op in LOGICAL and not other.startswith(("v", "x")):
            other = f"torch.tensor({other})"
        return t, f"{t} = torch.{op}({a.name}, {other})"
    if kind < 0.5:
        c = rng.choice(values)
        return t, f"{t} = torch.where({c.name} > 0, {a.name}, {b.name})"
    if kind < 0.6:
        op = rng.choice(REDUCE + ["all", "any", "argmax", "max"])
        if rng.random() < 0.25 or not a.shape:
            return t, f"{t} = {a.name}.{op}()" if op != "logsumexp" else f"{t} = {a.name}.logsumexp({_dim(rng, a)})"
        keep = rng.random() < 0.3
        return t, f"{t} = {a.name}.{op}({_dim(rng, a)}{', keepdim=True' if keep else ''})" + (".values" if op == "max" else "")
    if kind < 0.72:
        n = len(a.shape)
        choice = rng.randint(0, 9)
        if choice == 0 and n >= 2:
            return t, f"{t} = {a.name}.transpose({_dim(rng, a)}, {_dim(rng, a)})"
        if choice == 1:
            return t, f"{t} = {a.name}.unsqueeze({rng.randint(-n - 1, n)})"
        if choice == 2 and n:
            d = rng.randrange(n)
            size = a.shape[d]
            if size:
                start = rng.randint(-size, size - 1)
                length = rng.randint(0, size - (start % size))
                return t, f"{t} = {a.name}.narrow({d}, {start}, {length})"
        if choice == 3 and n:
            return t, f"{t} = {a.name}.reshape(-1)"
        if choice == 4 and n:
            d = rng.randrange(n)
            if a.shape[d]:
                return t, f"{t} = {a.name}.select({d}, {rng.randint(-a.shape[d], a.shape[d] - 1)})"
        if choice == 5 and n:
            step = rng.choice([1, 2])
            return t, f"{t} = {a.name}[..., {rng.randint(0, 1)}::{step}]"
        if choice == 6 and n >= 2:
            perm = list(range(n))
            rng.shuffle(perm)
            return t, f"{t} = {a.name}.permute({', '.join(map(str, perm))})"
        if choice == 7:
            return t, f"{t} = {a.name}.expand(2, *{a.name}.shape)"
        if choice == 8 and n >= 2:
            return t, f"{t} = {a.name}.mT"
        return t, f"{t} = {a.name}.squeeze()"
    if kind < 0.8:
        choice = rng.randint(0, 5)
        if choice == 0 and a.shape:
            return t, f"{t} = torch.softmax({a.name}, {_dim(rng, a)})"
        if choice == 1 and a.shape:
            return t, f"{t} = torch.log_softmax({a.name}, {_dim(rng, a)})"
        if choice == 2:
            return t, f"{t} = {a.name}.clamp({_scalar(rng, a.dtype)}, {_scalar(rng, a.dtype)})"
        if choice == 3:
            return t, f"{t} = {a.name}.to({NAMES[rng.choice(DTYPES)]})"
        if choice == 4 and len(a.shape) == 2 and len(b.shape) == 2:
            return t, f"{t} = {a.name} @ {b.name}.mT"
        return t, f"{t} = torch.cat([{a.name}, {b.name}], {_dim(rng, a)})"
    if kind < 0.9:
        op = rng.choice(INPLACE)
        if op in ("relu_", "sigmoid_", "neg_", "zero_"):
            call = f"{op}()"
        elif op == "clamp_":
            call = f"clamp_(min={_scalar(rng, a.dtype)})"
        elif op == "fill_":
            call = f"fill_({_scalar(rng, a.dtype)})"
        else:
            call = f"{op}({b.name if rng.random() < 0.6 else _scalar(rng, a.dtype)})"
        return t, f"{t} = {a.name}.clone()\n{t}.{call}"
    if kind < 0.95:
        return None, "torch._dynamo.graph_break()"
    return t, f"if {a.name}.sum() > 0:\n    {t} = {a.name} + 1\nelse:\n    {t} = {a.name} * 2"


def generate(seed, trace=None):
    """The program for `seed`: 3-25 statements over 1-3 inputs. `trace`, a list, receives each
    candidate statement and the exception type it raised (None when it ran)."""
    rng = random.Random(seed)
    inputs = []
    first = _shape(rng)
    for i in range(rng.randint(1, 3)):
        shape = first if i == 0 else (_broadcast_partner(rng, first) if rng.random() < 0.7 else _shape(rng))
        dtype = rng.choice(FLOATS * 3 + DTYPES)
        requires_grad = dtype in (torch.float32, torch.float64) and rng.random() < 0.4
        layout = rng.choice(["contiguous"] * 4 + ["transposed", "sliced"])
        inputs.append(Input(shape, dtype, requires_grad, layout))
    env = {"torch": torch, "math": math}
    values = []
    for i, spec in enumerate(inputs):
        env[f"x{i}"] = spec.make(i)
        values.append(Value(f"x{i}", env[f"x{i}"]))
    statements = []
    raises = False
    for n in range(rng.randint(3, 25)):
        fresh = f"v{len(inputs) + n}"
        target, src = _candidates(rng, values, fresh)
        trial = dict(env)
        try:
            exec(src, trial)
            if trace is not None:
                trace.append((src, None))
        except Exception as e:
            if trace is not None:
                trace.append((src, type(e).__name__))
            if rng.random() < 0.1:
                statements.append((target, src))
                raises = True
                break
            continue
        env = trial
        statements.append((target, src))
        if target is not None and isinstance(env.get(target), torch.Tensor):
            values.append(Value(target, env[target]))
    tensors = [v.name for v in values[len(inputs):]] or ["x0"]
    outputs = rng.sample(tensors, min(len(tensors), rng.randint(1, 3)))
    if any(src.startswith(("torch._dynamo.graph_break", "if ")) for _, src in statements):
        # Across a graph break every value is returned: a value live across the break but unused
        # after it gets an undefined gradient, which compiled code (PyTorch's too) takes as a zero
        # tangent, so gradients would differ from eager's as PyTorch's own do (None for zeros,
        # 0 * NaN = NaN).
        outputs = tensors
    if raises and statements[-1][0] is not None:
        # The raising statement's value is returned: compiled code may drop dead code (as
        # PyTorch's does) and with it an error eager would raise.
        outputs.append(statements[-1][0])
    return Program(inputs, statements, outputs, raises)
