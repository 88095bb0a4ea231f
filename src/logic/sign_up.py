"""Who may sign up (SignUpMode=domains): only e-mail addresses in the allowed domains; admins may add anyone.

An empty domain list admits nobody: a misconfiguration closes sign-up rather than opening it.
"""

from __future__ import annotations

from domain.errors import SignUpNotAllowed
from settings import current


def allowed_domains() -> frozenset[str]:
    return current().sign_up_allowed_domains


def email_domain(email: str) -> str:
    return email.rpartition("@")[2].strip().lower()


def check(email: str, by_admin: bool = False) -> None:
    """Raise SignUpNotAllowed (its message is what the person signing up reads) unless the policy admits `email`."""
    if by_admin:
        return
    domains = allowed_domains()
    if email_domain(email) not in domains:
        raise SignUpNotAllowed(
            "Sign-up is open to addresses at "
            + ", ".join(sorted(domains) or ["(none)"])
            + " only; ask an administrator for an account."
        )
