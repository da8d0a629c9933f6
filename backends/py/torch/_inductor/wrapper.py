"""A compiled graph at run time: its steps in order, each a native JIT program over the
tensors it reads or one extern eager call, and the text `TORCH_LOGS=output_code` shows."""

import torch
from torch._inductor.partition import ExternStep, JitStep


def _run_node(env, node):
    args, kwargs = torch.fx.map_arg((node.args, node.kwargs), env.__getitem__)
    env[node] = node.target(*args, **kwargs)


class CompiledGraph:
    """Calls like the graph module's forward; the JIT runs what it compiled."""

    def __init__(self, gm, steps, target, sym_leading=None):
        """`sym_leading(node)`: whether an FX node's value has the graph's symbolic size as its
        leading size (a symbolic graph: each JIT program then runs for any such size)."""
        self.gm = gm
        self.target = target
        graph_nodes = list(gm.graph.nodes)
        self.placeholders = [n for n in graph_nodes if n.op == "placeholder"]
        self.output = next(n for n in graph_nodes if n.op == "output")
        self.constants = {}
        for n in graph_nodes:
            if n.op == "get_attr":
                obj = gm
                for part in n.target.split("."):
                    obj = getattr(obj, part)
                self.constants[n] = obj
        self.steps = []
        for step in steps:
            if isinstance(step, JitStep):
                try:
                    if sym_leading is None:
                        step.program = step.graph.compile(target)
                    else:
                        marked = [k for k, n in enumerate(step.inputs) if sym_leading(n)]
                        step.program = step.graph.compile(target, marked)
                except (RuntimeError, ValueError) as e:
                    # What the JIT cannot compile runs eagerly, node by node.
                    step.error = str(e)
            self.steps.append(step)

    def __call__(self, *args):
        env = dict(self.constants)
        for p, a in zip(self.placeholders, args):
            env[p] = a
        for step in self.steps:
            if isinstance(step, ExternStep):
                _run_node(env, step.node)
            elif step.program is None:
                for n in step.nodes:
                    _run_node(env, n)
            else:
                self._run_jit(env, step)
        return torch.fx.map_arg(self.output.args[0], env.__getitem__)

    @staticmethod
    def _run_jit(env, step):
        inputs = [env[n] for n in step.inputs]
        try:
            outs = step.program.run(inputs)
        except ValueError:
            # Inputs laid out other than the example values were: run these nodes eagerly.
            for n in step.nodes:
                _run_node(env, n)
            return
        for (n, k), o in zip(step.outputs, outs):
            if k is None:
                env[n] = o
            else:
                parts = env.get(n)
                if not isinstance(parts, list):
                    parts = env[n] = [None] * len(n.meta["val"])
                parts[k] = o

    def output_code(self):
        """Each step: a compiled run's FX nodes, inputs, outputs, kernels (loop IR and
        machine code); an extern call with why it was not compiled."""
        lines = [f"# smelt JIT, target {self.target}: {len(self.steps)} step(s)"]
        for i, step in enumerate(self.steps):
            lines.append("")
            if isinstance(step, ExternStep):
                n = step.node
                lines.append(f"# step {i}: extern {n.name} = {n.target}(...)  # {step.reason}")
                continue
            names = ", ".join(n.name for n in step.nodes)
            if step.program is None:
                lines.append(f"# step {i}: eager (the JIT declined: {step.error}): {names}")
                continue
            lines.append(f"# step {i}: compiled {names}")
            lines.append("# inputs: " + (", ".join(f"in{k} = {n.name}" for k, n in enumerate(step.inputs)) or "none"))
            outs = [n.name if k is None else f"{n.name}[{k}]" for n, k in step.outputs]
            lines.append("# outputs: " + (", ".join(f"out{k} = {o}" for k, o in enumerate(outs)) or "none"))
            lines.append(step.program.describe().rstrip("\n"))
        return "\n".join(lines)


__all__ = ["CompiledGraph"]
