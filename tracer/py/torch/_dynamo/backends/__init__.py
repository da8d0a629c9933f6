"""Dynamo backends: the registry (`registry.py`) and the built-in ones (`debugging.py`)."""
