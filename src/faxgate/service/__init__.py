"""Use cases shared by the HTTP API and the command line."""
