"""`tag_activation_checkpoint`: a checkpointed region of a Dynamo graph.

Dynamo traces the function given to `torch.utils.checkpoint.checkpoint` into a sub-graph
(`wrap_body_0`) and calls it through this operator. Run directly, the operator runs the body.
Traced by AOT autograd, the body's ops are recorded inline, each tagged PREFER_RECOMPUTE with
the region's `ac_graph_id`, so the partitioner recomputes them in backward instead of saving
them."""

import itertools

from torch._ops import HigherOrderOperator

# Dynamo's trace of a region and AOT autograd's each take an id (PyTorch numbers them alike).
_ac_graph_ids = itertools.count(1)


def next_ac_graph_id():
    return next(_ac_graph_ids)


class TagActivationCheckpoint(HigherOrderOperator):
    def __init__(self):
        super().__init__("tag_activation_checkpoint")

    def __call__(self, gmod, *args, **kwargs):
        from torch import _prims
        from torch.fx import traceback as fx_traceback

        if _prims._modes and fx_traceback.has_preserved_node_meta():
            return _run_tagged(gmod, args, next_ac_graph_id())
        return gmod(*args)


def _run_tagged(gmod, args, ac_graph_id):
    from torch._functorch._aot_autograd.joint_trace import _NodeMetaInterpreter
    from torch.fx import traceback as fx_traceback
    from torch.utils.checkpoint import CheckpointPolicy

    class Tagged(_NodeMetaInterpreter):
        def run_node(self, n):
            with fx_traceback.set_current_meta(n):
                current = fx_traceback.get_current_meta()
                saved = {k: current.get(k) for k in ("recompute", "ac_graph_id")}
                current["recompute"] = CheckpointPolicy.PREFER_RECOMPUTE
                current["ac_graph_id"] = ac_graph_id
                try:
                    return super(_NodeMetaInterpreter, self).run_node(n)
                finally:
                    for k, v in saved.items():
                        if v is None:
                            current.pop(k, None)
                        else:
                            current[k] = v

    return Tagged(gmod).run(*args)


tag_activation_checkpoint = TagActivationCheckpoint()
