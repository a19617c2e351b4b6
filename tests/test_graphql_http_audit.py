"""The graphql-http audit suite (npm) against a live server: no errors, no warnings."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from tests.server import ROOT, running_server

AUDIT = ROOT / "tests" / "http_audit"
KEY = "audit-bootstrap-key"


def test_graphql_over_http_audit_passes(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    if shutil.which("node") is None:
        pytest.skip("node is not installed")
    if not (AUDIT / "node_modules" / "graphql-http").is_dir():
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"],
            cwd=AUDIT,
            check=True,
            timeout=300,
        )

    with running_server(database_url, CRM_BOOTSTRAP_API_KEY=KEY) as base:
        done = subprocess.run(
            ["node", "audit.mjs", f"{base}/graphql"],
            cwd=AUDIT,
            env={**os.environ, "CRM_AUDIT_KEY": KEY},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    summary = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr
    with capsys.disabled():
        print(f"\n{summary}")
    assert done.returncode == 0, done.stdout + done.stderr
    assert summary.endswith("0 warnings, 0 errors")
