"""The planning rule of a finished job's notifications: the job's own push and mail, else
the account's defaults, with what only the account knows added to the push target."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from faxgate.domain.job import AccountSettings, JobOptions, PushFormat, Reporting, StatusPush
from faxgate.domain.notification import MailTarget, PushTarget, plan_targets
from faxgate.domain.report_options import ImageFormat, ImageMode, PushAuth, ReportMailOptions

text = st.none() | st.text(max_size=12)
addresses = st.none() | st.sampled_from(["", "a@example.com", "a@example.com, b@example.com"])
pushes = st.none() | st.builds(
    StatusPush,
    url=st.sampled_from(["https://job.example/push", "https://account.example/push"]),
    auth=st.sampled_from(PushAuth),
    principal=text,
    credentials=text,
)
mails = st.none() | st.builds(
    ReportMailOptions,
    success_address=addresses,
    failure_address=addresses,
    attached_fax_image_mode=st.sampled_from(ImageMode),
    attached_fax_image_format=st.sampled_from(ImageFormat),
)
accounts = st.builds(
    AccountSettings,
    default_push=pushes,
    default_mail=mails,
    push_format=st.sampled_from(PushFormat),
    push_secrets=st.lists(st.text(min_size=1, max_size=8), max_size=2).map(tuple),
    push_token_url=text,
    push_token_scope=text,
)


def _options(push: StatusPush | None, mail: ReportMailOptions | None) -> JobOptions:
    return JobOptions(reporting=Reporting(push=push, mail=mail))


@given(pushes, mails, accounts)
def test_the_jobs_own_settings_win_else_the_accounts_defaults(
    push: StatusPush | None, mail: ReportMailOptions | None, account: AccountSettings
) -> None:
    targets = plan_targets(_options(push, mail), account)
    pushed = [t for t in targets if isinstance(t, PushTarget)]
    mailed = [t for t in targets if isinstance(t, MailTarget)]
    assert len(pushed) + len(mailed) == len(targets)
    assert targets == (*pushed, *mailed)  # push first, as queued before

    chosen_push = push or account.default_push
    if chosen_push is None:
        assert pushed == []
    else:
        (target,) = pushed
        assert (target.url, target.auth_method) == (chosen_push.url, chosen_push.auth)
        assert (target.principal, target.credentials) == (
            chosen_push.principal,
            chosen_push.credentials,
        )
        assert target.format is account.push_format
        assert target.secrets == account.push_secrets
        assert (target.token_url, target.scope) == (
            account.push_token_url,
            account.push_token_scope,
        )

    chosen_mail = mail or account.default_mail
    if chosen_mail is None or not (chosen_mail.success_address or chosen_mail.failure_address):
        assert mailed == []
    else:
        assert mailed == [MailTarget(chosen_mail)]


def test_a_job_mail_without_addresses_does_not_fall_back_to_the_default() -> None:
    default = ReportMailOptions(success_address="ops@example.com")
    account = AccountSettings(default_mail=default)
    assert plan_targets(_options(None, ReportMailOptions()), account) == ()
    assert plan_targets(_options(None, None), account) == (MailTarget(default),)


def test_nothing_asked_nothing_planned() -> None:
    assert plan_targets(JobOptions(), AccountSettings()) == ()


def test_secrets_are_changed_as_a_copy_and_never_shown() -> None:
    target = PushTarget(
        "https://push.example/", PushAuth.HTTP_BASIC, "user", "pw", secrets=("s1", "s2")
    )
    opened = target.with_secrets(str.upper)
    assert (opened.credentials, opened.secrets) == ("PW", ("S1", "S2"))
    assert (target.credentials, target.secrets) == ("pw", ("s1", "s2"))
    assert PushTarget("https://push.example/").with_secrets(str.upper).credentials is None
    assert "pw" not in repr(target) and "s1" not in repr(target)
