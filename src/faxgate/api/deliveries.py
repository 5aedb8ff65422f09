"""A notification delivery with its attempts, as the detail endpoints show it (a job's status
pushes and report mails, a received fax's inbound pushes)."""

from __future__ import annotations

from typing import Any

from faxgate.store.outbox import DeliveryRow


def delivery_json(delivery: DeliveryRow) -> dict[str, Any]:
    return {
        "channel": delivery.channel,
        "deliveryId": delivery.delivery_id,
        "target": delivery.target,
        "state": delivery.state,
        "attempts": [
            {"at": a.at, "statusCode": a.status_code, "error": a.error, "delivered": a.delivered}
            for a in delivery.attempts
        ],
    }
