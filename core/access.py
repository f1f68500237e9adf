"""Who may do what on a shared server: deleting stored runs, and what errors may show.

On a hosted demo (`MLP_EXPLORER_HOSTED=1`) the store is shared by every visitor, so a
visitor may delete only the runs their own browser session trained, unless they give the
operator's key (`MLP_EXPLORER_OPERATOR_KEY` in the environment, or `operator_key` in
Streamlit's secrets). Eviction of the least recently used runs stays automatic. Messages
shown to hosted visitors never carry server paths (`redact_paths`); the details go to the
server's log.

Example:

>>> may_delete("abc", hosted=True, trained_here=set(), operator_key_given="", operator_key_expected="s3cret")
False
>>> may_delete("abc", hosted=True, trained_here={"abc"}, operator_key_given="", operator_key_expected="")
True
"""

from __future__ import annotations

import hmac
import os
import re

from core import limits

OPERATOR_KEY_ENV = "MLP_EXPLORER_OPERATOR_KEY"


def hosted() -> bool:
    """Whether this server is a shared demo (`core.limits.hosted`)."""
    return limits.hosted()


REFUSED = (
    "This is a shared demo: you can delete the runs you trained in this browser session. "
    "This run was trained by someone else (or before this session began), so it stays. "
    "The operator can delete any run with the operator key."
)
_PATH = re.compile(r"(?:[A-Za-z]:)?(?:[/\\][\w.@~+-]+){2,}[/\\]?")


def operator_key_from_env() -> str:
    """The operator key set in the environment, or ""."""
    return os.environ.get(OPERATOR_KEY_ENV, "").strip()


def may_delete(
    key: str,
    *,
    hosted: bool,
    trained_here: set[str] | frozenset[str],
    operator_key_given: str | None,
    operator_key_expected: str | None,
) -> bool:
    """Whether a visitor may delete the stored run `key`.

    Args:
        key: the run's store key.
        hosted: whether the server is a shared demo (see `hosted()`).
        trained_here: the keys of the runs this visitor's session trained.
        operator_key_given: what the visitor typed as the operator key ("" or `None`: nothing).
        operator_key_expected: the server's operator key ("" or `None`: there is none, so
            nobody is the operator).

    Returns:
        True off a hosted server; on one, for the visitor's own runs, or for anyone who
        gives the operator key.
    """
    if not hosted or key in trained_here:
        return True
    if not operator_key_expected or not operator_key_given:
        return False
    return hmac.compare_digest(operator_key_given.encode(), operator_key_expected.encode())


def redact_paths(text: str) -> str:
    """`text` with every file-system path replaced by `<server path>`.

    Example:

    >>> redact_paths("The stored run ab12 at /home/app/.cache/mlp-explorer/ab12 could not be read")
    'The stored run ab12 at <server path> could not be read'
    """
    return _PATH.sub("<server path>", text)
