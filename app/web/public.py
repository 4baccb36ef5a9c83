"""Which pages are public: the same for every anonymous visitor.

Read by the HTTP-caching rules (:mod:`app.web.caching`) and the page cache
(:mod:`app.web.pagecache`); kept apart so neither imports the other for it.
"""

from __future__ import annotations

#: Endpoints whose GET responses are the same for every anonymous visitor.
PUBLIC_ENDPOINTS = frozenset(
    {
        "site.home",
        "site.privacy",
        "site.accessibility",
        "consultations.index",
        "consultations.detail",
        "consultations.calendar",
        "consultations.calendar_all",
        "consultations.atom",
        "boards.index",
        "boards.detail",
        "boards.calendar",
        "feedback.public",
        "feedback.ledger",
        "feedback.view",
        "api.openapi",
        "api.boards",
        "api.consultation_list",
        "api.consultation_detail",
        "api.consultation_feedback",
        "api.decisions",
        "site.robots",
        "site.sitemap",
    }
)

#: Public pages of one consultation, by the URL value naming it: cached under
#: that consultation's own generation (``app.generations.scope_row``), so a view or a
#: registration sent to another consultation leaves them cached. They show
#: views, registrations and evaluations of their own consultation only.
SCOPED_ENDPOINTS = {
    "consultations.detail": "consultation_id",
    "consultations.calendar": "consultation_id",
    "feedback.public": "consultation_id",
    "api.consultation_detail": "consultation_id",
    "api.consultation_feedback": "consultation_id",
}

#: Public pages that show no participant's view, registration or evaluation
#: (nor a count of them): a write scoped to a consultation (``app.generations.SCOPED_TABLES``)
#: leaves them cached. ``tests/core/test_pagecache.py`` checks that rendering
#: them reads none of those tables. Every other public page is rendered anew
#: after any such write.
BLIND_TO_SCOPED_WRITES = frozenset(
    {
        "site.home",
        "site.privacy",
        "site.accessibility",
        "site.robots",
        "site.sitemap",
        "consultations.index",
        "consultations.calendar_all",
        "consultations.atom",
        "boards.index",
        "boards.detail",
        "boards.calendar",
        "api.openapi",
        "api.boards",
        "api.consultation_list",
    }
)
