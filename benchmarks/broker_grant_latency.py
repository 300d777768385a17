#!/usr/bin/env python3
"""Time from a borrower's grant request to aggrd enforcing the redirect:
aggr-broker (SQLite) and aggrd (net_null ports, the broker client on)
started here; each round a device asks, the clock stops when aggrd's
management API lists the redirect (polled every millisecond), then the
device cancels and the redirect goes. Prints the median and p99 over the
rounds; speed is measured, never asserted.

usage: broker_grant_latency.py BUILD_DIR [--rounds N]   (as root)"""
import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools", "netlab"))
from netlab import wait_until  # noqa: E402

TOKENS = {"router": "lat-router-token-0123456789", "device": "lat-device-token-0123456789",
          "operator": "lat-operator-token-012345678"}


def call(port, method, path, token=None, body=None, key=None):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = "Bearer " + token
    if key:
        headers["Idempotency-Key"] = key
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method, headers=headers,
                                     data=None if body is None else json.dumps(body).encode())
    try:
        with urllib.request.urlopen(request, timeout=10) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")
    except OSError:
        return 0, None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("build")
    parser.add_argument("--rounds", type=int, default=100)
    args = parser.parse_args()
    args.build = os.path.abspath(args.build)
    work = tempfile.mkdtemp(prefix="aggr-grant-latency-")
    base = 26000 + os.getpid() % 2000
    broker_port, mgmt_port, metrics_port = base, base + 2000, base + 4000
    for name, token in TOKENS.items():
        with open(os.path.join(work, f"{name}.token"), "w") as f:
            f.write(token + "\n")
    with open(os.path.join(work, "broker.yaml"), "w") as f:
        f.write(f"""listen: 127.0.0.1:{broker_port}
database: sqlite:broker.db
callers:
  - {{name: headend, role: router, router: headend, token_file: router.token}}
  - {{name: cpe-sub1, role: device, subscriber: "1", token_file: device.token}}
  - {{name: noc, role: operator, token_file: operator.token}}
lines:
  - {{subscriber: "1", router: headend, down: 10Mbit, up: 10Mbit}}
  - {{subscriber: "2", router: headend, down: 100Mbit, up: 100Mbit}}
third_links: [["1", "2"]]
""")
    with open(os.path.join(work, "aggrd.yaml"), "w") as f:
        f.write(f"""router: {{name: grant-latency}}
eal: {{args: [--no-huge, -m, "256", --no-pci, --file-prefix=glat{os.getpid()}, --log-level=lib.eal:warning]}}
workers: {{lcores: [1], idle_polls: 64, idle_sleep_us: 500}}
management: {{listen: "127.0.0.1:{mgmt_port}"}}
metrics: {{listen: "127.0.0.1:{metrics_port}"}}
broker: {{server: "127.0.0.1:{broker_port}", router: headend, token_file: router.token, report_interval_ms: 1000}}
ports:
  - {{name: access0, role: access, device: "net_null0,no-rx=1", mac: "02:00:00:00:a0:00"}}
  - {{name: core0, role: core, device: "net_null1,no-rx=1", mac: "02:00:00:00:c0:00"}}
isps: [{{id: 1, name: red, labels: [1001], next_hop: {{port: core0, mac: "02:00:00:00:ff:01"}}}}]
subscribers:
  - {{id: 1, isp: red, line: {{port: access0, svlan: 10}}, cpe_mac: "02:00:00:01:00:01", addresses: [100.64.0.1/32],
     rate: {{up: 10Mbit, down: 10Mbit}}}}
  - {{id: 2, isp: red, line: {{port: access0, svlan: 20}}, cpe_mac: "02:00:00:01:00:02", addresses: [100.64.0.2/32],
     rate: {{up: 100Mbit, down: 100Mbit}}}}
""")
    processes = []
    try:
        for argv, name in (([os.path.join(args.build, "aggr-broker"), "--config", "broker.yaml"], "broker"),
                           ([os.path.join(args.build, "aggrd"), "--config", "aggrd.yaml"], "aggrd")):
            with open(os.path.join(work, name + ".log"), "w") as log:
                processes.append(subprocess.Popen(argv, cwd=work, stdout=log, stderr=subprocess.STDOUT))
        lendable = lambda: (call(broker_port, "GET", "/v1/lines/2", TOKENS["operator"])[1] or {}).get(
            "down", {}).get("lendable_interruptible_bps", 0) > 0
        if not wait_until(lendable, 60):
            raise SystemExit("the broker never measured the donor's line")
        samples = []
        for i in range(args.rounds):
            start = time.monotonic()
            status, grant = call(broker_port, "POST", "/v1/grants", TOKENS["device"],
                                 {"subscriber": "1", "min_bps": 1000000, "desired_bps": 5000000, "duration_s": 600},
                                 key=f"grant-{i}")
            if status != 201:
                raise SystemExit(f"grant {i}: {status} {grant}")
            number = int(grant["id"][1:])
            listed = lambda: any(r["contract"] == number for r in call(mgmt_port, "GET", "/v1/redirects")[1] or [])
            if not wait_until(listed, 10, 0.001):
                raise SystemExit(f"grant {i}: aggrd never installed it")
            samples.append((time.monotonic() - start) * 1000)
            call(broker_port, "POST", f"/v1/contracts/{grant['id']}/cancel", TOKENS["device"], {}, key=f"cancel-{i}")
            if not wait_until(lambda: not listed(), 10, 0.001):
                raise SystemExit(f"grant {i}: aggrd never removed it")
        samples.sort()
        print(f"grant request to redirect in force at aggrd: median {samples[len(samples) // 2]:.1f} ms, "
              f"p99 {samples[min(len(samples) - 1, len(samples) * 99 // 100)]:.1f} ms, "
              f"max {samples[-1]:.1f} ms over {len(samples)} grants")
    finally:
        for p in processes:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
