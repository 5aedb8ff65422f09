"""Status push (HTTP) and report mail (SMTP): payloads, signing, delivery.

The durable outbox and the loop that drains it live in the store and pipeline; this package
holds the pure pieces (payloads, signatures, back-off, mail building) and the two network
calls (``push.deliver_push``, ``mail.send_mail``) they invoke.
"""
