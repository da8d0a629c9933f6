# repr, str and f-strings of floats as CPython writes them (shortest round-trip digits, exact ties to even).
import math
vals = []
for k in range(0, 1 << 24, 262147):
    vals.append(k / 2**24)
    vals.append(k / 2**24 * 3.7e-5)
    vals.append(k * 1.0e10 / 7)
x = 0.5
for i in range(300):
    x = (x * 3.9 * (1 - x))
    vals.append(x); vals.append(x * 10 ** (i % 40 - 20)); vals.append(-x * 2 ** (i % 200 - 100))
vals += [1e16, 1e15, 9999999999999998.0, 0.0001, 0.00009999, 1e-5, 123.0, 1e22, 1e23, 2**53, 2.0**-1074]
for v in vals:
    print(repr(v), str(v), f"{v}")
