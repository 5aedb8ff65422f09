"""Our audio and image SDP, and the far end's audio media as the media layer reads it."""

from __future__ import annotations

import pytest

from faxgate.carriers.sip.media_sdp import (
    AudioMedia,
    MediaError,
    SessionOrigin,
    audio_sdp,
    g711_codec,
    image_sdp,
    parse_audio_media,
)
from faxgate.carriers.sip.t38_sdp import T38Params, parse_t38_media


def test_our_audio_offer_reads_back() -> None:
    sdp = audio_sdp(40000, ("PCMU", "PCMA"), "192.0.2.1", SessionOrigin(42, 2))
    assert sdp.splitlines()[:5] == [
        "v=0",
        "o=faxgate 42 2 IN IP4 192.0.2.1",
        "s=faxgate",
        "c=IN IP4 192.0.2.1",
        "t=0 0",
    ]
    assert "m=audio 40000 RTP/AVP 0 8" in sdp.splitlines()
    assert "telephone-event" not in sdp
    assert parse_audio_media(sdp) == AudioMedia("192.0.2.1", 40000, ("PCMU", "PCMA"))


def test_our_image_offer_reads_back() -> None:
    sdp = image_sdp(40002, T38Params(max_datagram=400), "2001:db8::1", SessionOrigin(1, 1))
    assert "c=IN IP6 2001:db8::1" in sdp.splitlines()
    media = parse_t38_media(sdp)
    assert media is not None and (media.port, media.address) == (40002, "2001:db8::1")


def test_the_media_level_address_wins_and_declined_or_other_media_are_passed() -> None:
    sdp = "\r\n".join(
        [
            "v=0",
            "c=IN IP4 198.51.100.1",
            "m=audio 0 RTP/AVP 8",  # declined
            "m=video 5000 RTP/AVP 96",
            "m=audio 6000 RTP/AVP 18 101 8 0",
            "c=IN IP4 198.51.100.7",
        ]
    )
    assert parse_audio_media(sdp) == AudioMedia("198.51.100.7", 6000, ("PCMA", "PCMU"))


@pytest.mark.parametrize(
    ("sdp", "fault"),
    [
        ("v=0\r\nc=IN IP4 1.2.3.4\r\nm=image 5000 udptl t38\r\n", "no audio media"),
        ("v=0\r\nc=IN IP4 1.2.3.4\r\nm=audio 5000 RTP/AVP 18 101\r\n", "no PCMU or PCMA"),
        ("v=0\r\nm=audio 5000 RTP/AVP 0\r\n", "no c= line"),
        ("v=0\r\nc=IN IP4 pbx.example\r\nm=audio 5000 RTP/AVP 0\r\n", "not an IP address"),
        ("v=0\r\nc=IN\r\n", "is not 'c=IN IP4"),
        ("v=0\r\n" + "a=x\r\n" * 5000, "at most"),
    ],
)
def test_unusable_audio_is_named(sdp: str, fault: str) -> None:
    with pytest.raises(MediaError, match=fault):
        parse_audio_media(sdp)


def test_only_pcmu_and_pcma_are_offered() -> None:
    with pytest.raises(ValueError, match="only PCMU and PCMA"):
        audio_sdp(40000, ("G729",), "192.0.2.1", SessionOrigin(1, 1))


@pytest.mark.parametrize(
    ("media", "codec"),
    [
        ("m=audio 5 RTP/AVP 8 0", "PCMA"),
        ("m=audio 5 RTP/AVP 101 0 8", "PCMU"),
        ("m=audio 5 RTP/AVP 8 101", "PCMA"),
        ("m=audio 5 RTP/AVP 18", None),
        ("m=image 5 udptl t38", None),
    ],
)
def test_the_g711_codec_we_would_send(media: str, codec: str | None) -> None:
    assert g711_codec(f"v=0\r\nc=IN IP4 192.0.2.1\r\n{media}\r\n") == codec
