"""Benchmarks: run with `make bench` (or `make bench QUICK=1` for a short pass). Not in `make test`."""

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--quick", action="store_true", help="smaller workloads, for a quick check")


@pytest.fixture
def quick(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--quick"))
