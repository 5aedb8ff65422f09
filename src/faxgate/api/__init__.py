"""The HTTP surface: routes, authentication, wire models and error mapping."""
