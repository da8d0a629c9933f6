"""PyTorch's `functorch` namespace: `functorch.compile` re-exports AOT autograd."""
