import SurgeCore

/// The errors a misbehaving driver earns, each naming the driver and what to do.
enum DriverFailure {
    /// The driver sent something the protocol does not allow: the exchange cannot go on (the connection is dropped) and
    /// whatever the call was may or may not have happened.
    static func protocolError(_ driver: String, _ reason: String) -> StoreError {
        StoreError(.engine, "driver \(driver) broke the driver protocol: \(reason) (see docs/driver-protocol.md)", definite: false)
    }

    /// The driver is gone or unreachable; the call may or may not have happened.
    static func unavailable(_ driver: String, _ reason: String) -> StoreError {
        StoreError(.unavailable, "driver \(driver) \(reason)", definite: false)
    }
}
