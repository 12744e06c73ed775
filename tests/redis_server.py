"""A throwaway Redis server for the test session, on a free loopback port, keeping nothing on disk."""
import shutil
import subprocess
import time

import redis

from tests.postgres import free_port


class RedisServer:
    """redis-server in the foreground, as a child process of the tests."""

    def __init__(self):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [shutil.which("redis-server"), "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url)
        try:
            for _ in range(100):
                try:
                    client.ping()
                    return
                except redis.ConnectionError:
                    time.sleep(0.05)
            raise RuntimeError("redis-server did not start")
        finally:
            client.close()

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)
