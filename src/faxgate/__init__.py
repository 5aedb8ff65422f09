"""faxgate: a self-hostable fax service speaking the Retarus Fax4A REST API v1."""

__version__ = "0.1.0"
