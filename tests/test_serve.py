"""`session-stats serve` answers over real HTTP from the production server."""
import json
import os
import subprocess
import sys
import time
import urllib.request

from tests.postgres import free_port


def test_serve_migrates_and_answers(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SESSION_STATS_")}
    env["SESSION_STATS_INSTANCE_PATH"] = str(tmp_path)
    command = [sys.executable, "-m", "app.cli", "serve", "--port", str(port)]
    log = tmp_path / "server.log"
    with log.open("wb") as output:
        server = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)
    try:
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/session-stats") as response:
                    body = json.loads(response.read())
                    server_header = response.headers["Server"]
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise AssertionError(f"the server did not answer: {log.read_text()}")
        assert body == {"sessions": [], "nextCursor": None}
        assert server_header == "waitress"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/") as response:
            assert response.status == 200
    finally:
        server.terminate()
        server.wait(timeout=10)
