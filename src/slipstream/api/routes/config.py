"""``/api/v2/config``: the configuration, as JSON or as ``text/plain`` (``Accept``), for roles
Op and above when ``[api] expose_config`` is true (the default); sensitive values ``< hidden >``."""

from __future__ import annotations

from fastapi import APIRouter, Header, HTTPException, Request, Response
from pydantic import BaseModel

from slipstream.api.security import MANAGE, service_context
from slipstream.services import config

router = APIRouter(prefix="/api/v2/config", tags=["Config"])


class ConfigOption(BaseModel):
    key: str
    value: str | tuple[str, str]


class ConfigSection(BaseModel):
    name: str
    options: list[ConfigOption]


class Config(BaseModel):
    sections: list[ConfigSection]


def _as_text(answer: Config) -> str:
    return "\n".join(
        f"[{section.name}]\n" + "".join(f"{option.key} = {option.value}\n" for option in section.options)
        for section in answer.sections
    )


def _wants_text(request: Request, accept: str) -> bool:
    """Whether to answer text/plain (else JSON); refuses first what this server will not show."""
    if not config.exposed(service_context(request)):
        raise HTTPException(status_code=403, detail="The configuration is not exposed through the API: [api] "
                            "expose_config is false on this server")
    if accept.startswith(("*/*", "application/json")):
        return False
    if accept.startswith("text/plain"):
        return True
    raise HTTPException(status_code=406, detail="Only application/json or text/plain is supported")


def _answer(answer: Config, text: bool) -> Config | Response:
    return Response(_as_text(answer), media_type="text/plain") if text else answer


ACCEPT = Header("*/*", json_schema_extra={"enum": ["application/json", "text/plain", "*/*"]})


@router.get("", dependencies=[MANAGE], response_model=Config)
def get_config(request: Request, section: str | None = None, accept: str = ACCEPT) -> Config | Response:
    text = _wants_text(request, accept)
    found = config.api_sections(service_context(request), section)
    answer = Config(sections=[
        ConfigSection(name=name, options=[ConfigOption(key=k, value=v) for k, v in pairs]) for name, pairs in found
    ])
    return _answer(answer, text)


@router.get("/section/{section}/option/{option}", dependencies=[MANAGE], response_model=Config)
def get_config_value(request: Request, section: str, option: str, accept: str = ACCEPT) -> Config | Response:
    text = _wants_text(request, accept)
    found = config.api_value(service_context(request), section, option)
    answer = Config(sections=[ConfigSection(name=section, options=[ConfigOption(key=option, value=found)])])
    return _answer(answer, text)
