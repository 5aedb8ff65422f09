"""The SIP trunk carrier (issue 12), built in parts.

Pure, without sockets:
- `udptl`: UDPTL framing of T.38 IFP packets with redundancy (ITU-T T.38 §9), a sender that
  adds the redundancy and a receiver that restores order and recovers lost packets.
- `t38_sdp`: the T.38 media line and attributes of SDP offers and answers, parsed and
  negotiated.

The SIP signalling (RFC 3261), on aiosipua used only for messages, headers and digest:
- `endpoint`: where the user agent listens and how it reaches the trunk.
- `wire`: bytes to a message, with size limits and the checks a message must pass.
- `messages`: the responses, ACKs and CANCELs we build, and the fields we read.
- `transport`: UDP and TCP on one port; TCP framed by Content-Length, bounded, idle-closed.
- `transaction`: client and server transactions, INVITE and non-INVITE, with their timers.
- `digest`: answering a 401 or 407 once.
- `stack`: what the user agent and its dialogs share; a request sent with one digest retry.
- `dialog`: a confirmed call: route set, remote target, re-INVITE, BYE, 2xx until ACK.
- `registration`: REGISTER and its refresh at 80 % of the granted expiry.
- `errors`: SipError and CallFailed.
- `useragent`: UserAgent (calls out, takes calls in, answers OPTIONS) and IncomingCall.
"""
