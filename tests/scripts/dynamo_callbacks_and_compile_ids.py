# Compile callbacks (torch._dynamo.callback): start/end callbacks fire once for the outermost of
# nested compiles, the pending counter and its assertion, registration and removal; and compile
# ids (torch._guards.CompileId): string form, parsing, the current compile context.
from unittest.mock import Mock

import torch
from torch._dynamo.callback import (
    CallbackArgs,
    CallbackTrigger,
    CompilationCallbackHandler,
    callback_handler,
    on_compile_end,
    on_compile_start,
)
from torch._guards import CompileContext, CompileId, TraceId, compile_context

print(list(CallbackTrigger), CallbackTrigger(2), CallbackTrigger["CUDAGRAPH_RECORDING"].value)
print(CallbackArgs(CallbackTrigger.DYNAMO, "0/0"))
print(CallbackArgs(callback_trigger=CallbackTrigger.LAZY_BACKWARD, compile_id="1/2") == CallbackArgs(
    CallbackTrigger.LAZY_BACKWARD, "1/2"))
print(callback_handler, CompilationCallbackHandler())

order = []


@on_compile_start
def log_start(args):
    order.append(f"start={args}")


@on_compile_end
def log_end(args):
    order.append(f"end={args}")


print(log_start.__name__, log_end.__name__, len(callback_handler.start_callbacks))

# Nested compiles report one start (when the first opens) and one end (when the last closes).
counter = "_CompilationCallbackHandler__pending_callbacks_counter"
with callback_handler.install_callbacks(CallbackTrigger.DYNAMO, "0/0"):
    print("pending", getattr(callback_handler, counter), order)
    with callback_handler.install_callbacks(CallbackTrigger.DYNAMO, "1/0"):
        print("pending", getattr(callback_handler, counter), len(order))
    print("pending", getattr(callback_handler, counter), len(order))
print("pending", getattr(callback_handler, counter))
with callback_handler.install_callbacks(CallbackTrigger.LAZY_BACKWARD, "1/0"):
    pass
print("\n".join(order))

# End callbacks also run when the compile raises.
order.clear()
try:
    with callback_handler.install_callbacks(CallbackTrigger.DYNAMO, "2/0"):
        raise ValueError("compile failed")
except ValueError as e:
    print("raised", e, order, getattr(callback_handler, counter))

# The counter must never go negative.
setattr(callback_handler, counter, getattr(callback_handler, counter) - 1)
try:
    with callback_handler.install_callbacks(CallbackTrigger.DYNAMO, "3/0"):
        pass
except AssertionError as e:
    print("AssertionError", e, getattr(callback_handler, counter))

callback_handler.remove_start_callback(log_start)
callback_handler.remove_end_callback(log_end)
try:
    callback_handler.remove_end_callback(log_end)
except ValueError:
    print("ValueError on removing twice")
start, end = Mock(), Mock()
callback_handler.register_start_callback(start)
callback_handler.register_end_callback(end)
args = CallbackArgs(CallbackTrigger.TRITON_AUTOTUNING, "4/1")
callback_handler.run_start_callbacks(args)
callback_handler.run_end_callbacks(args)
print(start.call_args, end.call_count)
with callback_handler.install_callbacks(CallbackTrigger.DYNAMO, "5/0"):
    try:
        callback_handler.clear()
    except AssertionError as e:
        print("AssertionError", e)
print(callback_handler)
callback_handler.clear()
print(callback_handler)

# Compile ids.
cid = CompileId(frame_id=0, frame_compile_id=0)
print(cid, repr(cid), hash(cid) == hash(CompileId(frame_id=0, frame_compile_id=0)))
print(CompileId(frame_id=3, frame_compile_id=1, compiled_autograd_id=2))
print(CompileId(frame_id=None, frame_compile_id=None, compiled_autograd_id=7))
for bad in [CompileId(frame_id=None, frame_compile_id=1), CompileId(frame_id=1, frame_compile_id=None,
                                                                      compiled_autograd_id=0)]:
    try:
        str(bad)
    except AssertionError as e:
        print("AssertionError", e)
try:
    CompileId(0, 0)
except TypeError:
    print("CompileId takes keyword arguments only")
try:
    cid.frame_id = 1
except AttributeError as e:
    print(type(e).__name__, e)
for text in ["0/0", "12/3", "!2", "!2/1/3", None, "x", "!1/2", "1/2/3", 5]:
    try:
        print(repr(text), "->", repr(CompileId.from_string(text)))
    except ValueError as e:
        print(repr(text), "-> ValueError", e, type(e.__cause__).__name__)
print(str(CompileId.from_string("!4/5/6")) == "!4/5/6")

# The current compile id is None outside a compile context.
print(CompileContext.current_compile_id(), CompileContext.current_trace_id(), CompileContext.try_get())
with compile_context(CompileContext(cid)) as ctx:
    print(CompileContext.current_compile_id(), CompileContext.current_trace_id(), CompileContext.get() is ctx)
    ctx.attempt = 1
    print(str(CompileContext.current_trace_id()), TraceId(cid, 0))
    with compile_context(CompileContext(CompileId(frame_id=1, frame_compile_id=0))):
        print(CompileContext.current_compile_id())
    print(CompileContext.current_compile_id())
    with compile_context(CompileContext(None)):
        print(CompileContext.current_compile_id(), CompileContext.current_trace_id())
print(CompileContext.current_compile_id())
try:
    CompileContext.get()
except AssertionError as e:
    print("AssertionError", e)
try:
    CompileContext("0/0")
except AssertionError as e:
    print("AssertionError", e)
