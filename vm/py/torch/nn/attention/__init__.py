"""`torch.nn.attention`: attention back-end selection and FlexAttention (not built in smelt:
the functions exist so that code importing them loads, and raise when called)."""
