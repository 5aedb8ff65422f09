"""The default report-mail body (Jinja2, plain text, UTF-8).

Kept as a Python string so it ships with the package without a package-data entry.
Variables: job_id, success, outcome, pages, reference (customer_defined_id, billing_code,
billing_info), ok_count, total, recipients (number, status, reason, sent_ts, duration_secs,
sent_to_number, remote_csid, pages), notes (lines to show at the end).
"""

DEFAULT_TEMPLATE = """\
Fax job {{ job_id }}: {{ outcome }}

{{ ok_count }} of {{ total }} recipient{{ "s" if total != 1 }} received the fax \
({{ pages }} page{{ "s" if pages != 1 }}).
{% if reference.customer_defined_id %}Your reference: {{ reference.customer_defined_id }}
{% endif %}{% if reference.billing_code %}Billing code: {{ reference.billing_code }}
{% endif %}
{% for r in recipients %}
Recipient {{ loop.index }}: {{ r.number }}
  Status:      {{ r.status }}{% if r.reason and r.reason != r.status %} ({{ r.reason }}){% endif %}
  Sent at:     {{ r.sent_ts or "not sent" }}
  Duration:    {{ r.duration_secs }} s
  Pages:       {{ r.pages }}
{% if r.sent_to_number %}  Dialled:     {{ r.sent_to_number }}
{% endif %}{% if r.remote_csid %}  Remote ID:   {{ r.remote_csid }}
{% endif %}{% endfor %}{% for note in notes %}
{{ note }}
{% endfor %}
--
faxgate
"""
