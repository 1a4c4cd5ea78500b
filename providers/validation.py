"""BYOK validation in figures: per provider, the share of requests that went to the
customer's own accounts, and the requests that did not.

"Own" is decided by account identity, not by route: each outbound row carries the account it
was billed to (Azure resource, AWS access key and region, GCP project or key fingerprint), and
the customer's accounts are those its active BYOK connections name — the same identity the
adapter of each connection stamps on its rows. A request to the platform's account, to a
connection since removed, or to an account no connection names any more is an exception.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count

from providers.adapters import get_adapter
from providers.choices import ConnectionOwner
from providers.models import Connection, Provider
from providers.outbound.models import OutboundRequest

# The exceptions listed per provider, largest first.
MAX_EXCEPTIONS = 10


@dataclass(frozen=True)
class OtherAccount:
    """Requests of one provider to one account that is not the customer's."""

    account: str
    route: str
    count: int


@dataclass
class ProviderShare:
    """One provider's requests in the period: how many went to the customer's own accounts."""

    provider: str
    total: int = 0
    own: int = 0
    accounts: list[str] = field(default_factory=list)
    exceptions: list[OtherAccount] = field(default_factory=list)

    @property
    def percent(self) -> float:
        return round(100 * self.own / self.total, 1) if self.total else 0.0

    @property
    def others(self) -> int:
        return self.total - self.own


def customer_accounts() -> dict[int, set[str]]:
    """Provider id → the account identities of its active customer (BYOK) connections.

    A connection whose adapter cannot be built (its settings incomplete, a secret that no
    key decrypts) names no account: its requests, if any, show as exceptions.
    """
    accounts: dict[int, set[str]] = {}
    connections = Connection.objects.filter(
        is_active=True, owner=ConnectionOwner.CUSTOMER
    ).select_related("provider")
    for connection in connections:
        try:
            account = get_adapter(connection).account()
        except Exception:  # noqa: S112 - an unusable connection names no account
            continue
        if account:
            accounts.setdefault(connection.provider_id, set()).add(account[:200])
    return accounts


def account_share(
    since: datetime, until: datetime | None = None, provider_id: int | None = None
) -> list[ProviderShare]:
    """Per provider, the requests of [since, until) by account: one grouped query over the
    time index's range, not a row per request."""
    rows = OutboundRequest.objects.filter(created_at__gte=since, provider__isnull=False)
    if until is not None:
        rows = rows.filter(created_at__lt=until)
    if provider_id is not None:
        rows = rows.filter(provider_id=provider_id)
    groups = (
        rows.order_by()
        .values_list("provider_id", "account", "route")
        .annotate(n=Count("id"))
        .order_by("-n")
    )
    names = dict(Provider.objects.values_list("id", "name"))
    own_accounts = customer_accounts()
    shares: dict[int, ProviderShare] = {}
    for pid, account, route, count in groups:
        share = shares.get(pid)
        if share is None:
            share = shares[pid] = ProviderShare(
                provider=names.get(pid, "—"), accounts=sorted(own_accounts.get(pid, ()))
            )
        share.total += count
        if account and account in own_accounts.get(pid, ()):
            share.own += count
        elif len(share.exceptions) < MAX_EXCEPTIONS:
            share.exceptions.append(OtherAccount(account=account, route=route, count=count))
    return sorted(shares.values(), key=lambda s: s.provider)
