"""The parts of PyTorch's test-suite helpers (`torch.testing._internal.common_utils`) that are
plain testing utilities: the TestCase with PyTorch's assertEqual and assertExpectedInline,
run_tests, environment flags, skip decorators, parametrization and temporary files.

Flags that describe hardware say what smelt has: a CPU and no CUDA, ROCm or other accelerator.
Flags PyTorch reads from the environment (PYTORCH_TEST_WITH_DYNAMO, ...) read the same variables.
"""

import enum
import argparse
import collections.abc
import contextlib
import functools
import inspect
import os
import pathlib
import platform
import random
import re
import sys
import tempfile
import unittest

import torch
from torch.testing._internal.parametrized_tests import instantiate_parametrized_tests, parametrize, subtest
from torch.testing._internal.relaxed_equality import find_mismatch

IS_LINUX = sys.platform == "linux"
IS_WINDOWS = sys.platform == "win32"
IS_MACOS = sys.platform == "darwin"
IS_X86 = platform.machine() in ("x86_64", "i386")
IS_ARM64 = platform.machine() in ("arm64", "aarch64", "ARM64")
IS_FBCODE = False
IS_SANDCASTLE = False
IS_CI = bool(os.getenv("CI"))

TEST_CUDA = False
TEST_MULTIGPU = False
TEST_MPS = False
TEST_XPU = False
TEST_NUMPY = False


# Environment variables that switched a flag on, in the form a failing test's repro command
# repeats them ("PYTORCH_TEST_WITH_DYNAMO=1").
_REPRO_ENV = {}


class HardwareClassification(enum.Enum):
    """The hardware a test class needs (its `hw_classification` attribute): device-agnostic
    framework logic, behaviour every accelerator must share, or one kind of device."""

    GENERIC = "generic"
    ACCELERATOR = "accelerator"
    CPU = "cpu"
    CUDA = "cuda"
    MPS = "mps"
    XPU = "xpu"


def _env_flag(env_var):
    value = os.getenv(env_var)
    if value == "1":
        _REPRO_ENV[env_var] = value
    return value == "1"


TEST_WITH_ROCM = _env_flag("PYTORCH_TEST_WITH_ROCM")
TEST_WITH_TORCHINDUCTOR = _env_flag("PYTORCH_TEST_WITH_INDUCTOR")
TEST_WITH_AOT_EAGER = _env_flag("PYTORCH_TEST_WITH_AOT_EAGER")
TEST_WITH_TORCHDYNAMO = (_env_flag("PYTORCH_TEST_WITH_DYNAMO")
                         or (os.getenv("PYTORCH_TEST_WITH_DYNAMO") is None
                             and (TEST_WITH_TORCHINDUCTOR or TEST_WITH_AOT_EAGER)))
TEST_WITH_CROSSREF = _env_flag("PYTORCH_TEST_WITH_CROSSREF")
TEST_WITH_SLOW = _env_flag("PYTORCH_TEST_WITH_SLOW")
# A failing test's message ends with the command that reruns just that test.
PRINT_REPRO_ON_FAILURE = os.getenv("PYTORCH_PRINT_REPRO_ON_FAILURE") != "0"

# The seed every test starts from (`--seed N` on the command line changes it).
SEED = 1234


def set_rng_seed(seed=None):
    if seed is None:
        seed = SEED
    torch.manual_seed(seed)
    random.seed(seed)


# -- skipping -----------------------------------------------------------------------------------

def lazy_skip_if(condition_fn, reason):
    """Skips a test when `condition_fn()` is true: checked each time a test function runs, or
    once when decorating a test class (unittest decides class skips before instantiating)."""

    def decorator(fn):
        if isinstance(fn, type):
            if condition_fn():
                fn.__unittest_skip__ = True
                fn.__unittest_skip_why__ = reason
            return fn

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            if condition_fn():
                raise unittest.SkipTest(reason)
            return fn(*args, **kwargs)

        return wrapper

    return decorator


def skipIfTorchDynamo(msg="test doesn't currently work with dynamo"):
    if not isinstance(msg, str):
        raise AssertionError("Are you using skipIfTorchDynamo correctly?")
    return lazy_skip_if(lambda: TEST_WITH_TORCHDYNAMO, msg)


def skipIfTorchInductor(msg="test doesn't currently work with torchinductor", condition=TEST_WITH_TORCHINDUCTOR):
    return lazy_skip_if(lambda: condition, msg)


def skipIfCrossRef(fn):
    return lazy_skip_if(lambda: TEST_WITH_CROSSREF, "test doesn't currently with crossref")(fn)


def skipIfRocm(func=None, *, msg="test doesn't currently work on the ROCm stack"):
    decorator = lazy_skip_if(lambda: TEST_WITH_ROCM, f"skipIfRocm: {msg}")
    return decorator(func) if func is not None else decorator


def slowTest(fn):
    wrapper = lazy_skip_if(lambda: not TEST_WITH_SLOW, "test is slow; run with PYTORCH_TEST_WITH_SLOW to enable test")(fn)
    wrapper.slow_test = True  # how PyTorch's tooling recognizes slow tests
    return wrapper


# -- temporary files ----------------------------------------------------------------------------

@contextlib.contextmanager
def TemporaryFileName(*args, **kwargs):
    """The name of a temporary file that exists for the duration of the block."""
    with tempfile.NamedTemporaryFile(*args, **kwargs) as f:
        yield f.name


@contextlib.contextmanager
def TemporaryDirectoryName(suffix=None):
    with tempfile.TemporaryDirectory(suffix=suffix) as d:
        yield d


# -- running ------------------------------------------------------------------------------------

def run_tests(argv=None):
    """Runs the tests of `__main__` with unittest. PyTorch's own options (`--seed N`,
    `--repeat N`) are read from sys.argv; the rest (-v, -k, -f, test names) go to unittest,
    unless `argv` is given, which then goes to unittest as it is."""
    global SEED
    parser = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--repeat", type=int, default=1)
    args, remaining = parser.parse_known_args()
    SEED = args.seed
    set_rng_seed()
    if argv is None:
        argv = [sys.argv[0]] + remaining
    # As in PyTorch: every test class must build on this module's TestCase (it seeds the
    # generators and resets the compiler around each test).
    if not _all_tests_use_torch_test_case(unittest.defaultTestLoader.loadTestsFromModule(sys.modules["__main__"])):
        sys.exit(1)
    if args.repeat > 1:
        for _ in range(args.repeat):
            if not unittest.main(argv=argv, exit=False).result.wasSuccessful():
                sys.exit(-1)
    else:
        unittest.main(argv=argv)


def _all_tests_use_torch_test_case(suite):
    offenders = []

    def walk(item):
        if isinstance(item, unittest.TestSuite):
            for child in item:
                walk(child)
        elif not isinstance(item, TestCase) and type(item).__name__ not in offenders:
            offenders.append(type(item).__name__)

    walk(suite)
    for name in offenders:
        print(f"{name} - failed. This test class should extend from "
              "torch.testing._internal.common_utils.TestCase but it doesn't.")
    return not offenders


# -- the TestCase -------------------------------------------------------------------------------

_ANSI_ESCAPE = re.compile(r"\x1B(?:[@-Z\\-_]|\[[0-?]*[ -/]*[@-~])")


def _reset_dynamo_if_imported():
    # Only when a test used the compiler: importing it just to reset it would cost every test.
    # Like PyTorch, tolerate a torch._dynamo that is still being imported (no reset yet).
    dynamo = sys.modules.get("torch._dynamo")
    reset = getattr(dynamo, "reset", None)
    if reset is not None:
        reset()


class TestCase(unittest.TestCase):
    # Minimum atol / rtol for tensor and number comparisons, for test classes that need looser ones.
    _precision = 0
    _rel_tol = 0
    longMessage = True
    # Full diffs for multi-line string mismatches.
    maxDiff = None
    _diffThreshold = sys.maxsize

    def __init__(self, method_name="runTest", methodName="runTest"):
        # PyTorch's spelling is method_name; unittest's keyword is methodName. Accept both.
        if methodName != "runTest":
            method_name = methodName
        super().__init__(method_name)
        method = getattr(self, method_name, None)
        if method is not None and PRINT_REPRO_ON_FAILURE:
            command = _repro_command(type(self), method_name)
            if command is not None:
                setattr(self, method_name, _with_repro_on_failure(method, command))

    @property
    def precision(self):
        return self._precision

    @precision.setter
    def precision(self, value):
        self._precision = value

    @property
    def rel_tol(self):
        return self._rel_tol

    @rel_tol.setter
    def rel_tol(self, value):
        self._rel_tol = value

    def run(self, result=None):
        # Each test starts and ends with the compiler's caches empty, as in PyTorch.
        _reset_dynamo_if_imported()
        try:
            return super().run(result)
        finally:
            _reset_dynamo_if_imported()

    def setUp(self):
        set_rng_seed()
        self._prev_grad_state = torch.is_grad_enabled()

    def tearDown(self):
        if hasattr(self, "_prev_grad_state"):
            torch.set_grad_enabled(self._prev_grad_state)

    def assertEqual(self, x, y, msg=None, *, atol=None, rtol=None, equal_nan=True, exact_dtype=True,
                    exact_device=False, exact_layout=False, exact_stride=False, exact_is_coalesced=False):
        """Equality for tensors, numbers and containers of them, with PyTorch's tolerances and
        failure messages (see relaxed_equality)."""
        __tracebackhide__ = True
        # A tensor against a sequence compares against that sequence as a tensor.
        sequence = collections.abc.Sequence
        if isinstance(x, torch.Tensor) and isinstance(y, sequence):
            y = torch.as_tensor(y, dtype=x.dtype, device=x.device)
        elif isinstance(x, sequence) and isinstance(y, torch.Tensor):
            x = torch.as_tensor(x, dtype=y.dtype, device=y.device)
        mismatch = find_mismatch(x, y, rtol=rtol, atol=atol, equal_nan=equal_nan, exact_dtype=exact_dtype,
                                 exact_device=exact_device, exact_stride=exact_stride,
                                 rtol_override=self.rel_tol, atol_override=self.precision)
        if mismatch is None:
            return
        text = mismatch.text()
        if callable(msg):
            text = msg(text)
        elif isinstance(msg, str):
            text = f"{text}\n{msg}" if self.longMessage else msg
        raise mismatch.kind(text)

    def assertNotEqual(self, x, y, msg=None, *, atol=None, rtol=None, **kwargs):
        with self.assertRaises(AssertionError, msg=msg):
            self.assertEqual(x, y, msg, atol=atol, rtol=rtol, **kwargs)

    def assertEqualIgnoreType(self, *args, **kwargs):
        return self.assertEqual(*args, exact_dtype=False, **kwargs)

    def _formatMessage(self, msg, standardMsg):
        # A callable msg builds the message from the generated one, only on failure.
        if callable(msg):
            return msg(standardMsg)
        return super()._formatMessage(msg, standardMsg)

    def assertExpectedInline(self, actual, expect, skip=0, ignore_comments=False, ignore_empty_lines=False):
        """`actual` (made a string) must equal the string literal `expect`.

        PyTorch can rewrite the literal in the test's source when EXPECTTEST_ACCEPT=1; smelt does
        not edit sources, so it always compares, failing as PyTorch does without that variable.
        """
        actual = actual if isinstance(actual, str) else str(actual)
        actual, expect = _ANSI_ESCAPE.sub("", actual), _ANSI_ESCAPE.sub("", expect)
        if ignore_comments:
            actual, expect = _drop_lines(actual, _is_comment), _drop_lines(expect, _is_comment)
        if ignore_empty_lines:
            actual, expect = _drop_lines(actual, _is_blank), _drop_lines(expect, _is_blank)
        # A C++ stack trace appended to an error message differs per build; compare without it.
        cpp_stack = "\nException raised from"
        if cpp_stack in actual:
            actual = actual.rsplit(cpp_stack, maxsplit=1)[0]
        self.assertMultiLineEqual(
            expect,
            actual,
            msg="To accept the new output, re-run test with envvar EXPECTTEST_ACCEPT=1 (we recommend "
            "staging/committing your changes before doing this)",
        )

    def assertExpectedRaisesInline(self, exc_type, callable, expect, *args, **kwargs):
        """`callable(*args, **kwargs)` must raise `exc_type` whose str() equals `expect`."""
        try:
            callable(*args, **kwargs)
        except exc_type as e:
            self.assertExpectedInline(str(e), expect, skip=1)
            return
        self.fail(msg="Did not raise when expected to")

    def assertLogs(self, logger=None, level=None):
        return super().assertLogs("torch" if logger is None else logger, level)

    def assertNoLogs(self, logger=None, level=None):
        return super().assertNoLogs("torch" if logger is None else logger, level)


def _repro_command(cls, method_name):
    """`python <file> <Class>.<method>`, the file given relative to the directory holding a
    `test` directory (PyTorch's layout), else by its name alone; None when the class has no file."""
    try:
        path = inspect.getfile(cls)
    except (OSError, TypeError):
        return None
    parts = pathlib.Path(path).parts
    relative = os.path.basename(path)
    if "test" in parts:
        i = parts.index("test")
        relative = os.path.relpath(path, start=os.path.join(*parts[:i]) if i > 0 else "")
    command = f"python {relative} {cls.__name__}.{method_name}"
    return " ".join([f"{k}={v}" for k, v in _REPRO_ENV.items()] + [command])


def _with_repro_on_failure(method, command):
    @functools.wraps(method)
    def run_and_tell_how_to_rerun(*args, **kwargs):
        try:
            return method(*args, **kwargs)
        except unittest.SkipTest:
            raise
        except Exception as e:
            if e.args:
                e.args = (
                    f"{e.args[0]}\n\nTo execute this test, run the following from the base repo dir:\n"
                    f"    {command}\n\nThis message can be suppressed by setting PYTORCH_PRINT_REPRO_ON_FAILURE=0",
                    *e.args[1:],
                )
            raise

    return run_and_tell_how_to_rerun


def _is_comment(line):
    return line.strip().startswith("#")


def _is_blank(line):
    return line.strip() == ""


def _drop_lines(text, predicate):
    return "\n".join(line for line in text.split("\n") if not predicate(line))
