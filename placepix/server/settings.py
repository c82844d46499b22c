"""One typed Settings object, read from PLACEPIX_* environment variables (and CLI flags).

Every field carries its description; docs/configuration.md is checked against them by a test.
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import fields
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from placepix.model.formats import MEDIA_TYPES, format_name
from placepix.model.limits import DEFAULT_LIMITS, Limits
from placepix.render import Renderer
from placepix.server.lists import split_list
from placepix.text.fonts import FontLibrary
from placepix.text.layout import MIN_FONT_SIZE
from placepix.url.sealing import VERSIONS as TOKEN_VERSIONS

EXAMPLE_KEY = "REPLACE-ME"  # how the example keys in deploy/ begin: refused, never used
# What `PLACEPIX_REQUIRE_SIGNATURE=true` without a key says (placepix.server.environment prints
# it as it is: the problem is two variables, not one).
SIGNING_NEEDS_A_KEY = (
    "PLACEPIX_REQUIRE_SIGNATURE=true needs a key in PLACEPIX_SECRET_KEYS, "
    "e.g. PLACEPIX_SECRET_KEYS=a-long-random-secret"
)


class Settings(BaseSettings):
    """placepix's configuration. Environment variable = `PLACEPIX_` + field name in capitals."""

    model_config = SettingsConfigDict(env_prefix="PLACEPIX_", frozen=True, extra="forbid")

    host: str = Field("127.0.0.1", description="Address to listen on (0.0.0.0 for all).")
    port: int = Field(8000, ge=0, le=65535, description="TCP port to listen on.")
    workers: int = Field(
        default_factory=lambda: os.cpu_count() or 1,
        ge=1,
        le=64,
        examples=[4],
        description="Worker processes (default: the number of CPUs).",
    )
    render_threads: int = Field(
        2, ge=1, le=64, description="Renders that may run at once in each worker."
    )
    max_pending_renders: int = Field(
        16,
        ge=1,
        description="Renders that may wait or run at once in each worker; beyond it: 503.",
    )
    render_memory_budget: int = Field(
        DEFAULT_LIMITS.render_memory_budget,
        ge=1,
        description="Estimated peak memory of the renders running at once in each worker, in "
        "bytes; a render that would need more than all of it is refused (400). The estimate "
        "counts the canvas (0.6-2 bytes a pixel opaque, 28 for translucent WebP, 20-26 for AVIF, "
        "6-25 with emoji) and the box the text fills (2-8 bytes a pixel; docs/performance.md). "
        "The defaults allow 4000x4000 size labels in every format and keep a worker near "
        "150 MB at most with the caches.",
    )
    render_niceness: int = Field(
        10,
        ge=0,
        le=19,
        description="Nice value of the render threads (Linux): with 10, a worker's event loop "
        "(cached and small images, health checks) gets the CPU before large renders do. 0 "
        "keeps the default priority.",
    )
    max_unsent_bytes: int = Field(
        64 * 1024 * 1024,
        ge=0,
        description="Bytes of answers too large for the cache that may wait for slow clients "
        "in each worker; an answer that would take them past it gets 503 (one always may "
        "wait). Only such answers: other renders go on while clients that never read hold it.",
    )
    send_buffer_bytes: int = Field(
        256 * 1024,
        ge=16 * 1024,
        description="Bytes of an answer handed to a connection at a time: what a client that "
        "reads slowly or not at all holds of a worker's memory besides the answer itself.",
    )
    min_send_rate: int = Field(
        64 * 1024,
        ge=1,
        description="Bytes per second an answer must at least go out at: a connection whose "
        "answer is not out send_timeout seconds plus its size at this rate after it began "
        "to wait is dropped (a client that reads a byte now and then).",
    )
    inline_render_us: int = Field(
        1000,
        ge=0,
        description="New colours of a text whose raster is prepared, estimated to take up to "
        "this many microseconds, run on the event loop (a thread hop costs more): PNG up to "
        "~3 M pixels, JPEG ~1 M, GIF ~300 000, WebP ~80 000; colour glyphs count 150 ns a "
        "pixel. New text goes to the render thread pool, but for the size label and texts "
        "of up to 16 characters without emoji on canvases of up to 250 000 pixels.",
    )
    native: bool = Field(
        True,
        description="Direct C calls for speed (banded WebP and AVIF encoders, glibc's malloc "
        "tuning, FreeType's glyph bitmaps copied whole), each behind a version gate and a "
        "self-test; off: Pillow encodes and freetype-py's own pixel lists are read (same "
        "bytes, more memory: placepix.budget). Any failure of a native path also turns that "
        "path off, logged once, and its fallback serves the request.",
    )
    default_format: str = Field("png", description="Format of URLs that name none.")
    cache_bytes: int = Field(
        40 * 1024 * 1024,
        ge=0,
        description="Bytes of encoded images each worker keeps in memory (0 disables). The "
        "caches give way to renders: while renders hold N bytes of render_memory_budget, the "
        "caches keep at most their combined bound (this plus 24 MiB of text caches) minus N.",
    )
    max_side: int = Field(
        DEFAULT_LIMITS.max_side,
        ge=1,
        description="Largest width or height in pixels, after retina.",
    )
    max_pixels: int = Field(
        DEFAULT_LIMITS.max_pixels,
        ge=1,
        description="Largest width x height in pixels, after retina.",
    )
    max_text_length: int = Field(
        DEFAULT_LIMITS.max_text_length,
        ge=1,
        description="Longest text, in characters.",
    )
    max_font_size: int = Field(
        DEFAULT_LIMITS.max_font_size,
        ge=1,
        description="Largest explicit font_size in pixels.",
    )
    min_font_size: int = Field(
        MIN_FONT_SIZE,
        ge=1,
        le=100,
        description="Smallest size auto-fitted text is drawn at, in pixels at scale 1: text that "
        "would need less wraps, then ends with an ellipsis.",
    )
    max_url_length: int = Field(
        DEFAULT_LIMITS.max_url_length,
        ge=16,
        description="Longest path + query string accepted (longer: 414).",
    )
    max_avif_pixels: int = Field(
        DEFAULT_LIMITS.max_avif_pixels,
        ge=1,
        description="Largest AVIF image in pixels: libaom needs 12-18 bytes a pixel and ~25 ms "
        "of CPU per million pixels.",
    )
    font_dirs: Annotated[list[Path], NoDecode] = Field(
        default_factory=list,
        examples=["/srv/fonts,/opt/brand-fonts"],
        description="Extra directories searched for fonts (a list: /srv/fonts,/opt/fonts).",
    )
    secret_keys: Annotated[list[SecretStr], NoDecode] = Field(
        default_factory=list,
        examples=["newest-secret,older-secret"],
        description="Keys for text tokens and signed URLs, newest first (a list; JSON for keys "
        "with commas). Empty: /t/ tokens are off.",
    )
    token_versions: Annotated[list[int], NoDecode] = Field(
        default_factory=lambda: [1, 2],
        min_length=1,
        examples=["2"],
        description="Token format versions /t/ opens (a list: 1,2; docs/token-format.md). New "
        "tokens are version 2; drop 1 once no version 1 token is in use.",
    )
    require_signature: bool = Field(
        False, description="Serve only image URLs signed with a secret key (?s=...)."
    )
    access_log: bool = Field(
        True,
        description="Log one line per request: time, client, request, status, bytes, "
        "duration, referer, user agent, request id (probes and /metrics are not logged).",
    )
    log_format: Literal["text", "json"] = Field(
        "text",
        description="Every line the server writes (access lines, uvicorn's own, errors) as "
        "text, or as one JSON object each.",
    )
    log_flush_seconds: float = Field(
        1.0,
        gt=0,
        le=60,
        description="Longest time an access line waits in its worker before it is written: "
        "lines are written in batches, off the request path (as nginx buffers its log). "
        "SIGTERM writes what waits.",
    )
    log_buffer_lines: int = Field(
        16384,
        ge=1,
        description="Access lines that make a worker write its batch before "
        "log_flush_seconds is up.",
    )
    log_max_waiting_lines: int = Field(
        65536,
        ge=1,
        description="Access lines a worker keeps while its output is blocked (a stuck log "
        "reader); beyond it lines are dropped, and how many is logged.",
    )
    forwarded_allow_ips: str = Field(
        "",
        description="Proxies trusted to say who the client is: comma-separated addresses or "
        "networks (e.g. 10.0.0.0/8,127.0.0.1), or * for any. Requests from them take the "
        "client address (access log) from X-Forwarded-For and the scheme from "
        "X-Forwarded-Proto; from anyone else these headers are ignored. Empty: trust no proxy.",
    )
    page_max_age: int = Field(
        300,
        ge=0,
        description="Seconds browsers and caches may keep the playground (/), its /static "
        "files, /fonts and /info.json, which change with upgrades and settings (images are "
        "immutable and kept for a year).",
    )
    metrics: bool = Field(True, description="Serve Prometheus metrics at GET /metrics.")
    error_image_max_pixels: int = Field(
        2_100_000,
        ge=0,
        description="Largest error image in pixels: an img element whose URL is refused gets the "
        "message drawn in an image of the size it asked for, up to this (1920x1080 fits); "
        "larger or unreadable sizes get 300x150.",
    )
    robots: Literal["allow", "disallow"] = Field(
        "allow",
        description="What GET /robots.txt tells crawlers: allow (images may be indexed) or "
        "disallow (a private instance).",
    )
    keep_alive_timeout: int = Field(
        5, ge=1, description="Seconds an idle keep-alive connection stays open."
    )
    keep_alive_lifetime: int = Field(
        10,
        ge=1,
        description="Seconds a connection may carry new requests; the next answer after it "
        "closes it, so that clients connect anew and are spread over the workers (a worker "
        "that replaces one that died gets its share within this time).",
    )
    header_timeout: int = Field(
        10, ge=1, description="Seconds a client has to send a request's headers (slowloris)."
    )
    max_header_bytes: int = Field(
        32 * 1024, ge=1024, description="Largest request line + headers in bytes (beyond: 431)."
    )
    send_timeout: int = Field(
        30,
        ge=1,
        description="Seconds a client may go without reading any of its answer before the "
        "connection is dropped (slow reads).",
    )
    graceful_timeout: int = Field(
        30, ge=1, description="Seconds in-flight requests get to finish after SIGTERM."
    )
    log_level: str = Field("info", description="Log level: debug, info, warning or error.")

    @field_validator("font_dirs", "secret_keys", "token_versions", mode="before")
    @classmethod
    def _list(cls, value: object) -> object:
        return split_list(value)

    @field_validator("font_dirs")
    @classmethod
    def _directories(cls, value: list[Path]) -> list[Path]:
        for directory in value:
            if not directory.is_dir():
                raise ValueError(f"not a directory: {str(directory)[:80]!r}")
        return value

    @field_validator("secret_keys")
    @classmethod
    def _no_empty_key(cls, value: list[SecretStr]) -> list[SecretStr]:
        if any(not key.get_secret_value().strip() for key in value):
            raise ValueError("a key is empty")
        return value

    @field_validator("default_format")
    @classmethod
    def _known_format(cls, value: str) -> str:
        name = format_name(value)
        if name is None:
            raise ValueError(f"must be one of {', '.join(MEDIA_TYPES)}")
        return name

    @field_validator("token_versions")
    @classmethod
    def _known_token_versions(cls, value: list[int]) -> list[int]:
        unknown = sorted(set(value) - set(TOKEN_VERSIONS))
        if unknown:
            raise ValueError(f"unknown version {unknown[0]}; known: {list(TOKEN_VERSIONS)}")
        return value

    @field_validator("secret_keys")
    @classmethod
    def _not_the_example(cls, value: list[SecretStr]) -> list[SecretStr]:
        if any(key.get_secret_value().startswith(EXAMPLE_KEY) for key in value):
            raise ValueError(f"holds the example of deploy/ ({EXAMPLE_KEY}...): make a key")
        return value

    @field_validator("forwarded_allow_ips")
    @classmethod
    def _addresses(cls, value: str) -> str:
        items = [item.strip() for item in value.split(",") if item.strip()]
        for item in items:
            if item != "*":
                try:
                    ipaddress.ip_network(item, strict=False)
                except ValueError:
                    raise ValueError(f"{item!r} is not an address or network") from None
        return ",".join(items)

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        if value.lower() not in ("critical", "error", "warning", "info", "debug", "trace"):
            raise ValueError("must be debug, info, warning or error")
        return value.lower()

    @model_validator(mode="after")
    def _signing_needs_a_key(self) -> Settings:
        if self.require_signature and not self.secret_keys:
            raise ValueError(SIGNING_NEEDS_A_KEY)
        return self

    def newest_secret(self) -> str | None:
        """The secret that makes new tokens and signatures."""
        return self.secret_keys[0].get_secret_value() if self.secret_keys else None

    def limits(self) -> Limits:
        """The request limits: every `Limits` field is a setting of the same name."""
        return Limits(**{field.name: getattr(self, field.name) for field in fields(Limits)})


def renderer_for(settings: Settings) -> Renderer:
    """The Renderer of a worker with these settings."""
    return Renderer(
        limits=settings.limits(),
        fonts=FontLibrary.discover(settings.font_dirs),
        cache_bytes=settings.cache_bytes,
        native=settings.native,
        inline_render_us=settings.inline_render_us,
        min_font_size=settings.min_font_size,
    )


def reference_markdown() -> str:
    """docs/configuration.md: every setting, its variable, default and description, from the
    fields themselves (a test keeps the file equal to this)."""
    lines = [
        "# Configuration",
        "",
        "Every setting is an environment variable `PLACEPIX_<NAME>`. Lists are comma-separated",
        "(`PLACEPIX_SECRET_KEYS=newest,older`, `PLACEPIX_FONT_DIRS=/srv/fonts`) or a JSON list",
        '(`PLACEPIX_SECRET_KEYS=\'["with,comma", "older"]\'`); booleans are `true`/`false` (also',
        "`1`/`0`, `yes`/`no`, `on`/`off`). `placepix serve --host/--port/--workers` override the",
        "first three. `placepix config` prints the effective values, secrets masked.",
        "",
        "A bad value stops every command (`serve`, `config`, `render`, `token`, `sign`) and each",
        "server worker at once, with one line on stderr per problem that names the variable, says",
        "what is wrong and gives an example, and a non-zero exit status:",
        "",
        "```",
        "placepix: bad setting PLACEPIX_MAX_SIDE='big': not a whole number; "
        "e.g. PLACEPIX_MAX_SIDE=4000",
        "```",
        "",
        "A `PLACEPIX_*` variable that is no setting is ignored with a warning that names the",
        "closest one (`PLACEPIX_MAX_SIDEE is not a setting (ignored); did you mean",
        "PLACEPIX_MAX_SIDE?`).",
        "",
        "Generated by `placepix config --markdown > docs/configuration.md`; a test checks it.",
        "",
        "| variable | default | meaning |",
        "|---|---|---|",
    ]
    for name, field in Settings.model_fields.items():
        if name == "workers":
            default = "CPU count"
        elif field.default_factory is not None:  # a list: shown as it is written
            items = field.default_factory()  # type: ignore[call-arg]
            default = f"`{','.join(str(item) for item in items)}`" if items else "none"
        else:
            value = field.default
            default = f"`{str(value).lower() if isinstance(value, bool) else value}`"
        lines.append(f"| `PLACEPIX_{name.upper()}` | {default} | {field.description} |")
    return "\n".join(lines) + "\n"
