"""The HTML pages: the app (one page, in Chinese or English) and the API documentation
rendered from the OpenAPI document (no script, nothing from the internet).

Templates are Jinja2 with autoescaping on: every text from a project or a request is
escaped.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from renewfin import __version__
from renewfin.web.exports import report_formats
from renewfin.web.ui_text import lang_of, texts

__all__ = ["router", "templates"]

router = APIRouter(include_in_schema=False)

_TEMPLATES = Path(__file__).resolve().parent / "templates"

FORMAT_NAMES = {"html": "HTML", "docx": "Word", "pdf": "PDF"}
"""How the Downloads tab names a report format."""


def templates() -> Environment:
    """The template environment (autoescaping HTML)."""
    return Environment(
        loader=FileSystemLoader(_TEMPLATES),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _lang(request: Request, lang: str | None) -> str:
    return lang_of(lang or request.cookies.get("renewfin_lang"))


@router.get("/", response_class=HTMLResponse)
def index(
    request: Request, lang: Annotated[str | None, Query(max_length=5)] = None
) -> HTMLResponse:
    """The app."""
    lg = _lang(request, lang)
    t = texts(lg)  # type: ignore[arg-type]
    html = (
        templates()
        .get_template("index.html")
        .render(
            lang=lg,
            t=t,
            version=__version__,
            report_formats=report_formats(),
            format_names=FORMAT_NAMES,
        )
    )
    response = HTMLResponse(html)
    if lang is not None:
        response.set_cookie("renewfin_lang", lg, samesite="strict", httponly=True)
    return response


def _operations(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The OpenAPI operations in path order, each with its request body schema as text."""
    out = []
    for path, item in doc.get("paths", {}).items():
        for method, op in item.items():
            body: dict[str, Any] = op.get("requestBody", {}).get("content", {})
            first: dict[str, Any] = next(iter(body.values()), {})
            schema = first.get("schema")
            out.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": op.get("summary", ""),
                    "description": op.get("description", ""),
                    "parameters": op.get("parameters", []),
                    "body": json.dumps(schema, ensure_ascii=False, indent=2) if schema else "",
                    "responses": sorted(op.get("responses", {})),
                }
            )
    return out


@router.get("/api/docs", response_class=HTMLResponse)
def docs(request: Request) -> HTMLResponse:
    """The API documentation: every operation, its parameters and body schema."""
    doc = request.app.openapi()
    html = (
        templates()
        .get_template("docs.html")
        .render(info=doc.get("info", {}), operations=_operations(doc), version=__version__)
    )
    return HTMLResponse(html)
