"""Which pages are public: the same for every anonymous visitor.

Read by the HTTP-caching rules (:mod:`app.web.caching`) and the page cache
(:mod:`app.web.pagecache`); kept apart so neither imports the other for it.
"""

from __future__ import annotations

#: Endpoints whose GET responses are the same for every anonymous visitor.
PUBLIC_ENDPOINTS = frozenset({
    "site.home", "site.privacy", "site.accessibility",
    "consultations.index", "consultations.detail", "consultations.calendar", "consultations.calendar_all",
    "consultations.atom",
    "boards.index", "boards.detail", "boards.calendar",
    "feedback.public", "feedback.ledger", "feedback.view",
    "api.openapi", "api.boards", "api.consultation_list", "api.consultation_detail", "api.consultation_feedback",
    "api.decisions", "site.robots", "site.sitemap",
})
