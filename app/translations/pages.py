"""Which page shows a string: from a message's source locations to a URL.

The ``.pot`` says where a message comes from (``templates/…`` or ``app/…``).
A template rendered by a route without parameters gives a page one can open;
a partial (``_card.html``, ``base.html``, macros) is followed to the templates
that include it. Views are found by reading the route functions' source once.
"""

from __future__ import annotations

import ast
import re
from functools import lru_cache
from pathlib import Path

from flask import Flask, url_for
from werkzeug.routing import BuildError

_INCLUDES = re.compile(r"""{%-?\s*(?:extends|include|import|from)\s+["']([^"']+)["']""")


@lru_cache(maxsize=4)
def _index(root: str) -> tuple[dict[str, set[str]], dict[str, set[str]], dict[str, set[str]]]:
    """``template -> endpoints`` (routes rendering it), ``module file -> endpoints``,
    ``template -> templates including it``."""
    base = Path(root)
    by_template: dict[str, set[str]] = {}
    by_module: dict[str, set[str]] = {}
    for path in (base / "app").rglob("*.py"):
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (SyntaxError, UnicodeDecodeError):
            continue
        blueprint = None
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
                func = node.value.func
                if getattr(func, "id", None) == "Blueprint" and node.value.args:
                    first = node.value.args[0]
                    if isinstance(first, ast.Constant) and isinstance(first.value, str):
                        blueprint = first.value
        if blueprint is None:
            continue
        relative = str(path.relative_to(base))
        for node in tree.body:
            if not isinstance(node, ast.FunctionDef):
                continue
            routed = any(
                isinstance(d, ast.Call) and getattr(d.func, "attr", None) == "route" for d in node.decorator_list
            )
            if not routed:
                continue
            endpoint = f"{blueprint}.{node.name}"
            by_module.setdefault(relative, set()).add(endpoint)
            for call in ast.walk(node):
                if isinstance(call, ast.Call) and getattr(call.func, "id", None) == "render_template" and call.args:
                    arg = call.args[0]
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                        by_template.setdefault(f"templates/{arg.value}", set()).add(endpoint)
    included_by: dict[str, set[str]] = {}
    for path in (base / "templates").rglob("*.html"):
        relative = str(path.relative_to(base))
        for name in _INCLUDES.findall(path.read_text(encoding="utf-8")):
            included_by.setdefault(f"templates/{name}", set()).add(relative)
    return by_template, by_module, included_by


def _endpoints_for(location: str, root: str) -> set[str]:
    by_template, by_module, included_by = _index(root)
    if location in by_module:
        return by_module[location]
    seen, queue, found = set(), [location], set()
    while queue:
        template = queue.pop()
        if template in seen:
            continue
        seen.add(template)
        found |= by_template.get(template, set())
        if found:
            break
        queue.extend(sorted(included_by.get(template, ())))
    return found


def sample_url(app: Flask, locations: tuple[tuple[str, int], ...], language: str) -> str | None:
    """A URL of a page (without parameters) that shows a message from one of ``locations``."""
    root = str(Path(app.root_path).parent)
    for filename, _line in locations:
        if filename == "templates/base.html":
            return url_for("site.home", lang_code=language)
        endpoints = sorted(_endpoints_for(filename, root))
        # Public pages first: they show the string to the people it is for.
        endpoints.sort(key=lambda e: ("staff" in e or "admin" in e, e))
        for endpoint in endpoints:
            rules = [r for r in app.url_map.iter_rules(endpoint) if "GET" in (r.methods or ())]
            if not rules or set(rules[0].arguments) - {"lang_code"}:
                continue
            try:
                return url_for(endpoint, lang_code=language)
            except BuildError:
                continue
    return None
