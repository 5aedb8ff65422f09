"""Tests of the SIP trunk carrier's parts."""
