"""The stored form of job options (store/job_json.py): any JobOptions survives it, absent
fields stay absent, and a form no version wrote is refused by name."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from faxgate.domain.job import (
    JobOptions,
    Overlay,
    OverlayMode,
    PaperFormat,
    Rendering,
    Reporting,
    Resolution,
    StatusPush,
    Transport,
)
from faxgate.domain.report_options import ImageFormat, ImageMode, PushAuth, ReportMailOptions
from faxgate.store.job_json import StoredFormError, options_from_json, options_to_json

texts = st.text(st.characters(codec="utf-8"), max_size=16)


def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), strategy)


job_options = st.builds(
    JobOptions,
    rendering=st.builds(
        Rendering,
        paper=maybe(st.sampled_from(PaperFormat)),
        resolution=maybe(st.sampled_from(Resolution)),
        cover_template=maybe(texts),
        overlay=maybe(st.builds(Overlay, texts, st.sampled_from(OverlayMode))),
        header=maybe(texts),
    ),
    transport=st.builds(
        Transport,
        csid=maybe(texts),
        express=maybe(st.booleans()),
        blocklist_enabled=maybe(st.booleans()),
    ),
    reporting=st.builds(
        Reporting,
        push=maybe(
            st.builds(
                StatusPush,
                url=texts,
                auth=st.sampled_from(PushAuth),
                principal=maybe(texts),
                credentials=maybe(texts),
            )
        ),
        mail=maybe(
            st.builds(
                ReportMailOptions,
                success_address=maybe(texts),
                failure_address=maybe(texts),
                attached_fax_image_mode=st.sampled_from(ImageMode),
                attached_fax_image_format=st.sampled_from(ImageFormat),
            )
        ),
    ),
    customer_reference=maybe(texts),
)


@settings(max_examples=500, deadline=None)
@given(job_options)
def test_any_job_options_survive_their_stored_form(options: JobOptions) -> None:
    stored = options_to_json(options)
    assert options_from_json(stored) == options
    assert json.loads(stored)["v"] == 2
    assert not any(value is None for value in _values(json.loads(stored)))  # absent: left out


def _values(node: Any) -> list[Any]:
    if isinstance(node, dict):
        return [leaf for value in node.values() for leaf in _values(value)]
    return [node]


def test_a_newer_version_is_refused_by_name() -> None:
    with pytest.raises(StoredFormError, match="version 3"):
        options_from_json('{"v":3}')
    with pytest.raises(StoredFormError, match="not a JSON object"):
        options_from_json("[]")
