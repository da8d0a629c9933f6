"""Helpers PyTorch's own test suite is written with (torch.testing._internal)."""
