"""The SIP trunk carrier (issue 12), built in parts.

Present so far, pure and without sockets:
- `udptl`: UDPTL framing of T.38 IFP packets with redundancy (ITU-T T.38 §9), a sender that
  adds the redundancy and a receiver that restores order and recovers lost packets.
- `t38_sdp`: the T.38 media line and attributes of SDP offers and answers, parsed and
  negotiated.

The SIP signalling, the RTP and UDPTL sockets and the carrier itself will join them here.
"""
