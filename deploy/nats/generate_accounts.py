"""Write the accounts of the demobase NATS servers from the contract's list of provinces.

    python deploy/nats/generate_accounts.py > deploy/nats/accounts.conf
    python deploy/nats/generate_accounts.py --dev-env > var/nats-dev.env   # local trials only

Three kinds of account (DESIGN.md, "Identity comes from the subject"):

- ``DEMOBASE`` holds JetStream, both streams, and one user: ``ministry`` (the services and the
  ministry's operators, every right).
- ``AUDIT``, user ``auditor``: reads the log ``EVENTS`` and the signed heads ``CHECKPOINTS``
  (stream info, a consumer, one message by sequence) through the API that ``DEMOBASE`` exports
  to it, and writes nothing but a witness's cosignatures (``checkpoints.v1.cosignature.>``).
- ``P<code>``, one account per provincial authority, user ``p<code>``: publishes attempts on
  ``intake.v1.*.<code>.>`` and receives its own facts ``bases.v1.*.<code>.>``, the refusals of
  its attempts ``deadletter.v1.*.<code>.>`` (ADR 2) and the decisions sent to ``_INBOX.p<code>.>``.
  It has no JetStream and no ``$JS.API`` subject.

Only the ministry is a user of ``DEMOBASE`` because the server answers a request (a publish
acknowledgement, an API answer) in the requester's account, on the reply subject the requester
chose: any other user of ``DEMOBASE`` could have an answer stored on the log or on another
province's intake subject. Across an import the answer returns to the requester's own account.

Passwords are references to environment variables (``$MINISTRY_PASSWORD``, ``$AUDITOR_PASSWORD``,
``$PROVINCE_<code>_PASSWORD``) that nats-server resolves when it reads the file; all must be set.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from shared.contract.provinces import PROVINCES
from shared.contract.subjects import (
    CHECKPOINTS_STREAM,
    COSIGNATURE_SUBJECTS,
    EVENTS_STREAM,
    EVENTS_SUBJECTS,
    inbox_prefix,
    province_user,
)

SERVICE_ACCOUNT = "DEMOBASE"
AUDIT_ACCOUNT = "AUDIT"
AUDITOR_JS_API = "JS.DEMOBASE.API"
"""The JetStream API prefix the auditor uses (nats-py: ``nc.jetstream(prefix=...)``)."""
MINISTRY_USER = "ministry"
AUDITOR_USER = "auditor"

AUDITOR_API = (
    # what an ordered consumer over EVENTS needs (nats-py: stream info, create, flow control)
    f"$JS.API.STREAM.INFO.{EVENTS_STREAM}",
    f"$JS.API.CONSUMER.CREATE.{EVENTS_STREAM}",  # an unnamed consumer: no token after the stream
    f"$JS.API.CONSUMER.CREATE.{EVENTS_STREAM}.>",
    f"$JS.API.CONSUMER.INFO.{EVENTS_STREAM}.>",
    f"$JS.API.CONSUMER.DELETE.{EVENTS_STREAM}.>",
    f"$JS.FC.{EVENTS_STREAM}.>",
    # fetching one event by sequence, to show the one that does not match
    f"$JS.API.STREAM.MSG.GET.{EVENTS_STREAM}",
    f"$JS.API.DIRECT.GET.{EVENTS_STREAM}",
    f"$JS.API.DIRECT.GET.{EVENTS_STREAM}.>",
    # the pull consumer every replay reads through (services/registry/replay.py)
    f"$JS.API.CONSUMER.MSG.NEXT.{EVENTS_STREAM}.>",
    # the signed tree heads and cosignatures (ADR 16): read, as EVENTS is
    f"$JS.API.STREAM.INFO.{CHECKPOINTS_STREAM}",
    f"$JS.API.CONSUMER.CREATE.{CHECKPOINTS_STREAM}.>",
    f"$JS.API.CONSUMER.MSG.NEXT.{CHECKPOINTS_STREAM}.>",
    f"$JS.API.CONSUMER.DELETE.{CHECKPOINTS_STREAM}.>",
    f"$JS.API.STREAM.MSG.GET.{CHECKPOINTS_STREAM}",
    f"$JS.API.DIRECT.GET.{CHECKPOINTS_STREAM}.>",
    # a witness publishes its cosignatures: the one subject the auditor writes (never EVENTS)
    COSIGNATURE_SUBJECTS,
)


def province_account(code: str) -> str:
    return f"P{code}"


def password_variable(user: str) -> str:
    """The environment variable that holds ``user``'s password."""
    if user.startswith("p") and user[1:] in PROVINCES:
        return f"PROVINCE_{user[1:]}_PASSWORD"
    return f"{user.upper()}_PASSWORD"


def users() -> list[str]:
    return [MINISTRY_USER, AUDITOR_USER, *(province_user(code) for code in PROVINCES)]


def dev_password(user: str) -> str:
    """A password for local trials and tests only: anyone who reads this file knows it."""
    return f"dev-{user}-not-secret"


def dev_environment() -> dict[str, str]:
    """Every password variable set to its dev password."""
    return {password_variable(user): dev_password(user) for user in users()}


def auditor_subject(subject: str) -> str:
    """Where ``AUDIT`` sees a ``DEMOBASE`` API subject: ``$JS.API`` moved to ``AUDITOR_JS_API``.

    An account without JetStream of its own still has the server answer every ``$JS.API``
    request with "JetStream not enabled for account", so imports there would be shadowed.
    """
    if subject.startswith("$JS.API."):
        return AUDITOR_JS_API + subject.removeprefix("$JS.API")
    return subject


def _response(subject: str) -> str:
    """A pull request is answered with a batch of messages, not one: a streamed response."""
    return ", response: stream" if ".CONSUMER.MSG.NEXT." in subject else ""


def _to(subject: str) -> str:
    mapped = auditor_subject(subject)
    return "" if mapped == subject else f', to: "{mapped}"'


def _list(items: Iterable[str]) -> str:
    return "[" + ", ".join(f'"{item}"' for item in items) + "]"


def _service_account() -> list[str]:
    lines = [
        f"  {SERVICE_ACCOUNT} {{",
        "    jetstream: enabled",
        "    # the services and the ministry's operators: every right; nobody else is a user here",
        "    users: [",
        f"      {{ user: {MINISTRY_USER}, password: ${password_variable(MINISTRY_USER)} }}",
        "    ]",
        "    exports: [",
        "      # the auditor: read the log through an ordered consumer, nothing else",
        *(
            f'      {{ service: "{subject}", accounts: [{AUDIT_ACCOUNT}]{_response(subject)} }}'
            for subject in AUDITOR_API
        ),
        f'      {{ stream: "{EVENTS_SUBJECTS}", accounts: [{AUDIT_ACCOUNT}] }}',
        f'      {{ stream: "{inbox_prefix(AUDITOR_USER)}.>", accounts: [{AUDIT_ACCOUNT}] }}',
    ]
    for code in PROVINCES:
        account, user = province_account(code), province_user(code)
        lines += [
            f"      # {account}: its attempts in; its facts, refusals and decisions out",
            f'      {{ service: "intake.v1.*.{code}.>", accounts: [{account}] }}',
            f'      {{ stream: "bases.v1.*.{code}.>", accounts: [{account}] }}',
            f'      {{ stream: "deadletter.v1.*.{code}.>", accounts: [{account}] }}',
            f'      {{ stream: "{inbox_prefix(user)}.>", accounts: [{account}] }}',
        ]
    return [*lines, "    ]", "  }"]


def _audit_account() -> list[str]:
    inbox = f"{inbox_prefix(AUDITOR_USER)}.>"
    return [
        f"  {AUDIT_ACCOUNT} {{",
        f'    # connects with inbox_prefix "{inbox_prefix(AUDITOR_USER)}" '
        f'and the JetStream API prefix "{AUDITOR_JS_API}"',
        "    users: [",
        f"      {{ user: {AUDITOR_USER}, password: ${password_variable(AUDITOR_USER)},",
        "        permissions: {",
        f"          publish: {{ allow: {_list(auditor_subject(s) for s in AUDITOR_API)} }}",
        f"          subscribe: {{ allow: {_list((EVENTS_SUBJECTS, inbox))} }}",
        "        } }",
        "    ]",
        "    imports: [",
        *(
            f'      {{ service: {{ account: {SERVICE_ACCOUNT}, subject: "{subject}" }}'
            f"{_to(subject)} }}"
            for subject in AUDITOR_API
        ),
        f'      {{ stream: {{ account: {SERVICE_ACCOUNT}, subject: "{EVENTS_SUBJECTS}" }} }}',
        f'      {{ stream: {{ account: {SERVICE_ACCOUNT}, subject: "{inbox}" }} }}',
        "    ]",
        "  }",
    ]


def _province_account(code: str, name: str) -> list[str]:
    user = province_user(code)
    inbox = f"{inbox_prefix(user)}.>"
    return [
        f"  # {name}",
        f"  {province_account(code)} {{",
        "    users: [",
        f"      {{ user: {user}, password: ${password_variable(user)},",
        "        permissions: {",
        f'          publish: {{ allow: ["intake.v1.*.{code}.>"] }}',
        f'          subscribe: {{ allow: ["{inbox}", "bases.v1.*.{code}.>", '
        f'"deadletter.v1.*.{code}.>"] }}',
        "        } }",
        "    ]",
        "    imports: [",
        f'      {{ service: {{ account: {SERVICE_ACCOUNT}, subject: "intake.v1.*.{code}.>" }} }}',
        f'      {{ stream: {{ account: {SERVICE_ACCOUNT}, subject: "bases.v1.*.{code}.>" }} }}',
        f"      {{ stream: {{ account: {SERVICE_ACCOUNT}, "
        f'subject: "deadletter.v1.*.{code}.>" }} }}',
        f'      {{ stream: {{ account: {SERVICE_ACCOUNT}, subject: "{inbox}" }} }}',
        "    ]",
        "  }",
    ]


def render() -> str:
    """The text of ``accounts.conf``."""
    lines = [
        "# Generated by deploy/nats/generate_accounts.py from shared/contract/provinces.py:",
        "# do not edit by hand; run",
        "#   python deploy/nats/generate_accounts.py > deploy/nats/accounts.conf",
        "# Every $..._PASSWORD below is read from the server's environment (see deploy/README.md).",
        "accounts {",
        *_service_account(),
        *_audit_account(),
    ]
    for code, name in PROVINCES.items():
        lines += _province_account(code, name)
    return "\n".join([*lines, "}", ""])


def render_dev_environment() -> str:
    lines = ["# DEV ONLY: known passwords for a local trial; never use them on a shared network."]
    lines += [f"export {name}={value}" for name, value in dev_environment().items()]
    return "\n".join([*lines, ""])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write deploy/nats/accounts.conf to stdout.")
    parser.add_argument(
        "--dev-env",
        action="store_true",
        help="print `export` lines with known dev passwords for every user (local trials only)",
    )
    arguments = parser.parse_args(argv)
    sys.stdout.write(render_dev_environment() if arguments.dev_env else render())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
