"""`/openapi.json` says exactly what the reference server does: Schemathesis (the
standard tool for OpenAPI conformance) drives the real server over real HTTP on
127.0.0.1 as the demo admin (who may call every operation, ingest too), with every
check on, in the examples, coverage and fuzzing phases (the stateful phase needs
links, which the protocol does not declare), positive and negative data.

Bounded for CI: a fixed seed, derandomized Hypothesis, 25 examples per operation, no
shrinking, no example database (about 30-80 s on a busy 2-core machine)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from tests.conftest import FakeClock, start_server
from triage_tui.filters import FilterError, TextTerm, parse

EXAMPLES = 25


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    embedded, server = start_server(Path(tmp_path_factory.mktemp("conform")) / "backend.db", FakeClock(), items=40)
    try:
        yield server.url, server.tokens["root"]
    finally:
        embedded.stop()
        server.store.close()


@pytest.fixture(scope="module")
def api(running: tuple[str, str]) -> schemathesis.BaseSchema:
    url, token = running
    config = schemathesis.Config.from_dict({
        "seed": 14,
        "request-timeout": 60,  # a 10,000-item ingest on a loaded CI machine; none of the answers may hold longer
        "headers": {"Authorization": f"Bearer {token}"},
        "generation": {"mode": "all", "max-examples": EXAMPLES, "deterministic": True, "no-shrink": True},
        # 413 is a refusal too (a body past 4 MiB, e.g. 10,001 items), which the check's default list lacks.
        "checks": {"enabled": True, "negative_data_rejection": {"expected-statuses": [
            "400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428", "429"]}},
        "phases": {"examples": {"enabled": True}, "coverage": {"enabled": True}, "fuzzing": {"enabled": True}},
    })
    return schemathesis.openapi.from_url(f"{url}/openapi.json", config=config)


schema = schemathesis.pytest.from_fixture("api")


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_the_server_does_what_its_schema_says(case: schemathesis.Case) -> None:
    if case.meta is not None and case.meta.generation.mode.is_positive and case.query:
        if case.operation.path == "/v1/queue":
            # A queue cursor is opaque: only one the server handed out names a page, which
            # no schema can say (paging itself: tests/test_server.py).
            case.query.pop("cursor", None)
        if case.operation.path.startswith("/v1/queue") and isinstance(case.query.get("filter"), str):
            # A filter is an expression of the filter language, which no schema can say: a
            # generated string that does not parse is made the free-text phrase it spells
            # (the language itself: tests/test_filters.py, the server's: test_server_filters.py).
            try:
                parse(case.query["filter"])
            except FilterError:
                case.query["filter"] = str(TextTerm(False, text=case.query["filter"][:900]))  # quoted: within maxLength
        if case.operation.path == "/v1/queue/changes" and "wait" in case.query:
            case.query["wait"] = 0  # a long-poll would hold each example up to 60 s (tests/test_server.py waits)
    case.call_and_validate()
