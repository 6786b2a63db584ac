#!/usr/bin/env python3
"""A driver that breaks the driver protocol in one chosen way (argv[1]), for SurgeBench's tests of what it does then.

Modes: exit-at-start, no-listen, wrong-version, bad-json, hang-send, exit-on-second-register, oversized, malformed,
unknown-kind, ignore-close (with a child process in its group). Otherwise a store that only registers users.
"""
import json, os, socket, struct, subprocess, sys, threading, time

mode = sys.argv[1] if len(sys.argv) > 1 else ""
if mode == "exit-at-start":
    print("misbehaving driver: giving up at once", flush=True)
    sys.exit(3)
if mode == "no-listen":
    time.sleep(3600)

DESCRIPTION = {"protocol": 99 if mode == "wrong-version" else 1, "name": "misbehaving", "version": "0",
               "durability": {"default": "memory", "modes": [{"name": "memory", "processKill": "nothing", "powerLoss": "nothing"}]}}
users, registers, lock = {}, [0], threading.Lock()


def frame(body):
    return struct.pack("<I", len(body)) + body


def serve(conn):
    stream = conn.makefile("rb")
    while True:
        prefix = stream.read(4)
        if len(prefix) < 4:
            return
        body = stream.read(struct.unpack("<I", prefix)[0])
        op = body[0]
        if op == 0x01:
            text = b"{not json" if mode == "bad-json" else json.dumps(DESCRIPTION).encode()
            conn.sendall(frame(b"\x00" + struct.pack("<I", len(text)) + text))
        elif op == 0x02:
            conn.sendall(frame(b"\x00"))
        elif op == 0x03:
            conn.sendall(frame(b"\x00"))
            if mode != "ignore-close":
                os._exit(0)
        elif op == 0x10:
            with lock:
                registers[0] += 1
                if mode == "exit-on-second-register" and registers[0] == 2:
                    print("misbehaving driver: exiting mid-run", flush=True)
                    os._exit(4)
                n = struct.unpack_from("<I", body, 1)[0]
                phone = body[5:5 + n]
                created = phone not in users
                users.setdefault(phone, len(users) + 1)
            if mode == "oversized":
                conn.sendall(struct.pack("<I", 0x7FFFFFFF))
            elif mode == "malformed":
                conn.sendall(frame(b"\x00\x01\x02"))
            elif mode == "unknown-kind":
                conn.sendall(frame(b"\x01" + struct.pack("<BB", 99, 0) + struct.pack("<I", 4) + b"oops"))
            else:
                conn.sendall(frame(b"\x00" + struct.pack("<QB", users[phone], 1 if created else 0)))
        elif op == 0x14 and mode == "hang-send":
            time.sleep(3600)
        else:
            message = b"not supported by this driver"
            conn.sendall(frame(b"\x01" + struct.pack("<BB", 12, 0) + struct.pack("<I", len(message)) + message))


if mode == "ignore-close":
    subprocess.Popen(["sleep", "3600"])
listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
listener.bind(os.environ["SURGEBENCH_DRIVER_SOCKET"])
listener.listen(64)
while True:
    connection, _ = listener.accept()
    threading.Thread(target=serve, args=(connection,), daemon=True).start()
