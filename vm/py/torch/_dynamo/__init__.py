"""torch._dynamo: the bytecode tracer behind torch.compile. Only its testing helpers exist so
far (`torch._dynamo.testing`); the tracer itself is the next piece of work."""
