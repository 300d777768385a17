#!/usr/bin/env python3
"""aggr-broker killed with SIGKILL at random moments, many times, while a
router reports the bytes it counts under a contract: after each restart the
router sends again what was not acknowledged (same idempotency key), and in
the end the ledger holds exactly the bytes the router counted, none lost and
none billed twice, and every posting balances. On SQLite, then on a
PostgreSQL server of the test's own.

usage: broker_crash_test.py BUILD_DIR [--kills N] [--storage sqlite|postgresql|both]   (as root)"""
import argparse
import glob
import http.client
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

TOKENS = {"router": "crash-router-token-0123456789", "borrower": "crash-device-token-0123456789",
          "operator": "crash-operator-token-012345678"}


class Broker:
    def __init__(self, build, work, database):
        self.build, self.work, self.port = build, work, 20000 + os.getpid() % 20000
        for name, token in TOKENS.items():
            with open(os.path.join(work, f"{name}.token"), "w") as f:
                f.write(token + "\n")
        self.config = os.path.join(work, "broker.yaml")
        with open(self.config, "w") as f:
            f.write(f"""listen: 127.0.0.1:{self.port}
database: "{database}"
callers:
  - {{name: r1, role: router, router: r1, token_file: router.token}}
  - {{name: cpe-b, role: device, subscriber: b, token_file: borrower.token}}
  - {{name: noc, role: operator, token_file: operator.token}}
lines:
  - {{subscriber: b, router: r1, down: 20Mbit, up: 10Mbit}}
  - {{subscriber: d, router: r1, down: 100Mbit, up: 20Mbit}}
third_links: [[b, d]]
sharing: {{price_per_gb: 3000000, fee: 0.15, lease: 1h}}
""")
        self.process = None
        self.starts = 0

    def start(self):
        log = open(os.path.join(self.work, f"broker-{self.starts}.log"), "w")
        self.starts += 1
        self.process = subprocess.Popen([os.path.join(self.build, "aggr-broker"), "--config", self.config],
                                        stdout=log, stderr=subprocess.STDOUT)

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self):
        self.process.terminate()
        return self.process.wait(10)

    def call(self, method, path, caller, body=None, key=None, timeout=5):
        """(status, body), or (None, None) when the broker is not there."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", data=data, method=method,
                                         headers={"Authorization": f"Bearer {TOKENS[caller]}",
                                                  "Content-Type": "application/json"})
        if key:
            request.add_header("Idempotency-Key", key)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"null")
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError, http.client.HTTPException):
            # Killed before or while answering (an answer cut short is an
            # IncompleteRead): the router retries with the same key.
            return None, None

    def until_answered(self, method, path, caller, body=None, key=None):
        """Retries, as a router does, until the broker answers."""
        deadline = time.time() + 30
        while time.time() < deadline:
            status, reply = self.call(method, path, caller, body, key)
            if status is not None:
                return status, reply
            time.sleep(0.05)
        raise RuntimeError(f"the broker did not answer {method} {path}")


class Router:
    """A router's side: counters by epoch, and reports that carry them."""

    def __init__(self, broker):
        self.broker, self.epoch, self.sequence = broker, 1, 0
        self.contract, self.counted = None, {}  # epoch -> [down, up] counted
        self.at_ms, self.line_bytes = 1_000, 0

    def report(self, installed=True, count=True):
        self.sequence += 1
        self.at_ms += 1000
        self.line_bytes += 2_500_000  # the donor's own use: 20 Mbit/s
        body = {"router": "r1", "at_ms": self.at_ms,
                "lines": [{"subscriber": "d", "epoch": self.epoch, "down_bytes": self.line_bytes, "up_bytes": 0},
                          {"subscriber": "b", "epoch": self.epoch, "down_bytes": 0, "up_bytes": 0}]}
        if self.contract:
            if count:
                c = self.counted.setdefault(self.epoch, [0, 0])
                c[0] += random.randint(0, 3_000_000)
                c[1] += random.randint(0, 300_000)
            c = self.counted.get(self.epoch, [0, 0])
            body["contracts"] = [{"contract": self.contract, "epoch": self.epoch, "sequence": self.sequence,
                                  "down_bytes": c[0], "up_bytes": c[1]}]
            body["installed"] = [{"contract": self.contract, "epoch": 1}] if installed else []
        status, reply = self.broker.until_answered("POST", "/v1/reports", "router", body,
                                                   key=f"r1-{self.epoch}-{self.sequence}")
        if status != 200:
            raise RuntimeError(f"report refused: {status} {reply}")

    def restart(self):
        """aggrd restarted: a new counter epoch, its counters from zero."""
        self.epoch += 1
        self.sequence = 0


def run(build, storage, database, work, kills):
    broker = Broker(build, work, database)
    broker.start()
    router = Router(broker)
    router.report()
    router.report()
    status, contract = broker.until_answered("POST", "/v1/grants", "borrower",
                                             {"subscriber": "b", "min_bps": 1_000_000, "desired_bps": 10_000_000,
                                              "direction": "both", "duration_s": 3600}, key="grant-1")
    assert status == 201, (status, contract)
    router.contract = contract["id"]
    rounds = 0
    for kill in range(kills):
        # Some reports, then a kill at a random moment: while one is in
        # flight or between them.
        for _ in range(random.randint(1, 6)):
            router.report()
            rounds += 1
        if random.random() < 0.2:
            router.restart()
        time.sleep(random.uniform(0, 0.02))
        if random.random() < 0.5:
            # Mid-request: the report goes out as the broker dies.
            failures = []

            def report_in_flight():
                try:
                    router.report()
                except Exception as e:  # noqa: BLE001 (the test fails with it below)
                    failures.append(e)

            t = threading.Thread(target=report_in_flight)
            t.start()
            time.sleep(random.uniform(0, 0.01))
            broker.kill()
            broker.start()
            t.join()  # its report retried on the new broker
            if failures:
                raise failures[0]
        else:
            broker.kill()
            broker.start()
    # The contract ends: the borrower cancels, the router removes the
    # redirect and reports its last counts.
    status, reply = broker.until_answered("POST", f"/v1/contracts/{router.contract}/cancel", "borrower", {},
                                          key="cancel-1")
    assert status == 200, (status, reply)
    router.report(installed=False, count=False)
    _, view = broker.until_answered("GET", f"/v1/contracts/{router.contract}", "operator")
    _, balances = broker.until_answered("GET", "/v1/balances", "operator")
    broker.stop()

    down = sum(c[0] for c in router.counted.values())
    up = sum(c[1] for c in router.counted.values())
    usage = view["usage"]
    charge = (down + up) * 3_000_000 // 1_000_000_000
    fee = charge * 150_000 // 1_000_000
    print(f"{storage}: {kills} kills over {rounds} reports and {len(router.counted)} counter epochs; "
          f"counted {down} down / {up} up; billed {usage['billed_down_bytes']} / {usage['billed_up_bytes']}; "
          f"borrower {balances['accounts']['subscriber:b']}, donor {balances['accounts']['subscriber:d']}, "
          f"provider {balances['accounts']['provider']}")
    failures = []
    if view["state"] != "closed":
        failures.append(f"the contract is {view['state']}, not closed")
    if (usage["billed_down_bytes"], usage["billed_up_bytes"]) != (down, up):
        failures.append("billed bytes differ from the router's")
    if (balances["accounts"]["subscriber:b"], balances["accounts"]["subscriber:d"],
            balances["accounts"]["provider"]) != (-charge, charge - fee, fee):
        failures.append(f"balances: expected {-charge}, {charge - fee}, {fee}")
    if balances["ledger_total"] != 0 or balances["unbalanced_postings"]:
        failures.append("the ledger does not balance")
    return failures


class Postgres:
    def __init__(self, work):
        self.dir = os.path.join(work, "pg")
        os.makedirs(self.dir)
        shutil.chown(self.dir, "postgres", "postgres")
        self.bin = sorted(glob.glob("/usr/lib/postgresql/*/bin"))[-1]
        self.port = 30000 + os.getpid() % 20000
        self.as_postgres(f"{self.bin}/initdb -D {self.dir}/data -A trust -U postgres --no-sync")
        self.as_postgres(f"{self.bin}/pg_ctl -D {self.dir}/data -l {self.dir}/log -w -t 60 "
                         f"-o \"-k {self.dir} -p {self.port} -c listen_addresses=''\" start")
        self.as_postgres(f"{self.bin}/createdb -h {self.dir} -p {self.port} -U postgres ledger")

    def as_postgres(self, command):
        subprocess.run(["runuser", "-u", "postgres", "--", "sh", "-c", command], check=True, capture_output=True)

    def url(self):
        return f"host={self.dir} port={self.port} user=postgres dbname=ledger"

    def stop(self):
        subprocess.run(["runuser", "-u", "postgres", "--", f"{self.bin}/pg_ctl", "-D", f"{self.dir}/data",
                        "-m", "immediate", "stop"], capture_output=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("build")
    parser.add_argument("--kills", type=int, default=25)
    parser.add_argument("--storage", default="both", choices=["sqlite", "postgresql", "both"])
    a = parser.parse_args()
    random.seed(os.getpid())
    failures = []
    for storage in (["sqlite", "postgresql"] if a.storage == "both" else [a.storage]):
        work = tempfile.mkdtemp(prefix=f"aggr-broker-crash-{storage}-")
        os.chmod(work, 0o755)
        pg = Postgres(work) if storage == "postgresql" else None
        try:
            database = pg.url() if pg else "sqlite:" + os.path.join(work, "broker.db")
            failures += [f"{storage}: {f}" for f in run(os.path.abspath(a.build), storage, database, work, a.kills)]
        finally:
            if pg:
                pg.stop()
        if not failures:
            shutil.rmtree(work, ignore_errors=True)
    for f in failures:
        print("FAILED:", f)
    print("broker crash test:", "FAILED" if failures else "passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
