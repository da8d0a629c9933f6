# torch._dynamo.test_case: its TestCase runs each class with the settings Dynamo's tests assume
# and restores them afterwards, resets Dynamo around every test (registered compile callbacks
# are dropped), and run_tests runs __main__'s tests with unittest's options.
import contextlib
import io
import re
import sys
from unittest.mock import Mock

import torch
import torch._dynamo.config as config
from torch._dynamo.callback import CallbackTrigger, callback_handler
from torch._dynamo.test_case import TestCase, run_tests
from torch._guards import CompileId

settings = ["raise_on_ctx_manager_usage", "suppress_errors", "log_compilation_metrics",
            "canonicalize_output_graph_node_order", "nested_graph_breaks"]
print("before", [getattr(config, name) for name in settings])
config.raise_on_ctx_manager_usage = False


class Settings(TestCase):
    def test_settings(self):
        print("during", [getattr(config, name) for name in settings])
        config.nested_graph_breaks = False  # put back by tearDown

    def test_expected_inline(self):
        self.assertExpectedInline(str(torch.Size([2, 3])), """torch.Size([2, 3])""")
        self.assertEqual(torch.tensor([1.0, 2.0]), [1.0, 2.0])
        torch.set_grad_enabled(False)  # put back by tearDown


class Callbacks(TestCase):
    def setUp(self):
        super().setUp()
        self.start, self.end = Mock(), Mock()
        callback_handler.register_start_callback(self.start)
        callback_handler.register_end_callback(self.end)

    def tearDown(self):
        callback_handler.clear()
        return super().tearDown()

    def test_nested_compiles_call_once(self):
        compile_id = CompileId(frame_id=0, frame_compile_id=0)
        with (
            callback_handler.install_callbacks(CallbackTrigger.DYNAMO, compile_id),
            callback_handler.install_callbacks(CallbackTrigger.DYNAMO, compile_id),
        ):
            self.start.assert_called_once()
        self.end.assert_called_once()

    def test_reset_drops_callbacks(self):
        self.assertEqual(len(callback_handler.start_callbacks), 1)
        torch._dynamo.reset()
        self.assertEqual(len(callback_handler.start_callbacks), 0)


program = sys.argv[0]
for options in [["-v"], ["-k", "reset"]]:
    sys.argv = [program] + options
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        try:
            run_tests()
        except SystemExit as e:
            print("exit", bool(e.code))
    print(re.sub(r"Ran (\d+) tests? in [0-9.]+s", r"Ran \1 tests", err.getvalue()).rstrip())
print("after", [getattr(config, name) for name in settings], torch.is_grad_enabled())
