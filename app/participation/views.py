from __future__ import annotations

from flask import Blueprint

bp = Blueprint("participation", __name__)
