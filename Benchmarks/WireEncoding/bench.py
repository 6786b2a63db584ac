import json, struct, time, base64
body = b"A" * 120
n = 200000
t = time.perf_counter()
for i in range(n):
    op = 0x14; chat, sender, cid = struct.unpack_from("<QQQ", struct.pack("<QQQ", i, 7, i))
    payload = body
    reply = struct.pack("<IBQB", 10, 0, 1, 0)
binary = (time.perf_counter() - t) / n * 1e9
text = base64.b64encode(body).decode()
request = json.dumps({"op": "send", "chat": 1, "sender": 7, "clientMessageID": 1, "body": text}, separators=(",", ":")).encode()
t = time.perf_counter()
for i in range(n):
    r = json.loads(request)
    b = base64.b64decode(r["body"])
    reply = json.dumps({"ok": True, "sequence": 1, "duplicate": False}, separators=(",", ":")).encode()
js = (time.perf_counter() - t) / n * 1e9
print(f"python per SEND decode request + encode reply: binary {binary:.0f} ns, compact JSON {js:.0f} ns")
