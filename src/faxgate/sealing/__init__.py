"""Secrets at rest: the key(s), sealing values with them, and which stored fields are secret."""
