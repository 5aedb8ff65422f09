"""Carriers transmit one rendered fax to one number and say what happened."""
