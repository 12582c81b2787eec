"""/api/v2/config: JSON and text, sensitive values hidden, Op and above, [api] expose_config."""

from __future__ import annotations

import httpx

from slipstream.api.server import start_in_thread
from slipstream.services.context import ServiceContext


def test_the_whole_configuration_with_secrets_hidden(api):
    answer = api.client("Op").get("/api/v2/config")
    assert answer.status_code == 200, answer.text
    sections = {s["name"]: dict((o["key"], o["value"]) for o in s["options"]) for s in answer.json()["sections"]}
    assert sections["core"]["dags_folder"].endswith("dags")
    assert sections["database"]["sql_alchemy_conn"] == "< hidden >"
    assert sections["core"]["load_examples"] in ("true", "false")
    assert sections["smtp"]["smtp_password"] == ""  # not set: shown empty, not hidden


def test_one_section_and_one_option(api):
    op = api.client("Op")
    core = op.get("/api/v2/config", params={"section": "scheduler"}).json()
    assert [s["name"] for s in core["sections"]] == ["scheduler"]
    assert op.get("/api/v2/config", params={"section": "nope"}).status_code == 404
    one = op.get("/api/v2/config/section/core/option/parallelism").json()
    assert one == {"sections": [{"name": "core", "options": [{"key": "parallelism", "value": "32"}]}]}
    secret = op.get("/api/v2/config/section/database/option/sql_alchemy_conn").json()
    assert secret["sections"][0]["options"][0]["value"] == "< hidden >"
    missing = op.get("/api/v2/config/section/core/option/nope")
    assert missing.status_code == 404 and "[core] nope" in missing.json()["detail"]


def test_text_plain_and_406(api):
    op = api.client("Op")
    text = op.get("/api/v2/config/section/core/option/parallelism", headers={"Accept": "text/plain"})
    assert text.status_code == 200 and text.headers["content-type"].startswith("text/plain")
    assert text.text == "[core]\nparallelism = 32\n"
    whole = op.get("/api/v2/config", headers={"Accept": "text/plain"}).text
    assert "[database]\nsql_alchemy_conn = < hidden >\n" in whole
    assert op.get("/api/v2/config", headers={"Accept": "application/xml"}).status_code == 406


def test_roles_and_expose_config(api):
    assert api.client(None).get("/api/v2/config").status_code == 401
    refused = api.client("User").get("/api/v2/config")
    assert refused.status_code == 403 and "Op" in refused.json()["detail"]
    server = start_in_thread(ServiceContext(settings=api.settings.replace(expose_config=False), db=api.db))
    try:
        hidden = httpx.get(f"{server.url}/api/v2/config", headers={"Authorization": f"Bearer {api.tokens['Admin']}"})
        assert hidden.status_code == 403 and "expose_config" in hidden.json()["detail"]
    finally:
        server.stop()
