"""The TestCase and run_tests that torch.compile's tests are written with.

On top of torch.testing._internal.common_utils.TestCase, every test starts and ends with
Dynamo's caches reset, and each test class runs with the settings PyTorch's Dynamo tests assume
(errors raised rather than suppressed, nested graph breaks on, ...).
"""

import contextlib
import importlib
import os

import torch
from torch.testing._internal.common_utils import (
    IS_WINDOWS,
    TEST_WITH_CROSSREF,
    TEST_WITH_TORCHDYNAMO,
    TestCase as TorchTestCase,
)

from . import config


def run_tests(needs=()):
    """Runs the tests unless the environment cannot: `needs` names modules that must import
    (or "cuda", which smelt never has)."""
    from torch.testing._internal.common_utils import run_tests as run_all

    if TEST_WITH_TORCHDYNAMO or TEST_WITH_CROSSREF:
        return  # these modes wrap every test in Dynamo already
    if IS_WINDOWS and os.environ.get("TORCHINDUCTOR_WINDOWS_TESTS", "0") == "0":
        return
    if isinstance(needs, str):
        needs = (needs,)
    for need in needs:
        if need == "cuda":
            return
        try:
            importlib.import_module(need)
        except ImportError:
            return
    run_all()


class TestCase(TorchTestCase):
    _exit_stack: contextlib.ExitStack

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        torch._dynamo.reset()
        cls._exit_stack = contextlib.ExitStack()
        cls._exit_stack.enter_context(
            config.patch(
                raise_on_ctx_manager_usage=True,
                suppress_errors=False,
                log_compilation_metrics=False,
                canonicalize_output_graph_node_order=True,
            )
        )

    @classmethod
    def tearDownClass(cls):
        cls._exit_stack.close()
        torch._dynamo.reset()
        super().tearDownClass()

    def setUp(self):
        self._prior_is_grad_enabled = torch.is_grad_enabled()
        self._prior_nested_graph_breaks = config.nested_graph_breaks
        config.nested_graph_breaks = True
        super().setUp()
        torch._dynamo.reset()

    def tearDown(self):
        try:
            torch._dynamo.reset()
            super().tearDown()
        finally:
            # A test that leaked a grad-mode change must not affect the next one.
            if self._prior_is_grad_enabled is not torch.is_grad_enabled():
                torch.set_grad_enabled(self._prior_is_grad_enabled)
            config.nested_graph_breaks = self._prior_nested_graph_breaks

    def assertExpectedInline(self, *args, **kwargs):
        # With compile counters switched off for debugging, graph printouts are not checked.
        if config.debug_disable_compile_counter:
            return
        kwargs["skip"] = kwargs.get("skip", 0) + 1
        return super().assertExpectedInline(*args, **kwargs)
