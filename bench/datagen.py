"""A realistic synthetic dataset for load tests and query plans.

``python -m bench.data --boards 30 --consultations 20000 --views 1000000``

Distributions (deterministic for a given ``--seed``):

* consultations spread over six years back and one year ahead (about one in
  seven upcoming); past ones mostly held / feedback published / closed, a few
  cancelled; upcoming ones published, some drafts; 15 % co-hosted;
* views follow a Zipf-like law (exponent 1.1) over the consultations that can
  have views: a few popular consultations get most of them, the long tail a
  handful each; 55 % Swedish, 40 % Romani (kalderash, arli, lovara, kale,
  svensk romani, other), 5 % other languages; 70 % with publication consent,
  2 % hidden by moderators, 8 % with a contact, 5 % translated;
* feedback (report, themes, responses with every outcome, cited decisions, a
  published revision with its JSON snapshot) for consultations with published
  feedback, each view grouped into a theme with probability 0.7;
* registrations (by default one per ten views) on published and held
  consultations.

Three consultations are made for the benchmark and their ids printed: one
upcoming with exactly 500 views (the consultation page), one with published
feedback and exactly 1000 views (the feedback page), and an upcoming one with
no views that the POST benchmark writes to.

Rows are written with SQLAlchemy Core ``insert()`` executemany in batches of
``BATCH`` rows; on PostgreSQL with ``COPY … FROM STDIN`` (psycopg), which is
several times faster. Primary keys are assigned here (so foreign keys need no
round trip) and PostgreSQL sequences are moved past them at the end.

On PostgreSQL the plain secondary indexes of the tables filled here
(``BULK_TABLES``; not primary keys, unique constraints or unique indexes) are
dropped before the COPY and created again afterwards from the same ``Index``
objects of the metadata, all in the one transaction that loads the data:
building an index once is far cheaper than maintaining it row by row, a
failure anywhere rolls the drop back with the rows, and the schema afterwards
is exactly the one before. The tables are locked (ACCESS EXCLUSIVE) until the
commit, which is fine for a database being filled for a benchmark.
"""

from __future__ import annotations

import bisect
import itertools
import json
import random
import secrets
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.schema import CallableColumnDefault, ScalarElementColumnDefault

import app.registry  # noqa: F401  (complete metadata)
from app.accounts.models import User
from app.boards.models import Board, BoardKind
from app.consultations.models import (
    AgendaItem,
    Consultation,
    ConsultationStatus,
    MeetingFormat,
    RomaniVariety,
    consultation_hosts,
)
from app.db import Base, UTCDateTime
from app.feedback.models import (
    Decision,
    FeedbackReport,
    FeedbackRevision,
    Outcome,
    Theme,
    ThemeResponse,
    response_decisions,
    theme_viewpoints,
)
from app.participation.models import (
    Channel,
    Contact,
    HiddenReason,
    Provenance,
    Viewpoint,
    ViewpointTranslation,
)
from app.registrations.models import Registration, RegistrationStatus

S = ConsultationStatus
BATCH = 20_000
#: The tables the generator fills with many rows (see the module docstring).
BULK_TABLES: tuple[sa.Table, ...] = (
    Consultation.__table__,
    consultation_hosts,
    AgendaItem.__table__,
    Contact.__table__,
    Viewpoint.__table__,
    ViewpointTranslation.__table__,
    FeedbackReport.__table__,
    Theme.__table__,
    ThemeResponse.__table__,
    Decision.__table__,
    response_decisions,
    theme_viewpoints,
    FeedbackRevision.__table__,
    Registration.__table__,
)
#: ``maintenance_work_mem`` for rebuilding the indexes (this transaction only).
INDEX_BUILD_MEMORY = "256MB"
#: Marks the dataset as ours: a staff account that exists only in bench data.
MARKER_EMAIL = "bench-data@samradsportalen.invalid"

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


@dataclass
class Sizes:
    boards: int = 30
    consultations: int = 20_000
    views: int = 1_000_000
    registrations: int | None = None  # default: views // 10
    seed: int = 2026


@dataclass
class Result:
    consultation_500: int = 0
    feedback_1000: int = 0
    post_target: int = 0
    board_slug: str = ""
    counts: dict[str, int] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "consultation_500": self.consultation_500,
            "feedback_1000": self.feedback_1000,
            "post_target": self.post_target,
            "board_slug": self.board_slug,
            "counts": self.counts,
            "timings": {k: round(v, 2) for k, v in self.timings.items()},
        }


_PAIRS = [a + b for a in CODE_ALPHABET for b in CODE_ALPHABET]


def reference_code(n: int) -> str:
    """A unique, deterministic receipt code for view number ``n`` (``ABCD-EFGH``, base 31)."""
    base = len(_PAIRS)
    n, d = divmod(n, base)
    n, c = divmod(n, base)
    n, b = divmod(n, base)
    a = n % base
    return f"{_PAIRS[a]}{_PAIRS[b]}-{_PAIRS[c]}{_PAIRS[d]}"


# --- Writing ---------------------------------------------------------------------------


class Writer:
    """Batches rows per table and writes them with executemany or COPY."""

    def __init__(self, connection: sa.Connection, *, use_copy: bool) -> None:
        self.connection = connection
        self.use_copy = use_copy
        self.counts: dict[str, int] = {}

    def write(self, table: sa.Table, rows: Iterable[dict[str, Any]]) -> int:
        total = 0
        for batch in _batches(rows, BATCH):
            if self.use_copy:
                self._copy(table, batch)
            else:
                self._executemany(table, batch)
            total += len(batch)
        self.counts[table.name] = self.counts.get(table.name, 0) + total
        return total

    def _executemany(self, table: sa.Table, batch: list[dict[str, Any]]) -> None:
        """Core ``insert()`` compiled once; the rows go to the driver's executemany
        after the columns' own bind processing (what ``execute(insert(), rows)``
        does, without building a parameter dict per row)."""
        dialect = self.connection.dialect
        columns = self._columns(table, batch)
        stmt = table.insert().values({name: sa.bindparam(name) for name in columns})
        compiled = stmt.compile(dialect=dialect)
        order = compiled.positiontup or list(columns)
        processors = [table.c[name].type._cached_bind_processor(dialect) for name in order]
        defaults = {name: value for name, value in columns.items() if value is not _MISSING}
        rows = []
        for row in batch:
            values = []
            for name, process in zip(order, processors):
                value = row[name] if name in row else defaults[name]
                values.append(process(value) if process is not None and value is not None else value)
            rows.append(tuple(values))
        self.connection.exec_driver_sql(str(compiled), rows)

    @staticmethod
    def _columns(table: sa.Table, batch: list[dict[str, Any]]) -> dict[str, Any]:
        columns: dict[str, Any] = {name: _MISSING for name in batch[0]}
        for c in table.c:
            if c.name not in columns and c.default is not None and not c.primary_key:
                columns[c.name] = _python_default(c)
        return columns

    def _copy(self, table: sa.Table, batch: list[dict[str, Any]]) -> None:
        keys = list(batch[0])
        defaults = {
            c.name: _python_default(c)
            for c in table.c
            if c.name not in keys and c.default is not None and not c.primary_key
        }
        columns = keys + list(defaults)
        converters = [_converter(table.c[name].type) for name in columns]
        raw = self.connection.connection.driver_connection
        assert raw is not None
        names = ", ".join(f'"{name}"' for name in columns)
        with raw.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
            default_values = list(defaults.values())
            for row in batch:
                values = [row[k] for k in keys] + default_values
                copy.write_row([conv(v) if v is not None else None for conv, v in zip(converters, values)])


_MISSING = object()


def _python_default(column: sa.Column[Any]) -> Any:
    default = column.default
    if default is None:
        return None
    if isinstance(default, ScalarElementColumnDefault):
        return default.arg
    if isinstance(default, CallableColumnDefault):
        return default.arg(None)  # type: ignore[arg-type]  # no model default reads the execution context
    return None


def _converter(type_: sa.types.TypeEngine[Any]) -> Callable[[Any], Any]:
    """Python value → what COPY writes (the bind processing of the column type)."""
    if isinstance(type_, UTCDateTime):
        return lambda v: v.astimezone(timezone.utc).replace(tzinfo=None)
    if isinstance(type_, sa.Enum):
        return lambda v: v.value if hasattr(v, "value") else v
    if isinstance(type_, sa.JSON):
        return lambda v: json.dumps(v)
    return lambda v: v


def _drain(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = rows[:]
    rows.clear()
    return out


def _batches(rows: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    iterator = iter(rows)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


# --- Text pools --------------------------------------------------------------------------

TOPICS = [
    ("fritidsgårdar", "le khera vash o terne"),
    ("skolskjuts", "o transporto ande shkola"),
    ("bostäder i Tensta", "le khera ande Tensta"),
    ("biblioteket", "e biblioteka"),
    ("äldreomsorgen", "o ajutipe le phurenge"),
    ("romsk kulturfestival", "o romano kulturako festivalo"),
    ("modersmålsundervisning", "o sityaripe ande dajaki chib"),
    ("parkernas belysning", "o udud ande parkuria"),
    ("brobyggare i förskolan", "le phurtiake ande cirra shkola"),
    ("arbetsmarknadsinsatser", "e buti"),
    ("hälsoinformation", "o informacia pa o sastipe"),
    ("idrottsföreningar", "le sportoske grupuria"),
]
PLACES = [
    "Tensta träff",
    "Rinkeby bibliotek",
    "Stadshuset, Blå hallen",
    "Skärholmens medborgarkontor",
    "Farsta kulturhus",
    "Husby träff",
    "Kista folkets hus",
    "Hägerstens bibliotek",
]
SV_SENTENCES = [
    "Vi behöver fler aktiviteter på kvällarna för ungdomarna.",
    "Informationen måste finnas på romani chib, inte bara på svenska.",
    "Det är svårt att ta sig hit med rullstol, hissen är ofta trasig.",
    "Mina barn har fått vänta länge på modersmålsundervisning.",
    "Tack för att ni lyssnar, det är första gången någon frågar oss.",
    "Bjud in till mötena i god tid och skicka sms, inte bara e-post.",
    "Brobyggarna gör ett mycket viktigt arbete och behöver fler tjänster.",
    "Öppettiderna passar inte den som arbetar skift.",
    "Vi vill vara med och planera, inte bara tycka till i efterhand.",
    "Tolken var bra men det behövs tolk för fler varieteter.",
]
ROM_SENTENCES = [
    "Trobul amenge mai but buti vash le terne ande rat.",
    "O informacia trobul te avel vi pe romani chib.",
    "Si phares te aves kathe la rotasa, o lifto si phagado.",
    "Mure shave ashadine but vriama vash o sityaripe.",
    "Nais kai ashunen amen, si o angluno drom kai puchen amen.",
    "Akharen amen ande vriama thai bichalen SMS.",
    "Le phurtia keren but baro buti thai trobul mai but manush.",
    "Kamas te avas andre ando planipe.",
]
OTHER_SENTENCES = ["Trebamo više informacija na našem jeziku.", "Potrzebujemy więcej informacji."]
SUMMARY_SV = (
    "Staden vill veta vad ni tycker om {topic}. Vi berättar om planerna och lyssnar på era "
    "erfarenheter. Ni kan tala romani chib eller svenska; tolk finns.\n\n"
    "* Vad fungerar bra i dag?\n* Vad behöver bli bättre?\n* Vem mer borde vi fråga?"
)
SUMMARY_ROM = (
    "O foro kamel te djanel so gindin tume pa {topic}. Phenas tumenge pa le planuria thai "
    "ashunas tumaro trajo.\n\n* So mishto djal akana?\n* So trobul te avel mai mishto?"
)
VARIETY_WEIGHTS = [
    (RomaniVariety.KALDERASH, 35),
    (RomaniVariety.ARLI, 20),
    (RomaniVariety.LOVARA, 15),
    (RomaniVariety.KALE, 15),
    (RomaniVariety.SVENSK_ROMANI, 10),
    (RomaniVariety.OTHER, 5),
]
OUTCOMES = list(Outcome)


def _pool(weights: list[tuple[Any, int]]) -> list[Any]:
    """A 100-entry table in which each value appears in proportion to its weight."""
    total = sum(w for _, w in weights)
    pool = [value for value, w in weights for _ in range(round(100 * w / total))]
    return (pool + [weights[0][0]] * 100)[:100]


def _body(rng: random.Random, pool: list[str]) -> str:
    return " ".join(rng.choice(pool) for _ in range(rng.choice((1, 1, 2, 2, 3, 4, 6))))


# --- The generator --------------------------------------------------------------------------


def _meta(result: Result) -> str:
    """What ``make bench`` needs to know later, kept in the marker account's name."""
    return (
        f"Bench data c500={result.consultation_500} f1000={result.feedback_1000} "
        f"post={result.post_target} board={result.board_slug}"
    )


def dataset_present(connection: sa.Connection) -> Result | None:
    """The benchmark ids, if the bench dataset has been loaded into this database."""
    if not sa.inspect(connection).has_table("users"):
        return None
    name = connection.scalar(sa.select(User.__table__.c.name).where(User.__table__.c.email == MARKER_EMAIL))
    if not name:
        return None
    fields = dict(part.split("=", 1) for part in name.split() if "=" in part)
    return Result(
        consultation_500=int(fields["c500"]),
        feedback_1000=int(fields["f1000"]),
        post_target=int(fields["post"]),
        board_slug=fields["board"],
    )


def generate(
    engine: sa.Engine, sizes: Sizes, *, now: datetime | None = None, echo: Callable[[str], None] = print
) -> Result:
    """Create the schema (if missing) and fill it; the database must not hold a bench dataset already."""
    rng = random.Random(sizes.seed)
    now = (now or datetime.now(timezone.utc)).replace(microsecond=0)
    result = Result()
    started = time.perf_counter()
    mark = started

    def lap(name: str) -> None:
        nonlocal mark
        t = time.perf_counter()
        result.timings[name] = t - mark
        echo(f"  {name:<24} {t - mark:7.1f} s")
        mark = t

    Base.metadata.create_all(engine)
    postgres = engine.dialect.name == "postgresql"
    with engine.begin() as connection:
        if dataset_present(connection) is not None:
            raise RuntimeError("This database already holds a bench dataset.")
        writer = Writer(connection, use_copy=postgres)
        base = _Ids(connection)
        # PostgreSQL: dropped here, created again below, in this transaction.
        deferred = _drop_secondary_indexes(connection, BULK_TABLES) if postgres else []
        lap("schema")
        if deferred:
            echo(f"  ({len(deferred)} secondary indexes dropped; created again after the load)")

        boards = _boards(rng, sizes.boards, base.boards)
        writer.write(Board.__table__, boards)
        user_id = base.users + 1
        writer.write(
            User.__table__,
            [
                {
                    "id": user_id,
                    "email": MARKER_EMAIL,
                    "name": "Bench data",
                    "password_hash": "!",
                    "is_active": False,
                    "is_site_admin": False,
                    "preferred_language": "sv",
                    "session_nonce": secrets.token_hex(16),
                    "created_dt": now,
                }
            ],
        )
        result.board_slug = boards[0]["slug"]
        consultations, hosts, agenda = _consultations(rng, sizes.consultations, boards, base, now)
        special = consultations[:3]
        result.consultation_500, result.feedback_1000, result.post_target = (c["id"] for c in special)
        connection.execute(User.__table__.update().where(User.__table__.c.id == user_id).values(name=_meta(result)))
        writer.write(Consultation.__table__, ({k: v for k, v in c.items() if k != "_agenda"} for c in consultations))
        writer.write(consultation_hosts, hosts)
        writer.write(AgendaItem.__table__, agenda)
        lap("boards, consultations")

        per_consultation = _allocate_views(rng, consultations, sizes.views, result)
        view_ids: dict[int, range] = {}
        views_rows, contacts, translations = _views(rng, consultations, per_consultation, base, now, view_ids)
        for batch in _batches(views_rows, BATCH):
            writer.write(Contact.__table__, _drain(contacts))
            writer.write(Viewpoint.__table__, batch)
            writer.write(ViewpointTranslation.__table__, _drain(translations))
        lap("views")

        feedback = _feedback(rng, consultations, boards, view_ids, base, user_id, now, result.feedback_1000)
        for table, rows in feedback:
            writer.write(table, rows)
        lap("feedback")

        registrations = sizes.registrations if sizes.registrations is not None else sizes.views // 10
        writer.write(Registration.__table__, _registrations(rng, consultations, registrations, base, now))
        lap("registrations")

        if postgres:
            _create_indexes(connection, deferred)
            lap("indexes")
            for table in Base.metadata.sorted_tables:
                if "id" in table.c and table.c.id.primary_key:
                    connection.exec_driver_sql(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "  # nosec B608
                        f'GREATEST((SELECT COALESCE(MAX(id), 0) FROM "{table.name}"), 1))'
                    )
    if postgres:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE")
    else:
        with engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE")
    lap("analyze")
    result.timings["total"] = time.perf_counter() - started
    result.counts = dict(writer.counts)
    return result


def _drop_secondary_indexes(connection: sa.Connection, tables: Iterable[sa.Table]) -> list[sa.Index]:
    """Drop the plain (non-unique) indexes the metadata defines on ``tables`` and that
    the database has; return them, to be created again by ``_create_indexes`` in the
    same transaction. Primary keys and unique constraints/indexes stay."""
    inspector = sa.inspect(connection)
    dropped = []
    for table in tables:
        present = {index["name"] for index in inspector.get_indexes(table.name)}
        for index in sorted(table.indexes, key=lambda index: str(index.name)):
            if not index.unique and index.name in present:
                index.drop(bind=connection)
                dropped.append(index)
    return dropped


def _create_indexes(connection: sa.Connection, indexes: list[sa.Index]) -> None:
    """Create ``indexes`` exactly as the metadata defines them, with more sort memory
    (and parallel workers, where the server allows) for this transaction only."""
    if not indexes:
        return
    connection.exec_driver_sql(f"SET LOCAL maintenance_work_mem = '{INDEX_BUILD_MEMORY}'")
    for index in indexes:
        index.create(bind=connection)


class _Ids:
    """Highest existing id per table, so a dataset can be added next to other data."""

    def __init__(self, connection: sa.Connection) -> None:
        def top(table: sa.Table) -> int:
            return connection.scalar(sa.select(sa.func.coalesce(sa.func.max(table.c.id), 0))) or 0

        self.boards = top(Board.__table__)
        self.users = top(User.__table__)
        self.consultations = top(Consultation.__table__)
        self.agenda = top(AgendaItem.__table__)
        self.contacts = top(Contact.__table__)
        self.views = top(Viewpoint.__table__)
        self.translations = top(ViewpointTranslation.__table__)
        self.reports = top(FeedbackReport.__table__)
        self.themes = top(Theme.__table__)
        self.responses = top(ThemeResponse.__table__)
        self.decisions = top(Decision.__table__)
        self.revisions = top(FeedbackRevision.__table__)
        self.registrations = top(Registration.__table__)


def _boards(rng: random.Random, n: int, base: int) -> list[dict[str, Any]]:
    kinds = [BoardKind.EXECUTIVE] + [BoardKind.SPECIALIST] * 14 + [BoardKind.DISTRICT] * 13 + [BoardKind.COMPANY] * 2
    out = []
    for i in range(1, n + 1):
        slug = f"bench-{i:03d}"
        out.append(
            {
                "id": base + i,
                "slug": slug,
                "name_sv": f"Nämnd {i:03d} (testdata)",
                "name_rom": f"Komisia {i:03d}",
                "kind": kinds[(i - 1) % len(kinds)],
                "contact_email": f"{slug}@stockholm.example",
                "feedback_weeks": rng.choice((6, 8, 8, 10, 12)),
                "created_dt": datetime(2020, 1, 1, tzinfo=timezone.utc),
            }
        )
    return out


def _consultations(
    rng: random.Random, n: int, boards: list[dict[str, Any]], base: _Ids, now: datetime
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    rows, hosts, agenda = [], [], []
    board_ids = [b["id"] for b in boards]
    board_weights = [1.0 / (i + 1) ** 0.6 for i in range(len(boards))]  # some boards consult more
    span_back, span_ahead = timedelta(days=6 * 365), timedelta(days=365)
    agenda_id = base.agenda
    for i in range(1, n + 1):
        cid = base.consultations + i
        start = now - span_back + timedelta(seconds=rng.random() * (span_back + span_ahead).total_seconds())
        start = start.replace(minute=0, second=0) + timedelta(hours=(17 - start.hour) % 24)
        if i == 1:  # consultation page: upcoming, 500 views
            start, status = now + timedelta(days=10), S.PUBLISHED
        elif i == 2:  # feedback page: held two months ago, feedback published, 1000 views
            start, status = now - timedelta(days=60), S.FEEDBACK_PUBLISHED
        elif i == 3:  # POST target: upcoming, open for views
            start, status = now + timedelta(days=20), S.PUBLISHED
        elif start > now:
            status = rng.choices((S.PUBLISHED, S.DRAFT, S.CANCELLED), (85, 10, 5))[0]
        else:
            status = rng.choices(
                (S.HELD, S.FEEDBACK_PUBLISHED, S.CLOSED, S.CANCELLED, S.PUBLISHED), (25, 45, 20, 5, 5)
            )[0]
        end = start + timedelta(hours=rng.choice((2, 2, 3)))
        topic_sv, topic_rom = rng.choice(TOPICS)
        lead = board_ids[0] if i <= 3 else rng.choices(board_ids, board_weights)[0]
        has_rom = rng.random() > 0.1
        fmt = rng.choices(list(MeetingFormat), (70, 15, 15))[0]
        published_dt = start - timedelta(days=rng.randint(14, 60)) if status is not S.DRAFT else None
        row = {
            "id": cid,
            "lead_board_id": lead,
            "status": status,
            "title_sv": f"Samråd om {topic_sv} #{cid}",
            "title_rom": f"Sfatuipe pa {topic_rom} #{cid}" if has_rom else None,
            "summary_sv": SUMMARY_SV.format(topic=topic_sv),
            "summary_rom": SUMMARY_ROM.format(topic=topic_rom) if has_rom else None,
            "easy_read_sv": None,
            "easy_read_rom": None,
            "influence_sv": "Innehållet i verksamheten och öppettiderna.",
            "influence_rom": "So kerel pe thai kana si phuterdo." if has_rom else None,
            "decided_sv": "Budgeten för året.",
            "decided_rom": "O budzheto." if has_rom else None,
            "is_open": rng.random() > 0.1,
            "case_reference": f"{lead}/{start.year}/{cid}",
            "format": fmt,
            "start_dt": start,
            "end_dt": end,
            "venue_name": rng.choice(PLACES) if fmt is not MeetingFormat.DIGITAL else None,
            "address": "Tensta allé 1, Spånga" if fmt is not MeetingFormat.DIGITAL else None,
            "room": None,
            "directions_sv": "Tunnelbana blå linje till Tensta, sedan 3 minuter.",
            "directions_rom": None,
            "accessibility_sv": "Ramp vid entrén. Hörslinga finns.",
            "accessibility_rom": None,
            "join_url": "https://meet.stockholm.example/samrad" if fmt is not MeetingFormat.IN_PERSON else None,
            "interpreter_languages": rng.sample(
                [v.value for v in RomaniVariety if v is not RomaniVariety.OTHER], rng.randint(0, 3)
            ),
            "compensation_sv": None,
            "compensation_rom": None,
            "registration_deadline_dt": start - timedelta(days=2) if rng.random() < 0.5 else None,
            "capacity": rng.choice((None, None, 30, 50, 80)),
            "input_opens_dt": None,
            "input_closes_dt": None,
            "feedback_due_date": (end + timedelta(weeks=8)).date() if status is not S.DRAFT else None,
            "romani_pending": not has_rom and status is not S.DRAFT,
            "cancel_reason_sv": "Lokalen är inte tillgänglig." if status is S.CANCELLED else None,
            "cancel_reason_rom": None,
            "published_dt": published_dt,
            "cancelled_dt": (published_dt or start) + timedelta(days=3) if status is S.CANCELLED else None,
            "held_dt": end if status in (S.HELD, S.FEEDBACK_PUBLISHED, S.CLOSED) else None,
            "ics_sequence": 1 if status is S.CANCELLED else 0,
            "created_by_id": None,
            "created_dt": (published_dt or now) - timedelta(days=5),
            "updated_dt": published_dt or now,
            "version": 1,
        }
        rows.append(row)
        if rng.random() < 0.15 and len(board_ids) > 1:
            for other in rng.sample([b for b in board_ids if b != lead], min(len(board_ids) - 1, rng.randint(1, 2))):
                hosts.append({"consultation_id": cid, "board_id": other})
        for position in range(1, rng.randint(2, 4) + 1):
            agenda_id += 1
            agenda.append(
                {
                    "id": agenda_id,
                    "consultation_id": cid,
                    "position": position,
                    "title_sv": f"Fråga {position}: vad tycker ni om {topic_sv}?",
                    "title_rom": f"Puchipe {position}" if has_rom else None,
                    "description_sv": None,
                    "description_rom": None,
                }
            )
        row["_agenda"] = list(range(agenda_id - position + 1, agenda_id + 1))
    return rows, hosts, agenda


_HAS_VIEWS = (S.PUBLISHED, S.HELD, S.FEEDBACK_PUBLISHED, S.CLOSED)


def _allocate_views(
    rng: random.Random, consultations: list[dict[str, Any]], total: int, result: Result
) -> dict[int, int]:
    """How many views each consultation gets: exact for the benchmark ones, Zipf-like for the rest."""
    counts = {consultations[0]["id"]: min(500, total), consultations[1]["id"]: min(1000, max(0, total - 500))}
    rest = total - sum(counts.values())
    eligible = [c["id"] for c in consultations[3:] if c["status"] in _HAS_VIEWS]
    if rest > 0 and eligible:
        rng.shuffle(eligible)
        cumulative = list(itertools.accumulate(1.0 / (rank + 1) ** 1.1 for rank in range(len(eligible))))
        top = cumulative[-1]
        for _ in range(rest):
            cid = eligible[bisect.bisect_left(cumulative, rng.random() * top)]
            counts[cid] = counts.get(cid, 0) + 1
    return counts


def _views(
    rng: random.Random,
    consultations: list[dict[str, Any]],
    per_consultation: dict[int, int],
    base: _Ids,
    now: datetime,
    view_ids: dict[int, range],
) -> tuple[Iterator[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """View rows (a generator: a million dicts are never in memory at once), contacts and translations."""
    contacts: list[dict[str, Any]] = []
    translations: list[dict[str, Any]] = []
    # Decide ids, contacts and translations up front (small), stream the views.
    next_id = base.views
    plan = []
    for c in consultations:
        n = per_consultation.get(c["id"], 0)
        if n:
            view_ids[c["id"]] = range(next_id + 1, next_id + n + 1)
            plan.append((c, next_id + 1, n))
            next_id += n
    # Weighted choices as lookup tables indexed by one random number: the loop
    # below runs a million times, so it makes few calls per row.
    variety_pool = _pool(VARIETY_WEIGHTS)
    channel_pool = _pool(list(zip(Channel, (75, 15, 3, 3, 3, 1))))
    reasons = list(HiddenReason)
    bodies = {
        lang: [_body(rng, pool) for _ in range(4000)]
        for lang, pool in (("sv", SV_SENTENCES), ("rom", ROM_SENTENCES), ("other", OTHER_SENTENCES))
    }
    contact_id = base.contacts
    translation_id = base.translations
    random_ = rng.random
    day = timedelta(days=1)

    def rows() -> Iterator[dict[str, Any]]:
        nonlocal contact_id, translation_id
        for c, first, n in plan:
            opened = c["published_dt"] or c["created_dt"]
            span = max(60.0, (min(c["end_dt"] + timedelta(days=14), now) - opened).total_seconds())
            agenda = c["_agenda"]
            n_agenda = len(agenda)
            consultation_id = c["id"]
            # Creation times in order (views arrive over the input window).
            offsets = sorted(random_() * span for _ in range(n))
            for vid, offset in zip(range(first, first + n), offsets):
                roll = random_()
                if roll < 0.55:
                    language, variety = "sv", None
                elif roll < 0.95:
                    language, variety = "rom", variety_pool[int(random_() * 100)]
                else:
                    language, variety = "other", None
                created = opened + timedelta(seconds=offset)
                roll = random_()
                cid = None
                show_name = False
                if roll < 0.08:
                    contact_id += 1
                    cid = contact_id
                    show_name = roll < 0.04
                    contacts.append(
                        {
                            "id": cid,
                            "name": f"Deltagare {cid}",
                            "email": f"deltagare{cid}@example.org" if roll < 0.06 else None,
                            "phone": None,
                            "organisation": None,
                            "language": "rom" if language == "rom" else "sv",
                            "created_dt": created,
                        }
                    )
                elif roll > 0.95 and language != "other":
                    translation_id += 1
                    target = "sv" if language == "rom" else "rom"
                    translations.append(
                        {
                            "id": translation_id,
                            "viewpoint_id": vid,
                            "language": target,
                            "body": bodies[target][int(random_() * 4000)],
                            "provenance": Provenance.HUMAN if roll > 0.96 else Provenance.MACHINE,
                            "translator": "Tolkförmedlingen",
                            "created_by_id": None,
                            "created_dt": created + 2 * day,
                        }
                    )
                roll = random_()
                hidden = roll < 0.02
                yield {
                    "id": vid,
                    "consultation_id": consultation_id,
                    "agenda_item_id": agenda[int(roll * n_agenda)] if n_agenda and roll < 0.6 else None,
                    "reference_code": reference_code(vid),
                    "body": bodies[language][int(random_() * 4000)],
                    "language": language,
                    "romani_variety": variety,
                    "other_language": "bosniska" if language == "other" else None,
                    "channel": channel_pool[int(random_() * 100)],
                    "on_behalf_of": "Romska ungdomsförbundet" if 0.02 <= roll < 0.04 else None,
                    "show_name": show_name,
                    "publish_consent": roll < 0.7,
                    "wants_feedback": cid is not None and roll < 0.35,
                    "contact_id": cid,
                    "entered_by_id": None,
                    "idempotency_key": None,
                    "created_dt": created,
                    "hidden_dt": created + day if hidden else None,
                    "hidden_reason": reasons[int(roll * 150)] if hidden else None,
                    "hidden_note": None,
                    "hidden_by_id": None,
                }

    # Contacts and translations fill up while the generator runs; ``generate``
    # writes the contacts of each batch before it and the translations after it.
    return rows(), contacts, translations


def _feedback(
    rng: random.Random,
    consultations: list[dict[str, Any]],
    boards: list[dict[str, Any]],
    view_ids: dict[int, range],
    base: _Ids,
    user_id: int,
    now: datetime,
    must_have: int,
) -> list[tuple[sa.Table, list[dict[str, Any]]]]:
    boards_by_id = {b["id"]: b for b in boards}

    def ref(board_id: int | None) -> dict[str, Any] | None:
        if board_id is None:
            return None
        b = boards_by_id[board_id]
        return {"id": b["id"], "slug": b["slug"], "name_sv": b["name_sv"], "name_rom": b["name_rom"]}

    reports: list[dict[str, Any]] = []
    themes: list[dict[str, Any]] = []
    responses: list[dict[str, Any]] = []
    decisions: list[dict[str, Any]] = []
    citations: list[dict[str, Any]] = []
    revisions: list[dict[str, Any]] = []
    tv: list[dict[str, Any]] = []
    ids = {
        "report": base.reports,
        "theme": base.themes,
        "response": base.responses,
        "decision": base.decisions,
        "revision": base.revisions,
    }

    def next_id(kind: str) -> int:
        ids[kind] += 1
        return ids[kind]

    for c in consultations:
        published_feedback = c["status"] is S.FEEDBACK_PUBLISHED or (c["status"] is S.CLOSED and rng.random() < 0.7)
        if not published_feedback and c["id"] != must_have:
            continue
        report_id = next_id("report")
        published = min(now - timedelta(days=1), c["end_dt"] + timedelta(days=rng.randint(10, 80)))
        reports.append(
            {
                "id": report_id,
                "consultation_id": c["id"],
                "summary_sv": "Tack för alla synpunkter. Här är vad vi hörde och gjorde.",
                "summary_rom": "Nais tumenge. Kathe si so ashundam thai so kerdam.",
                "published_dt": published,
                "last_published_dt": published,
                "created_dt": c["end_dt"],
                "updated_dt": published,
            }
        )
        views = list(view_ids.get(c["id"], ()))
        n_themes = rng.randint(2, 5)
        grouped: list[list[int]] = [[] for _ in range(n_themes)]
        for vid in views:
            if rng.random() < 0.7:
                grouped[rng.randrange(n_themes)].append(vid)
        snapshot_themes = []
        for position, members in enumerate(grouped, start=1):
            theme_id = next_id("theme")
            topic_sv, topic_rom = rng.choice(TOPICS)
            theme = {
                "id": theme_id,
                "report_id": report_id,
                "position": position,
                "title_sv": f"Tema {position}: {topic_sv}",
                "title_rom": f"Tema {position}: {topic_rom}",
                "summary_sv": "Många tog upp detta.",
                "summary_rom": "But manush phende kado.",
            }
            themes.append(theme)
            tv.extend({"theme_id": theme_id, "viewpoint_id": vid} for vid in members)
            outcome = rng.choice(OUTCOMES)
            forwarded = (
                rng.choice([b for b in boards_by_id if b != c["lead_board_id"]] or [None])
                if outcome is Outcome.FORWARDED
                else None
            )
            response_id = next_id("response")
            response = {
                "id": response_id,
                "theme_id": theme_id,
                "outcome": outcome,
                "body_sv": "Nämnden har beslutat att genomföra förslaget under nästa år.",
                "body_rom": "E komisia kerdas decizia.",
                "reason_sv": "Det ryms inte i budgeten."
                if outcome in (Outcome.NOT_IMPLEMENTED, Outcome.PARTLY)
                else None,
                "reason_rom": None,
                "forwarded_to_board_id": forwarded,
                "next_update_date": (published + timedelta(days=90)).date()
                if outcome is Outcome.UNDER_CONSIDERATION
                else None,
                "updated_dt": published,
            }
            responses.append(response)
            cited = []
            if rng.random() < 0.5:
                decision_id = next_id("decision")
                decision = {
                    "id": decision_id,
                    "board_id": c["lead_board_id"],
                    "meeting_date": published.date(),
                    "case_reference": f"B{c['lead_board_id']} {published.year}/{report_id}",
                    "paragraph": str(position),
                    "title_sv": f"Beslut om {topic_sv}",
                    "title_rom": None,
                    "minutes_url": "https://insynsverige.example/protokoll",
                    "created_dt": published,
                }
                decisions.append(decision)
                citations.append({"response_id": response_id, "decision_id": decision_id})
                cited.append(
                    {
                        "id": decision_id,
                        "board": ref(decision["board_id"]),
                        "meeting_date": decision["meeting_date"].isoformat(),
                        "case_reference": decision["case_reference"],
                        "paragraph": decision["paragraph"],
                        "title_sv": decision["title_sv"],
                        "title_rom": None,
                        "minutes_url": decision["minutes_url"],
                    }
                )
            snapshot_themes.append(
                {
                    "id": theme_id,
                    "title_sv": theme["title_sv"],
                    "title_rom": theme["title_rom"],
                    "summary_sv": theme["summary_sv"],
                    "summary_rom": theme["summary_rom"],
                    "viewpoint_ids": members,
                    "response": {
                        "outcome": outcome.value,
                        "body_sv": response["body_sv"],
                        "body_rom": response["body_rom"],
                        "reason_sv": response["reason_sv"],
                        "reason_rom": None,
                        "forwarded_to": ref(forwarded),
                        "next_update_date": response["next_update_date"].isoformat()
                        if response["next_update_date"]
                        else None,
                        "decisions": cited,
                    },
                }
            )
        revisions.append(
            {
                "id": next_id("revision"),
                "report_id": report_id,
                "number": 1,
                "published_dt": published,
                "published_by_id": user_id,
                "change_note_sv": None,
                "change_note_rom": None,
                "snapshot": {
                    "summary_sv": reports[-1]["summary_sv"],
                    "summary_rom": reports[-1]["summary_rom"],
                    "themes": snapshot_themes,
                },
                "changes": [],
            }
        )
    return [
        (FeedbackReport.__table__, reports),
        (Theme.__table__, themes),
        (ThemeResponse.__table__, responses),
        (Decision.__table__, decisions),
        (response_decisions, citations),
        (theme_viewpoints, tv),
        (FeedbackRevision.__table__, revisions),
    ]


def _registrations(
    rng: random.Random, consultations: list[dict[str, Any]], total: int, base: _Ids, now: datetime
) -> Iterator[dict[str, Any]]:
    eligible = [c for c in consultations[3:] if c["status"] in (S.PUBLISHED, S.HELD, S.FEEDBACK_PUBLISHED, S.CLOSED)]
    if not eligible or total <= 0:
        return
    varieties = [v for v, _ in VARIETY_WEIGHTS]
    for i in range(1, total + 1):
        c = rng.choice(eligible)
        created = (c["published_dt"] or now) + timedelta(hours=rng.randint(1, 300))
        status = rng.choices(list(RegistrationStatus), (85, 5, 10))[0]
        past = c["start_dt"] < now
        language = "rom" if rng.random() < 0.45 else "sv"
        yield {
            "id": base.registrations + i,
            "consultation_id": c["id"],
            "contact_id": None,
            "token": secrets.token_urlsafe(24),
            "status": status,
            "language": language,
            "romani_variety": rng.choice(varieties) if language == "rom" else None,
            "needs_interpreter": rng.random() < 0.2,
            "interpreter_variety": None,
            "needs": "Hörslinga" if rng.random() < 0.05 else None,
            "wants_feedback": rng.random() < 0.3,
            "attended": (rng.random() < 0.8) if past and status is RegistrationStatus.CONFIRMED else None,
            "created_dt": created,
            "cancelled_dt": created + timedelta(days=1) if status is RegistrationStatus.CANCELLED else None,
            "promoted_dt": None,
            "reminder_sent_dt": None,
        }


def describe(result: Result, sizes: Sizes) -> str:
    lines = [
        f"Dataset: {sizes.boards} boards, {sizes.consultations} consultations, {sizes.views} views (seed {sizes.seed}).",
        f"Consultation page (500 views): consultation {result.consultation_500}",
        f"Feedback page (1000 views):   consultation {result.feedback_1000}",
        f"POST target:                  consultation {result.post_target}",
        f"Board:                        {result.board_slug}",
    ]
    if result.counts:
        lines.append("Rows: " + ", ".join(f"{k} {v}" for k, v in sorted(result.counts.items())))
    if result.timings:
        lines.append(f"Total time: {result.timings.get('total', 0):.1f} s")
    return "\n".join(lines)


__all__ = ["Sizes", "Result", "generate", "dataset_present", "describe", "reference_code"]
