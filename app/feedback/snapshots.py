"""Snapshots: the report as plain JSON, as each publication stores it, and what changed between two."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import object_session

from app.boards.models import Board
from app.feedback.models import FeedbackReport, ThemeResponse
from app.feedback.subjects import subject_of
from app.feedback.theming import viewpoint_ids


def _board_ref(board: Board | None) -> dict[str, Any] | None:
    if board is None:
        return None
    return {"id": board.id, "slug": board.slug, "name_sv": board.name_sv, "name_rom": board.name_rom}


def _response_extras(response: ThemeResponse) -> dict[str, Any]:
    """What the report's subject adds to a response (e.g. the measure of a city service)."""
    subject = subject_of(response.theme.report)
    if subject is None or subject.snapshot_extension is None:
        return {}
    return subject.snapshot_extension(response)


def build_snapshot(report: FeedbackReport) -> dict[str, Any]:
    """The report as plain JSON: what the public page shows.

    The themes' view ids are read in one query (:func:`~app.feedback.theming.viewpoint_ids`),
    not by loading every view: a theme may hold thousands.
    """
    session = object_session(report)
    ids = (
        viewpoint_ids(session, report)
        if session is not None and report.id is not None and all(t.id is not None for t in report.themes)
        else None
    )
    themes = []
    for theme in report.themes:
        response = theme.response
        themes.append(
            {
                "id": theme.id,
                "title_sv": theme.title_sv,
                "title_rom": theme.title_rom,
                "summary_sv": theme.summary_sv,
                "summary_rom": theme.summary_rom,
                "viewpoint_ids": ids[theme.id] if ids is not None else sorted(v.id for v in theme.viewpoints),
                "response": None
                if response is None
                else {
                    "outcome": response.outcome.value,
                    "body_sv": response.body_sv,
                    "body_rom": response.body_rom,
                    "reason_sv": response.reason_sv,
                    "reason_rom": response.reason_rom,
                    "forwarded_to": _board_ref(response.forwarded_to),
                    "next_update_date": response.next_update_date.isoformat() if response.next_update_date else None,
                    "decisions": [
                        {
                            "id": d.id,
                            "board": _board_ref(d.board),
                            "meeting_date": d.meeting_date.isoformat(),
                            "case_reference": d.case_reference,
                            "paragraph": d.paragraph,
                            "title_sv": d.title_sv,
                            "title_rom": d.title_rom,
                            "minutes_url": d.minutes_url,
                        }
                        for d in response.decisions
                    ],
                    **_response_extras(response),
                },
            }
        )
    return {"summary_sv": report.summary_sv, "summary_rom": report.summary_rom, "themes": themes}


def diff_snapshots(old: dict[str, Any] | None, new: dict[str, Any]) -> list[dict[str, Any]]:
    """What changed between two snapshots, for the "updated on …" notice."""
    if old is None:
        return []
    changes: list[dict[str, Any]] = []
    if (old.get("summary_sv"), old.get("summary_rom")) != (new.get("summary_sv"), new.get("summary_rom")):
        changes.append({"kind": "summary", "theme_id": None, "title_sv": None, "title_rom": None})
    before = {t["id"]: t for t in old.get("themes", [])}
    after = {t["id"]: t for t in new.get("themes", [])}
    for theme_id, theme in after.items():
        entry = {"theme_id": theme_id, "title_sv": theme["title_sv"], "title_rom": theme["title_rom"]}
        if theme_id not in before:
            changes.append({"kind": "theme_added", **entry})
            continue
        prior = before[theme_id]
        if prior.get("response") != theme.get("response"):
            changes.append({"kind": "response_changed", **entry})
        elif {k: v for k, v in prior.items() if k != "response"} != {k: v for k, v in theme.items() if k != "response"}:
            changes.append({"kind": "theme_changed", **entry})
    for theme_id, theme in before.items():
        if theme_id not in after:
            changes.append(
                {
                    "kind": "theme_removed",
                    "theme_id": theme_id,
                    "title_sv": theme["title_sv"],
                    "title_rom": theme["title_rom"],
                }
            )
    return changes


def has_unpublished_changes(report: FeedbackReport) -> bool:
    latest = report.latest_revision
    return latest is None or latest.snapshot != build_snapshot(report)
