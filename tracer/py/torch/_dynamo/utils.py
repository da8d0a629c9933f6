"""Counters PyTorch's tests read and clear (`torch._dynamo.utils.counters`)."""

import collections

# counters["graph_break"][reason] counts breaks by reason; counters["stats"] counts frames.
counters = collections.defaultdict(collections.Counter)

# guard_failures[code] lists, for each recompile of `code`, why each cached entry failed
# ("0/0: tensor 'x' size mismatch at index 0. expected 4, actual 6").
guard_failures = collections.defaultdict(list)
