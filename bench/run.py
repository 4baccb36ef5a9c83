"""``make bench``: build the dataset once, serve it with gunicorn, drive it with wrk.

    BENCH_DB=sqlite|postgresql python bench/run.py [--views 1000000] [--duration 10]

1. ``python -m bench.data --if-missing`` into ``instance/bench.sqlite`` or the
   PostgreSQL database ``samrad_bench`` (created if missing);
2. gunicorn with 2 sync workers serving ``bench.wsgi:app`` (APP_ENV=development,
   CSRF and rate limits off: only this script serves that module);
3. ``wrk -t2 -c16 -d10s --latency`` on each page, ``/healthz`` first as the
   baseline; requests/s, p50, p99, the ratio to the baseline and the body size;
4. the table goes into docs/performance.md between the markers for the backend.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script (make bench): the app and bench packages
from bench import scenarios  # noqa: E402
from bench import staff as staff_bench  # noqa: E402

BIN = Path(sys.executable).parent
DOC = ROOT / "docs" / "performance.md"
PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")
PG_DB = os.environ.get("BENCH_PG_DB", "samrad_bench")


def database_url(backend: str) -> str:
    if backend == "sqlite":
        return f"sqlite:///{os.environ.get('BENCH_SQLITE_PATH', ROOT / 'instance' / 'bench.sqlite')}"
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{PG_DB}"


def ensure_pg_database() -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (PG_DB,)).fetchone():
            conn.execute(f'CREATE DATABASE "{PG_DB}"')


def build_dataset(url: str, args: argparse.Namespace) -> dict:
    out = ROOT / "instance" / f"bench-{args.db}-{abs(hash(url)) % 10**8}.json"
    cmd = [
        str(BIN / "python"),
        "-m",
        "bench.data",
        "--if-missing",
        "--database-url",
        url,
        "--json",
        str(out),
        "--boards",
        str(args.boards),
        "--consultations",
        str(args.consultations),
        "--views",
        str(args.views),
    ]
    started = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, check=True)
    info = json.loads(out.read_text())
    info["build_seconds"] = round(time.perf_counter() - started, 1)
    return info


def dataset_counts(url: str) -> dict[str, int]:
    import sqlalchemy as sa

    from app.db import make_engine

    engine = make_engine(url)
    counts = {}
    with engine.connect() as conn:
        for table in ("boards", "consultations", "viewpoints", "registrations", "feedback_reports", "feedback_themes"):
            counts[table] = conn.scalar(sa.text(f"SELECT count(*) FROM {table}"))
    engine.dispose()
    return counts


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(url: str, port: int, workers: int, page_cache: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "APP_ENV": "development",
        "DATABASE_URL": url,
        "SAMRAD_BENCH": "1",
        "RATELIMIT_ENABLED": "0",
        "FLASK_DEBUG": "0",
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "PAGE_CACHE_URL": page_cache,
        "DRAIN_SECONDS": "0",
    }
    log = open(ROOT / "instance" / "bench-gunicorn.log", "a")  # noqa: SIM115
    # The production settings (gunicorn.conf.py: its hooks, among them the warm-up of each
    # worker), but no access log and no worker replaced after max_requests during a run.
    proc = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "-c",
            str(ROOT / "gunicorn.conf.py"),
            "--workers",
            str(workers),
            "--worker-class",
            "sync",
            "--bind",
            f"127.0.0.1:{port}",
            "--timeout",
            "120",
            "--log-level",
            "warning",
            "--access-logfile",
            "/dev/null",
            "--max-requests",
            "0",
            "bench.wsgi:app",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    for _ in range(120):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2).read()
            return proc
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.5)
    proc.terminate()
    raise RuntimeError("gunicorn did not come up; see instance/bench-gunicorn.log")


def stop_gunicorn(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)  # our own process group only
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)


def fetch(url: str, cookie: str | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    if not match:
        return float("nan")
    return float(match.group(1)) * _UNITS[match.group(2)]


def _group(pattern: str, text: str, flags: int = 0) -> str:
    """The first group of ``pattern`` in a tool's output; a missing line stops the run."""
    match = re.search(pattern, text, flags)
    if match is None:
        raise SystemExit(f"{pattern!r} not found in:\n{text}")
    return match.group(1)


def run_wrk(
    url: str,
    args: argparse.Namespace,
    script: Path | None = None,
    cookie: str | None = None,
    env: dict[str, str] | None = None,
) -> dict:
    cmd = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{args.duration}s", "--latency", "--timeout", "10s"]
    if cookie:
        cmd += ["-H", f"Cookie: {cookie}"]
    if script:
        cmd += ["-s", str(script)]
    out = subprocess.run(
        [*cmd, url], capture_output=True, text=True, check=True, env={**os.environ, **(env or {})}
    ).stdout
    rps = float(_group(r"Requests/sec:\s+([\d.]+)", out))
    p50 = _ms(_group(r"^\s+50%\s+(\S+)", out, re.M))
    p99 = _ms(_group(r"^\s+99%\s+(\S+)", out, re.M))
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors:.*", out)
    return {
        "rps": rps,
        "p50": p50,
        "p99": p99,
        "non2xx": int(non2xx.group(1)) if non2xx else 0,
        "errors": errors.group(0) if errors else "",
        "raw": out,
    }


def warm_up(url: str, workers: int, cookie: str | None = None) -> None:
    """A few requests at once, so that every worker (not only the one that
    happened to take a single warm-up request) has built what it keeps per
    process (the calendar of all consultations, memory page cache entries)."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=workers * 2) as pool:
        list(pool.map(lambda _: fetch(url, cookie), range(workers * 4)))


def sequential_ms(url: str, n: int = 15, *, uncached: bool = False, cookie: str | None = None) -> float:
    """Median time of one request at a time: the service time, without queueing behind others.

    ``uncached`` adds a query parameter no page reads, new for each request, so
    the page cache misses and the page is rendered: the cost of a page the
    first time after a change.
    """
    times = []
    for i in range(n):
        target = url
        if uncached:
            target += ("&" if "?" in url else "?") + f"bench_nocache={time.monotonic_ns()}{i}"
        started = time.perf_counter()
        fetch(target, cookie)
        times.append((time.perf_counter() - started) * 1000)
    return sorted(times)[len(times) // 2]


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = int(_group(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()))
    except OSError:
        mem_kb = 0
    load = os.getloadavg()
    return (
        f"{os.cpu_count()} CPUs ({cpu}), {mem_kb / 1024 / 1024:.1f} GiB RAM, {platform.system()} "
        f"{platform.release()}, Python {platform.python_version()}; load average before the run "
        f"{load[0]:.1f}/{load[1]:.1f}/{load[2]:.1f}"
    )


def pages(info: dict, deep_page: int) -> list[tuple[str, str, Path | None]]:
    c500, f1000, post, board = info["consultation_500"], info["feedback_1000"], info["post_target"], info["board_slug"]
    return [
        ("/healthz (baseline)", "/healthz", None),
        (
            f"spread: consultation pages over {scenarios.SPREAD_IDS} ids, Zipf, cold cache",
            "/sv/consultations/",
            scenarios.SCRIPT,
        ),
        (
            f"mixed: the spread while {scenarios.WRITES_PER_SECOND} views/s are posted",
            "/sv/consultations/",
            scenarios.SCRIPT,
        ),
        (
            "cold start: server started, at once the spread + home, list, calendar",
            "/sv/consultations/",
            scenarios.SCRIPT,
        ),
        ("cold start, the same load again (warm)", "/sv/consultations/", scenarios.SCRIPT),
        ("home", "/sv/", None),
        ("listing, page 1", "/sv/consultations/", None),
        (f"listing, all, page {deep_page}", f"/sv/consultations/?when=all&page={deep_page}", None),
        ("consultation (500 views)", f"/sv/consultations/{c500}", None),
        ("feedback page (1000 views)", f"/sv/consultations/{f1000}/feedback", None),
        ("board page", f"/sv/boards/{board}", None),
        ("board ledger", f"/sv/boards/{board}/ledger", None),
        ("all consultations .ics", "/sv/consultations.ics", None),
        ("Atom feed", "/sv/consultations.atom", None),
        ("POST a view", f"/sv/consultations/{post}/views/new", ROOT / "bench" / "post.lua"),
        ("POST a spoken view (1 MB WAV)", f"/rom/consultations/{post}/views/new", ROOT / "bench" / "post_voice.lua"),
    ]


def write_voice_file() -> Path:
    """About 1 MB of sound for post_voice.lua: 32 s of a 16 kHz tone (WAV, 16 bit)."""
    import math
    import struct
    import wave

    path = ROOT / "instance" / "bench-voice.wav"
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16000)
        out.writeframes(
            b"".join(struct.pack("<h", int(9000 * math.sin(2 * math.pi * 220 * i / 16000))) for i in range(16000 * 32))
        )
    return path


def workers_rss_mb(proc: subprocess.Popen) -> float:
    """Resident memory of the gunicorn workers (the children of the master), in MB."""
    total = 0
    for child in Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split():
        status = Path(f"/proc/{child}/status").read_text()
        total += int(_group(r"VmRSS:\s+(\d+)", status))
    return total / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default=os.environ.get("BENCH_DB", "sqlite"))
    parser.add_argument("--boards", type=int, default=int(os.environ.get("BENCH_BOARDS", 30)))
    parser.add_argument("--consultations", type=int, default=int(os.environ.get("BENCH_CONSULTATIONS", 20000)))
    parser.add_argument("--views", type=int, default=int(os.environ.get("BENCH_VIEWS", 1_000_000)))
    parser.add_argument("--duration", type=int, default=int(os.environ.get("BENCH_DURATION", 10)))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--page-cache",
        default=os.environ.get("BENCH_PAGE_CACHE", "memory://"),
        help="PAGE_CACHE_URL of the server: memory:// (default), redis://127.0.0.1:6379/1 or off.",
    )
    parser.add_argument("--only", default=None, help="Run only pages whose name contains this text.")
    parser.add_argument("--no-doc", action="store_true", help="Do not write docs/performance.md.")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        print("wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return 1
    (ROOT / "instance").mkdir(exist_ok=True)
    (ROOT / "instance" / "bench-gunicorn.log").write_text("")  # this run's servers append to it
    if args.db == "postgresql":
        ensure_pg_database()
    url = database_url(args.db)
    info = build_dataset(url, args)
    sys.path.insert(0, str(ROOT))
    counts = dataset_counts(url)
    deep_page = max(1, int(counts["consultations"] * 0.9 / 20))
    os.environ["BENCH_VOICE_FILE"] = str(write_voice_file())  # read by post_voice.lua (wrk inherits it)
    os.environ["BENCH_SPREAD_IDS"] = ",".join(map(str, scenarios.spread_ids(url)))  # read by spread.lua
    staff = staff_bench.ensure_staff(url)
    port = free_port()
    proc = start_gunicorn(url, port, args.workers, args.page_cache)
    base = f"http://127.0.0.1:{port}"
    results = []
    try:
        host = machine()
        for name, path, script in pages(info, deep_page):
            if args.only and args.only not in name and "baseline" not in name:
                continue
            if script is None:
                warm_up(base + path, args.workers)
                status, body = fetch(base + path)  # size, and a check that the page works
                if status != 200:
                    raise RuntimeError(f"{path} answered {status}")
                size, gz = len(body), len(gzip.compress(body, 6))
                single = sequential_ms(base + path)
                rendered = sequential_ms(base + path, uncached=True)
            else:
                size = gz = 0
                single = rendered = float("nan")
            rss_before = workers_rss_mb(proc)
            writer = None
            env = None
            if name.startswith("cold start"):
                env = {"BENCH_OTHER_PATHS": scenarios.other_paths(scenarios.COLD_START_OTHERS)}
                if name.startswith("cold start:"):  # a deploy: a new server, loaded as soon as it answers
                    stop_gunicorn(proc)
                    proc = start_gunicorn(url, port, args.workers, args.page_cache)
                    rss_before = workers_rss_mb(proc)
            if name.startswith("mixed"):
                writer = scenarios.Writer(base, f"/sv/consultations/{info['post_target']}")
                stored_before = scenarios.count_marked_views(url)
                writer.start()
            result = run_wrk(base + path, args, script, env=env)
            if writer is not None:
                writer.stop.set()
                writer.join()
                result["writes"] = (writer.sent, writer.accepted, scenarios.count_marked_views(url) - stored_before)
            if script == scenarios.SCRIPT:
                result["hits"] = scenarios.hit_rate(result["raw"])
            result["rss"] = (rss_before, workers_rss_mb(proc))
            result.update(name=name, path=path, size=size, gzip=gz, single=single, rendered=rendered)
            results.append(result)
            print(
                f"{name:<34} {single:6.1f} ms alone ({rendered:6.1f} rendered) {result['rps']:8.1f} req/s  p50 {result['p50']:7.1f} ms  p99 {result['p99']:7.1f} ms"
                f"  {size / 1024:7.1f} KB  non-2xx {result['non2xx']} {result['errors']}",
                flush=True,
            )
        # Staff pages (issue 22): logged in as a publisher of two boards; private, never in the page cache.
        cookie = staff_bench.login_cookie(base)
        for name, path in staff_bench.pages(staff):
            if args.only and args.only not in name:
                continue
            warm_up(base + path, args.workers, cookie)
            status, body = fetch(base + path, cookie)
            if status != 200:
                raise RuntimeError(f"{path} answered {status}")
            rss_before = workers_rss_mb(proc)
            result = run_wrk(base + path, args, cookie=cookie)
            result["rss"] = (rss_before, workers_rss_mb(proc))
            result.update(
                name=name,
                path=path,
                size=len(body),
                gzip=len(gzip.compress(body, 6)),
                single=sequential_ms(base + path, cookie=cookie),
                rendered=sequential_ms(base + path, uncached=True, cookie=cookie),
            )
            results.append(result)
            print(
                f"{name:<34} {result['single']:6.1f} ms alone {result['rps']:8.1f} req/s  p99 {result['p99']:7.1f} ms"
                f"  {len(body) / 1024:7.1f} KB  non-2xx {result['non2xx']}",
                flush=True,
            )
    finally:
        stop_gunicorn(proc)
    table = render(results, info, counts, host, args)
    print(table)
    if not args.no_doc and not args.only:
        write_doc(args.db, table)
        print(f"Written to {DOC.relative_to(ROOT)}.")
    return 0


def render(results: list[dict], info: dict, counts: dict[str, int], host: str, args: argparse.Namespace) -> str:
    baseline = results[0]["rps"] if results else 1.0
    lines = [
        f"Measured {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC on {host}.",
        "",
        f"Dataset: {counts['boards']} boards, {counts['consultations']} consultations, {counts['viewpoints']} views, "
        f"{counts['registrations']} registrations, {counts['feedback_reports']} published feedback reports "
        f"({counts['feedback_themes']} themes). Server: gunicorn, {args.workers} sync workers; "
        f"`wrk -t{args.threads} -c{args.connections} -d{args.duration}s`; page cache `{args.page_cache}`.",
        "",
        "| page | req/s | p50 ms | p99 ms | vs /healthz | one at a time, ms | rendered (cache miss), ms | body KB (gzip) | non-2xx/3xx |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    notes = []
    for r in results:
        if "spoken" in r["name"]:
            notes.append(
                f"Spoken view POST: the workers' resident memory went from {r['rss'][0]:.0f} MB to "
                f"{r['rss'][1]:.0f} MB over {r['rps'] * args.duration:.0f} uploads of 1 MB "
                "(streamed to disk, converted by ffmpeg in a separate process)."
            )
        if "hits" in r:
            hits, misses = r["hits"]
            note = f"{r['name'].split(':')[0].capitalize()}: page cache hit rate {hits / max(1, hits + misses):.0%} ({hits} hits, {misses} misses)"
            if "writes" in r:
                sent, accepted, stored = r["writes"]
                note += f"; {sent} views posted, {accepted} answered with a receipt, {stored} found in the database"
            notes.append(note + ".")
        size = f"{r['size'] / 1024:.1f} ({r['gzip'] / 1024:.1f})" if r["size"] else "–"
        single = "–" if r["single"] != r["single"] else f"{r['single']:.1f}"  # NaN for the POST
        rendered = "–" if r["rendered"] != r["rendered"] or "healthz" in r["path"] else f"{r['rendered']:.1f}"
        lines.append(
            f"| {r['name']} (`{r['path']}`) | {r['rps']:.0f} | {r['p50']:.1f} | {r['p99']:.1f} | "
            f"{r['rps'] / baseline:.0%} | {single} | {rendered} | {size} | {r['non2xx']} |"
        )
    if notes:
        lines += ["", *notes]
    return "\n".join(lines)


def write_doc(backend: str, table: str) -> None:
    start, end = f"<!-- bench:{backend}:start -->", f"<!-- bench:{backend}:end -->"
    text = DOC.read_text(encoding="utf-8") if DOC.exists() else ""
    block = f"{start}\n{table}\n{end}"
    if start in text and end in text:
        text = re.sub(re.escape(start) + r".*?" + re.escape(end), lambda _: block, text, flags=re.S)
    else:
        text = text.rstrip() + f"\n\n### {backend}\n\n{block}\n"
    DOC.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
