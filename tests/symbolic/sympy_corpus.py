"""Writes tests/symbolic/sympy_corpus.txt: random size expressions built with sympy the way
PyTorch's ShapeEnv builds them (integer, positive symbols; `//` is PyTorch's FloorDiv), one per line as
`PROGRAM<TAB>PRINTED`, where PROGRAM is the construction in prefix form, e.g.
`(mul (add s77 1) s17)`, and PRINTED is `str()` of sympy's result. tracer/src/symbolic/tests.rs rebuilds
each with smelt's engine and checks the printed form. Needs PyTorch (for FloorDiv) and its sympy:

    python tests/symbolic/sympy_corpus.py > tests/symbolic/sympy_corpus.txt
"""
import random

import sympy
from torch.utils._sympy.functions import FloorDiv

SYMBOLS = ["s17", "s27", "s77", "s5", "s100", "s0", "s9", "s10"]
SYM = {n: sympy.Symbol(n, integer=True, positive=True) for n in SYMBOLS}


def leaf(rng):
    if rng.random() < 0.6:
        name = rng.choice(SYMBOLS)
        return name, SYM[name]
    n = rng.choice([rng.randint(-3, 4), rng.randint(-100, 100)])
    return str(n), sympy.Integer(n)


def build(rng, depth):
    if depth == 0 or rng.random() < 0.25:
        return leaf(rng)
    op = rng.choice(["add", "add", "sub", "mul", "mul", "neg", "pow", "floordiv"])
    if op == "neg":
        p, e = build(rng, depth - 1)
        return f"(neg {p})", -e
    if op == "pow":
        p, e = build(rng, depth - 1)
        k = rng.randint(2, 3)
        return f"(pow {p} {k})", e ** k
    if op == "floordiv":
        p, e = build(rng, depth - 1)
        if rng.random() < 0.8:
            d = rng.choice([1, 2, 2, 3, 4, 4, 8, 16, -2])
            return f"(floordiv {p} {d})", FloorDiv(e, sympy.Integer(d))
        name = rng.choice(SYMBOLS)
        return f"(floordiv {p} {name})", FloorDiv(e, SYM[name])
    (pa, a), (pb, b) = build(rng, depth - 1), build(rng, depth - 1)
    value = {"add": a + b, "sub": a - b, "mul": a * b}[op]
    return f"({op} {pa} {pb})", value


def main():
    rng = random.Random(0)
    seen = set()
    while len(seen) < 5000:
        program, value = build(rng, rng.randint(1, 5))
        if program in seen:
            continue
        seen.add(program)
        print(f"{program}\t{value}")


if __name__ == "__main__":
    main()
