"""Counters PyTorch's tests read and clear (`torch._dynamo.utils.counters`)."""

import collections

# counters["graph_break"][reason] counts breaks by reason; counters["stats"] counts frames.
counters = collections.defaultdict(collections.Counter)
