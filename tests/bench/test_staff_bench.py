"""The staff pages of ``make bench`` (issue 22) on a tiny bench dataset: the bench publisher is
created once, logs in, and every page it measures answers 200."""

from __future__ import annotations

from click.testing import CliRunner

from bench import staff as staff_bench
from bench.data import bench_data_command


def test_staff_pages_of_the_bench(tmp_path) -> None:
    from app import create_app
    from config import TestConfig

    url = f"sqlite:///{tmp_path / 'bench.sqlite'}"
    args = ["--boards", "3", "--consultations", "40", "--views", "1600", "--database-url", url]
    assert CliRunner().invoke(bench_data_command, args).exit_code == 0
    staff = staff_bench.ensure_staff(url)
    assert staff_bench.ensure_staff(url) == staff  # created once
    assert staff["largest_views"] > 0
    application = create_app(TestConfig, {"DATABASE_URL": url, "UPLOAD_DIR": str(tmp_path / "uploads")})
    try:
        client = application.test_client()
        assert (
            client.post("/sv/login", data={"email": staff_bench.EMAIL, "password": staff_bench.PASSWORD}).status_code
            == 302
        )
        for name, path in staff_bench.pages(staff):
            response = client.get(path)
            assert response.status_code == 200, (name, path, response.status_code)
    finally:
        application.extensions["db"].engine.dispose()
