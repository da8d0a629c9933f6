# PyTorch's test-suite helpers (torch.testing._internal.common_utils): TestCase.assertEqual on
# tensors, numbers and containers with its messages, assertExpectedInline, parametrized tests and
# their names, skip decorators, seeding in setUp, temporary files and run_tests with -v / -k.
import contextlib
import enum
import io
import os
import re
import sys
import unittest

import torch
from torch.testing._internal.common_utils import (
    IS_WINDOWS,
    SEED,
    TEST_CUDA,
    TEST_WITH_CROSSREF,
    TEST_WITH_ROCM,
    TEST_WITH_TORCHDYNAMO,
    TemporaryFileName,
    TestCase,
    instantiate_parametrized_tests,
    parametrize,
    run_tests,
    skipIfCrossRef,
    skipIfRocm,
    skipIfTorchDynamo,
    subtest,
)
from torch.testing._internal.triton_utils import HAS_CUDA_AND_TRITON, requires_cuda_and_triton, requires_gpu

print(IS_WINDOWS, TEST_CUDA, TEST_WITH_ROCM, TEST_WITH_TORCHDYNAMO, TEST_WITH_CROSSREF, HAS_CUDA_AND_TRITON, SEED)


class Probe(TestCase):
    def runTest(self):
        pass


probe = Probe()


def check(*args, **kwargs):
    try:
        probe.assertEqual(*args, **kwargs)
        print("equal")
    except Exception as e:
        print(f"{type(e).__name__}: " + str(e).replace("\n", "|"))


class Color(enum.IntEnum):
    RED = 1


check(1, 1.0)
check(1, 2)
check(1.0, 1.0 + 1e-9)
check(1.0, 1.1)
check(True, 1)
check(True, False)
check("a", "a")
check("abc", "abd")
check([1, 2], [1, 2])
check([1, 2], [1, 3])
check((1, 2), [1, 2])
check([1], [1, 2])
check([1, [2, 3]], [1, [2, 4]])
check([1, [2, 3], 5], [2, [2], 5])
check({"a": 1}, {"a": 1})
check({"a": [1, 2]}, {"a": [1, 3]})
check({"a": 1}, {"b": 1})
check(torch.tensor([1.0, 2.0]), torch.tensor([1.0, 2.0]))
check(torch.tensor([1.0, 2.0]), [1.0, 2.0])
check(torch.tensor([1.0, 2.0]), (1.0, 2.5))
check(torch.tensor([1.0, 2.0]), torch.tensor([1.0, 2.5]))
check(torch.tensor([1.0, 2.0]), torch.tensor([1.0, 2.5]), atol=1, rtol=0)
check(torch.tensor([1.0, 2.0]), torch.tensor([1.0, 2.0], dtype=torch.float64))
check(torch.tensor([1.0, 2.0]), torch.tensor([1.0, 2.0], dtype=torch.float64), exact_dtype=False)
check(torch.tensor([1, 2]), torch.tensor([1.0, 2.0]))
check(torch.tensor([1.0, 2.0, 3.0]), torch.tensor([1.0, 2.0]))
check(torch.tensor([float("nan")]), torch.tensor([float("nan")]))
check(torch.tensor([float("nan")]), torch.tensor([float("nan")]), equal_nan=False)
check(torch.tensor(3), 3)
check(3, torch.tensor(3))
check(torch.tensor(3.0), 3)
check(torch.ones(2), 1.0)
check(torch.tensor([True]), True)
check(torch.tensor([True, False]), True)
check([torch.tensor(1.0)], [torch.tensor(2.0)])
check(torch.Size([2, 3]), (2, 3))
check(None, None)
check(None, 1)
check({1, 2}, {1, 2})
check({1, 2}, {1, 3})
check(int, int)
check(int, float)
check(1, "1")
check(1 + 2j, 1 + 3j)
check(float("inf"), float("inf"))
check(float("inf"), float("-inf"))
check(0.0, 1e-6)
check(0, 1)
check(1.0, float("nan"))
check(float("nan"), float("nan"))
check(10**20, 10**20 + 1)
check(Color.RED, 1)
check(Color.RED, 2)
check(1.0, 1.5, atol=1, rtol=0)
check(1.0, 1.5, atol=1)
check(1.0, 1.5, msg="extra words")
check(torch.tensor([1.0, 2.0]), torch.tensor([1.0, 2.5]), msg="extra words")
check(torch.tensor([1.0, 2.0]), torch.tensor([1.0, 2.5]), msg=lambda generated: "built: " + generated[:17])
probe.longMessage = False
check(1, 2, msg="only this")
probe.longMessage = True
probe.precision = 0.6
check(1.0, 1.5)
check(torch.tensor([1.0]), torch.tensor([1.5]))
probe.precision = 0
for x, y in [(1, 1), (1, 2)]:
    try:
        probe.assertNotEqual(x, y)
        print("not equal")
    except AssertionError as e:
        print("AssertionError:", e)

# assertExpectedInline compares text; its failure says how PyTorch would accept the new output.
probe.assertExpectedInline("a\nb", """\
a
b""")
probe.assertExpectedInline(torch.Size([2]), """torch.Size([2])""")
probe.assertExpectedInline("# note\nx\n\ny", "x\ny", ignore_comments=True, ignore_empty_lines=True)
probe.assertExpectedInline("\x1b[31mred\x1b[0m", "red")
try:
    probe.assertExpectedInline("abc", "abd")
except AssertionError as e:
    print("AssertionError:", str(e).replace("\n", "|"))
probe.assertExpectedRaisesInline(ValueError, lambda v: int(v), """invalid literal for int() with base 10: 'x'""", "x")
try:
    probe.assertExpectedRaisesInline(ValueError, lambda: 1, "")
except AssertionError as e:
    print("AssertionError:", e)


# Parametrized tests: names from the values, stacked decorators multiply, subtests carry names
# and decorators.
@instantiate_parametrized_tests
class Params(TestCase):
    @parametrize("x", [1, 2.5, "s", None])
    def test_one(self, x):
        print("one", x)

    @parametrize("dtype", [torch.float32, torch.int64])
    @parametrize("n", [0, 1])
    def test_two(self, dtype, n):
        print("two", dtype, n)

    @parametrize("a,b", [(1, 2), subtest((3, 4), name="named"),
                         subtest((5, 6), decorators=[unittest.expectedFailure])])
    def test_pairs(self, a, b):
        self.assertEqual(a + 1, b)

    @parametrize("x", [1, 2], name_fn=lambda x: f"custom{x}")
    def test_named(self, x):
        pass


print(sorted(name for name in dir(Params) if name.startswith("test")))


# Skips, and the seeded generators every test starts from.
class Misc(TestCase):
    @skipIfTorchDynamo("not under dynamo")
    def test_dynamo_skip_not_taken(self):
        pass

    @skipIfCrossRef
    def test_crossref_skip_not_taken(self):
        pass

    @skipIfRocm
    def test_rocm_skip_not_taken(self):
        pass

    @requires_gpu
    def test_gpu(self):
        pass

    @requires_cuda_and_triton
    def test_triton(self):
        pass

    def test_seeded(self):
        a = torch.randn(3)
        torch.manual_seed(SEED)
        self.assertEqual(a, torch.randn(3))
        torch.set_grad_enabled(False)  # restored by tearDown

    def test_temporary_file(self):
        with TemporaryFileName() as name:
            with open(name, "w") as f:
                f.write("hi")
            with open(name) as f:
                self.assertEqual(f.read(), "hi")
        self.assertFalse(os.path.exists(name))

    def test_fails(self):
        self.assertEqual([1, 2], [1, 3])


def run(case):
    stream = io.StringIO()
    suite = unittest.TestLoader().loadTestsFromTestCase(case)
    result = unittest.TextTestRunner(stream=stream, verbosity=2).run(suite)
    for line in stream.getvalue().splitlines():
        if not line.startswith(("Ran ", "Traceback", "  File", "    ")):
            print(line)
    print(result.testsRun, len(result.failures), len(result.errors), len(result.skipped), torch.is_grad_enabled())


run(Params)
run(Misc)

# run_tests runs __main__'s tests with unittest's options; Params and Misc are in __main__.
for argv in [["prog", "-k", "test_one"], ["prog", "-v", "-k", "seeded", "-k", "named"]]:
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        try:
            run_tests(argv)
        except SystemExit as e:
            print("exit", bool(e.code))
    print(re.sub(r"Ran (\d+) tests? in [0-9.]+s", r"Ran \1 tests", err.getvalue()).rstrip())
