"""The worker: claim a due recipient, render, transmit, record, retry or finish."""
