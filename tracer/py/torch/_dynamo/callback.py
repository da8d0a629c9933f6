"""Callbacks that run when torch.compile starts and finishes compiling.

Compilations nest (a graph break compiles the resumed frame while the outer compile is still
open, a lazy backward compiles later), so the handler counts the compiles in flight and only
fires start callbacks when the first one opens and end callbacks when the last one closes.
"""

import enum
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field


class CallbackTrigger(enum.Enum):
    # Dynamo tracing a new frame.
    DYNAMO = 1
    # A backward graph whose compilation was deferred until it first ran.
    LAZY_BACKWARD = 2
    # Backends that autotune kernels while the program runs.
    TRITON_AUTOTUNING = 3
    # CUDA graphs recorded while the program runs.
    CUDAGRAPH_RECORDING = 4


@dataclass
class CallbackArgs:
    callback_trigger: CallbackTrigger
    compile_id: str


@dataclass
class CompilationCallbackHandler:
    start_callbacks: list = field(default_factory=list)
    end_callbacks: list = field(default_factory=list)

    # Private (name-mangled) as in PyTorch; tests reach them as
    # `_CompilationCallbackHandler__pending_callbacks_counter`.
    __pending_callbacks_counter: int = field(default=0, init=False, repr=False)
    __pending_callbacks_counter_lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def register_start_callback(self, callback):
        self.start_callbacks.append(callback)
        return callback

    def register_end_callback(self, callback):
        self.end_callbacks.append(callback)
        return callback

    def remove_start_callback(self, callback):
        self.start_callbacks.remove(callback)

    def remove_end_callback(self, callback):
        self.end_callbacks.remove(callback)

    def run_start_callbacks(self, args):
        for callback in self.start_callbacks:
            callback(args)

    def run_end_callbacks(self, args):
        for callback in self.end_callbacks:
            callback(args)

    @contextmanager
    def install_callbacks(self, trigger, compile_id):
        """Marks one compile as in flight for the duration of the block; only the outermost
        of nested blocks runs the callbacks, so a compile that triggers another compile reports
        a single start and a single end."""
        args = CallbackArgs(trigger, compile_id)
        try:
            with self.__pending_callbacks_counter_lock:
                self.__pending_callbacks_counter += 1
                if self.__pending_callbacks_counter == 1:
                    self.run_start_callbacks(args)
            yield
        finally:
            with self.__pending_callbacks_counter_lock:
                if self.__pending_callbacks_counter <= 0:
                    raise AssertionError("Pending callbacks counter cannot become negative.")
                if self.__pending_callbacks_counter == 1:
                    self.run_end_callbacks(args)
                self.__pending_callbacks_counter -= 1

    def clear(self):
        self.start_callbacks.clear()
        self.end_callbacks.clear()
        if self.__pending_callbacks_counter != 0:
            raise AssertionError(f"Cannot clear callbacks while {self.__pending_callbacks_counter} are pending")


callback_handler = CompilationCallbackHandler()


def on_compile_start(callback):
    """Decorator: `callback(CallbackArgs)` runs when a compilation starts."""
    callback_handler.register_start_callback(callback)
    return callback


def on_compile_end(callback):
    """Decorator: `callback(CallbackArgs)` runs when a compilation ends."""
    callback_handler.register_end_callback(callback)
    return callback
