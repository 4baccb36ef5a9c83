from __future__ import annotations

from flask import Blueprint

bp = Blueprint("registrations", __name__)
