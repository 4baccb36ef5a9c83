"""What import-linter cannot see: names imported from flask by the layers below the views.

The module-level contracts live in pyproject.toml ([tool.importlinter], run by
`make lint`); a service, policy or model must also never reach for the request,
the browser session or the template renderer, whichever way it spells it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parents[2] / "app"
#: Request-bound or rendering names that only views (and app.web) may use.
FORBIDDEN = {"request", "session", "g", "render_template", "render_template_string", "make_response"}
#: The mail domain renders each outbox message's body in the recipient's language
#: when it queues the message: the one service that renders a template.
ALLOWED = {("mail/services.py", "render_template")}
LOWER_LAYERS = (
    "services.py",
    "policies.py",
    "models.py",
    "subjects.py",
    "snapshots.py",
    "promises.py",
    "figures.py",
    "publication.py",
    "public.py",
    "consultation.py",
    "exports.py",
    "ledger.py",
    "measures.py",
    "results.py",
    "answers.py",
    "materials.py",
    "queries.py",
    "places.py",
    "notifications.py",
    "roster.py",
    "throttle.py",
    "two_factor.py",
    "login.py",
    "admin.py",
)


def _lower_layer_files() -> list[Path]:
    return sorted(p for p in APP.glob("*/*.py") if p.name in LOWER_LAYERS or p.parent.name == "common")


def _flask_names(tree: ast.AST) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module in ("flask", "flask.globals", "flask.templating"):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "flask":
            found.append(node.attr)
    return found


@pytest.mark.parametrize("path", _lower_layer_files(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_lower_layers_never_touch_the_request(path):
    relative = f"{path.parent.name}/{path.name}"
    used = {name for name in _flask_names(ast.parse(path.read_text(encoding="utf-8")))}
    bad = {name for name in used & FORBIDDEN if (relative, name) not in ALLOWED}
    assert not bad, f"{relative} imports {sorted(bad)} from flask: take what it needs as arguments"


def test_the_check_sees_both_spellings():
    assert _flask_names(ast.parse("from flask import request, g")) == ["request", "g"]
    assert _flask_names(ast.parse("import flask\nflask.session.get('x')")) == ["session"]


def test_every_domain_is_a_package():
    missing = [
        p.name for p in APP.iterdir() if p.is_dir() and p.name != "__pycache__" and not (p / "__init__.py").exists()
    ]
    assert not missing, f"add __init__.py to {missing}"
