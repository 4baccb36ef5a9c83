"""The audit log, readable by site administrators only."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, render_template, request

from app.audit.models import AuditEvent
from app.common.pagination import paginate
from app.db import get_session
from app.web.helpers import actor, require, staff_required

bp = Blueprint("audit", __name__)


@bp.route("/<lang_code>/staff/audit")
@staff_required
def index() -> str:
    require(actor().is_site_admin)
    page_number = max(1, min(request.args.get("page", 1, type=int) or 1, 100000))
    stmt = sa.select(AuditEvent).order_by(AuditEvent.created_dt.desc(), AuditEvent.id.desc())
    object_type = request.args.get("type", "").replace("\x00", "")[:40]
    if object_type:
        stmt = stmt.where(AuditEvent.object_type == object_type)
    page = paginate(get_session(), stmt, page_number, 50)
    return render_template("audit/index.html", page=page, args={"type": object_type} if object_type else {})
