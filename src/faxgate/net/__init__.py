"""Outbound HTTP: the private-address guard and the clients and fetch that apply it."""
