"""Variable trackers: what the symbolic interpreter holds in place of real Python values.

base.py (the interface, NULL), lazy.py (frame inputs wrapped on first use), builder.py (real
values to trackers, with guards), constant.py, tensor.py, lists.py, dicts.py, functions.py
(inlined Python functions, closures), nn_module.py, builtin.py (builtins and `operator`),
torch_fns.py (torch functions as graph nodes, grad-mode blocks), misc.py (modules, classes,
user objects)."""
