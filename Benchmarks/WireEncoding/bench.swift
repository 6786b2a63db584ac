import Foundation
struct Send: Codable { var op: String; var chat: UInt64; var sender: UInt64; var clientMessageID: UInt64; var body: String }
struct Reply: Codable { var ok: Bool; var sequence: UInt64; var duplicate: Bool }
func now() -> UInt64 { var t = timespec(); clock_gettime(CLOCK_MONOTONIC, &t); return UInt64(t.tv_sec) * 1_000_000_000 + UInt64(t.tv_nsec) }
let body = [UInt8](repeating: 65, count: 120)
let n = 200_000
var sink = 0
// binary: encode request + decode reply
var start = now()
for i in 0..<n {
    var bytes: [UInt8] = [0,0,0,0, 0x14]; bytes.reserveCapacity(160)
    for v in [UInt64(i), 7, UInt64(i)] { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    withUnsafeBytes(of: UInt32(body.count).littleEndian) { bytes.append(contentsOf: $0) }
    bytes.append(contentsOf: body)
    let reply: [UInt8] = [0, 1,0,0,0,0,0,0,0, 0]
    var seq: UInt64 = 0; for k in 0..<8 { seq |= UInt64(reply[1 + k]) << (8 * k) }
    sink &+= bytes.count &+ Int(seq)
}
let binary = Double(now() - start) / Double(n)
// JSON: Codable encode request (body base64 as JSON can't carry bytes) + decode reply
let encoder = JSONEncoder(); let decoder = JSONDecoder()
let replyData = try! encoder.encode(Reply(ok: true, sequence: 1, duplicate: false))
let text = Data(body).base64EncodedString()
start = now()
for i in 0..<n {
    let data = try! encoder.encode(Send(op: "send", chat: UInt64(i), sender: 7, clientMessageID: UInt64(i), body: text))
    let reply = try! decoder.decode(Reply.self, from: replyData)
    sink &+= data.count &+ Int(reply.sequence)
}
let json = Double(now() - start) / Double(n)
// JSONSerialization
start = now()
for i in 0..<n {
    let data = try! JSONSerialization.data(withJSONObject: ["op": "send", "chat": i, "sender": 7, "clientMessageID": i, "body": text])
    let reply = try! JSONSerialization.jsonObject(with: replyData) as! [String: Any]
    sink &+= data.count &+ (reply["sequence"] as! Int)
}
let serialization = Double(now() - start) / Double(n)
print(String(format: "swift per SEND request+reply: binary %.0f ns, JSONEncoder/Decoder %.0f ns, JSONSerialization %.0f ns (sink %d)", binary, json, serialization, sink & 1))
