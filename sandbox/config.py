"""Configuration of the provider sandbox: accounts per provider, latency and faults.

Plain dataclasses so the sandbox runs without Django. A config is usually built from the
demo defaults (:meth:`SandboxConfig.default`) or from a JSON file given on the command line,
so that a user can rehearse their own account layout before going live.
"""

from __future__ import annotations

import json
import random
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

PROVIDERS = ("azure_openai", "aws_bedrock", "google_gemini", "openai_compatible")
FAULT_KINDS = (
    "throttle",
    "server_error",
    "hang",
    "reset",
    "malformed",
    "stream_cut",
    "body_cut",
)


@dataclass
class Latency:
    """Artificial latency added before a response; ``distribution`` picks the parameters used."""

    distribution: str = "fixed"  # fixed | uniform | normal
    ms: float = 0.0  # fixed
    min_ms: float = 0.0  # uniform
    max_ms: float = 0.0  # uniform
    mean_ms: float = 0.0  # normal
    stddev_ms: float = 0.0  # normal

    @classmethod
    def from_value(cls, value: Any) -> Latency:
        """Accept a number (fixed milliseconds), a dict of fields, or a Latency."""
        if isinstance(value, Latency):
            return value
        if value is None:
            return cls()
        if isinstance(value, int | float):
            return cls(ms=float(value))
        data = dict(value)
        if "distribution" not in data:
            if "min_ms" in data or "max_ms" in data:
                data["distribution"] = "uniform"
            elif "mean_ms" in data:
                data["distribution"] = "normal"
        if data.get("distribution", "fixed") not in ("fixed", "uniform", "normal"):
            raise ValueError(f"unknown latency distribution {data['distribution']!r}")
        return cls(**data)

    def sample(self, rng: random.Random) -> float:
        """Return a delay in seconds (never negative)."""
        if self.distribution == "uniform":
            ms = rng.uniform(self.min_ms, max(self.min_ms, self.max_ms))
        elif self.distribution == "normal":
            ms = rng.gauss(self.mean_ms, self.stddev_ms)
        else:
            ms = self.ms
        return max(0.0, ms) / 1000.0

    @property
    def is_zero(self) -> bool:
        return self.distribution == "fixed" and self.ms <= 0


@dataclass
class FaultSpec:
    """Faults of one provider.

    ``fail_next`` requests fail with ``kind``; after that each request fails with probability
    ``error_rate`` (seeded RNG, so runs are repeatable). ``retry_after_s`` is the retry hint of
    ``throttle``; ``hang_s`` is how long ``hang`` sleeps before answering 504/500.
    ``stream_cut`` sends a streamed answer's headers and first chunk, then drops the
    connection (a non-streamed answer is dropped before any byte, like ``reset``).
    ``body_cut`` always starts the answer: a streamed one is cut like ``stream_cut``; one that
    is not streamed goes out with its status line, headers (announcing the whole length) and
    the first half of its body, then the connection drops.
    """

    latency: Latency | None = None
    fail_next: int = 0
    kind: str = "server_error"
    error_rate: float = 0.0
    retry_after_s: float = 2.0
    hang_s: float = 30.0
    seed: int | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FaultSpec:
        data = dict(data)
        if "latency" in data or "latency_ms" in data:
            data["latency"] = Latency.from_value(
                data.pop("latency", None) or data.get("latency_ms")
            )
        data.pop("latency_ms", None)
        spec = cls(**data)
        if spec.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {spec.kind!r}; expected one of {FAULT_KINDS}")
        if not 0.0 <= spec.error_rate <= 1.0:
            raise ValueError("error_rate must be between 0 and 1")
        return spec


@dataclass
class AzureResource:
    """An Azure OpenAI resource: keys and Entra tokens that belong to it, deployment → model."""

    api_keys: list[str] = field(default_factory=list)
    entra_tokens: list[str] = field(default_factory=list)
    deployments: dict[str, str] = field(default_factory=dict)
    region: str = "eastus"


@dataclass
class AwsCredential:
    """An IAM access key pair; ``session_token`` set means temporary (STS) credentials.

    ``roles`` are the role ARNs this key may assume through STS AssumeRole.
    """

    access_key_id: str
    secret_access_key: str
    regions: list[str] = field(default_factory=lambda: ["us-east-1"])
    session_token: str | None = None
    account_id: str = "000000000000"
    roles: list[str] = field(default_factory=list)


@dataclass
class AwsSession:
    """Temporary credentials issued by AssumeRole; valid until ``expires_at`` (epoch seconds)."""

    credential: AwsCredential
    role_arn: str
    session_name: str
    expires_at: float


@dataclass
class AwsConfig:
    credentials: list[AwsCredential] = field(default_factory=list)
    api_keys: dict[str, str] = field(default_factory=dict)  # bearer key → account id
    models: list[str] = field(default_factory=list)


@dataclass
class ServiceAccount:
    """A service account whose JWT assertions the ``/token`` endpoint accepts."""

    client_email: str
    public_key_pem: str
    private_key_id: str = ""


@dataclass
class GcpProject:
    locations: list[str] = field(default_factory=lambda: ["us-central1", "global"])
    service_accounts: list[ServiceAccount] = field(default_factory=list)
    express_api_keys: list[str] = field(default_factory=list)
    access_tokens: list[str] = field(default_factory=list)  # static OAuth tokens


@dataclass
class GcpConfig:
    gemini_api_keys: dict[str, list[str]] = field(default_factory=dict)  # account → keys
    projects: dict[str, GcpProject] = field(default_factory=dict)
    models: list[str] = field(default_factory=list)


@dataclass
class OpenAICompatAccount:
    """An OpenAI-compatible account; ``header_name`` (e.g. ``X-Api-Key``) means the key is
    taken from that header instead of ``Authorization: Bearer``, like many API gateways."""

    api_keys: list[str] = field(default_factory=list)
    models: list[str] = field(default_factory=list)
    header_name: str = ""


def _service_account_from_dict(data: dict[str, Any]) -> ServiceAccount:
    """Accept either our compact form or a full service-account JSON (public key derived)."""
    if "public_key_pem" in data:
        return ServiceAccount(
            client_email=data["client_email"],
            public_key_pem=data["public_key_pem"],
            private_key_id=data.get("private_key_id", ""),
        )
    from cryptography.hazmat.primitives import serialization

    key = serialization.load_pem_private_key(data["private_key"].encode(), password=None)
    public_pem = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return ServiceAccount(
        client_email=data["client_email"],
        public_key_pem=public_pem,
        private_key_id=data.get("private_key_id", ""),
    )


@dataclass
class SandboxConfig:
    """Everything the sandbox knows: accounts per provider, default latency, faults, seed."""

    azure: dict[str, AzureResource] = field(default_factory=dict)
    aws: AwsConfig = field(default_factory=AwsConfig)
    gcp: GcpConfig = field(default_factory=GcpConfig)
    openai_compatible: dict[str, OpenAICompatAccount] = field(default_factory=dict)
    latency: Latency = field(default_factory=Latency)
    faults: dict[str, FaultSpec] = field(default_factory=dict)
    seed: int = 0
    request_log_size: int = 1000

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SandboxConfig:
        """Build a config from plain JSON-like data; missing sections stay empty."""
        aws = data.get("aws", {})
        gcp = data.get("gcp", {})
        faults = {}
        for provider, spec in (data.get("faults") or {}).items():
            if provider not in PROVIDERS:
                raise ValueError(f"unknown provider {provider!r} in faults")
            faults[provider] = FaultSpec.from_dict(spec)
        return cls(
            azure={name: AzureResource(**res) for name, res in data.get("azure", {}).items()},
            aws=AwsConfig(
                credentials=[AwsCredential(**c) for c in aws.get("credentials", [])],
                api_keys=dict(aws.get("api_keys", {})),
                models=list(aws.get("models", [])),
            ),
            gcp=GcpConfig(
                gemini_api_keys={k: list(v) for k, v in gcp.get("gemini_api_keys", {}).items()},
                projects={
                    pid: GcpProject(
                        locations=list(p.get("locations", ["us-central1", "global"])),
                        service_accounts=[
                            _service_account_from_dict(sa) for sa in p.get("service_accounts", [])
                        ],
                        express_api_keys=list(p.get("express_api_keys", [])),
                        access_tokens=list(p.get("access_tokens", [])),
                    )
                    for pid, p in gcp.get("projects", {}).items()
                },
                models=list(gcp.get("models", [])),
            ),
            openai_compatible={
                name: OpenAICompatAccount(**acc)
                for name, acc in data.get("openai_compatible", {}).items()
            },
            latency=Latency.from_value(data.get("latency")),
            faults=faults,
            seed=int(data.get("seed", 0)),
            request_log_size=int(data.get("request_log_size", 1000)),
        )

    @classmethod
    def from_file(cls, path: str | Path) -> SandboxConfig:
        """Load a JSON config file."""
        return cls.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))

    @classmethod
    def default(cls) -> SandboxConfig:
        """The demo accounts of :mod:`sandbox.defaults`."""
        from sandbox import defaults

        return cls.from_dict(defaults.default_config_dict())

    def to_dict(self) -> dict[str, Any]:
        """Plain data (contains secrets: never log it)."""
        return asdict(self)
